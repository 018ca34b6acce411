// The AWS and Cloudflare rules the mock runtime does not know (policies/rules/, and the
// receiver's metrics contract in policies/receiver.ts): for each, an input that passes and one
// that violates, through the same harness `mtasts plan` uses; then `mtasts plan --stack example`.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";
import { policies, serviceRules } from "../policies/all";
import {
  RECEIVER_EMITTED_METRICS,
  RECEIVER_TYPE,
  receiverLambdaBounded,
  receiverMetricsDimensions,
} from "../policies/receiver";
import {
  alarmMetrics,
  cloudwatchAlarmMetricMath,
  cloudwatchAlarmName,
  cloudwatchDashboardName,
  cloudwatchDashboardWidgetRegion,
  dashboardBodyProblems,
  dashboardNameProblems,
  dashboardSearches,
  isEmitted,
  metricMathProblems,
} from "../policies/rules/cloudwatch";
import { cnameConflicts, dnsCnameExclusive } from "../policies/rules/dns";
import { cloudwatchMetricsInsightsAlarm } from "../policies/rules/metrics-insights";
import { actionsForCommand, iamNames, policyAllows } from "../policies/rules/iam";
import {
  functionNameProblems,
  lambdaFunctionName,
  lambdaReservedConcurrencyCost,
  quotaNeeded,
} from "../policies/rules/lambda";
import { physicalName } from "../policies/rules/names";
import {
  bucketNameProblems,
  lifecycleRuleProblems,
  s3BucketName,
  s3LifecycleFilter,
} from "../policies/rules/s3";
import {
  inboundRegionOf,
  receiptRuleNameProblems,
  receiptRuleSetNameProblems,
  sesReceiptNames,
  sesReceivingRegion,
  sesSingleActiveRuleSet,
} from "../policies/rules/ses";
import { mtaStsTxtUnique, tlsRptTxtUnique } from "../policies/txt-records";
import { check, res, UNKNOWN } from "./helpers/policy";

const R53 = "aws:route53/record:Record";
const CF = "cloudflare:index/dnsRecord:DnsRecord";
const inReceiver = { parents: ["mta-sts:index:MtaStsFleet", RECEIVER_TYPE] };

describe("the rules as pack policies", () => {
  it("each has a name, a description, a level, a severity and remediation steps naming the fix, and is in the pack", () => {
    expect(serviceRules).toHaveLength(16);
    for (const p of serviceRules) {
      expect(policies).toContain(p);
      expect(p.description.length).toBeGreaterThan(40);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(p.remediationSteps.length).toBeGreaterThan(40);
    }
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  });

  it("physical names: explicit, a provider prefix (+26) or Pulumi's autoname (+8)", () => {
    expect(physicalName({ name: "logical", props: { name: "given" } }, "name")).toEqual({
      kind: "explicit",
      value: "given",
      length: 5,
    });
    expect(
      physicalName({ name: "logical", props: { namePrefix: "pre-" } }, "name", {
        prefixField: "namePrefix",
      }),
    ).toEqual({ kind: "prefix", value: "pre-", length: 30 });
    expect(
      physicalName({ name: "Logical", props: {} }, "bucket", { transform: (s) => s.toLowerCase() }),
    ).toEqual({ kind: "autonamed", value: "logical", length: 15 });
  });
});

describe("CloudWatch", () => {
  const dashboard = (body: unknown, name = "mta-sts-example-receiver-tlsrpt") =>
    res("aws:cloudwatch/dashboard:Dashboard", "dash", {
      dashboardName: name,
      dashboardBody: typeof body === "string" ? body : JSON.stringify(body),
    });
  const metricWidget = (properties: Record<string, unknown>) => ({
    type: "metric",
    x: 0,
    y: 0,
    width: 12,
    height: 6,
    properties: { title: "t", metrics: [], ...properties },
  });

  it("cloudwatch-dashboard-widget-region: metric widgets with a region pass; one without fails; text widgets need none", async () => {
    expect(
      (
        await check(cloudwatchDashboardWidgetRegion, [
          dashboard({
            widgets: [
              metricWidget({ region: "eu-west-1" }),
              { type: "text", properties: { markdown: "hi" } },
            ],
          }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(cloudwatchDashboardWidgetRegion, [
          dashboard({
            widgets: [metricWidget({ region: "eu-west-1" }), metricWidget({ title: "Sessions" })],
          }),
        ])
      ).messages,
    ).toEqual(['widget 1 ("Sessions") is a metric widget without properties.region']);
    expect(dashboardBodyProblems("{not json")[0]).toMatch(/not JSON/);
    expect(dashboardBodyProblems({})).toEqual([
      "the dashboard body has no widgets array (PutDashboard requires one, possibly empty)",
    ]);
    expect(
      (
        await check(cloudwatchDashboardWidgetRegion, [
          res("aws:cloudwatch/dashboard:Dashboard", "d", {
            dashboardName: "d",
            dashboardBody: UNKNOWN,
          }),
        ])
      ).notRun,
    ).toHaveLength(1);
  });

  it("cloudwatch-dashboard-name: letters, digits, - and _ within 255 pass; a dot or 256 characters fail", async () => {
    expect((await check(cloudwatchDashboardName, [dashboard({ widgets: [] })])).messages).toEqual(
      [],
    );
    expect(
      (
        await check(cloudwatchDashboardName, [
          dashboard({ widgets: [] }, "mta-sts-prod.eu-receiver-tlsrpt"),
        ])
      ).messages,
    ).toEqual([
      'dashboard name "mta-sts-prod.eu-receiver-tlsrpt" contains "."; only A-Z, a-z, 0-9, "-" and "_" are allowed',
    ]);
    expect(dashboardNameProblems("a".repeat(256))).toEqual([
      `dashboard name "${"a".repeat(256)}" is 256 characters (1-255 allowed)`,
    ]);
    expect(dashboardNameProblems("a".repeat(255))).toEqual([]);
  });

  const alarm = (props: Record<string, unknown>, name = "failure-rate") =>
    res(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      name,
      {
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        threshold: 0.05,
        ...props,
      },
      inReceiver,
    );
  const query = (
    id: string,
    returnData: boolean | undefined,
    metric?: Record<string, unknown>,
  ) => ({
    id,
    ...(returnData === undefined ? {} : { returnData }),
    ...(metric ? { metric } : { expression: "failed / total" }),
  });

  it("cloudwatch-metrics-insights-alarm: one grouped query with ORDER BY ... LIMIT 500 and a period within 3 hours passes; a longer period and an unbounded GROUP BY fail", async () => {
    const sql = `SELECT MAX(SelfCheckPolicyFailed) FROM SCHEMA("MtaSts", service, Domain) WHERE service = 'mta-sts-watch' GROUP BY Domain`;
    const insights = (expression: string, period: number) =>
      alarm({ metricQueries: [{ id: "q", expression, period, returnData: true }] });
    expect(
      (
        await check(cloudwatchMetricsInsightsAlarm, [
          insights(`${sql} ORDER BY MAX() DESC LIMIT 500`, 10_800),
        ])
      ).messages,
    ).toEqual([]);
    expect((await check(cloudwatchMetricsInsightsAlarm, [insights(sql, 86_400)])).messages).toEqual(
      [
        "query q: period × evaluationPeriods is 86400 s, but a Metrics Insights alarm evaluates only the latest 10800 s (3 hours)",
        "query q groups into one time series per group but has no ORDER BY ... LIMIT: past 500 series the ones returned are arbitrary, and a failing one may be left out",
      ],
    );
  });

  it("cloudwatch-alarm-metric-math: exactly one returnData true passes; none, two, or defaults left unset fail", async () => {
    const m = { namespace: "MtaSts", metricName: "FailedSessions", period: 86400, stat: "Sum" };
    expect(
      (
        await check(cloudwatchAlarmMetricMath, [
          alarm({ metricQueries: [query("failed", false, m), query("rate", true)] }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(cloudwatchAlarmMetricMath, [
          alarm({ metricQueries: [query("failed", true, m), query("rate", true)] }),
        ])
      ).messages,
    ).toEqual(["2 metric queries have returnData true (failed, rate); exactly one must"]);
    expect(metricMathProblems([query("failed", undefined, m), query("rate", undefined)])).toEqual([
      "0 metric queries have returnData true (none); exactly one must; failed, rate leave returnData unset (the API defaults it to true)",
    ]);
    // a single-metric alarm has no metric queries: not this rule's business
    expect(
      (
        await check(cloudwatchAlarmMetricMath, [
          alarm({ metricName: "Errors", namespace: "AWS/Lambda", period: 60, statistic: "Sum" }),
        ])
      ).messages,
    ).toEqual([]);
  });

  it("cloudwatch-alarm-name: an autonamed alarm whose logical name + 8 exceeds 255 fails; 247 passes", async () => {
    expect((await check(cloudwatchAlarmName, [alarm({}, "a".repeat(247))])).messages).toEqual([]);
    expect((await check(cloudwatchAlarmName, [alarm({}, "a".repeat(248))])).messages).toEqual([
      `alarm name autonamed from "${"a".repeat(248)}" + Pulumi's 8-character suffix is 256 characters (the limit is 255)`,
    ]);
    expect(
      (await check(cloudwatchAlarmName, [alarm({ name: "short" }, "a".repeat(300))])).messages,
    ).toEqual([]);
  });

  it("receiver-metrics-dimensions: alarms and SEARCHes on the sets the Lambda publishes pass; without service they read nothing", async () => {
    const metric = (name: string, dimensions?: Record<string, string>) => ({
      namespace: "MtaSts",
      metricName: name,
      period: 86400,
      stat: "Sum",
      ...(dimensions ? { dimensions } : {}),
    });
    const good = alarm({
      metricQueries: [
        query(
          "failed",
          false,
          metric("FailedSessions", { service: "tlsrpt-receiver", Domain: "a.example" }),
        ),
        query("total", false, metric("TotalSessions", { service: "tlsrpt-receiver" })),
      ],
    });
    const search = (schema: string, name: string) => ({
      widgets: [
        metricWidget({
          region: "eu-west-1",
          metrics: [
            [{ expression: `SEARCH('${schema} MetricName="${name}"', 'Sum', 86400)`, id: "s" }],
          ],
        }),
      ],
    });
    const dash = (body: unknown) =>
      res(
        "aws:cloudwatch/dashboard:Dashboard",
        "dash",
        { dashboardName: "d", dashboardBody: JSON.stringify(body) },
        inReceiver,
      );
    expect(
      (
        await check(receiverMetricsDimensions, [
          good,
          dash(search("{MtaSts,service,Domain}", "FailedSessions")),
        ])
      ).messages,
    ).toEqual([]);
    const dead = alarm(
      {
        metricQueries: [
          query("failed", false, metric("FailedSessions", { Domain: "a.example" })),
          query("total", false, metric("TotalSessions")),
        ],
      },
      "dead",
    );
    expect(
      (
        await check(receiverMetricsDimensions, [
          dead,
          dash(search("{MtaSts,Channel,Outcome}", "Reports")),
        ])
      ).messages,
    ).toEqual([
      "alarm dead reads MtaSts/FailedSessions {Domain}, which the receiver never publishes (it publishes FailedSessions {service,Domain}; FailedSessions {service})",
      "alarm dead reads MtaSts/TotalSessions {}, which the receiver never publishes (it publishes TotalSessions {service,Domain}; TotalSessions {service})",
      "dashboard dash searches MtaSts/Reports {Channel,Outcome}, which matches nothing the receiver publishes (Reports {service,Channel,Outcome})",
    ]);
    // alarms outside a ReportReceiver, or on another namespace, are not the receiver's business
    const other = res("aws:cloudwatch/metricAlarm:MetricAlarm", "other", {
      metricName: "FailedSessions",
      namespace: "MtaSts",
    });
    expect((await check(receiverMetricsDimensions, [other])).messages).toEqual([]);
    expect(
      isEmitted(
        { namespace: "AWS/Lambda", metricName: "Errors", dimensions: [] },
        RECEIVER_EMITTED_METRICS,
      ),
    ).toBe(true);
    expect(
      alarmMetrics({
        metricName: "Errors",
        namespace: "AWS/Lambda",
        dimensions: { FunctionName: "f" },
      }),
    ).toEqual([{ namespace: "AWS/Lambda", metricName: "Errors", dimensions: ["FunctionName"] }]);
    expect(
      dashboardSearches(JSON.stringify(search("{MtaSts, service ,Domain,ResultType}", "Sessions"))),
    ).toEqual([
      {
        namespace: "MtaSts",
        metricName: "Sessions",
        dimensions: ["Domain", "ResultType", "service"],
        expression: '{MtaSts, service ,Domain,ResultType} MetricName="Sessions"',
      },
    ]);
  });
});

describe("Lambda", () => {
  const fn = (name: string, props: Record<string, unknown> = {}) =>
    res("aws:lambda/function:Function", name, { runtime: "nodejs24.x", ...props }, inReceiver);

  it("lambda-function-name: logical names of 56 characters pass (+8 = 64); 57 and dots fail", async () => {
    expect((await check(lambdaFunctionName, [fn("f".repeat(56))])).messages).toEqual([]);
    expect((await check(lambdaFunctionName, [fn("f".repeat(57))])).messages).toEqual([
      `function name autonamed from "${"f".repeat(57)}" + Pulumi's 8-character suffix is 65 characters (the limit is 64)`,
    ]);
    expect(functionNameProblems({ name: "receiver-example.com-http", props: {} })).toEqual([
      'function name autonamed from "receiver-example.com-http" contains "."; only letters, digits, "-" and "_" are allowed',
    ]);
    expect(
      functionNameProblems({ name: "x".repeat(80), props: { name: "explicit_name-1" } }),
    ).toEqual([]);
  });

  it("receiver-lambda-bounded: reserved concurrency is optional; a log group with retention is still required", async () => {
    const logs = res(
      "aws:cloudwatch/logGroup:LogGroup",
      "logs",
      { retentionInDays: 30 },
      inReceiver,
    );
    const bounded = res(
      "aws:lambda/function:Function",
      "fn",
      { loggingConfig: { logGroup: "logs" } },
      { ...inReceiver, deps: { loggingConfig: [logs.urn] } },
    );
    expect((await check(receiverLambdaBounded, [logs, bounded])).messages).toEqual([]);
    expect((await check(receiverLambdaBounded, [fn("fn")])).messages).toEqual([
      "receiver Lambda fn logs to no log group with a retention period",
    ]);
  });

  it("lambda-reserved-concurrency-cost (advisory): no reservation says nothing; reservations say the quota they need", async () => {
    expect(
      (
        await check(lambdaReservedConcurrencyCost, [
          fn("a"),
          fn("b", { reservedConcurrentExecutions: -1 }),
        ])
      ).messages,
    ).toEqual([]);
    const r = await check(lambdaReservedConcurrencyCost, [
      fn("a", { reservedConcurrentExecutions: 5 }),
      fn("b", { reservedConcurrentExecutions: 5 }),
    ]);
    expect(r.violations.map((v) => [v.level, v.resource])).toEqual([
      ["advisory", "a"],
      ["advisory", "b"],
    ]);
    expect(r.messages[0]).toBe(
      "a reserves 5 concurrent executions, taken from the account's unreserved pool; with the stack's other reservations the account's concurrency quota must be at least 110 (100 stay unreserved)",
    );
    expect(
      (await check(lambdaReservedConcurrencyCost, [fn("z", { reservedConcurrentExecutions: 0 })]))
        .messages[0],
    ).toContain("0 stops the function from running at all");
    expect(quotaNeeded([])).toBe(100);
  });
});

describe("SES", () => {
  const active = (name: string, ruleSetName: string, region?: string) =>
    res("aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet", name, {
      ruleSetName,
      ...(region ? { region } : {}),
    });

  it("ses-single-active-rule-set: one per region passes; two in a region fail, naming both sets", async () => {
    expect(
      (
        await check(sesSingleActiveRuleSet, [
          active("a", "ours", "eu-west-1"),
          active("b", "theirs", "us-east-1"),
        ])
      ).messages,
    ).toEqual([]);
    const two = await check(sesSingleActiveRuleSet, [active("a", "ours"), active("b", "theirs")]);
    expect(two.violations.map((v) => [v.resource, v.message])).toEqual([
      [
        "b",
        "2 active receipt rule sets in (the stack's region) (a -> ours, b -> theirs); only the last one applied stays active",
      ],
    ]);
  });

  it("ses-receipt-names: valid names pass; a dotted rule set name, a 65-character or badly ended name, a long autonamed rule fail", async () => {
    const set = (ruleSetName: string) =>
      res("aws:ses/receiptRuleSet:ReceiptRuleSet", "set", { ruleSetName });
    const rule = (name: string, props: Record<string, unknown> = {}) =>
      res("aws:ses/receiptRule:ReceiptRule", name, { ruleSetName: "s", ...props });
    expect(
      (
        await check(sesReceiptNames, [
          set("mta-sts-example-receiver-tlsrpt"),
          rule("mta-sts-receiver-inbound"),
          rule("x", { name: "tlsrpt.example.com-rule" }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (await check(sesReceiptNames, [set("mta-sts-prod.eu-receiver-tlsrpt")])).messages,
    ).toEqual([
      'receipt rule set name "mta-sts-prod.eu-receiver-tlsrpt" has characters other than letters, digits, "_" and "-"',
    ]);
    expect(receiptRuleSetNameProblems("s".repeat(65))).toEqual([
      `"${"s".repeat(65)}" is 65 characters (1-64 allowed)`,
    ]);
    expect(receiptRuleNameProblems("rule-")).toEqual([
      '"rule-" does not start and end with a letter or digit',
    ]);
    expect((await check(sesReceiptNames, [rule("r".repeat(57))])).messages).toEqual([
      `receipt rule name autonamed from "${"r".repeat(57)}" + Pulumi's 8-character suffix is 65 characters (the limit is 64)`,
    ]);
  });

  it("ses-receiving-region: a receiving region passes; another region, or an MX to another region than the rules, fails", async () => {
    const mx = (region: string, name = "mx") =>
      res(R53, name, {
        zoneId: "Z1",
        name: "tlsrpt.example.com",
        type: "MX",
        ttl: 300,
        records: [`10 inbound-smtp.${region}.amazonaws.com`],
      });
    const rule = (region?: string) =>
      res("aws:ses/receiptRule:ReceiptRule", "rule", {
        ruleSetName: "s",
        ...(region ? { region } : {}),
      });
    expect(
      (await check(sesReceivingRegion, [rule("eu-west-1"), mx("eu-west-1")])).messages,
    ).toEqual([]);
    // the plan sees no region on the resources: the MX target says it
    expect((await check(sesReceivingRegion, [rule(), mx("eu-west-1")])).messages).toEqual([]);
    expect((await check(sesReceivingRegion, [rule(), mx("eu-west-3")])).messages).toEqual([
      "MX tlsrpt.example.com points at inbound-smtp.eu-west-3.amazonaws.com; SES does not receive email in eu-west-3",
    ]);
    expect((await check(sesReceivingRegion, [rule("sa-east-1")])).messages).toEqual([
      "rule is in sa-east-1, where SES does not receive email",
    ]);
    expect(
      (await check(sesReceivingRegion, [rule("us-east-1"), mx("eu-west-1")])).messages,
    ).toEqual([
      "MX tlsrpt.example.com points at eu-west-1 but the stack's receipt rules are in us-east-1; mail arrives where no rule handles it",
    ]);
    const cf = res(CF, "cf", {
      zoneId: "z",
      name: "tlsrpt.example.org",
      type: "MX",
      content: "inbound-smtp.af-south-1.amazonaws.com",
      priority: 10,
    });
    expect((await check(sesReceivingRegion, [cf])).messages).toEqual([
      "MX tlsrpt.example.org points at inbound-smtp.af-south-1.amazonaws.com; SES does not receive email in af-south-1",
    ]);
    expect(inboundRegionOf("10 inbound-smtp.eu-central-1.amazonaws.com.")).toBe("eu-central-1");
    expect(inboundRegionOf("10 mx.example.com")).toBeUndefined();
  });
});

describe("IAM", () => {
  const role = (name: string, props: Record<string, unknown> = {}) =>
    res("aws:iam/role:Role", name, { assumeRolePolicy: "{}", ...props });

  it("iam-names: a role autonamed within 64, a 38-character namePrefix, a long inline policy name within 128 pass; longer ones fail", async () => {
    expect(
      (
        await check(iamNames, [
          role("r".repeat(56)),
          role("p", { namePrefix: "p".repeat(38) }),
          res("aws:iam/rolePolicy:RolePolicy", "x".repeat(120), { role: "r", policy: "{}" }),
        ])
      ).messages,
    ).toEqual([]);
    expect((await check(iamNames, [role("r".repeat(57))])).messages).toEqual([
      `role name autonamed from "${"r".repeat(57)}" + Pulumi's 8-character suffix is 65 characters (the limit is 64)`,
    ]);
    expect((await check(iamNames, [role("p", { namePrefix: "p".repeat(39) })])).messages).toEqual([
      `role name prefix "${"p".repeat(39)}" + the provider's 26-character suffix is 65 characters (the limit is 64)`,
    ]);
    expect(
      (
        await check(iamNames, [
          res("aws:iam/policy:Policy", "pol", { name: "reports/read", policy: "{}" }),
        ])
      ).messages,
    ).toEqual([
      'policy name "reports/read" contains "/"; IAM names allow letters, digits and + = , . @ _ -',
    ]);
  });

  it("actionsForCommand: SDK commands map to the IAM actions they need (transactions: per item)", () => {
    expect(actionsForCommand("s3", "PutObjectCommand")).toEqual(["s3:PutObject"]);
    expect(actionsForCommand("s3", "GetObjectCommand")).toEqual(["s3:GetObject"]);
    expect(actionsForCommand("s3", "HeadObjectCommand")).toEqual(["s3:GetObject"]);
    expect(actionsForCommand("dynamodb", "UpdateItemCommand")).toEqual(["dynamodb:UpdateItem"]);
    expect(
      actionsForCommand("dynamodb", "TransactWriteItemsCommand", {
        TransactItems: [{ Put: {} }, { Update: {} }, { ConditionCheck: {} }, { Put: {} }],
      }),
    ).toEqual(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]);
  });

  it("policyAllows: Allow on a matching action and resource; wildcards; an explicit Deny wins; nothing else", () => {
    const doc = JSON.stringify({
      Statement: [
        { Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
        {
          Effect: "Allow",
          Action: "dynamodb:*Item",
          Resource: "arn:aws:dynamodb:eu-west-1:1:table/t",
        },
        { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::b/secret/*" },
      ],
    });
    expect(policyAllows(doc, "s3:PutObject", "arn:aws:s3:::b/raw/x")).toBe(true);
    expect(policyAllows(doc, "S3:putobject", "arn:aws:s3:::b/raw/x")).toBe(true);
    expect(policyAllows(doc, "s3:GetObject", "arn:aws:s3:::b/raw/x")).toBe(false);
    expect(policyAllows(doc, "s3:PutObject", "arn:aws:s3:::other/raw/x")).toBe(false);
    expect(policyAllows(doc, "s3:PutObject", "arn:aws:s3:::b/secret/x")).toBe(false);
    expect(policyAllows(doc, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/t")).toBe(
      true,
    );
    expect(policyAllows(doc, "dynamodb:Query", "arn:aws:dynamodb:eu-west-1:1:table/t")).toBe(false);
    expect(policyAllows("not json", "s3:PutObject", "arn:aws:s3:::b/x")).toBe(false);
  });
});

describe("S3", () => {
  const bucket = (name: string, props: Record<string, unknown> = {}) =>
    res("aws:s3/bucket:Bucket", name, props);

  it("s3-bucket-name: autonamed within 63 (lowercased), valid explicit names pass; long, underscored, dotted twice or reserved names fail", async () => {
    expect(
      (
        await check(s3BucketName, [
          bucket("Mta-Sts-Receiver-Reports"),
          bucket("x", { bucket: "mta-sts.example-reports" }),
          bucket("b".repeat(55)),
        ])
      ).messages,
    ).toEqual([]);
    expect((await check(s3BucketName, [bucket("b".repeat(56))])).messages).toEqual([
      `bucket name autonamed from "${"b".repeat(56)}" + Pulumi's 8-character suffix is 64 characters (the limit is 63)`,
    ]);
    expect((await check(s3BucketName, [bucket("reports_bucket")])).messages).toEqual([
      'bucket name "reports_bucket" contains "_"; bucket names use lowercase letters, digits, "." and "-" only',
    ]);
    expect(
      (await check(s3BucketName, [bucket("x", { bucketPrefix: "p".repeat(38) })])).messages,
    ).toEqual([
      `bucket name prefix "${"p".repeat(38)}" + the provider's 26-character suffix is 64 characters (the limit is 63)`,
    ]);
    expect(bucketNameProblems("My..bucket-s3alias")).toEqual([
      '"My..bucket-s3alias" contains "M"; bucket names use lowercase letters, digits, "." and "-" only',
      '"My..bucket-s3alias" does not start with a lowercase letter or digit',
      '"My..bucket-s3alias" has two adjacent periods',
      '"My..bucket-s3alias" ends with the reserved suffix -s3alias',
    ]);
    expect(bucketNameProblems("192.168.5.4")).toEqual([
      '"192.168.5.4" is formatted as an IP address',
    ]);
    expect(bucketNameProblems("xn--bucket")).toEqual([
      '"xn--bucket" starts with the reserved prefix xn--',
    ]);
  });

  it("s3-lifecycle-filter (advisory): a filter with a prefix passes; filter: {} or no filter draws the provider's warning", async () => {
    const lifecycle = (rule: Record<string, unknown>) =>
      res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "retention", {
        bucket: "b",
        rules: [{ id: "retention", status: "Enabled", expiration: { days: 400 }, ...rule }],
      });
    expect(
      (await check(s3LifecycleFilter, [lifecycle({ filter: { prefix: "" } })])).messages,
    ).toEqual([]);
    expect(
      (await check(s3LifecycleFilter, [lifecycle({ filter: { tag: { key: "k", value: "v" } } })]))
        .messages,
    ).toEqual([]);
    const empty = await check(s3LifecycleFilter, [lifecycle({ filter: {} })]);
    expect(empty.violations.map((v) => [v.level, v.message])).toEqual([
      [
        "advisory",
        'lifecycle rule "retention" has an empty filter; the AWS provider warns and will refuse it',
      ],
    ]);
    expect(lifecycleRuleProblems({ status: "Enabled" }, 2)).toEqual([
      "lifecycle rule 2 has no filter or prefix; the AWS provider warns and will refuse it",
    ]);
  });
});

describe("DNS", () => {
  const r53 = (
    name: string,
    type: string,
    label = `${type}-${name}`,
    extra: Record<string, unknown> = {},
  ) => res(R53, label, { zoneId: "Z1", name, type, ttl: 300, records: ["x"], ...extra });
  const cf = (name: string, type: string, label = `cf-${type}-${name}`) =>
    res(CF, label, {
      zoneId: "z",
      name,
      type,
      content: type === "TXT" ? '"v=STSv1; id=b;"' : "target.example.net",
    });

  it("dns-cname-exclusive: a CNAME alone passes; with any other record at its name, in any provider, it fails", async () => {
    expect(
      (
        await check(dnsCnameExclusive, [
          r53("mta-sts.example.com", "CNAME"),
          r53("_mta-sts.example.com", "TXT"),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(dnsCnameExclusive, [
          r53("mta-sts.example.com", "CNAME", "host"),
          r53("mta-sts.example.com.", "TXT", "txt"),
        ])
      ).messages,
    ).toEqual([
      "mta-sts.example.com has a CNAME (host, route53) and a TXT (txt, route53); a CNAME must be the only record at its name",
    ]);
    expect(
      (
        await check(dnsCnameExclusive, [
          cf("MTA-STS.example.org", "CNAME", "host"),
          r53("mta-sts.example.org", "A", "alias"),
        ])
      ).messages,
    ).toEqual([
      "mta-sts.example.org has a CNAME (host, cloudflare) and a A (alias, route53); a CNAME must be the only record at its name",
    ]);
    // two CNAMEs at one name: reported once; weighted Route53 CNAMEs (set identifiers) are allowed
    expect(
      (
        await check(dnsCnameExclusive, [
          r53("w.example.com", "CNAME", "one"),
          r53("w.example.com", "CNAME", "two"),
        ])
      ).messages,
    ).toHaveLength(1);
    expect(
      cnameConflicts([
        {
          urn: "1",
          label: "one",
          name: "w.example.com",
          type: "CNAME",
          provider: "route53",
          setIdentifier: "blue",
        },
        {
          urn: "2",
          label: "two",
          name: "w.example.com",
          type: "CNAME",
          provider: "route53",
          setIdentifier: "green",
        },
      ]),
    ).toEqual([]);
    // names only known after deploy (ACM validation) cannot be compared offline
    expect(
      (
        await check(dnsCnameExclusive, [
          res(R53, "acm", { zoneId: "Z1", name: UNKNOWN, type: "CNAME", records: ["x"] }),
          r53("mta-sts.example.com", "A"),
        ])
      ).messages,
    ).toEqual([]);
  });

  it("one v=STSv1 / v=TLSRPTv1 per name across the stack, any provider (mta-sts-txt-unique, tls-rpt-txt-unique)", async () => {
    const stsR53 = res(R53, "r53", {
      zoneId: "Z1",
      name: "_mta-sts.example.com",
      type: "TXT",
      records: ["v=STSv1; id=a;"],
    });
    expect(
      (await check(mtaStsTxtUnique, [stsR53, cf("_mta-sts.example.org", "TXT")])).messages,
    ).toEqual([]);
    expect(
      (await check(mtaStsTxtUnique, [stsR53, cf("_mta-sts.example.com", "TXT")])).messages,
    ).toEqual(["_mta-sts.example.com has 2 v=STSv1 records; senders see no policy at all"]);
    // a relative name in a zone declared in the stack is the same name
    const zone = res("aws:route53/zone:Zone", "zone", { name: "example.com" });
    const relative = res(
      R53,
      "rel",
      {
        zoneId: "Z1",
        name: "_smtp._tls",
        type: "TXT",
        records: ["v=TLSRPTv1; rua=mailto:a@example.com"],
      },
      { deps: { zoneId: [zone.urn] } },
    );
    const absolute = res(CF, "abs", {
      zoneId: "z",
      name: "_smtp._tls.example.com",
      type: "TXT",
      content: '"v=TLSRPTv1; rua=mailto:b@example.com"',
    });
    expect((await check(tlsRptTxtUnique, [zone, relative, absolute])).messages).toEqual([
      "_smtp._tls.example.com has 2 v=TLSRPTv1 records; reporters ignore them all",
    ]);
  });
});

describe("mtasts plan --stack example", () => {
  it("shows no violation of the service rules (nor any other)", () => {
    const bin = path.join(__dirname, "..", "bin", "mtasts.cjs");
    const run = spawnSync(
      process.execPath,
      [bin, "plan", "--stack", "example", "--format", "json"],
      { cwd: path.join(__dirname, ".."), encoding: "utf8", maxBuffer: 1 << 28 },
    );
    // The JSON document (log lines the program prints before it are not this test's subject).
    const plan = JSON.parse(run.stdout.slice(run.stdout.search(/^\{$/m))) as Plan;
    const names = new Set(serviceRules.map((p) => p.name));
    expect(
      plan.violations
        .filter((v) => names.has(v.policy))
        .map((v) => `${v.policy} ${v.resource}: ${v.message}`),
    ).toEqual([]);
    expect(plan.violations).toEqual([]);
    expect(run.status).toBe(0);
    // the rules saw the receiver: nothing skipped for want of a value
    expect(plan.policyNotRun.filter((n) => names.has(n.policy))).toEqual([]);
  });
});
