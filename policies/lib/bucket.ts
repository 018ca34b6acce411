// What makes a bucket private, checked the same way for the policy bucket and the report bucket.
import type { PolicyResource } from "@pulumi/policy";
import { dependents, ifKnown, TYPES } from "./resources";

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** Statements that allow anyone: Principal "*" or { AWS: "*" } with Effect Allow. */
export function publicStatements(policyJson: string): string[] {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policyJson);
  } catch {
    return [];
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<
    string,
    any
  >[];
  return statements
    .filter((s) => s && s.Effect === "Allow")
    .filter((s) => s.Principal === "*" || (s.Principal && [s.Principal.AWS].flat().includes("*")))
    .map((s) => String(s.Sid ?? "(no Sid)"));
}

/** Every reason `bucket` is not private, one message each. */
export function bucketProblems(
  resources: readonly PolicyResource[],
  bucket: PolicyResource,
): string[] {
  const problems: string[] = [];
  const label = bucket.name;
  const pabs = dependents(resources, bucket, "bucket", [TYPES.publicAccessBlock]);
  const blocked = pabs.some((p) =>
    ifKnown(() =>
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(
        (k) => p.props[k] === true,
      ),
    ),
  );
  if (!blocked)
    problems.push(
      `bucket ${label} does not block all public access (a BucketPublicAccessBlock with all four settings true)`,
    );
  const inlineSse = ifKnown(() => bucket.props.serverSideEncryptionConfiguration);
  if (!inlineSse && dependents(resources, bucket, "bucket", TYPES.encryption).length === 0) {
    problems.push(`bucket ${label} has no server-side encryption configuration`);
  }
  if (
    ifKnown(() => bucket.props.website) ||
    dependents(resources, bucket, "bucket", TYPES.website).length > 0
  ) {
    problems.push(
      `bucket ${label} has website hosting, whose endpoint is HTTP-only and can redirect`,
    );
  }
  const acls = [
    ifKnown(() => bucket.props.acl),
    ...dependents(resources, bucket, "bucket", TYPES.acl).map((a) => ifKnown(() => a.props.acl)),
  ];
  for (const acl of acls)
    if (PUBLIC_ACLS.includes(String(acl)))
      problems.push(`bucket ${label} has the public ACL "${acl}"`);
  for (const p of dependents(resources, bucket, "bucket", [TYPES.bucketPolicy])) {
    const json = ifKnown(() => String(p.props.policy));
    for (const sid of json ? publicStatements(json) : [])
      problems.push(`bucket ${label} policy statement ${sid} allows Principal "*"`);
  }
  return problems;
}
