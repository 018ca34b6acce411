// IAM rules: role and policy names within IAM's limits, which IAM actions an AWS SDK command
// needs, and whether a policy document allows them (the receiver's IAM contract test uses both).
import { resourcePolicy } from "../lib/define";
import { TYPES } from "../lib/resources";
import { describeLength, physicalName } from "./names";

/** Role names: 64 characters of letters, digits and + = , . @ _ -. */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (role name 64 characters; allowed characters)
export const ROLE_NAME_MAX = 64;
/** Managed and inline policy names: 128 characters. */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (policy name 128 characters)
export const POLICY_NAME_MAX = 128;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html (PolicyName pattern: word characters and +=,.@-)
const IAM_NAME_CHARS = /[A-Za-z0-9+=,.@_-]/g;

export function iamNameProblems(r: {
  type: string;
  name: string;
  props: Record<string, any>;
}): string[] {
  const isRole = r.type === TYPES.role;
  const what = isRole
    ? "role name"
    : r.type === TYPES.rolePolicy
      ? "inline policy name"
      : "policy name";
  const limit = isRole ? ROLE_NAME_MAX : POLICY_NAME_MAX;
  const name = physicalName(r, "name", { prefixField: "namePrefix" });
  const problems: string[] = [];
  if (name.length > limit) problems.push(describeLength(name, what, limit));
  const bad = [...new Set(name.value.replace(IAM_NAME_CHARS, ""))];
  if (bad.length > 0)
    problems.push(
      `${what} "${name.value}" contains ${bad.map((c) => JSON.stringify(c)).join(", ")}; IAM names allow letters, digits and + = , . @ _ -`,
    );
  return problems;
}

export const iamNames = resourcePolicy({
  name: "iam-names",
  description: `IAM role names fit ${ROLE_NAME_MAX} characters and policy names ${POLICY_NAME_MAX}, counting what the provider adds: 8 characters to an autonamed logical name, 26 to a namePrefix.`,
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: `Shorten the role's logical name to ${ROLE_NAME_MAX - 8} characters (a namePrefix to ${ROLE_NAME_MAX - 26}) or set name explicitly; keep to letters, digits and + = , . @ _ -.`,
  validateResource: (args, reportViolation) => {
    if (![TYPES.role, TYPES.rolePolicy, TYPES.iamPolicy].includes(args.type as never))
      return args.notApplicable("not an IAM role or policy");
    for (const p of iamNameProblems(args)) reportViolation(p);
  },
});

/**
 * The IAM actions an AWS SDK v3 command needs (`PutObjectCommand` -> s3:PutObject). A
 * transaction needs the action of each of its items, not an action of its own name.
 */
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html and list_amazondynamodb.html (actions by API operation)
export function actionsForCommand(
  service: "s3" | "dynamodb",
  command: string,
  input: Record<string, any> = {},
): string[] {
  const op = command.replace(/Command$/, "");
  if (service === "s3") {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html (HeadObject needs s3:GetObject); ListObjectsV2 needs s3:ListBucket
    const s3: Record<string, string[]> = {
      HeadObject: ["s3:GetObject"],
      ListObjectsV2: ["s3:ListBucket"],
      ListObjects: ["s3:ListBucket"],
      HeadBucket: ["s3:ListBucket"],
      CopyObject: ["s3:GetObject", "s3:PutObject"],
      CreateMultipartUpload: ["s3:PutObject"],
      UploadPart: ["s3:PutObject"],
      CompleteMultipartUpload: ["s3:PutObject"],
      DeleteObjects: ["s3:DeleteObject"],
    };
    return s3[op] ?? [`s3:${op}`];
  }
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html (transactions: permissions per item action)
  if (op === "TransactWriteItems") {
    const items = (input.TransactItems ?? []) as Record<string, unknown>[];
    const per: Record<string, string> = {
      Put: "dynamodb:PutItem",
      Update: "dynamodb:UpdateItem",
      Delete: "dynamodb:DeleteItem",
      ConditionCheck: "dynamodb:ConditionCheckItem",
    };
    return [
      ...new Set(
        items.flatMap((i) =>
          Object.keys(i)
            .map((k) => per[k])
            .filter((a): a is string => !!a),
        ),
      ),
    ];
  }
  if (op === "TransactGetItems") return ["dynamodb:GetItem"];
  return [`dynamodb:${op}`];
}

/** `s3:Put*` against `s3:PutObject`, `arn:aws:s3:::b/*` against an object ARN: IAM's * and ? wildcards. */
const globMatches = (pattern: string, value: string, caseInsensitive: boolean) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    caseInsensitive ? "i" : "",
  ).test(value);

/**
 * Whether a policy document allows `action` on `resource`: some Allow statement matches both and
 * no Deny does. Conditions are not evaluated (a statement with one is taken as it would apply).
 */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html (explicit deny wins; otherwise an allow is needed)
export function policyAllows(document: unknown, action: string, resource: string): boolean {
  let doc: any = document;
  try {
    if (typeof doc === "string") doc = JSON.parse(doc);
  } catch {
    return false;
  }
  const statements = [doc?.Statement].flat().filter(Boolean) as Record<string, any>[];
  const matches = (s: Record<string, any>) => {
    const actionOk =
      s.Action !== undefined
        ? [s.Action].flat().some((a: string) => globMatches(a, action, true))
        : s.NotAction !== undefined &&
          ![s.NotAction].flat().some((a: string) => globMatches(a, action, true));
    const resourceOk =
      s.Resource !== undefined
        ? [s.Resource].flat().some((r: string) => globMatches(r, resource, false))
        : s.NotResource !== undefined &&
          ![s.NotResource].flat().some((r: string) => globMatches(r, resource, false));
    return actionOk && resourceOk;
  };
  if (statements.some((s) => s.Effect === "Deny" && matches(s))) return false;
  return statements.some((s) => s.Effect === "Allow" && matches(s));
}
