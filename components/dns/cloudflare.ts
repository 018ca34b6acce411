// Cloudflare adapter: `cloudflare.DnsRecord` with full names and quoted TXT content. The
// mta-sts host is a DNS-only CNAME: proxying would put Cloudflare's certificate, not ours, in front.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { zoneTxt } from "../../protocol/records";
import { type DnsRecordSpec, type DnsZone, type RecordArgs, withoutDot } from "./zone";

/** Every record this toolkit writes carries a comment starting so: how the world edge tells ours from others. */
export const COMMENT_PREFIX = "mta-sts:";

/** A record that already exists at one of the stack's names, to take over instead of adding another. */
export interface Takeover {
  /** `<zone id>/<record id>`: the import id of `cloudflare.DnsRecord`. */
  readonly importId: string;
  /** Its name, fully qualified, without the trailing dot. */
  readonly name: string;
}

/** What world/existing-records.ts found for one zone: plain data. */
export interface CloudflareTakeovers {
  /** By `takeoverKey(name, type)`. */
  readonly records?: Readonly<Record<string, Takeover>>;
  /** An ACM validation CNAME under `mta-sts.<domain>`; taken over only if ACM asks for exactly that name. */
  readonly acmValidation?: Takeover;
}

export const takeoverKey = (name: string, type: string) => `${name.replace(/\.$/, "")} ${type}`;

/**
 * The ACM validation record to take over was chosen before the certificate named the record it
 * wants: the import goes ahead only if ACM asks for that very name, never renaming a validation
 * record of another certificate or AWS account.
 */
export function acmTakeoverName(takeover: Takeover, requested: string): string {
  if (requested.replace(/\.$/, "") === takeover.name) return requested;
  throw new pulumi.RunError(
    `${takeover.name}: adopt found this ACM validation CNAME (Cloudflare record ${takeover.importId.split("/")[1]}), but ACM asks for ${requested.replace(/\.$/, "")}: ` +
      "it belongs to another certificate or AWS account, so the stack will not take it over; delete it if nothing uses it any more, or set adopt: false for this domain",
  );
}

export interface CloudflareZoneArgs {
  /** Zone ID (32 hex digits) from the Cloudflare dashboard. */
  readonly zoneId: pulumi.Input<string>;
  /** The domain's `adopt`: its records are marked as taking over existing ones (in plans and the `domains` output). */
  readonly adopt?: boolean;
  /**
   * Existing records to take over (Pulumi's `import` option), or a promise of them: an import id
   * must be a plain string when the record is declared, so the records then wait for the answer.
   */
  readonly takeovers?: CloudflareTakeovers | Promise<CloudflareTakeovers | undefined>;
}

/** Cloudflare TXT content: zone-file syntax, each 255-byte character-string in double quotes. */
export const quoteTxt = zoneTxt;

type CloudflareRecordArgs = Omit<cloudflare.DnsRecordArgs, "name"> & {
  readonly name: pulumi.Output<string>;
};

export class CloudflareZone extends pulumi.ComponentResource implements DnsZone {
  readonly provider = "cloudflare" as const;
  readonly records: DnsRecordSpec[] = [];
  readonly zoneId: pulumi.Output<string>;
  private readonly adopt: boolean;
  private readonly takeovers: CloudflareZoneArgs["takeovers"];

  constructor(
    private readonly name: string,
    args: CloudflareZoneArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mta-sts:dns:CloudflareZone", name, {}, opts);
    this.zoneId = pulumi.output(args.zoneId);
    this.adopt = args.adopt ?? false;
    this.takeovers = args.takeovers;
    this.registerOutputs({ zoneId: this.zoneId });
  }

  /** Declares one record, importing the existing record the world edge handed over for it; resolves to its id. */
  private declare(
    suffix: string,
    type: string,
    args: RecordArgs,
    inputs: CloudflareRecordArgs,
    opts?: pulumi.CustomResourceOptions,
  ): pulumi.Output<string> {
    const make = (found: CloudflareTakeovers | undefined) => {
      const takeover = args.acmValidation
        ? found?.acmValidation
        : typeof args.name === "string"
          ? found?.records?.[takeoverKey(args.name, type)]
          : undefined;
      const name =
        takeover && args.acmValidation
          ? inputs.name.apply((n) => acmTakeoverName(takeover, n))
          : inputs.name;
      return new cloudflare.DnsRecord(
        `${this.name}-${suffix}`,
        { ...inputs, name },
        { ...opts, parent: this, ...(takeover ? { import: takeover.importId } : {}) },
      );
    };
    const takeovers = this.takeovers;
    if (!(takeovers instanceof Promise)) return make(takeovers).id;
    // Declared when the world edge answers (a promise, unlike an Output in a preview, always
    // resolves, so previews show these records too); a refusal rejects it and nothing is declared.
    return pulumi.output(takeovers.then((found) => make(found).id));
  }

  private record(
    suffix: string,
    type: "TXT" | "CNAME",
    args: RecordArgs,
    value: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const plain = pulumi.output(value).apply((v) => v.replace(/\.$/, ""));
    const written = this.declare(
      suffix,
      type,
      args,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type,
        ttl: args.ttl,
        content: type === "TXT" ? plain.apply(quoteTxt) : plain,
        proxied: false,
        comment: `${COMMENT_PREFIX} ${args.purpose}`.slice(0, 100), // the Free plan's limit
      },
      opts,
    );
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type,
      ttl: args.ttl,
      values: plain.apply((v) => [v]),
      alias: false,
      managedBy: "cloudflare",
      purpose: args.purpose,
      adopt: this.adopt,
      written,
    };
    this.records.push(spec);
    return spec;
  }

  txt(
    suffix: string,
    args: RecordArgs & { value: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    return this.record(suffix, "TXT", args, args.value, opts);
  }

  cname(
    suffix: string,
    args: RecordArgs & { target: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    return this.record(suffix, "CNAME", args, args.target, opts);
  }

  mx(
    suffix: string,
    args: RecordArgs & { priority: number; host: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    const host = pulumi.output(args.host).apply((h) => h.replace(/\.$/, ""));
    const written = this.declare(
      suffix,
      "MX",
      args,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type: "MX",
        ttl: args.ttl,
        content: host,
        priority: args.priority,
        comment: `${COMMENT_PREFIX} ${args.purpose}`.slice(0, 100),
      },
      opts,
    );
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type: "MX",
      ttl: args.ttl,
      values: host.apply((h) => [`${args.priority} ${h}`]),
      alias: false,
      managedBy: "cloudflare",
      purpose: args.purpose,
      adopt: this.adopt,
      written,
    };
    this.records.push(spec);
    return spec;
  }

  cloudFrontAlias(
    suffix: string,
    args: RecordArgs & { domainName: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec[] {
    return [this.record(suffix, "CNAME", args, args.domainName, opts)];
  }
}
