// Cloudflare adapter: `cloudflare.DnsRecord` with full names and quoted TXT content. The
// mta-sts host is a DNS-only CNAME: proxying would put Cloudflare's certificate, not ours, in front.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { txtStrings } from "../../protocol/records";
import { type DnsRecordSpec, type DnsZone, type RecordArgs, withoutDot } from "./zone";

export interface CloudflareZoneArgs {
  /** Zone ID (32 hex digits) from the Cloudflare dashboard. */
  readonly zoneId: pulumi.Input<string>;
}

/** Cloudflare TXT content: each 255-byte character-string in double quotes. */
export const quoteTxt = (value: string) => txtStrings(value).map((s) => `"${s.replace(/(["\\])/g, "\\$1")}"`).join(" ");

export class CloudflareZone extends pulumi.ComponentResource implements DnsZone {
  readonly provider = "cloudflare" as const;
  readonly records: DnsRecordSpec[] = [];
  readonly zoneId: pulumi.Output<string>;

  constructor(
    private readonly name: string,
    args: CloudflareZoneArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mta-sts:dns:CloudflareZone", name, {}, opts);
    this.zoneId = pulumi.output(args.zoneId);
    this.registerOutputs({ zoneId: this.zoneId });
  }

  private record(suffix: string, type: "TXT" | "CNAME", args: RecordArgs, value: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions) {
    const plain = pulumi.output(value).apply((v) => v.replace(/\.$/, ""));
    new cloudflare.DnsRecord(
      `${this.name}-${suffix}`,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type,
        ttl: args.ttl,
        content: type === "TXT" ? plain.apply(quoteTxt) : plain,
        proxied: false,
        comment: `mta-sts: ${args.purpose}`.slice(0, 100), // the Free plan's limit
      },
      { ...opts, parent: this },
    );
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type,
      ttl: args.ttl,
      values: plain.apply((v) => [v]),
      alias: false,
      managedBy: "cloudflare",
      purpose: args.purpose,
    };
    this.records.push(spec);
    return spec;
  }

  txt(suffix: string, args: RecordArgs & { value: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    return this.record(suffix, "TXT", args, args.value, opts);
  }

  cname(suffix: string, args: RecordArgs & { target: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    return this.record(suffix, "CNAME", args, args.target, opts);
  }

  mx(suffix: string, args: RecordArgs & { priority: number; host: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    const host = pulumi.output(args.host).apply((h) => h.replace(/\.$/, ""));
    new cloudflare.DnsRecord(
      `${this.name}-${suffix}`,
      { zoneId: this.zoneId, name: withoutDot(args.name), type: "MX", ttl: args.ttl, content: host, priority: args.priority, comment: `mta-sts: ${args.purpose}`.slice(0, 100) },
      { ...opts, parent: this },
    );
    const spec: DnsRecordSpec = { name: withoutDot(args.name), type: "MX", ttl: args.ttl, values: host.apply((h) => [`${args.priority} ${h}`]), alias: false, managedBy: "cloudflare", purpose: args.purpose };
    this.records.push(spec);
    return spec;
  }

  cloudFrontAlias(suffix: string, args: RecordArgs & { domainName: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec[] {
    return [this.record(suffix, "CNAME", args, args.domainName, opts)];
  }
}
