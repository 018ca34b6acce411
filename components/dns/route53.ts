// Route53 adapter: records in an existing hosted zone; the mta-sts host is an alias A and
// AAAA record to CloudFront, so it costs no queries and follows the distribution.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { txtStrings } from "../../protocol/records";
import { type DnsRecordSpec, type DnsZone, type RecordArgs, withoutDot } from "./zone";

export interface Route53ZoneArgs {
  /** Hosted zone id, e.g. "Z0123456789ABC". */
  readonly zoneId: pulumi.Input<string>;
}

export class Route53Zone extends pulumi.ComponentResource implements DnsZone {
  readonly provider = "route53" as const;
  readonly records: DnsRecordSpec[] = [];
  readonly zoneId: pulumi.Output<string>;

  constructor(
    private readonly name: string,
    args: Route53ZoneArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mta-sts:dns:Route53Zone", name, {}, opts);
    this.zoneId = pulumi.output(args.zoneId);
    this.registerOutputs({ zoneId: this.zoneId });
  }

  private spec(type: DnsRecordSpec["type"], args: RecordArgs, values: pulumi.Input<string>[], alias = false): DnsRecordSpec {
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type,
      ttl: alias ? 60 : args.ttl,
      values: pulumi.output(values).apply((v) => v.map((x) => x.replace(/\.$/, ""))),
      alias,
      managedBy: "route53",
      purpose: args.purpose,
    };
    this.records.push(spec);
    return spec;
  }

  txt(suffix: string, args: RecordArgs & { value: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    new aws.route53.Record(
      `${this.name}-${suffix}`,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type: "TXT",
        ttl: args.ttl,
        // The provider adds the outer quotes; `""` separates 255-byte character-strings.
        records: [pulumi.output(args.value).apply((v) => txtStrings(v).join('""'))],
      },
      { ...opts, parent: this },
    );
    return this.spec("TXT", args, [args.value]);
  }

  cname(suffix: string, args: RecordArgs & { target: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    new aws.route53.Record(
      `${this.name}-${suffix}`,
      { zoneId: this.zoneId, name: withoutDot(args.name), type: "CNAME", ttl: args.ttl, records: [args.target] },
      { ...opts, parent: this },
    );
    return this.spec("CNAME", args, [args.target]);
  }

  mx(suffix: string, args: RecordArgs & { priority: number; host: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions): DnsRecordSpec {
    const value = pulumi.interpolate`${args.priority} ${args.host}`;
    new aws.route53.Record(`${this.name}-${suffix}`, { zoneId: this.zoneId, name: withoutDot(args.name), type: "MX", ttl: args.ttl, records: [value] }, { ...opts, parent: this });
    return this.spec("MX", args, [value]);
  }

  cloudFrontAlias(
    suffix: string,
    args: RecordArgs & { domainName: pulumi.Input<string>; hostedZoneId: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec[] {
    return (["A", "AAAA"] as const).map((type) => {
      new aws.route53.Record(
        `${this.name}-${suffix}-${type.toLowerCase()}`,
        {
          zoneId: this.zoneId,
          name: withoutDot(args.name),
          type,
          aliases: [{ name: args.domainName, zoneId: args.hostedZoneId, evaluateTargetHealth: false }],
        },
        { ...opts, parent: this },
      );
      return this.spec(type, args, [args.domainName], true);
    });
  }
}
