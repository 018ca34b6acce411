// Rules of CloudWatch alarms on Metrics Insights queries (the self-check's alarms: one query over
// every domain, one contributor per domain) that PutMetricAlarm and alarm evaluation apply and the
// mock runtime knows nothing of. Each rule cites the page that states it.
import { resourcePolicy } from "../lib/define";
import { TYPES } from "../lib/resources";
import { INSIGHTS_MAX_METRICS, INSIGHTS_MAX_SERIES } from "../../watch/metric-names";

export { INSIGHTS_MAX_METRICS, INSIGHTS_MAX_SERIES };

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html ("Only the latest 3 hours of data can be used for evaluating the alarm's conditions")
export const INSIGHTS_EVALUATION_WINDOW_SECONDS = 3 * 3600;
// alarm-limits.html: "A default of 200 alarms using the Metrics Insights query per account per Region"
export const INSIGHTS_ALARMS_PER_REGION = 200;
// alarm-limits.html: "Alarms evaluating multiple time series will limit the number of contributors in ALARM to 100"
export const INSIGHTS_MAX_CONTRIBUTORS_IN_ALARM = 100;

interface Query {
  readonly id?: string;
  readonly expression?: string;
  readonly period?: number;
  readonly returnData?: boolean;
  readonly metric?: unknown;
}

export const isInsightsQuery = (expression: unknown): expression is string =>
  typeof expression === "string" && /^\s*SELECT\s/i.test(expression);

/** Why an alarm on a Metrics Insights query would be refused, or would not watch what it should; [] when it is not one. */
export function insightsAlarmProblems(props: Record<string, unknown>): string[] {
  const queries = (props.metricQueries ?? []) as Query[];
  const insights = queries.filter((q) => isInsightsQuery(q.expression));
  if (insights.length === 0) return [];
  const problems: string[] = [];
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html: the alarm is on the query; it is not an input of other math
  if (queries.length !== 1)
    problems.push(
      `an alarm on a Metrics Insights query has that query alone; this one has ${queries.length} metric queries`,
    );
  for (const q of insights) {
    const sql = q.expression!;
    const id = q.id ?? "?";
    if (q.returnData === false)
      problems.push(`query ${id}: returnData is false, so the alarm watches nothing`);
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html (Period: at least 60 and a multiple of 60 for regular-resolution data; Metrics Insights has no high resolution)
    if (typeof q.period !== "number" || q.period < 60 || q.period % 60 !== 0)
      problems.push(
        `query ${id}: period ${String(q.period)} must be set, a multiple of 60 seconds (Metrics Insights has no high-resolution data)`,
      );
    const evaluated =
      (typeof q.period === "number" ? q.period : 0) * Number(props.evaluationPeriods ?? 1);
    if (evaluated > INSIGHTS_EVALUATION_WINDOW_SECONDS) {
      problems.push(
        `query ${id}: period × evaluationPeriods is ${evaluated} s, but a Metrics Insights alarm evaluates only the latest ${INSIGHTS_EVALUATION_WINDOW_SECONDS} s (3 hours)`,
      );
    }
    if (/\bGROUP\s+BY\b/i.test(sql)) {
      const limit = /\bORDER\s+BY\b[\s\S]*\bLIMIT\s+(\d+)/i.exec(sql);
      if (!limit)
        problems.push(
          `query ${id} groups into one time series per group but has no ORDER BY ... LIMIT: past ${INSIGHTS_MAX_SERIES} series the ones returned are arbitrary, and a failing one may be left out`,
        );
      else if (Number(limit[1]) > INSIGHTS_MAX_SERIES)
        problems.push(
          `query ${id}: LIMIT ${limit[1]} is over the ${INSIGHTS_MAX_SERIES} time series a query returns`,
        );
    }
  }
  // PutMetricAlarm: with Metrics, none of Namespace, MetricName, Dimensions, Period, Statistic (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
  for (const key of [
    "namespace",
    "metricName",
    "dimensions",
    "period",
    "statistic",
    "extendedStatistic",
  ]) {
    if (props[key] !== undefined) problems.push(`${key} cannot be set beside metricQueries`);
  }
  return problems;
}

export const cloudwatchMetricsInsightsAlarm = resourcePolicy({
  name: "cloudwatch-metrics-insights-alarm",
  description:
    "An alarm on a Metrics Insights query has that query alone, with a period (a multiple of 60 s) whose evaluation fits the 3 hours such alarms read, and, when it groups (one contributor per domain), ORDER BY ... LIMIT at most 500 so the worst series are the ones returned.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Give the alarm one metric query: expression = the SELECT, a period (a multiple of 60) whose evaluation periods together cover at most 10800 s (3 hours), returnData = true; end a GROUP BY query with ORDER BY MAX() DESC LIMIT 500 (MIN() ASC for a low threshold).",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.metricAlarm) return args.notApplicable("not a CloudWatch alarm");
    for (const p of insightsAlarmProblems(args.props)) reportViolation(p);
  },
});
