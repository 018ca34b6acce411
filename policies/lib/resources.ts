// What the policies look for, across the ways a stack can spell it: TXT records in Route53
// or Cloudflare, policy objects in S3, and the resources that hang off a bucket.
import type { PolicyResource } from "@pulumi/policy";
import { POLICY_PATH } from "../../protocol/mta-sts";
import { isUnknownValue } from "./unknown";

export const TYPES = {
  route53Record: "aws:route53/record:Record",
  cloudflareRecord: "cloudflare:index/dnsRecord:DnsRecord",
  objects: ["aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject"],
  buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  website: [
    "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
    "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2",
  ],
  acl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  distribution: "aws:cloudfront/distribution:Distribution",
  cloudfrontFunction: "aws:cloudfront/function:Function",
  certificate: "aws:acm/certificate:Certificate",
  lambda: "aws:lambda/function:Function",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  permission: "aws:lambda/permission:Permission",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  role: "aws:iam/role:Role",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  sesRuleSet: "aws:ses/receiptRuleSet:ReceiptRuleSet",
  sesRule: "aws:ses/receiptRule:ReceiptRule",
  sesActiveRuleSet: "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet",
  lifecycle: [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  ],
  route53Zone: "aws:route53/zone:Zone",
  cloudflareZone: "cloudflare:index/zone:Zone",
} as const;

/** The minimum of a resource the rules read (what @pulumi/policy hands a validator). */
export interface ResourceLike {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  readonly props: Record<string, any>;
}

/** Runs `fn`; a preview-time unknown inside gives undefined instead of an exception. */
export function ifKnown<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (isUnknownValue(err)) return undefined;
    throw err;
  }
}

export interface TxtRecord {
  readonly urn: string;
  /** Fully qualified where the resource says so; lower case, no trailing dot. */
  readonly name: string;
  /** One entry per TXT record, character-strings concatenated. */
  readonly values: string[];
  readonly provider: "route53" | "cloudflare";
  /** Cloudflare content as written (to check quoting). */
  readonly raw?: string;
}

/** Cloudflare TXT content `"a" "b"` -> `ab`; unquoted content is taken as is. */
export function unquoteTxt(content: string): string {
  const parts = content.match(/"((?:[^"\\]|\\.)*)"/g);
  if (!parts || !content.trim().startsWith('"')) return content;
  return parts.map((p) => p.slice(1, -1).replace(/\\(.)/g, "$1")).join("");
}

/**
 * The TXT record a resource declares, or undefined when it is not a TXT record. Accessing
 * a value unknown at preview throws (the policy SDK turns that into "can't run during preview").
 */
export function txtRecordOf(r: ResourceLike): TxtRecord | undefined {
  if (r.type === TYPES.route53Record) {
    if (r.props.type !== "TXT") return undefined;
    const records = (r.props.records ?? []) as string[];
    // Route53 separates 255-byte character-strings with `""` inside one value.
    return {
      urn: r.urn,
      name: normName(r.props.name),
      values: records.map((v) => v.replace(/""/g, "")),
      provider: "route53",
    };
  }
  if (r.type === TYPES.cloudflareRecord) {
    if (r.props.type !== "TXT") return undefined;
    const content = String(r.props.content ?? "");
    return {
      urn: r.urn,
      name: normName(r.props.name),
      values: [unquoteTxt(content)],
      provider: "cloudflare",
      raw: content,
    };
  }
  return undefined;
}

export const normName = (name: unknown) =>
  String(name ?? "")
    .toLowerCase()
    .replace(/\.$/, "");

/** `_mta-sts.example.com` -> `example.com` (undefined for relative or other names). */
export function domainOfLabel(name: string, label: string): string | undefined {
  return name.startsWith(`${label}.`) ? name.slice(label.length + 1) : undefined;
}

/** True for an S3 object resource that holds an MTA-STS policy file. */
export function isPolicyObject(r: ResourceLike): boolean {
  if (!(TYPES.objects as readonly string[]).includes(r.type)) return false;
  const key = ifKnown(() => r.props.key as string | undefined);
  return typeof key === "string" && key.replace(/^\//, "").endsWith(POLICY_PATH.slice(1));
}

/** The host a policy object is for, from a `mta-sts.<domain>/.well-known/mta-sts.txt` key. */
export function policyObjectDomain(key: string): string | undefined {
  const m = /^\/?mta-sts\.([^/]+)\/\.well-known\/mta-sts\.txt$/.exec(key);
  return m?.[1]?.toLowerCase();
}

/** Resources whose input `property` was computed from `target` (e.g. a bucket's add-ons). */
export function dependents(
  resources: readonly PolicyResource[],
  target: PolicyResource,
  property: string,
  types: readonly string[],
): PolicyResource[] {
  return resources.filter(
    (r) =>
      types.includes(r.type) &&
      (r.propertyDependencies[property] ?? []).some((d) => d.urn === target.urn),
  );
}

/** True when `urn` sits (at any depth) under a component of type `componentType`. */
export function isUnder(urn: string, componentType: string): boolean {
  const typeChain = urn.split("::")[2] ?? "";
  return typeChain.split("$").slice(0, -1).includes(componentType);
}
