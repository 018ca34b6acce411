// What both Lambda handlers share: the store on the bucket and table named in the
// environment (AWS SDK v3 clients from the runtime), limits from the environment, metrics.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { IngestDeps, IngestResult } from "../ingest";
import { limitsFromEnv } from "../limits";
import { METRICS_NAMESPACE, METRICS_SERVICE, RECEIVER_METRICS } from "../metric-names";
import { ReceiverStore } from "../store";

function required(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `environment variable ${name} is not set (the ReportReceiver component sets it)`,
    );
  return v;
}

let cached: IngestDeps | undefined;

/** Replaces the environment-built dependencies (tests point them at local S3 and DynamoDB). */
export function setLambdaDeps(deps: IngestDeps): void {
  cached = deps;
}

/** How long the list of served domains is kept before it is read again. */
const SERVED_TTL_MS = 5 * 60 * 1000;

/**
 * The domains the stack serves, from the JSON list the ReportReceiver component writes to the
 * bucket (MTASTS_DOMAINS_KEY; Lambda's environment is too small for 10,000 names).
 */
export function servedDomainsFrom(
  store: ReceiverStore,
  key: string | undefined,
  now: () => number = Date.now,
): () => Promise<ReadonlySet<string> | undefined> {
  let cache: { at: number; set: ReadonlySet<string> } | undefined;
  return async () => {
    if (!key) return undefined;
    if (!cache || now() - cache.at > SERVED_TTL_MS) {
      const list = JSON.parse((await store.getObject(key)).toString("utf8")) as unknown;
      if (!Array.isArray(list) || list.some((d) => typeof d !== "string"))
        throw new Error(`${key} is not a JSON list of domain names`);
      cache = { at: now(), set: new Set(list as string[]) };
    }
    return cache.set;
  };
}

export function lambdaDeps(): IngestDeps {
  if (!cached) {
    const store = new ReceiverStore({
      s3: new S3Client({}),
      dynamodb: new DynamoDBClient({}),
      bucket: required("REPORT_BUCKET"),
      table: required("REPORT_TABLE"),
    });
    cached = {
      store,
      limits: limitsFromEnv(),
      dkim: "on",
      served: servedDomainsFrom(store, process.env.MTASTS_DOMAINS_KEY),
    };
  }
  return cached;
}

/** An EventBridge schedule (the sweeper), as opposed to a report. */
export const isScheduled = (event: unknown): boolean =>
  typeof event === "object" &&
  event !== null &&
  (event as { source?: unknown }).source === "aws.events";

// Powertools adds `service` to every metric; the alarms ask for it (see metric-names.ts).
const metrics = new Metrics({
  namespace: process.env.METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: METRICS_SERVICE,
});

/** Per report: sessions by domain and result type (embedded metric format), and the outcome. */
export function publishMetrics(channel: "https" | "email", result: IngestResult): void {
  // Duplicates and rejections add no sessions.
  const counters = result.reports
    .filter((r) => r.outcome === "counted")
    .flatMap((r) => r.sessions ?? []);
  const outcome = metrics.singleMetric();
  outcome.addDimension("Channel", channel);
  outcome.addDimension("Outcome", result.outcome);
  outcome.addMetric(RECEIVER_METRICS.reports.name, MetricUnit.Count, 1);
  for (const c of counters) {
    const m = metrics.singleMetric();
    m.addDimension("Domain", c.domain);
    m.addDimension("ResultType", c.resultType);
    m.addMetric(RECEIVER_METRICS.sessions.name, MetricUnit.Count, c.sessions);
  }
  // Totals for the failure-rate alarm, from the reporters' summaries (details may count a
  // session under several result types): per domain, and over all domains (no dimension).
  const totals = result.reports
    .filter((r) => r.outcome === "counted")
    .flatMap((r) => r.totals ?? []);
  let failed = 0;
  let total = 0;
  // A single metric is published at its first addMetric: one per value.
  const emit = (name: string, value: number, domain?: string) => {
    const m = metrics.singleMetric();
    if (domain) m.addDimension("Domain", domain);
    m.addMetric(name, MetricUnit.Count, value);
  };
  for (const t of totals) {
    emit(RECEIVER_METRICS.domainFailed.name, t.failed, t.domain);
    emit(RECEIVER_METRICS.domainTotal.name, t.failed + t.successful, t.domain);
    failed += t.failed;
    total += t.failed + t.successful;
  }
  if (total > 0) {
    emit(RECEIVER_METRICS.allFailed.name, failed);
    emit(RECEIVER_METRICS.allTotal.name, total);
  }
}
