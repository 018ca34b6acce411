// The metrics contract: CloudWatch matches a metric by namespace, name and the exact set of
// dimension names, so an alarm or a dashboard SEARCH that asks for a different set reads
// nothing (the alarm stays OK forever). The HTTP and email handlers run against s3rver +
// dynalite with the environment the ReportReceiver gives them; every EMF document they print
// is the truth, and every metric the receiver's alarms and dashboard read must be in it.
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECEIVER_EMITTED_METRICS } from "../policies/receiver";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";
import { recordingMocks, type Registered, settled } from "./helpers/pulumi";
import { captureEmf, reportMail, s3Event, tlsReport, urlEvent } from "./helpers/receiver-events";

/** One metric identity as CloudWatch sees it: namespace, name, sorted dimension names. */
interface MetricId {
  namespace: string;
  name: string;
  dims: string[];
}
const idKey = (m: MetricId) => `${m.namespace}|${m.name}|{${[...m.dims].sort().join(",")}}`;

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let registered: Registered[];
/** Every (namespace, metric, dimension set) the handlers emitted, and the values each dimension took. */
const emitted = new Map<string, MetricId>();
const dimensionValues = new Map<string, Set<string>>();

beforeAll(async () => {
  // 1. The receiver as the stack declares it (an enforced domain, so per-domain alarms exist).
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  new MtaStsFleet("contract", {
    ...parseStackConfig({
      domains: [
        {
          domain: "alpha.example",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
          mx: ["mx.alpha.example"],
          mode: "enforce",
        },
        {
          domain: "bravo.example",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
          mx: ["mx.bravo.example"],
          mode: "testing",
        },
      ],
      receiver: {
        email: {
          domain: "tlsrpt.example.com",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
        },
      },
      // The receiver's contract; the self-check's is in test/self-check.test.ts.
      watch: { enabled: false },
    }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  await settled();

  // 2. The functions' environment, as Lambda would set it, before the handlers load.
  const fn = registered.find(
    (r) => r.type === "aws:lambda/function:Function" && r.name.endsWith("-http"),
  );
  expect(fn, "the receiver declares an HTTP function").toBeDefined();
  for (const [k, v] of Object.entries(fn!.inputs.environment?.variables ?? {})) {
    if (!["REPORT_BUCKET", "REPORT_TABLE"].includes(k)) process.env[k] = String(v);
  }

  // 3. The handlers on a counted report over HTTPS, the same again (duplicate), a rejection,
  //    and a counted report by email: every path that publishes metrics.
  aws = await startAwsLocal();
  const { setLambdaDeps } = await import("../receiver/lambda/deps");
  setLambdaDeps({
    store: new ReceiverStore({
      s3: aws.s3,
      dynamodb: aws.dynamodb,
      bucket: aws.bucket,
      table: aws.table,
    }),
    limits: DEFAULT_LIMITS,
    dkim: "off",
  });
  const http = await import("../receiver/lambda/http");
  const email = await import("../receiver/lambda/email");
  const documents: Record<string, any>[] = [];
  const report = gzipSync(
    tlsReport({ id: "contract-1", domain: "alpha.example", successful: 90, failed: 10 }),
  );
  documents.push(...(await captureEmf(() => http.handler(urlEvent(report)))));
  documents.push(...(await captureEmf(() => http.handler(urlEvent(report)))));
  documents.push(
    ...(await captureEmf(() =>
      http.handler(urlEvent(Buffer.from("not a report"), { contentType: "text/html" })),
    )),
  );
  const mail = await reportMail(
    tlsReport({ id: "contract-2", domain: "bravo.example", successful: 50, failed: 5 }),
  );
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.bucket, Key: "inbound/contract/one", Body: mail }),
  );
  documents.push(...(await captureEmf(() => email.handler(s3Event("inbound/contract/one")))));

  for (const doc of documents) {
    for (const directive of doc._aws.CloudWatchMetrics as {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string }[];
    }[]) {
      for (const dims of directive.Dimensions) {
        for (const metric of directive.Metrics) {
          const id = { namespace: directive.Namespace, name: metric.Name, dims: [...dims].sort() };
          emitted.set(idKey(id), id);
        }
        for (const d of dims)
          dimensionValues.set(d, new Set([...(dimensionValues.get(d) ?? []), String(doc[d])]));
      }
    }
  }
});
afterAll(async () => {
  await aws?.close();
});

/** Every metric a MetricAlarm reads: its metric queries, or the single metric. */
function alarmReads(alarm: Registered): { id: MetricId; values: Record<string, string> }[] {
  const i = alarm.inputs;
  const metrics = i.metricQueries
    ? (i.metricQueries as { metric?: Record<string, any> }[]).flatMap((q) =>
        q.metric ? [q.metric] : [],
      )
    : [{ namespace: i.namespace, metricName: i.metricName, dimensions: i.dimensions }];
  return metrics.map((m) => ({
    id: {
      namespace: m.namespace,
      name: m.metricName,
      dims: Object.keys(m.dimensions ?? {}).sort(),
    },
    values: m.dimensions ?? {},
  }));
}

/** Every string in a parsed dashboard body (expressions sit in widgets[].properties.metrics). */
const stringsIn = (v: unknown): string[] =>
  typeof v === "string"
    ? [v]
    : v && typeof v === "object"
      ? Object.values(v).flatMap(stringsIn)
      : [];

/** `SEARCH('{Namespace,DimA,DimB} MetricName="X"', ...)`: the schema (an exact dimension set) and the metric name. */
function searchSchemas(
  body: string,
): { namespace: string; dims: string[]; name?: string; expression: string }[] {
  const out: { namespace: string; dims: string[]; name?: string; expression: string }[] = [];
  for (const text of stringsIn(JSON.parse(body))) {
    for (const m of text.matchAll(/SEARCH\(\s*'([^']*)'/g)) {
      const schema = /\{([^}]*)\}/.exec(m[1]);
      if (!schema) continue;
      const [namespace, ...dims] = schema[1].split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
      const name = /MetricName\s*=\s*"([^"]+)"/.exec(m[1])?.[1];
      out.push({ namespace, dims: dims.sort(), ...(name ? { name } : {}), expression: m[1] });
    }
  }
  return out;
}

describe("metrics contract (CloudWatch matches dimension sets exactly)", () => {
  it("the handlers emitted the metrics the receiver is about, in embedded metric format", () => {
    const names = new Set([...emitted.values()].map((m) => m.name));
    for (const n of ["Reports", "Sessions", "FailedSessions", "TotalSessions"])
      expect(names, n).toContain(n);
    // the three outcomes went through: counted, duplicate, rejected
    expect([...(dimensionValues.get("Outcome") ?? [])].sort()).toEqual([
      "counted",
      "duplicate",
      "rejected",
    ]);
    expect([...(dimensionValues.get("Channel") ?? [])].sort()).toEqual(["email", "https"]);
  });

  it("every metric a receiver alarm reads is emitted with exactly that namespace and dimension set", () => {
    // The receiver's own metrics; AWS's (the failure queue's depth, AWS/SQS) are emitted by AWS.
    const alarms = registered.filter(
      (r) =>
        r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.namespace !== "AWS/SQS",
    );
    expect(alarms.map((a) => a.name).sort()).toEqual([
      "contract-receiver-failure-rate",
      "contract-receiver-failure-rate-alpha.example",
    ]);
    const dead = alarms.flatMap((a) =>
      alarmReads(a)
        .filter((r) => !emitted.has(idKey(r.id)))
        .map((r) => `${a.name} reads ${idKey(r.id)}`),
    );
    expect(dead, `emitted: ${[...emitted.keys()].join(" ")}`).toEqual([]);
  });

  it("every dimension an alarm pins to a value takes that value in what is emitted (service, ...)", () => {
    // The receiver's own metrics; AWS's (the failure queue's depth, AWS/SQS) are emitted by AWS.
    const alarms = registered.filter(
      (r) =>
        r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.namespace !== "AWS/SQS",
    );
    const wrong: string[] = [];
    for (const a of alarms) {
      for (const { values } of alarmReads(a)) {
        for (const [dim, value] of Object.entries(values)) {
          const seen = dimensionValues.get(dim) ?? new Set();
          // Domain values depend on the reports; the others are constants of the emitter.
          if (dim !== "Domain" && !seen.has(value))
            wrong.push(`${a.name}: ${dim}=${value}, emitted ${[...seen].join(", ") || "nothing"}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("every SEARCH in the dashboard names a schema whose dimension set is emitted (for its MetricName)", () => {
    const dashboard = registered.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
    expect(dashboard).toBeDefined();
    const searches = searchSchemas(dashboard!.inputs.dashboardBody);
    expect(searches.length).toBeGreaterThan(0);
    const empty = searches
      .filter(
        (s) =>
          ![...emitted.values()].some(
            (e) =>
              e.namespace === s.namespace &&
              (s.name === undefined || e.name === s.name) &&
              idKey({ ...e, name: "" }) ===
                idKey({ namespace: s.namespace, name: "", dims: s.dims }),
          ),
      )
      .map((s) => s.expression);
    expect(empty, `emitted: ${[...emitted.keys()].join(" ")}`).toEqual([]);
  });

  it("the policy pack's description of what the receiver emits (receiver-metrics-dimensions) is what it emits", () => {
    const declared = Object.entries(RECEIVER_EMITTED_METRICS.metrics).flatMap(([name, sets]) =>
      sets.map((dims) =>
        idKey({ namespace: RECEIVER_EMITTED_METRICS.namespace, name, dims: [...dims] }),
      ),
    );
    expect(declared.sort()).toEqual([...emitted.keys()].sort());
  });
});
