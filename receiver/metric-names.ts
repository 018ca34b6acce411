// The receiver's CloudWatch metrics: one definition read by the Lambda (what it emits) and by
// the ReportReceiver component (what its alarms and dashboard read). CloudWatch matches a
// metric's dimension set exactly, so the two sides must agree dimension set for dimension set.

export const METRICS_NAMESPACE = "MtaSts";
/** Powertools adds `service` (this value) to every metric it emits; alarms must ask for it too. */
export const METRICS_SERVICE = "tlsrpt-receiver";

/** Every metric the receiver emits, with the dimension keys (besides `service`) it carries. */
export const RECEIVER_METRICS = {
  /** One per report handled, by channel (https, email) and outcome (counted, duplicate, rejected). */
  reports: { name: "Reports", dimensions: ["Channel", "Outcome"] },
  /** Sessions per domain and result type (successful, failure result types). */
  sessions: { name: "Sessions", dimensions: ["Domain", "ResultType"] },
  /** Reporters' totals per domain. */
  domainFailed: { name: "FailedSessions", dimensions: ["Domain"] },
  domainTotal: { name: "TotalSessions", dimensions: ["Domain"] },
  /** Reporters' totals over all domains. */
  allFailed: { name: "FailedSessions", dimensions: [] },
  allTotal: { name: "TotalSessions", dimensions: [] },
} as const;

/** The dimensions an alarm must name to read a metric: `service` plus the metric's own. */
export function metricDimensions(values: Record<string, string> = {}): Record<string, string> {
  return { service: METRICS_SERVICE, ...values };
}

/** A CloudWatch SEARCH schema for a metric: `{Namespace,service,Dim1,...}`. */
export function searchSchema(metric: { readonly dimensions: readonly string[] }): string {
  return `{${[METRICS_NAMESPACE, "service", ...metric.dimensions].join(",")}}`;
}
