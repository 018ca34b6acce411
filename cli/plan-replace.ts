// The inputs whose change makes the provider replace a resource (delete and create, or create
// then delete) rather than update it, for the cloud resource types this toolkit declares where
// a replacement matters to a reviewer. The provider packages ship no schema to read this from,
// so it is written down here, each entry with the provider source that says so (ForceNew /
// RequiresReplace); test/plan-replace.test.ts checks the entries against what the program declares.
import type * as aws from "@pulumi/aws";
import type * as cloudflare from "@pulumi/cloudflare";

export interface ReplaceRule {
  /** Input names (as the Pulumi SDK spells them) whose change replaces the resource. */
  readonly inputs: readonly string[];
  /** What the provider's source says, where. */
  readonly source: string;
  /** How a reviewer calls the resource. */
  readonly what: string;
}

/** Input names checked against the SDK's argument types, so a typo fails the type check. */
const names = <Args>(...inputs: (keyof Args & string)[]) => inputs;

const AWS = "terraform-provider-aws (bridged by @pulumi/aws v7)";

export const REPLACE_ON: Readonly<Record<string, ReplaceRule>> = {
  "aws:acm/certificate:Certificate": {
    inputs: names<aws.acm.CertificateArgs>(
      "domainName",
      "subjectAlternativeNames",
      "keyAlgorithm",
      "validationMethod",
      "validationOptions",
      "certificateAuthorityArn",
      "region",
    ),
    source: `${AWS} internal/service/acm/certificate.go: domain_name, subject_alternative_names, key_algorithm, validation_method, validation_option and certificate_authority_arn are ForceNew; region (v6+ per-resource region) forces a new resource`,
    what: "certificate",
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    inputs: names<aws.acm.CertificateValidationArgs>(
      "certificateArn",
      "validationRecordFqdns",
      "region",
    ),
    source: `${AWS} internal/service/acm/certificate_validation.go: certificate_arn and validation_record_fqdns are ForceNew (the resource has no update)`,
    what: "certificate validation",
  },
  "aws:route53/record:Record": {
    inputs: names<aws.route53.RecordArgs>("zoneId", "name"),
    source: `${AWS} internal/service/route53/record.go: zone_id and name are ForceNew (type, ttl, records and alias update in place)`,
    what: "Route53 record",
  },
  "cloudflare:index/dnsRecord:DnsRecord": {
    inputs: names<cloudflare.DnsRecordArgs>("zoneId"),
    source:
      "terraform-provider-cloudflare v5 (bridged by @pulumi/cloudflare v6) internal/services/dns_record/schema.go: zone_id has RequiresReplace (name, type, content and ttl update in place)",
    what: "Cloudflare record",
  },
  "aws:s3/bucketObjectv2:BucketObjectv2": {
    inputs: names<aws.s3.BucketObjectv2Args>("bucket", "key", "region"),
    source: `${AWS} internal/service/s3/object.go: bucket and key are ForceNew`,
    what: "policy object",
  },
  "aws:cloudfront/distributionTenant:DistributionTenant": {
    inputs: names<aws.cloudfront.DistributionTenantArgs>("distributionId"),
    source: `${AWS} internal/service/cloudfront/distribution_tenant.go: distribution_id has RequiresReplace (domains, connection group, certificate request and enabled update in place)`,
    what: "distribution tenant",
  },
  "aws:cloudfront/connectionGroup:ConnectionGroup": {
    inputs: names<aws.cloudfront.ConnectionGroupArgs>("name"),
    source: `${AWS} internal/service/cloudfront/connection_group.go: name has RequiresReplace (enabled, ipv6_enabled and anycast_ip_list_id update in place); the program sets no name: the engine picks one on create and keeps it, so nothing the program sets replaces the connection group`,
    what: "connection group",
  },
  "aws:cloudfront/multitenantDistribution:MultitenantDistribution": {
    inputs: names<aws.cloudfront.MultitenantDistributionArgs>(),
    source: `${AWS} internal/service/cloudfront/multitenant_distribution.go: no attribute has RequiresReplace or ForceNew, so nothing replaces it (origins, behaviors, viewer certificate, comment, enabled and tags update in place; the provider waits for Deployed)`,
    what: "multi-tenant distribution",
  },
  "aws:s3/bucket:Bucket": {
    inputs: names<aws.s3.BucketArgs>("bucket", "bucketPrefix", "region"),
    source: `${AWS} internal/service/s3/bucket.go: bucket and bucket_prefix are ForceNew`,
    what: "bucket",
  },
};

/** The replace-forcing inputs among `changed` for a resource of `type` (none when the type is not in the table). */
export const replacingInputs = (type: string, changed: readonly string[]): string[] =>
  changed.filter((k) => REPLACE_ON[type]?.inputs.includes(k));
