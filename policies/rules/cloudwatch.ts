// CloudWatch rules that PutDashboard and PutMetricAlarm enforce (the mock runtime does not):
// dashboard body and name, metric-math alarms, alarm names; and the metrics a dashboard or alarm reads.
import { resourcePolicy } from "../lib/define";
import { TYPES } from "../lib/resources";
import { describeLength, physicalName } from "./names";

/** Why a dashboard body would be refused: each `metric` widget without `properties.region`. */
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html (metric widget: region, required)
export function dashboardBodyProblems(body: unknown): string[] {
  let doc: any;
  try {
    doc = typeof body === "string" ? JSON.parse(body) : body;
  } catch (err) {
    return [`the dashboard body is not JSON: ${(err as Error).message}`];
  }
  if (!doc || !Array.isArray(doc.widgets))
    return ["the dashboard body has no widgets array (PutDashboard requires one, possibly empty)"];
  const problems: string[] = [];
  doc.widgets.forEach((w: any, i: number) => {
    if (w?.type !== "metric") return;
    const region = w.properties?.region;
    if (typeof region !== "string" || region.length === 0) {
      problems.push(
        `widget ${i}${w.properties?.title ? ` ("${w.properties.title}")` : ""} is a metric widget without properties.region`,
      );
    }
  });
  return problems;
}

/** A dashboard name PutDashboard accepts: 1-255 characters, A-Z a-z 0-9 - _. */
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (DashboardName: max 255, A-Z, a-z, 0-9, "-", "_")
export function dashboardNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 1 || name.length > 255)
    problems.push(`dashboard name "${name}" is ${name.length} characters (1-255 allowed)`);
  const bad = [...new Set(name.replace(/[A-Za-z0-9_-]/g, ""))];
  if (bad.length > 0)
    problems.push(
      `dashboard name "${name}" contains ${bad.map((c) => JSON.stringify(c)).join(", ")}; only A-Z, a-z, 0-9, "-" and "_" are allowed`,
    );
  return problems;
}

/** A metric-math alarm designates exactly one query with returnData true (the value it watches). */
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html (PutMetricAlarm: "specify true for the one expression result")
export function metricMathProblems(
  queries: readonly { id?: string; returnData?: boolean }[],
): string[] {
  if (queries.length === 0) return [];
  const returning = queries.filter((q) => q.returnData === true).map((q) => q.id ?? "?");
  const unset = queries.filter((q) => q.returnData === undefined).map((q) => q.id ?? "?");
  if (returning.length === 1) return [];
  const also =
    unset.length > 0
      ? `; ${unset.join(", ")} leave returnData unset (the API defaults it to true)`
      : "";
  return [
    `${returning.length} metric queries have returnData true (${returning.join(", ") || "none"}); exactly one must${also}`,
  ];
}

/** Alarm names are 1-255 characters. */
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName: length 1-255)
export const ALARM_NAME_MAX = 255;

export const cloudwatchDashboardWidgetRegion = resourcePolicy({
  name: "cloudwatch-dashboard-widget-region",
  description:
    "Every metric widget of a CloudWatch dashboard names its region (properties.region): PutDashboard refuses the body otherwise.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    'Add `region` to the properties of every widget of type "metric" (the stack\'s aws:region, e.g. region: "eu-west-1").',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.dashboard) return args.notApplicable("not a CloudWatch dashboard");
    for (const p of dashboardBodyProblems(args.props.dashboardBody)) reportViolation(p);
  },
});

export const cloudwatchDashboardName = resourcePolicy({
  name: "cloudwatch-dashboard-name",
  description:
    "A CloudWatch dashboard name is 1-255 characters of A-Z, a-z, 0-9, - and _ (PutDashboard refuses others, e.g. a dot from a domain name).",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    'Build dashboardName from letters, digits, "-" and "_" only (replace dots: name.replace(/[^A-Za-z0-9_-]/g, "-")) and keep it within 255 characters.',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.dashboard) return args.notApplicable("not a CloudWatch dashboard");
    const name = physicalName(args, "dashboardName");
    for (const p of dashboardNameProblems(name.value)) reportViolation(p);
  },
});

export const cloudwatchAlarmMetricMath = resourcePolicy({
  name: "cloudwatch-alarm-metric-math",
  description:
    "A metric-math CloudWatch alarm has exactly one metric query with returnData true: the one whose value the alarm compares with the threshold.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set returnData: true on the expression the alarm watches and returnData: false on every other metric query (inputs included).",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.metricAlarm) return args.notApplicable("not a CloudWatch alarm");
    const queries = (args.props.metricQueries ?? []) as { id?: string; returnData?: boolean }[];
    for (const p of metricMathProblems(queries)) reportViolation(p);
  },
});

export const cloudwatchAlarmName = resourcePolicy({
  name: "cloudwatch-alarm-name",
  description: `A CloudWatch alarm name is at most ${ALARM_NAME_MAX} characters (an autonamed alarm: the logical name + 8).`,
  enforcementLevel: "mandatory",
  severity: "low",
  remediationSteps: `Shorten the alarm's logical name (or its explicit name) so the alarm name stays within ${ALARM_NAME_MAX} characters.`,
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.metricAlarm) return args.notApplicable("not a CloudWatch alarm");
    const name = physicalName(args, "name");
    if (name.length > ALARM_NAME_MAX)
      reportViolation(describeLength(name, "alarm name", ALARM_NAME_MAX));
  },
});

/** A metric as CloudWatch identifies it: namespace, name, and the set of dimension names. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName?: string;
  readonly dimensions: readonly string[];
}

/** The metrics an alarm reads (its metric queries, or its single metric). */
export function alarmMetrics(props: Record<string, any>): MetricIdentity[] {
  const queries = (props.metricQueries ?? []) as { metric?: Record<string, any> }[];
  const metrics =
    queries.length > 0
      ? queries.flatMap((q) => (q.metric ? [q.metric] : []))
      : props.metricName
        ? [props]
        : [];
  return metrics.map((m) => ({
    namespace: String(m.namespace),
    metricName: String(m.metricName),
    dimensions: Object.keys(m.dimensions ?? {}).sort(),
  }));
}

/** The schemas of the SEARCH expressions in a dashboard body: `{Namespace,DimA,DimB} MetricName="X"`. */
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html (a schema matches metrics with exactly those dimensions)
export function dashboardSearches(body: unknown): (MetricIdentity & { expression: string })[] {
  let doc: unknown = body;
  try {
    if (typeof body === "string") doc = JSON.parse(body);
  } catch {
    doc = body; // not JSON: search the text itself
  }
  const strings = (v: unknown): string[] =>
    typeof v === "string"
      ? [v]
      : v && typeof v === "object"
        ? Object.values(v).flatMap(strings)
        : [];
  const out: (MetricIdentity & { expression: string })[] = [];
  for (const text of strings(doc)) {
    for (const m of text.matchAll(/SEARCH\(\s*'([^']*)'/g)) {
      const schema = /\{([^}]*)\}/.exec(m[1]);
      if (!schema) continue;
      const [namespace, ...dims] = schema[1].split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
      const name = /MetricName\s*=\s*"?([A-Za-z0-9_.:/-]+)/.exec(m[1])?.[1];
      out.push({
        namespace,
        ...(name ? { metricName: name } : {}),
        dimensions: dims.sort(),
        expression: m[1],
      });
    }
  }
  return out;
}

/** What an emitter publishes: per metric name, every dimension set it is published with. */
export interface EmittedMetrics {
  readonly namespace: string;
  readonly metrics: Readonly<Record<string, readonly (readonly string[])[]>>;
}

/** Whether `m` (an alarm's metric or a SEARCH schema) matches something `emitted` publishes. */
export function isEmitted(m: MetricIdentity, emitted: EmittedMetrics): boolean {
  if (m.namespace !== emitted.namespace) return true; // not this emitter's business
  const key = (dims: readonly string[]) => [...dims].sort().join(",");
  const names = m.metricName ? [m.metricName] : Object.keys(emitted.metrics);
  return names.some((n) =>
    (emitted.metrics[n] ?? []).some((dims) => key(dims) === key(m.dimensions)),
  );
}
