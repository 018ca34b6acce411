// What every DNS adapter offers: the few record shapes MTA-STS needs, declared in the
// domain's own provider, each also described as a DnsRecordSpec for plans and stack outputs.
import * as pulumi from "@pulumi/pulumi";

export type DnsProvider = "route53" | "cloudflare" | "manual";

/** A record as a reviewer reads it: zone-file fields, values possibly known only after deploy. */
export interface DnsRecordSpec {
  /** Fully qualified, without the trailing dot. */
  readonly name: pulumi.Output<string>;
  readonly type: "TXT" | "CNAME" | "A" | "AAAA" | "MX";
  readonly ttl: number;
  /** TXT: the logical value (strings concatenated); CNAME/alias: the target host. */
  readonly values: pulumi.Output<string[]>;
  /** Route53 alias to a CloudFront distribution (not a plain A/AAAA value). */
  readonly alias: boolean;
  readonly managedBy: DnsProvider;
  /** Why the record exists, for people reading a plan. */
  readonly purpose: string;
  /** The stack takes over a record that already exists at this name (the domain's `adopt`). */
  readonly adopt?: boolean;
  /** The record's id once it is written (absent for manual records): data for anything that must come after it. */
  readonly written?: pulumi.Output<string>;
}

export interface RecordArgs {
  /** Fully qualified name; a trailing dot is accepted and dropped. */
  readonly name: pulumi.Input<string>;
  readonly ttl: number;
  readonly purpose: string;
  /**
   * ACM's own DNS validation record: the same name and value for anyone validating this name in
   * the AWS account, so Route53 overwrites an existing one whatever `adopt` says.
   */
  readonly acmValidation?: boolean;
}

/**
 * A DNS zone that MTA-STS records are written to. `suffix` makes the child resource name
 * (`<zone name>-<suffix>`); keep it stable, since renaming it replaces the record.
 */
export interface DnsZone {
  readonly provider: DnsProvider;
  /** Every record declared through this zone so far, in declaration order. */
  readonly records: readonly DnsRecordSpec[];
  txt(
    suffix: string,
    args: RecordArgs & { readonly value: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec;
  cname(
    suffix: string,
    args: RecordArgs & { readonly target: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec;
  /** An MX record (`values` read "<priority> <host>"). */
  mx(
    suffix: string,
    args: RecordArgs & { readonly priority: number; readonly host: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec;
  /** Points a host at a CloudFront distribution (alias A+AAAA, or a CNAME where aliases do not exist). */
  cloudFrontAlias(
    suffix: string,
    args: RecordArgs & {
      readonly domainName: pulumi.Input<string>;
      readonly hostedZoneId: pulumi.Input<string>;
    },
    opts?: pulumi.CustomResourceOptions,
  ): DnsRecordSpec[];
}

export const withoutDot = (name: pulumi.Input<string>) =>
  pulumi.output(name).apply((n) => n.replace(/\.$/, ""));
