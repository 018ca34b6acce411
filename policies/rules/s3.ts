// S3 rules: bucket names CreateBucket accepts (counting what autonaming adds), and lifecycle
// rules that say which objects they apply to.
import { resourcePolicy } from "../lib/define";
import { TYPES } from "../lib/resources";
import { describeLength, physicalName } from "./names";

export const BUCKET_NAME_MAX = 63;

/** Why S3 would refuse a bucket name (explicit, or the start of one: a prefix or an autoname). */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose bucket naming rules)
export function bucketNameProblems(
  name: string,
  opts: { whole: boolean } = { whole: true },
): string[] {
  const problems: string[] = [];
  const bad = [...new Set(name.replace(/[a-z0-9.-]/g, ""))];
  if (bad.length > 0)
    problems.push(
      `"${name}" contains ${bad.map((c) => JSON.stringify(c)).join(", ")}; bucket names use lowercase letters, digits, "." and "-" only`,
    );
  if (!/^[a-z0-9]/.test(name))
    problems.push(`"${name}" does not start with a lowercase letter or digit`);
  if (name.includes("..")) problems.push(`"${name}" has two adjacent periods`);
  for (const p of ["xn--", "sthree-", "amzn-s3-demo-"])
    if (name.startsWith(p)) problems.push(`"${name}" starts with the reserved prefix ${p}`);
  if (opts.whole) {
    if (name.length < 3) problems.push(`"${name}" is shorter than 3 characters`);
    if (!/[a-z0-9]$/.test(name))
      problems.push(`"${name}" does not end with a lowercase letter or digit`);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name))
      problems.push(`"${name}" is formatted as an IP address`);
    for (const s of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"])
      if (name.endsWith(s)) problems.push(`"${name}" ends with the reserved suffix ${s}`);
  }
  return problems;
}

export const s3BucketName = resourcePolicy({
  name: "s3-bucket-name",
  description: `An S3 bucket name is 3-${BUCKET_NAME_MAX} lowercase letters, digits, dots and hyphens (S3's naming rules); an autonamed bucket takes the logical name, lowercased, + 8 characters, a bucketPrefix + 26.`,
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: `Keep a bucket's logical name within ${BUCKET_NAME_MAX - 8} characters of a-z, 0-9, "." and "-" (bucketPrefix within ${BUCKET_NAME_MAX - 26}), or set bucket to a valid name.`,
  validateResource: (args, reportViolation) => {
    if (!(TYPES.buckets as readonly string[]).includes(args.type))
      return args.notApplicable("not an S3 bucket");
    // The AWS provider lowercases an autonamed bucket name.
    const name = physicalName(args, "bucket", {
      prefixField: "bucketPrefix",
      transform: (s) => s.toLowerCase(),
    });
    if (name.length > BUCKET_NAME_MAX)
      reportViolation(describeLength(name, "bucket name", BUCKET_NAME_MAX));
    for (const p of bucketNameProblems(name.value, { whole: name.kind === "explicit" }))
      reportViolation(`bucket name ${p}`);
  },
});

/** A lifecycle rule's filter says something: at least one of prefix, tag, and, size bounds. */
export function lifecycleRuleProblems(rule: Record<string, any>, index: number): string[] {
  const filter = rule.filter;
  const said = (v: unknown) => v !== undefined && v !== null;
  const filterSays = filter && typeof filter === "object" && Object.values(filter).some(said);
  if (filterSays || said(rule.prefix)) return [];
  const label = rule.id ? `"${rule.id}"` : `${index}`;
  return [
    `lifecycle rule ${label} has ${filter ? "an empty filter" : "no filter or prefix"}; the AWS provider warns and will refuse it`,
  ];
}

export const s3LifecycleFilter = resourcePolicy({
  name: "s3-lifecycle-filter",
  description:
    "Each S3 lifecycle rule has a non-empty filter (or prefix): an empty filter: {} or none at all draws the AWS provider's 'Invalid Attribute Combination' warning, which it says will become an error.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    'For a rule over the whole bucket write filter: { prefix: "" } instead of filter: {}; otherwise name the prefix, tag or size the rule applies to.',
  validateResource: (args, reportViolation) => {
    // https://github.com/hashicorp/terraform-provider-aws/issues/42714 (empty filter block: "No attribute specified when one (and only one) of ... is required")
    if (!(TYPES.lifecycle as readonly string[]).includes(args.type))
      return args.notApplicable("not an S3 lifecycle configuration");
    ((args.props.rules ?? []) as Record<string, any>[]).forEach((rule, i) => {
      for (const p of lifecycleRuleProblems(rule, i)) reportViolation(p);
    });
  },
});
