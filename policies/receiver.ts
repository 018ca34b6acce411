// The TLS-RPT receiver (resources under a mta-sts:index:ReportReceiver component): bounded,
// least privilege, one public entry, private storage, and alarms that read what the Lambdas publish.
import type { PolicyResource } from "@pulumi/policy";
import { bucketProblems } from "./lib/bucket";
import { resourcePolicy, stackPolicy } from "./lib/define";
import { ifKnown, isUnder, TYPES } from "./lib/resources";
import { METRICS_NAMESPACE, RECEIVER_METRICS } from "../receiver/metric-names";
import { WATCH_METRICS } from "../watch/metric-names";
import {
  alarmMetrics,
  dashboardSearches,
  type EmittedMetrics,
  isEmitted,
  type MetricIdentity,
} from "./rules/cloudwatch";

export const RECEIVER_TYPE = "mta-sts:index:ReportReceiver";
const inReceiver = (r: { urn: string }) => isUnder(r.urn, RECEIVER_TYPE);

export const receiverLambdaBounded = stackPolicy({
  name: "receiver-lambda-bounded",
  description:
    "Each receiver Lambda logs to a log group with a retention period (logs do not pile up forever). Reserved concurrency is optional: see lambda-reserved-concurrency-cost for what it takes from the account.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set loggingConfig.logGroup to a LogGroup with retentionInDays (ReportReceiver does: 30 days).",
  validateStack: (args, reportViolation) => {
    for (const fn of args.resources.filter((r) => r.type === TYPES.lambda && inReceiver(r))) {
      const groups = (fn.propertyDependencies.loggingConfig ?? []).filter(
        (g) => g.type === TYPES.logGroup,
      );
      const named = args.resources.filter(
        (g) =>
          g.type === TYPES.logGroup &&
          ifKnown(() => g.props.name) === `/aws/lambda/${ifKnown(() => fn.props.name)}`,
      );
      const retained = [...groups, ...named].some(
        (g) => (ifKnown(() => g.props.retentionInDays) ?? 0) > 0,
      );
      if (!retained)
        reportViolation(
          `receiver Lambda ${fn.name} logs to no log group with a retention period`,
          fn.urn,
        );
    }
  },
});

/**
 * What the receiver's Lambdas publish (embedded metric format, Powertools Metrics): per metric,
 * every dimension set, from the definition the Lambda and the component share
 * (receiver/metric-names.ts); Powertools adds its `service` dimension to every metric. The
 * contract test (test/metrics-contract.test.ts) runs the handlers and checks this is exactly what they emit.
 */
export const RECEIVER_EMITTED_METRICS: EmittedMetrics = {
  namespace: METRICS_NAMESPACE,
  metrics: Object.values(RECEIVER_METRICS).reduce<Record<string, string[][]>>(
    (acc, m) => ({ ...acc, [m.name]: [...(acc[m.name] ?? []), ["service", ...m.dimensions]] }),
    {},
  ),
};

/**
 * What the self-check's Lambda publishes into the same namespace (watch/metric-names.ts), which the
 * receiver's dashboard also shows; test/watch-contract.test.ts checks it is what the handler emits.
 */
export const WATCH_EMITTED_METRICS: EmittedMetrics = {
  namespace: METRICS_NAMESPACE,
  metrics: Object.fromEntries(
    Object.values(WATCH_METRICS).map((m) => [m.name, [["service", ...m.dimensions]]]),
  ),
};
/** Everything the stack's Lambdas publish to the namespace: the receiver's metrics and the self-check's. */
export const STACK_EMITTED_METRICS: EmittedMetrics = {
  namespace: METRICS_NAMESPACE,
  metrics: { ...RECEIVER_EMITTED_METRICS.metrics, ...WATCH_EMITTED_METRICS.metrics },
};

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#dimension-combinations ("CloudWatch treats each unique combination of dimensions as a separate metric")
export const receiverMetricsDimensions = stackPolicy({
  name: "receiver-metrics-dimensions",
  description:
    "Every alarm and dashboard SEARCH under a ReportReceiver reads a metric the receiver publishes with exactly that dimension set: CloudWatch matches dimension sets exactly, so any other set reads nothing and the alarm never fires.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Ask for the dimensions the Lambda publishes, all of them: Powertools Metrics adds service (= its serviceName) to every metric, so an alarm on FailedSessions needs dimensions { service, Domain } or { service }, and a SEARCH needs the schema {MtaSts,service,Domain}.",
  configSchema: {
    properties: {
      emitted: {
        type: "object",
        default: STACK_EMITTED_METRICS,
        description:
          "namespace and, per metric name, the dimension sets the receiver (and the self-check) publish",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const emitted = args.getConfig<{ emitted?: EmittedMetrics }>().emitted ?? STACK_EMITTED_METRICS;
    const show = (m: MetricIdentity) =>
      `${m.namespace}/${m.metricName ?? "*"} {${m.dimensions.join(",")}}`;
    const published = (name?: string) =>
      Object.entries(emitted.metrics)
        .filter(([n]) => name === undefined || n === name)
        .flatMap(([n, sets]) => sets.map((d) => `${n} {${d.join(",")}}`))
        .join("; ");
    for (const r of args.resources.filter((x) => inReceiver(x))) {
      if (r.type === TYPES.metricAlarm) {
        for (const m of ifKnown(() => alarmMetrics(r.props)) ?? []) {
          if (!isEmitted(m, emitted))
            reportViolation(
              `alarm ${r.name} reads ${show(m)}, which the receiver never publishes (it publishes ${published(m.metricName)})`,
              r.urn,
            );
        }
      }
      if (r.type === TYPES.dashboard) {
        for (const s of ifKnown(() => dashboardSearches(r.props.dashboardBody)) ?? []) {
          if (!isEmitted(s, emitted))
            reportViolation(
              `dashboard ${r.name} searches ${show(s)}, which matches nothing the receiver publishes (${published(s.metricName)})`,
              r.urn,
            );
        }
      }
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
  description:
    "No receiver IAM policy allows action * on resource *, and no receiver role has AdministratorAccess.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "List the actions the function needs (s3:PutObject on its bucket prefix, dynamodb:TransactWriteItems on its table, ...) on the resources it touches.",
  validateResource: (args, reportViolation) => {
    if (!inReceiver(args)) return args.notApplicable("not part of a ReportReceiver");
    let docs: unknown[] = [];
    if (args.type === TYPES.rolePolicy || args.type === TYPES.iamPolicy) docs = [args.props.policy];
    else if (args.type === TYPES.role)
      docs = ((args.props.inlinePolicies ?? []) as { policy?: string }[]).map((p) => p.policy);
    else if (args.type === TYPES.rolePolicyAttachment) {
      if (String(args.props.policyArn).endsWith(":policy/AdministratorAccess"))
        reportViolation("receiver role has AdministratorAccess");
      return;
    } else return args.notApplicable("not an IAM policy");
    for (const s of docs.flatMap(statements)) {
      if (s.Effect === "Allow" && wildcard(s.Action) && wildcard(s.Resource))
        reportViolation(`statement ${s.Sid ?? "(no Sid)"} allows * on *`);
    }
  },
});

export const receiverSinglePublicEntry = resourcePolicy({
  name: "receiver-single-public-entry",
  description:
    "The receiver's Function URL is its only public entry: a Lambda permission for Principal * must be for the Function URL.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Grant the public only lambda:InvokeFunctionUrl (functionUrlAuthType NONE) and lambda:InvokeFunction with invokedViaFunctionUrl: true; give other callers their own principal (e.g. "ses.amazonaws.com" with sourceAccount).',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.permission || !inReceiver(args))
      return args.notApplicable("not a receiver Lambda permission");
    if (args.props.principal !== "*") return;
    const viaUrl =
      (args.props.action === "lambda:InvokeFunctionUrl" &&
        args.props.functionUrlAuthType === "NONE") ||
      (args.props.action === "lambda:InvokeFunction" && args.props.invokedViaFunctionUrl === true);
    if (!viaUrl)
      reportViolation(`permission lets anyone call ${args.props.action} outside the Function URL`);
  },
});

export const receiverBucketPrivate = stackPolicy({
  name: "receiver-bucket-private",
  description:
    "The receiver's report bucket is not public: public access blocked, encrypted, no website, no public ACL or policy statement.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Add a BucketPublicAccessBlock with all four settings true and server-side encryption; remove public ACLs and Allow statements for Principal "*".',
  validateStack: (args, reportViolation) => {
    const buckets: PolicyResource[] = args.resources.filter(
      (r) => (TYPES.buckets as readonly string[]).includes(r.type) && inReceiver(r),
    );
    for (const b of buckets)
      for (const p of bucketProblems(args.resources, b)) reportViolation(p, b.urn);
  },
});
