// The scheduled self-check's Lambda (EventBridge schedule): every served domain through the
// checks of `mtasts check` (check/), then one metric per domain and check (embedded metric format)
// and a finding in the receiver's table. Thin: environment -> deps -> watch/run.ts.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { checkDomainFacts, type CheckDeps } from "../../check/check";
import { liveCheckDeps } from "../../check/run";
import {
  METRICS_NAMESPACE,
  WATCH_METRICS,
  WATCH_SERVICE,
  type WatchMetricKey,
} from "../../watch/metric-names";
import { type MetricValues, runWatch, type WatchRun, withSmtpBreaker } from "../../watch/run";
import { ReceiverStore } from "../store";
import { servedDomainsFrom } from "./deps";

export interface WatchLambdaDeps {
  readonly store: ReceiverStore;
  readonly check: CheckDeps;
  /** The served domains (the list the ReportReceiver writes to the bucket). */
  served(): Promise<ReadonlySet<string> | undefined>;
  readonly concurrency: number;
  readonly retentionDays: number;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`environment variable ${name} is not set (the SelfCheck component sets it)`);
  return v;
}

/** A whole number from the environment, or the default. */
function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`environment variable ${name}="${v}" is not a positive whole number`);
  return n;
}

let cached: WatchLambdaDeps | undefined;

/** Replaces the environment-built dependencies (tests point them at local DNS, HTTPS, SMTP, S3 and DynamoDB). */
export function setWatchDeps(deps: WatchLambdaDeps | undefined): void {
  cached = deps;
}

function watchDeps(): WatchLambdaDeps {
  if (!cached) {
    const store = new ReceiverStore({
      s3: new S3Client({}),
      dynamodb: new DynamoDBClient({}),
      bucket: required("REPORT_BUCKET"),
      table: required("REPORT_TABLE"),
    });
    cached = {
      store,
      check: liveCheckDeps({
        timeoutMs: envNumber("MTASTS_WATCH_TIMEOUT_MS", 5000),
        smtp: process.env.MTASTS_WATCH_SMTP !== "0",
        expiryWarningDays: envNumber("MTASTS_WATCH_CERTIFICATE_DAYS", 14),
      }),
      served: servedDomainsFrom(store, required("MTASTS_DOMAINS_KEY")),
      concurrency: envNumber("MTASTS_WATCH_CONCURRENCY", 128),
      retentionDays: envNumber("MTASTS_WATCH_RETENTION_DAYS", 400),
    };
  }
  return cached;
}

// Powertools adds `service` to every metric; the alarms ask for it (watch/metric-names.ts).
const metrics = new Metrics({
  namespace: process.env.METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: WATCH_SERVICE,
});

/** One EMF document per value: a single metric is published at its addMetric. */
function emit(domain: string, values: MetricValues): void {
  for (const [key, value] of Object.entries(values) as [WatchMetricKey, number][]) {
    const m = metrics.singleMetric();
    m.addDimension("Domain", domain);
    m.addMetric(WATCH_METRICS[key].name, MetricUnit.Count, value);
  }
}

/** Time kept back at the end of a run: domains in flight finish and their findings are written. */
const RESERVE_MS = 60_000;

export async function handler(
  _event: unknown,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<WatchRun> {
  const deps = watchDeps();
  const domains = [...((await deps.served()) ?? [])].sort();
  const deadline = context
    ? Date.now() + context.getRemainingTimeInMillis() - RESERVE_MS
    : Infinity;
  const check = withSmtpBreaker(deps.check);
  const run = await runWatch(domains, {
    check: (domain) => checkDomainFacts(domain, check),
    putFinding: (f) => deps.store.putFinding(f, deps.retentionDays),
    emit,
    now: () => new Date(),
    concurrency: deps.concurrency,
    stop: () => Date.now() > deadline,
  });
  // One line for people and Logs Insights; the alarms name each failing domain themselves.
  console.log(
    JSON.stringify({
      msg: "mta-sts-watch",
      domains: domains.length,
      checked: run.checked,
      failingCount: run.failing.length,
      failing: run.failing.slice(0, 100),
      unstored: run.unstored.slice(0, 20),
      unstoredCount: run.unstored.length,
      port25Blocked: check.tripped(),
    }),
  );
  if (run.skipped.length > 0) {
    console.log(
      JSON.stringify({
        msg: "mta-sts-watch-skipped",
        reason: "the run reached its time limit; split the stack or raise the concurrency",
        skipped: run.skipped.length,
        first: run.skipped.slice(0, 20),
      }),
    );
  }
  return run;
}
