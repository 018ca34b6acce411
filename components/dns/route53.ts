// Route53 adapter: records in an existing hosted zone; the mta-sts host is an alias A and
// AAAA record to CloudFront, so it costs no queries and follows the distribution.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { txtStrings } from "../../protocol/records";
import { type DnsRecordSpec, type DnsZone, type RecordArgs, withoutDot } from "./zone";

export interface Route53ZoneArgs {
  /** Hosted zone id, e.g. "Z0123456789ABC". */
  readonly zoneId: pulumi.Input<string>;
  /** Overwrite records that already exist at these names (`allowOverwrite`); default false: the create fails. */
  readonly adopt?: boolean;
}

export class Route53Zone extends pulumi.ComponentResource implements DnsZone {
  readonly provider = "route53" as const;
  readonly records: DnsRecordSpec[] = [];
  readonly zoneId: pulumi.Output<string>;
  private readonly adopt: boolean;

  constructor(
    private readonly name: string,
    args: Route53ZoneArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mta-sts:dns:Route53Zone", name, {}, opts);
    this.zoneId = pulumi.output(args.zoneId);
    this.adopt = args.adopt ?? false;
    this.registerOutputs({ zoneId: this.zoneId });
  }

  /**
   * Without it, a record that already exists at the name fails the create. The ACM validation
   * CNAME always gets it: ACM gives everyone validating this name in the account the same record,
   * so overwriting it changes nothing (and a Terraform module or an earlier stack left one behind).
   */
  private overwrite(args: RecordArgs): { allowOverwrite?: true } {
    return this.adopt || args.acmValidation ? { allowOverwrite: true } : {};
  }

  private spec(
    type: DnsRecordSpec["type"],
    args: RecordArgs,
    values: pulumi.Input<string>[],
    record: aws.route53.Record,
    alias = false,
  ): DnsRecordSpec {
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type,
      ttl: alias ? 60 : args.ttl,
      values: pulumi.output(values).apply((v) => v.map((x) => x.replace(/\.$/, ""))),
      alias,
      managedBy: "route53",
      purpose: args.purpose,
      adopt: this.adopt,
      written: record.id,
    };
    this.records.push(spec);
    return spec;
  }

  txt(
    suffix: string,
    args: RecordArgs & { value: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    const record = new aws.route53.Record(
      `${this.name}-${suffix}`,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type: "TXT",
        ttl: args.ttl,
        // The provider adds the outer quotes; `""` separates 255-byte character-strings.
        records: [pulumi.output(args.value).apply((v) => txtStrings(v).join('""'))],
        ...this.overwrite(args),
      },
      { ...opts, parent: this },
    );
    return this.spec("TXT", args, [args.value], record);
  }

  cname(
    suffix: string,
    args: RecordArgs & { target: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    const record = new aws.route53.Record(
      `${this.name}-${suffix}`,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type: "CNAME",
        ttl: args.ttl,
        records: [args.target],
        ...this.overwrite(args),
      },
      { ...opts, parent: this },
    );
    return this.spec("CNAME", args, [args.target], record);
  }

  mx(
    suffix: string,
    args: RecordArgs & { priority: number; host: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec {
    const value = pulumi.interpolate`${args.priority} ${args.host}`;
    const record = new aws.route53.Record(
      `${this.name}-${suffix}`,
      {
        zoneId: this.zoneId,
        name: withoutDot(args.name),
        type: "MX",
        ttl: args.ttl,
        records: [value],
        ...this.overwrite(args),
      },
      { ...opts, parent: this },
    );
    return this.spec("MX", args, [value], record);
  }

  cloudFrontAlias(
    suffix: string,
    args: RecordArgs & { domainName: pulumi.Input<string>; hostedZoneId: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec[] {
    return (["A", "AAAA"] as const).map((type) => {
      const record = new aws.route53.Record(
        `${this.name}-${suffix}-${type.toLowerCase()}`,
        {
          zoneId: this.zoneId,
          name: withoutDot(args.name),
          type,
          aliases: [
            { name: args.domainName, zoneId: args.hostedZoneId, evaluateTargetHealth: false },
          ],
          ...this.overwrite(args),
        },
        { ...opts, parent: this },
      );
      return this.spec(type, args, [args.domainName], record, true);
    });
  }
}
