// The self-check's CloudWatch metrics and alarms: one definition read by the Lambda (what it
// emits) and by the SelfCheck component (what its alarms and the dashboard read). One metric per
// domain and check, dimension Domain; one Metrics Insights alarm per check over all domains.
import { METRICS_NAMESPACE } from "../receiver/metric-names";

export { METRICS_NAMESPACE };
/** Powertools adds `service` (this value) to every metric the self-check emits. */
export const WATCH_SERVICE = "mta-sts-watch";

/**
 * Every metric the self-check emits, each with dimension Domain (besides `service`): four per
 * domain and run (custom metrics are billed per hour in which they get data; see the README's cost
 * note). What has no alarm (an unreachable MX, the TLS-RPT record) is in the findings, not here.
 */
export const WATCH_METRICS = {
  /** 1 when senders get no usable policy: a TXT record missing or doubled, the policy not served (or not over valid HTTPS), invalid, or its id not the one announced; else 0. */
  policy: { name: "SelfCheckPolicyFailed", dimensions: ["Domain"] },
  /** Live MX hosts no mx pattern of the served policy covers, while it is in enforce (else 0): mail to them is refused. */
  mxNotCovered: { name: "SelfCheckMxNotCovered", dimensions: ["Domain"] },
  /** MX hosts that answered but fail STARTTLS (none offered, a certificate that is not trusted or does not name them). */
  starttls: { name: "SelfCheckStartTlsFailed", dimensions: ["Domain"] },
  /** Days until the policy host's certificate expires (emitted when it answered). */
  certificateDays: { name: "SelfCheckCertificateDays", dimensions: ["Domain"] },
} as const;

export type WatchMetricKey = keyof typeof WATCH_METRICS;

/** The dimensions an alarm must name to read a self-check metric: `service` plus the metric's own. */
export function watchDimensions(values: Record<string, string> = {}): Record<string, string> {
  return { service: WATCH_SERVICE, ...values };
}

/**
 * Metrics Insights returns at most 500 time series per query
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html):
 * with ORDER BY the worst come first, so the failing domains are among those returned.
 */
export const INSIGHTS_MAX_SERIES = 500;
/** Same page: "A single query can process no more than 10,000 metrics" (alarm-limits.html: the evaluation is then PARTIAL_DATA). */
export const INSIGHTS_MAX_METRICS = 10_000;

/**
 * What one Metrics Insights query over every domain can watch: each domain is one metric of each
 * check, and a query processes at most INSIGHTS_MAX_METRICS of them.
 */
export function insightsScaleProblem(domains: number): string | undefined {
  if (domains <= INSIGHTS_MAX_METRICS) return undefined;
  return `${domains} domains: a Metrics Insights query processes at most ${INSIGHTS_MAX_METRICS} metrics, so the self-check's alarms would see part of the fleet; split the domains over stacks of at most ${INSIGHTS_MAX_METRICS}`;
}

export interface WatchAlarm {
  readonly key: "policy" | "mx" | "certificate";
  readonly metric: (typeof WATCH_METRICS)[WatchMetricKey];
  /** The aggregate over each domain's time series; also the ORDER BY direction (worst first). */
  readonly fn: "MAX" | "MIN";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  /** What each alarm notification says: what is wrong and the fix. */
  readonly description: string;
}

/** The three alarms, each one Metrics Insights query over every domain (GROUP BY Domain: one contributor per domain). */
export const WATCH_ALARMS: readonly WatchAlarm[] = [
  {
    key: "policy",
    metric: WATCH_METRICS.policy,
    fn: "MAX",
    comparison: "GreaterThanThreshold",
    description:
      "MTA-STS self-check: senders get no usable policy for the domain named in this alarm's contributor (Domain): a _mta-sts TXT record missing or doubled, the policy not served over valid HTTPS, invalid, or its id not the one announced. Run `mtasts check <domain>` for the reason and the fix; `pulumi up` republishes the stack's own records and policy.",
  },
  {
    key: "mx",
    metric: WATCH_METRICS.mxNotCovered,
    fn: "MAX",
    comparison: "GreaterThanThreshold",
    description:
      "MTA-STS self-check: the domain named in this alarm's contributor (Domain) is in enforce and has a live MX host that no mx pattern of its policy covers; senders that honour MTA-STS refuse to deliver to it, so mail is being lost. Fix now: add the host to the domain's mx list in the stack file and run pulumi up (or set mode: testing and run pulumi up to stop the refusals at once). `mtasts check <domain>` names the host.",
  },
  {
    key: "certificate",
    metric: WATCH_METRICS.certificateDays,
    fn: "MIN",
    comparison: "LessThanThreshold",
    description:
      "MTA-STS self-check: the certificate of mta-sts.<domain> (the domain named in this alarm's contributor) expires soon; senders cannot fetch the policy once it lapses (in enforce, mail then waits or bounces once cached policies expire). ACM renews by itself only while the validation CNAME is in place: run `mtasts check <domain>`, check the ACM certificate's renewal status and the validation record, and run pulumi up.",
  },
];

/** The Metrics Insights query of an alarm: the aggregate per domain, worst first, at most INSIGHTS_MAX_SERIES. */
export function insightsQuery(alarm: WatchAlarm): string {
  const order = alarm.fn === "MAX" ? "DESC" : "ASC";
  return (
    `SELECT ${alarm.fn}(${alarm.metric.name}) FROM SCHEMA("${METRICS_NAMESPACE}", ${["service", ...alarm.metric.dimensions].join(", ")}) ` +
    `WHERE service = '${WATCH_SERVICE}' GROUP BY ${alarm.metric.dimensions.join(", ")} ORDER BY ${alarm.fn}() ${order} LIMIT ${INSIGHTS_MAX_SERIES}`
  );
}

/** A CloudWatch SEARCH schema for a self-check metric: `{MtaSts,service,Domain}`. */
export function watchSearchSchema(metric: { readonly dimensions: readonly string[] }): string {
  return `{${[METRICS_NAMESPACE, "service", ...metric.dimensions].join(",")}}`;
}
