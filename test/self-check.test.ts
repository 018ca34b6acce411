// The scheduled self-check end to end, with no cloud account: the SelfCheck component under the
// Pulumi mock runtime (schedule, function, role, alarms), then its Lambda handler against DNS,
// HTTPS and SMTP servers on loopback and s3rver + dynalite. What the handler emits (EMF) is the
// truth the alarms and the dashboard must read; what it sends to AWS must be what the role allows;
// what it stores must read back. CloudWatch's Metrics Insights rules are encoded in
// policies/rules/metrics-insights.ts and checked here, since the mocks know none of them.
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveCheckDeps } from "../check/run";
import { bundleHandler } from "../components/receiver-bundle";
import { actionsForCommand, policyAllows } from "../policies/rules/iam";
import {
  insightsAlarmProblems,
  INSIGHTS_ALARMS_PER_REGION,
  INSIGHTS_EVALUATION_WINDOW_SECONDS,
} from "../policies/rules/metrics-insights";
import { WATCH_EMITTED_METRICS } from "../policies/receiver";
import { policyId, renderPolicy } from "../protocol";
import { ReceiverStore } from "../receiver/store";
import {
  INSIGHTS_MAX_METRICS,
  insightsScaleProblem,
  WATCH_ALARMS,
  WATCH_METRICS,
  WATCH_SERVICE,
} from "../watch/metric-names";
import { startAwsLocal } from "./helpers/aws-local";
import { leaf, rootCa } from "./helpers/pki";
import { recordingMocks, type Registered, settled } from "./helpers/pulumi";
import { captureEmf } from "./helpers/receiver-events";
import { type Handler, type ZoneData, startDns, startHttps, startSmtp } from "./helpers/servers";

const DAY = 86_400_000;
// Loopback addresses of the MX hosts (check.test.ts uses the same; each test picks its own ports).
const MX_GOOD = "127.0.0.2";
const MX_NO_STARTTLS = "127.0.0.3";
const DEAD = "127.0.0.9"; // nothing listens: an MX Lambda cannot reach

type Mode = "testing" | "enforce";
interface Site {
  mode: Mode;
  /** The policy's mx patterns (default: every MX host). */
  patterns?: string[];
  mx: { host: string; address: string }[];
  certDays?: number;
  /** Announce another id than the served body's. */
  staleId?: boolean;
}
const site = (
  mode: Mode,
  mx: { host: string; address: string }[],
  extra: Partial<Site> = {},
): Site => ({ mode, mx, ...extra });
const SITES: Record<string, Site> = {
  "good.test": site("enforce", [{ host: "mx.good.test", address: MX_GOOD }]),
  "uncovered.test": site(
    "enforce",
    [
      { host: "mx1.uncovered.test", address: MX_GOOD },
      { host: "mx2.uncovered.test", address: MX_GOOD },
    ],
    { patterns: ["mx1.uncovered.test"] },
  ),
  "testing-uncovered.test": site(
    "testing",
    [
      { host: "mx1.testing-uncovered.test", address: MX_GOOD },
      { host: "mx2.testing-uncovered.test", address: MX_GOOD },
    ],
    { patterns: ["mx1.testing-uncovered.test"] },
  ),
  "stale.test": site("enforce", [{ host: "mx.stale.test", address: MX_GOOD }], { staleId: true }),
  "expiring.test": site("enforce", [{ host: "mx.expiring.test", address: MX_GOOD }], {
    certDays: 5,
  }),
  "nostarttls.test": site("testing", [{ host: "mx.nostarttls.test", address: MX_NO_STARTTLS }]),
  "unreachable.test": site("testing", [{ host: "mx.unreachable.test", address: DEAD }]),
};

function zoneAndHandlers() {
  const zone: Record<string, ZoneData> = {};
  const handlers = new Map<string, Handler>();
  for (const [domain, s] of Object.entries(SITES)) {
    const policy = renderPolicy({
      mode: s.mode,
      mx: s.patterns ?? s.mx.map((m) => m.host),
      maxAge: 604800,
    });
    zone[`_mta-sts.${domain}`] = {
      TXT: [[`v=STSv1; id=${s.staleId ? policyId("an older policy") : policyId(policy)};`]],
    };
    zone[`_smtp._tls.${domain}`] = { TXT: [[`v=TLSRPTv1; rua=mailto:tlsrpt@${domain}`]] };
    zone[domain] = { MX: s.mx.map((m) => m.host) };
    for (const m of s.mx) zone[m.host] = { A: [m.address] };
    zone[`mta-sts.${domain}`] = { A: ["127.0.0.1"] };
    handlers.set(`mta-sts.${domain}`, (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(policy);
    });
  }
  return { zone, handlers };
}

interface Call {
  readonly service: "s3" | "dynamodb";
  readonly command: string;
  readonly input: Record<string, any>;
}

let registered: Registered[];
let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let store: ReceiverStore;
const servers: { close(): Promise<void> | void }[] = [];
const calls: Call[] = [];
let recording = false;
/** The EMF documents of the run, and the handler's summary. */
let documents: Record<string, any>[] = [];
let run: Awaited<ReturnType<typeof import("../receiver/lambda/watch").handler>>;
let handler: typeof import("../receiver/lambda/watch").handler;
let setWatchDeps: typeof import("../receiver/lambda/watch").setWatchDeps;
let checkDeps: ReturnType<typeof liveCheckDeps>;
const DOMAINS_KEY = "config/domains.json";

function record(client: S3Client | DynamoDBClient, service: "s3" | "dynamodb") {
  (client.middlewareStack as { add: (mw: unknown, opts: unknown) => void }).add(
    (
      next: (a: { input: Record<string, any> }) => Promise<unknown>,
      context: { commandName: string },
    ) =>
      async (args: { input: Record<string, any> }) => {
        if (recording) calls.push({ service, command: context.commandName, input: args.input });
        return next(args);
      },
    { step: "initialize", name: `selfCheck-${service}` },
  );
}

const domainConfig = (domain: string, mode: Mode = "enforce") => ({
  domain,
  dns: { provider: "route53", zoneId: "Z0123456789ABC" },
  mx: [`mx.${domain}`],
  mode,
});

beforeAll(async () => {
  // 1. The stack under the mock runtime: a small fleet with the self-check on by default, a large
  //    one (the alarm count must not grow with it), one with settings, one with the check off.
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const fleet = (name: string, domains: unknown[], watch?: unknown) =>
    new MtaStsFleet(name, {
      ...parseStackConfig({ domains, ...(watch ? { watch } : {}) }),
      region: "eu-west-1",
      mxResolver: "offline",
    });
  fleet("small", [domainConfig("alpha.example"), domainConfig("bravo.example", "testing")]);
  fleet(
    "large",
    Array.from({ length: 25 }, (_, i) =>
      domainConfig(`d${i}.example`, i % 2 ? "enforce" : "testing"),
    ),
  );
  fleet("tuned", [domainConfig("alpha.example")], {
    schedule: "cron(0 6 * * ? *)",
    smtp: false,
    certificateDays: 21,
  });
  fleet("off", [domainConfig("alpha.example")], { enabled: false });
  await settled();

  // 2. The live world the handler checks, and the store it writes to.
  const { zone, handlers } = zoneAndHandlers();
  const dns = await startDns(zone);
  const web = await startHttps(
    (host) =>
      leaf(
        [host],
        SITES[host.replace(/^mta-sts\./, "")]?.certDays
          ? {
              notAfter: new Date(
                Date.now() + SITES[host.replace(/^mta-sts\./, "")].certDays! * DAY,
              ),
            }
          : {},
      ),
    (host) => handlers.get(host) ?? ((_req, res) => res.writeHead(404).end()),
  );
  const good = await startSmtp(MX_GOOD, 0, { certFor: (host) => leaf([host]), starttls: true });
  const plain = await startSmtp(MX_NO_STARTTLS, good.port, { starttls: false });
  servers.push(dns, web, good, plain);
  aws = await startAwsLocal();
  record(aws.s3, "s3");
  record(aws.dynamodb, "dynamodb");
  store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: aws.table,
  });
  // What the ReportReceiver writes for the stack: the served domains.
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.bucket,
      Key: DOMAINS_KEY,
      Body: JSON.stringify(Object.keys(SITES).sort()),
      ContentType: "application/json",
    }),
  );

  // 3. The handler, as Lambda runs it on the schedule, with its calls recorded.
  const watch = await import("../receiver/lambda/watch");
  const { servedDomainsFrom } = await import("../receiver/lambda/deps");
  handler = watch.handler;
  setWatchDeps = watch.setWatchDeps;
  checkDeps = liveCheckDeps({
    resolver: dns.address,
    ca: Buffer.from(rootCa.pem),
    httpsPort: web.port,
    smtpPort: good.port,
    timeoutMs: 2000,
    smtp: true,
    expiryWarningDays: 14,
  });
  setWatchDeps({
    store,
    check: checkDeps,
    served: servedDomainsFrom(store, DOMAINS_KEY),
    concurrency: 4,
    retentionDays: 30,
  });
  recording = true;
  documents = await captureEmf(async () => {
    run = await handler(
      { source: "aws.events", "detail-type": "Scheduled Event" },
      { getRemainingTimeInMillis: () => 900_000 },
    );
  });
  recording = false;
}, 120_000);

afterAll(async () => {
  setWatchDeps?.(undefined);
  await Promise.all(servers.map((s) => s.close()));
  await aws?.close();
});

const of = (fleet: string, type: string) =>
  registered.filter((r) => r.type === type && r.name.startsWith(`${fleet}-watch-`));
const one = (fleet: string, type: string, suffix = "") => {
  const found = of(fleet, type).filter((r) => r.name.endsWith(suffix));
  expect(found, `${fleet} ${type} ${suffix}`).toHaveLength(1);
  return found[0];
};

/** Per metric name, per domain: the values the run emitted, with the dimension sets and service. */
function emitted() {
  const out: {
    name: string;
    dims: string[];
    service: string;
    domain: string;
    value: number;
    namespace: string;
  }[] = [];
  for (const doc of documents) {
    for (const d of doc._aws.CloudWatchMetrics as {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string }[];
    }[]) {
      for (const dims of d.Dimensions)
        for (const m of d.Metrics)
          out.push({
            name: m.Name,
            dims: [...dims].sort(),
            service: doc.service,
            domain: doc.Domain,
            value: doc[m.Name],
            namespace: d.Namespace,
          });
    }
  }
  return out;
}
const valueOf = (metric: keyof typeof WATCH_METRICS, domain: string) =>
  emitted().find((e) => e.name === WATCH_METRICS[metric].name && e.domain === domain)?.value;

/** `SELECT MAX(M) FROM SCHEMA("ns", a, b) WHERE service = 'x' GROUP BY Domain ...`: what a query reads. */
function parseQuery(sql: string) {
  const m =
    /^SELECT (MAX|MIN)\((\w+)\) FROM SCHEMA\("([^"]+)", ([^)]*)\) WHERE service = '([^']+)' GROUP BY (\w+) ORDER BY (MAX|MIN)\(\) (ASC|DESC) LIMIT (\d+)$/.exec(
      sql,
    );
  expect(m, sql).not.toBeNull();
  return {
    fn: m![1],
    metric: m![2],
    namespace: m![3],
    dims: m![4]
      .split(",")
      .map((s) => s.trim())
      .sort(),
    service: m![5],
    groupBy: m![6],
    order: m![8],
    limit: Number(m![9]),
  };
}

describe("the SelfCheck component (mock runtime)", () => {
  it("runs a Lambda bundled like the receiver's on an EventBridge schedule, daily by default", () => {
    const rule = one("small", "aws:cloudwatch/eventRule:EventRule", "-schedule");
    expect(rule.inputs.scheduleExpression).toBe("rate(1 day)");
    expect(
      one("tuned", "aws:cloudwatch/eventRule:EventRule", "-schedule").inputs.scheduleExpression,
    ).toBe("cron(0 6 * * ? *)");
    const fn = one("small", "aws:lambda/function:Function", "-function");
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs24.x",
      architectures: ["arm64"],
      handler: "index.handler",
      timeout: 900,
    });
    expect(fn.inputs.code).toMatchObject({ __pulumiArchive: true });
    // The archive holds the watch handler's bundle (esbuild, AWS SDK left to the runtime): no Pulumi, no commander.
    const js = bundleHandler("watch");
    expect(js).toContain(WATCH_SERVICE);
    expect(js).not.toMatch(/@pulumi\/pulumi|require\("commander"\)/);
    expect(js).toContain('require("@aws-sdk/client-dynamodb")');
    expect(js.length).toBeLessThan(200_000);
    const permission = one("small", "aws:lambda/permission:Permission", "-invoke");
    expect(permission.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: `arn:aws:cloudwatch:eu-west-1:123456789012:${rule.name}`,
    });
    // A failed run is not run again by Lambda's async retries (the next schedule is the retry).
    expect(
      one("small", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "-no-retry")
        .inputs,
    ).toMatchObject({ functionName: fn.name, maximumRetryAttempts: 0 });
    const target = one("small", "aws:cloudwatch/eventTarget:EventTarget", "-target");
    expect(target.inputs).toMatchObject({
      rule: rule.name,
      arn: `arn:aws:lambda:eu-west-1:123456789012:${fn.name}`,
      retryPolicy: { maximumRetryAttempts: 0 },
    });
  });

  it("gives the function what the handler reads from its environment, and the settings of mta-sts:watch", () => {
    const env = one("small", "aws:lambda/function:Function", "-function").inputs.environment
      .variables;
    expect(env).toMatchObject({
      REPORT_BUCKET: "small-receiver-reports-bucket",
      MTASTS_DOMAINS_KEY: "config/domains.json",
      METRICS_NAMESPACE: "MtaSts",
      MTASTS_WATCH_SMTP: "1",
      MTASTS_WATCH_CERTIFICATE_DAYS: "14",
    });
    expect(env.REPORT_TABLE).toBe("small-receiver-aggregates");
    const tuned = one("tuned", "aws:lambda/function:Function", "-function").inputs.environment
      .variables;
    expect(tuned).toMatchObject({ MTASTS_WATCH_SMTP: "0", MTASTS_WATCH_CERTIFICATE_DAYS: "21" });
    expect(
      one("tuned", "aws:cloudwatch/metricAlarm:MetricAlarm", "-alarm-certificate").inputs.threshold,
    ).toBe(21);
  });

  it("is absent with mta-sts:watch.enabled false, and the dashboard then has no self-check widgets", () => {
    expect(registered.filter((r) => r.name.startsWith("off-watch-"))).toEqual([]);
    const widgets = (fleet: string) =>
      JSON.parse(
        registered.find(
          (r) => r.type === "aws:cloudwatch/dashboard:Dashboard" && r.name.startsWith(`${fleet}-`),
        )!.inputs.dashboardBody,
      ).widgets as { properties: { title: string } }[];
    expect(widgets("off").some((w) => w.properties.title.startsWith("Self-check"))).toBe(false);
    expect(
      widgets("small").filter((w) => w.properties.title.startsWith("Self-check")),
    ).toHaveLength(4);
  });

  it("keeps findings expiring: the table has a TTL on expiresAt", () => {
    const table = registered.find(
      (r) => r.type === "aws:dynamodb/table:Table" && r.name.startsWith("small-"),
    )!;
    expect(table.inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
  });

  it("declares three alarms whatever the number of domains (2 or 25), each to the stack's topic", () => {
    const alarms = (fleet: string) => of(fleet, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(
      alarms("small")
        .map((a) => a.name)
        .sort(),
    ).toEqual([
      "small-watch-alarm-certificate",
      "small-watch-alarm-mx",
      "small-watch-alarm-policy",
      "small-watch-alarm-run",
    ]);
    expect(alarms("large")).toHaveLength(4);
    // The self-check failing (an error, its time limit) leaves the others without data: one alarm says so.
    const run = alarms("small").find((a) => a.name === "small-watch-alarm-run")!;
    const fn = registered.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name.startsWith("small-watch"),
    )!;
    expect(run.inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(run.inputs.dimensions).toEqual({ FunctionName: fn.inputs.name ?? fn.name });
    const topic = registered.find(
      (r) => r.type === "aws:sns/topic:Topic" && r.name === "small-receiver-alarms",
    )!;
    for (const a of alarms("small")) {
      expect(a.inputs.alarmActions).toEqual([`arn:aws:sns:eu-west-1:123456789012:${topic.name}`]);
      // A run's data leaves the window the alarm reads: OK would not mean fixed, so none is sent.
      expect(a.inputs.okActions).toBeUndefined();
    }
    // At 200 Metrics Insights alarms per region, three per stack leaves room for 66 stacks.
    const insights = alarms("small").filter((a) => a.inputs.metricQueries?.[0]?.expression);
    expect(insights).toHaveLength(3);
    expect(Math.floor(INSIGHTS_ALARMS_PER_REGION / insights.length)).toBe(66);
  });

  it("puts the fix in the enforce alarm's description", () => {
    const mx = one("small", "aws:cloudwatch/metricAlarm:MetricAlarm", "-alarm-mx").inputs
      .alarmDescription as string;
    expect(mx).toContain(
      "add the host to the domain's mx list in the stack file and run pulumi up",
    );
    expect(mx).toContain("mode: testing");
    expect(
      one("small", "aws:cloudwatch/metricAlarm:MetricAlarm", "-alarm-policy").inputs
        .alarmDescription,
    ).toContain("mtasts check <domain>");
  });
});

describe("CloudWatch's Metrics Insights rules (policies/rules/metrics-insights.ts)", () => {
  it("every self-check alarm follows them", () => {
    for (const a of of("small", "aws:cloudwatch/metricAlarm:MetricAlarm"))
      expect(insightsAlarmProblems(a.inputs), a.name).toEqual([]);
  });

  it("each rule fails what breaks it", () => {
    const good = one("small", "aws:cloudwatch/metricAlarm:MetricAlarm", "-alarm-policy").inputs;
    const q = good.metricQueries[0];
    const with_ = (over: Record<string, unknown>, query: Record<string, unknown> = {}) =>
      insightsAlarmProblems({ ...good, ...over, metricQueries: [{ ...q, ...query }] });
    expect(with_({}, { period: 86_400 }).join()).toContain("evaluates only the latest 10800 s");
    expect(with_({ evaluationPeriods: 2 })).toEqual([expect.stringContaining("21600 s")]);
    expect(with_({}, { period: 90 }).join()).toContain("a multiple of 60");
    expect(with_({}, { period: undefined }).join()).toContain("must be set");
    expect(with_({}, { expression: q.expression.replace(/ ORDER BY .*$/, "") })).toEqual([
      expect.stringContaining("no ORDER BY ... LIMIT"),
    ]);
    expect(with_({}, { expression: q.expression.replace(/LIMIT 500$/, "LIMIT 1000") })).toEqual([
      expect.stringContaining("LIMIT 1000 is over the 500"),
    ]);
    expect(with_({}, { returnData: false })).toEqual([expect.stringContaining("watches nothing")]);
    expect(with_({ namespace: "MtaSts" })).toEqual([
      "namespace cannot be set beside metricQueries",
    ]);
    expect(insightsAlarmProblems({ ...good, metricQueries: [q, { id: "m", metric: {} }] })).toEqual(
      [expect.stringContaining("has that query alone")],
    );
    // Not a Metrics Insights alarm: not this rule's business.
    expect(
      insightsAlarmProblems({
        metricQueries: [{ id: "r", expression: "failed / total", returnData: true }],
      }),
    ).toEqual([]);
    expect(INSIGHTS_EVALUATION_WINDOW_SECONDS).toBe(10_800);
  });

  it("a query processes at most 10,000 metrics: one per domain and check, so 10,000 domains fit and 10,001 are told to split", () => {
    expect(insightsScaleProblem(INSIGHTS_MAX_METRICS)).toBeUndefined();
    expect(insightsScaleProblem(INSIGHTS_MAX_METRICS + 1)).toContain(
      "split the domains over stacks of at most 10000",
    );
  });
});

describe("the self-check's Lambda against local DNS, HTTPS and SMTP", () => {
  it("checked every served domain and named the failing ones", () => {
    expect(run.checked).toBe(Object.keys(SITES).length);
    expect(run.skipped).toEqual([]);
    expect(run.unstored).toEqual([]);
    expect(run.failing).toEqual([
      "nostarttls.test",
      "stale.test",
      "testing-uncovered.test",
      "uncovered.test",
    ]);
    // An MX no address of which answers on port 25 is a warning in the self-check, not a failure:
    // Lambda often has no way out on port 25 (test/watch-core.test.ts, findingOf).
    expect(run.failing).not.toContain("unreachable.test");
  });

  it("emits one value per domain and check, from the checks' facts", () => {
    expect(valueOf("policy", "good.test")).toBe(0);
    expect(valueOf("policy", "stale.test")).toBe(1);
    expect(valueOf("mxNotCovered", "uncovered.test")).toBe(1);
    // testing: an uncovered MX is a report line, not refused mail
    expect(valueOf("mxNotCovered", "testing-uncovered.test")).toBe(0);
    expect(valueOf("starttls", "nostarttls.test")).toBe(1);
    // Lambda may have no way out on port 25: an MX that cannot be reached is not a STARTTLS failure
    expect(valueOf("starttls", "unreachable.test")).toBe(0);
    expect(valueOf("certificateDays", "good.test")).toBeGreaterThanOrEqual(88);
    expect([4, 5]).toContain(valueOf("certificateDays", "expiring.test"));
    for (const domain of Object.keys(SITES)) {
      const names = emitted()
        .filter((e) => e.domain === domain)
        .map((e) => e.name)
        .sort();
      expect(names, domain).toEqual(
        Object.values(WATCH_METRICS)
          .map((m) => m.name)
          .sort(),
      );
    }
  });

  it("every alarm's query reads a metric the handler emits, with exactly its namespace, dimension set and service", () => {
    const seen = emitted();
    // The Metrics Insights alarms (the run alarm reads AWS/Lambda Errors, which Lambda emits).
    for (const a of of("small", "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
      (x) => x.inputs.metricQueries,
    )) {
      const q = parseQuery(a.inputs.metricQueries[0].expression);
      const match = seen.filter(
        (e) =>
          e.name === q.metric &&
          e.namespace === q.namespace &&
          e.service === q.service &&
          JSON.stringify(e.dims) === JSON.stringify(q.dims),
      );
      expect(match.length, `${a.name}: ${a.inputs.metricQueries[0].expression}`).toBe(
        Object.keys(SITES).length,
      );
      expect(q.groupBy).toBe("Domain");
    }
  });

  it("the alarms, evaluated on what was emitted, fire for exactly the broken domains", () => {
    const seen = emitted();
    const firing = (key: string) => {
      const alarm = WATCH_ALARMS.find((a) => a.key === key)!;
      const declared = one(
        "small",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        `-alarm-${key}`,
      ).inputs;
      const q = parseQuery(declared.metricQueries[0].expression);
      const byDomain = new Map<string, number[]>();
      for (const e of seen.filter((x) => x.name === q.metric))
        byDomain.set(e.domain, [...(byDomain.get(e.domain) ?? []), e.value]);
      const agg = (vs: number[]) => (q.fn === "MAX" ? Math.max(...vs) : Math.min(...vs));
      const breach = (v: number) =>
        declared.comparisonOperator === "GreaterThanThreshold"
          ? v > declared.threshold
          : v < declared.threshold;
      expect(declared.comparisonOperator).toBe(alarm.comparison);
      return [...byDomain]
        .filter(([, vs]) => breach(agg(vs)))
        .map(([d]) => d)
        .sort();
    };
    expect(firing("policy")).toEqual(["stale.test"]);
    expect(firing("mx")).toEqual(["uncovered.test"]);
    expect(firing("certificate")).toEqual(["expiring.test"]);
  });

  it("every self-check SEARCH on the dashboard names a schema the handler emits", () => {
    const dashboard = registered.find(
      (r) => r.type === "aws:cloudwatch/dashboard:Dashboard" && r.name.startsWith("small-"),
    )!;
    const searches = [
      ...String(dashboard.inputs.dashboardBody).matchAll(
        /SEARCH\('\{([^}]*)\} MetricName=\\"(\w+)\\"/g,
      ),
    ].map((m) => ({ schema: m[1].split(","), name: m[2] }));
    const ours = searches.filter((s) => s.name.startsWith("SelfCheck"));
    expect(ours).toHaveLength(4);
    for (const s of ours) {
      const [namespace, ...dims] = s.schema;
      expect(
        emitted().some(
          (e) =>
            e.name === s.name &&
            e.namespace === namespace &&
            JSON.stringify(e.dims) === JSON.stringify([...dims].sort()),
        ),
        s.name,
      ).toBe(true);
    }
  });

  it("the policy pack's description of what the self-check emits (receiver-metrics-dimensions) is what it emits", () => {
    const key = (ns: string, name: string, dims: readonly string[]) =>
      `${ns}|${name}|${[...dims].sort().join(",")}`;
    const declared = Object.entries(WATCH_EMITTED_METRICS.metrics).flatMap(([name, sets]) =>
      sets.map((dims) => key(WATCH_EMITTED_METRICS.namespace, name, dims)),
    );
    expect(declared.sort()).toEqual(
      [...new Set(emitted().map((e) => key(e.namespace, e.name, e.dims)))].sort(),
    );
    expect(new Set(emitted().map((e) => e.service))).toEqual(new Set([WATCH_SERVICE]));
  });

  it("sends only what the declared role allows, on the resources it touches", () => {
    expect([...new Set(calls.map((c) => c.command))].sort()).toEqual([
      "GetObjectCommand",
      "PutItemCommand",
    ]);
    const policy = one("small", "aws:iam/rolePolicy:RolePolicy", "-policy").inputs.policy as string;
    const bucketArn = "arn:aws:s3:::small-receiver-reports-bucket";
    const tableArn = "arn:aws:dynamodb:eu-west-1:123456789012:small-receiver-aggregates";
    const denied = new Set<string>();
    for (const c of calls) {
      const resource = c.service === "s3" ? `${bucketArn}/${c.input.Key}` : tableArn;
      if (c.service === "dynamodb") expect(c.input.TableName).toBe(aws.table);
      for (const action of actionsForCommand(c.service, c.command, c.input))
        if (!policyAllows(policy, action, resource))
          denied.add(`${c.command} needs ${action} on ${resource}`);
    }
    expect([...denied]).toEqual([]);
    // Least privilege: nothing else, e.g. no reading reports, no Scan, no other object.
    expect(policyAllows(policy, "s3:GetObject", `${bucketArn}/raw/https/x`)).toBe(false);
    expect(policyAllows(policy, "dynamodb:Scan", tableArn)).toBe(false);
    expect(policyAllows(policy, "cloudwatch:PutMetricData", "*")).toBe(false);
    const statements = JSON.parse(policy).Statement as {
      Action: string[];
      Resource: string | string[];
    }[];
    for (const s of statements) expect([s.Resource].flat().some((r) => r === "*")).toBe(false);
  });

  it("stores one finding per domain and day, read back through the store (dynalite)", async () => {
    const all = await store.findings();
    expect(all.map((f) => f.domain)).toEqual(Object.keys(SITES).sort());
    const uncovered = await store.findings("uncovered.test");
    expect(uncovered).toHaveLength(1);
    expect(uncovered[0]).toMatchObject({
      domain: "uncovered.test",
      ok: false,
      mode: "enforce",
      uncoveredMx: ["mx2.uncovered.test"],
      day: new Date().toISOString().slice(0, 10),
    });
    expect(uncovered[0].checks.find((c) => c.id === "mx-coverage")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("mx2.uncovered.test"),
    });
    expect((await store.findings("good.test"))[0]).toMatchObject({
      ok: true,
      certificateDaysLeft: expect.any(Number),
    });
    expect(await store.findings("good.test", "2999-01-01")).toEqual([]);
    // The item as DynamoDB holds it: the documented key, and the TTL attribute 30 days (retentionDays) after the run.
    const item = (
      await aws.dynamodb.send(
        new GetItemCommand({
          TableName: aws.table,
          Key: { pk: { S: "finding#good.test" }, sk: { S: uncovered[0].day } },
        }),
      )
    ).Item!;
    const at = Date.parse(item.at.S!) / 1000;
    expect(Number(item.expiresAt.N) - Math.floor(at)).toBe(30 * 86_400);
  });

  it("a second run the same day replaces the findings instead of adding to them", async () => {
    await captureEmf(() => handler({}, { getRemainingTimeInMillis: () => 900_000 }));
    expect(await store.findings("stale.test")).toHaveLength(1);
    expect((await store.findings()).length).toBe(Object.keys(SITES).length);
  });

  it("stops starting domains near its deadline and says which were skipped", async () => {
    let result: typeof run | undefined;
    const docs = await captureEmf(async () => {
      result = await handler({}, { getRemainingTimeInMillis: () => 30_000 });
    });
    expect(result!.checked).toBe(0);
    expect(result!.skipped).toEqual(Object.keys(SITES).sort());
    expect(docs).toEqual([]);
  });

  it("keeps going when a finding cannot be stored: the metrics still go out and the domain is named", async () => {
    const broken = new ReceiverStore({
      s3: aws.s3,
      dynamodb: aws.dynamodb,
      bucket: aws.bucket,
      table: "no-such-table",
    });
    const { servedDomainsFrom } = await import("../receiver/lambda/deps");
    setWatchDeps({
      store: broken,
      check: checkDeps,
      served: servedDomainsFrom(store, DOMAINS_KEY),
      concurrency: 4,
      retentionDays: 30,
    });
    let result: typeof run | undefined;
    const docs = await captureEmf(async () => {
      result = await handler({});
    });
    expect(result!.checked).toBe(Object.keys(SITES).length);
    expect(result!.unstored).toHaveLength(Object.keys(SITES).length);
    expect(result!.unstored[0]).toMatch(/^expiring\.test: /);
    expect(docs.length).toBeGreaterThan(0);
  });
});
