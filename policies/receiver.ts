// The TLS-RPT receiver (resources under a mta-sts:index:ReportReceiver component): bounded,
// least privilege, one public entry, private storage.
import type { PolicyResource } from "@pulumi/policy";
import { bucketProblems } from "./lib/bucket";
import { resourcePolicy, stackPolicy } from "./lib/define";
import { ifKnown, isUnder, TYPES } from "./lib/resources";

export const RECEIVER_TYPE = "mta-sts:index:ReportReceiver";
const inReceiver = (r: { urn: string }) => isUnder(r.urn, RECEIVER_TYPE);

export const receiverLambdaBounded = stackPolicy({
  name: "receiver-lambda-bounded",
  description: "Each receiver Lambda has reserved concurrency (a flood of reports cannot take the account's concurrency) and a log group with a retention period.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set reservedConcurrentExecutions (e.g. 5) and loggingConfig.logGroup to a LogGroup with retentionInDays.",
  validateStack: (args, reportViolation) => {
    for (const fn of args.resources.filter((r) => r.type === TYPES.lambda && inReceiver(r))) {
      const reserved = ifKnown(() => fn.props.reservedConcurrentExecutions);
      if (!(typeof reserved === "number" && reserved >= 1)) reportViolation(`receiver Lambda ${fn.name} has no reserved concurrency`, fn.urn);
      const groups = (fn.propertyDependencies.loggingConfig ?? []).filter((g) => g.type === TYPES.logGroup);
      const named = args.resources.filter((g) => g.type === TYPES.logGroup && ifKnown(() => g.props.name) === `/aws/lambda/${ifKnown(() => fn.props.name)}`);
      const retained = [...groups, ...named].some((g) => (ifKnown(() => g.props.retentionInDays) ?? 0) > 0);
      if (!retained) reportViolation(`receiver Lambda ${fn.name} logs to no log group with a retention period`, fn.urn);
    }
  },
});

function statements(json: unknown): Record<string, any>[] {
  try {
    const doc = typeof json === "string" ? JSON.parse(json) : json;
    return [doc?.Statement].flat().filter(Boolean);
  } catch {
    return [];
  }
}
const wildcard = (v: unknown) => [v].flat().some((x) => x === "*" || x === "*:*");

export const receiverLeastPrivilege = resourcePolicy({
  name: "receiver-least-privilege",
  description: "No receiver IAM policy allows action * on resource *, and no receiver role has AdministratorAccess.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "List the actions the function needs (s3:PutObject on its bucket prefix, dynamodb:TransactWriteItems on its table, ...) on the resources it touches.",
  validateResource: (args, reportViolation) => {
    if (!inReceiver(args)) return args.notApplicable("not part of a ReportReceiver");
    let docs: unknown[] = [];
    if (args.type === TYPES.rolePolicy || args.type === TYPES.iamPolicy) docs = [args.props.policy];
    else if (args.type === TYPES.role) docs = ((args.props.inlinePolicies ?? []) as { policy?: string }[]).map((p) => p.policy);
    else if (args.type === TYPES.rolePolicyAttachment) {
      if (String(args.props.policyArn).endsWith(":policy/AdministratorAccess")) reportViolation("receiver role has AdministratorAccess");
      return;
    } else return args.notApplicable("not an IAM policy");
    for (const s of docs.flatMap(statements)) {
      if (s.Effect === "Allow" && wildcard(s.Action) && wildcard(s.Resource)) reportViolation(`statement ${s.Sid ?? "(no Sid)"} allows * on *`);
    }
  },
});

export const receiverSinglePublicEntry = resourcePolicy({
  name: "receiver-single-public-entry",
  description: "The receiver's Function URL is its only public entry: a Lambda permission for Principal * must be for the Function URL.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: 'Grant the public only lambda:InvokeFunctionUrl (functionUrlAuthType NONE) and lambda:InvokeFunction with invokedViaFunctionUrl: true; give other callers their own principal (e.g. "ses.amazonaws.com" with sourceAccount).',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.permission || !inReceiver(args)) return args.notApplicable("not a receiver Lambda permission");
    if (args.props.principal !== "*") return;
    const viaUrl =
      (args.props.action === "lambda:InvokeFunctionUrl" && args.props.functionUrlAuthType === "NONE") ||
      (args.props.action === "lambda:InvokeFunction" && args.props.invokedViaFunctionUrl === true);
    if (!viaUrl) reportViolation(`permission lets anyone call ${args.props.action} outside the Function URL`);
  },
});

export const receiverBucketPrivate = stackPolicy({
  name: "receiver-bucket-private",
  description: "The receiver's report bucket is not public: public access blocked, encrypted, no website, no public ACL or policy statement.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add a BucketPublicAccessBlock with all four settings true and server-side encryption; remove public ACLs and Allow statements for Principal \"*\".",
  validateStack: (args, reportViolation) => {
    const buckets: PolicyResource[] = args.resources.filter((r) => (TYPES.buckets as readonly string[]).includes(r.type) && inReceiver(r));
    for (const b of buckets) for (const p of bucketProblems(args.resources, b)) reportViolation(p, b.urn);
  },
});
