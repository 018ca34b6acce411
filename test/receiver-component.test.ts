// The ReportReceiver under the Pulumi mock runtime: what it creates, the permissions it
// grants, and the _smtp._tls record of every domain.
import { beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";

let registered: Registered[];
const fleets: Record<string, MtaStsFleet> = {};
const domains = [
  {
    domain: "example.com",
    dns: { provider: "route53", zoneId: "Z0123456789ABC" },
    mx: ["mx.example.com"],
    rua: ["mailto:tlsrpt@example.com"],
  },
  {
    domain: "example.org",
    dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
    mx: ["mx.example.org"],
    mode: "enforce",
  },
];

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  fleets.full = new MtaStsFleet("full", {
    ...parseStackConfig({
      domains,
      receiver: {
        email: {
          domain: "tlsrpt.example.com",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
        },
        alarmEmail: "ops@example.com",
        retentionDays: 90,
        limits: { maxBodyBytes: 2000000 },
      },
      // The receiver alone: the self-check has its own tests (test/self-check.test.ts).
      watch: { enabled: false },
    }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  fleets.shared = new MtaStsFleet("shared", {
    ...parseStackConfig({
      domains,
      receiver: {
        email: {
          domain: "tlsrpt.example.net",
          dns: { provider: "manual" },
          ruleSetName: "existing-rules",
        },
        https: false,
      },
      watch: { enabled: false },
    }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  await Promise.all(
    Object.values(fleets).flatMap((f) => f.domains.map((d) => promiseOf(d.tlsRptRecord))),
  );
  await settled();
});

const of = (fleet: string, type: string) =>
  registered.filter((r) => r.type === type && r.name.startsWith(`${fleet}-`));
const one = (fleet: string, type: string, suffix = "") => {
  const found = of(fleet, type).filter((r) => r.name.endsWith(suffix));
  expect(found, `${type} ${suffix}`).toHaveLength(1);
  return found[0];
};

describe("ReportReceiver", () => {
  it("puts raw and normalised reports in a private, encrypted bucket with a retention period", () => {
    expect(
      one(
        "full",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "receiver-reports-public-access",
      ).inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one(
        "full",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "receiver-reports-encryption",
      ),
    ).toBeDefined();
    expect(
      one("full", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
        .rules[0],
    ).toMatchObject({ status: "Enabled", expiration: { days: 90 } });
    expect(one("full", "aws:dynamodb/table:Table").inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
    });
  });

  it("runs bundled arm64 functions without reserved concurrency (new accounts refuse any), JSON logs with retention, and its storage in the environment", () => {
    const fns = of("full", "aws:lambda/function:Function");
    expect(fns.map((f) => f.name).sort()).toEqual(["full-receiver-email", "full-receiver-http"]);
    for (const f of fns) {
      expect(f.inputs).toMatchObject({
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        handler: "index.handler",
        loggingConfig: { logFormat: "JSON" },
      });
      expect(f.inputs.reservedConcurrentExecutions).toBeUndefined();
      expect(f.inputs.environment.variables).toMatchObject({
        REPORT_BUCKET: "full-receiver-reports-bucket",
        REPORT_TABLE: "full-receiver-aggregates",
        MTASTS_MAX_BODY_BYTES: "2000000",
      });
      expect(f.inputs.loggingConfig.logGroup).toBe(`${f.name}-logs`);
    }
    for (const g of of("full", "aws:cloudwatch/logGroup:LogGroup"))
      expect(g.inputs.retentionInDays).toBe(30);
  });

  it("grants no * action on * resource; each role reaches only its logs, bucket and table", () => {
    const policies = of("full", "aws:iam/rolePolicy:RolePolicy");
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      for (const s of JSON.parse(p.inputs.policy).Statement) {
        expect([s.Action].flat()).not.toContain("*");
        expect([s.Resource].flat().some((r: string) => r === "*")).toBe(false);
      }
    }
    const http = JSON.parse(
      one("full", "aws:iam/rolePolicy:RolePolicy", "http-policy").inputs.policy,
    ).Statement;
    expect(http.find((s: { Sid: string }) => s.Sid === "Reports")).toMatchObject({
      Action: ["s3:PutObject"],
      Resource: "arn:aws:s3:::full-receiver-reports-bucket/*",
    });
  });

  it("exposes the HTTPS function only through a public Function URL with both permissions it needs", () => {
    expect(one("full", "aws:lambda/functionUrl:FunctionUrl").inputs.authorizationType).toBe("NONE");
    const perms = of("full", "aws:lambda/permission:Permission").map((p) => p.inputs);
    expect(
      perms
        .filter((p) => p.principal === "*")
        .map((p) => [p.action, p.functionUrlAuthType, p.invokedViaFunctionUrl])
        .sort(),
    ).toEqual([
      ["lambda:InvokeFunction", undefined, true],
      ["lambda:InvokeFunctionUrl", "NONE", undefined],
    ]);
    expect(perms.find((p) => p.principal === "s3.amazonaws.com")).toMatchObject({
      action: "lambda:InvokeFunction",
      sourceAccount: "123456789012",
    });
  });

  it("routes https://mta-sts.<domain>/tlsrpt through every policy distribution to the Function URL", () => {
    const d = one("full", "aws:cloudfront/distribution:Distribution").inputs;
    expect(d.origins[1]).toMatchObject({
      originId: "tlsrpt-receiver",
      domainName: "full-receiver-http-url.lambda-url.eu-west-1.on.aws",
      customOriginConfig: { originProtocolPolicy: "https-only" },
    });
    expect(d.orderedCacheBehaviors).toEqual([
      expect.objectContaining({
        pathPattern: "/tlsrpt",
        targetOriginId: "tlsrpt-receiver",
        viewerProtocolPolicy: "https-only",
        allowedMethods: expect.arrayContaining(["POST"]),
      }),
    ]);
    expect(
      one("shared", "aws:cloudfront/distribution:Distribution").inputs.orderedCacheBehaviors,
    ).toEqual([]);
  });

  it("receives mail through SES: identity and MX records (no DKIM: that signs outgoing mail), a scanning rule writing to inbound/", async () => {
    expect(one("full", "aws:ses/domainIdentity:DomainIdentity").inputs).toMatchObject({
      domain: "tlsrpt.example.com",
      region: "eu-west-1",
    });
    expect(of("full", "aws:ses/domainDkim:DomainDkim")).toEqual([]);
    const rule = one("full", "aws:ses/receiptRule:ReceiptRule").inputs;
    // The set's name is unique per project, stack and component: two stacks never share one.
    expect(rule).toMatchObject({
      recipients: ["tlsrpt@tlsrpt.example.com"],
      scanEnabled: true,
      enabled: true,
      ruleSetName: "project-stack-full-receiver-tlsrpt",
      s3Actions: [
        { bucketName: "full-receiver-reports-bucket", objectKeyPrefix: "inbound/", position: 1 },
      ],
    });
    expect(rule.after).toBeUndefined();
    expect(rule.stopActions).toBeUndefined();
    expect(one("full", "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet").inputs).toEqual({
      ruleSetName: "project-stack-full-receiver-tlsrpt",
      region: "eu-west-1",
    });
    const records = of("full", "aws:route53/record:Record")
      .filter((r) => r.name.startsWith("full-receiver-dns-"))
      .map((r) => `${r.inputs.name} ${r.inputs.type} ${r.inputs.records.join(" ")}`);
    expect(records.sort()).toEqual([
      "_amazonses.tlsrpt.example.com TXT verify-token",
      "tlsrpt.example.com MX 10 inbound-smtp.eu-west-1.amazonaws.com",
    ]);
    const notification = one("full", "aws:s3/bucketNotification:BucketNotification").inputs;
    expect(notification.lambdaFunctions[0]).toMatchObject({
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "inbound/",
    });
    const bucketPolicy = JSON.parse(
      one("full", "aws:s3/bucketPolicy:BucketPolicy", "receiver-reports-access").inputs.policy,
    );
    expect(
      bucketPolicy.Statement.find((s: { Sid: string }) => s.Sid === "SesWritesInbound"),
    ).toMatchObject({
      Principal: { Service: "ses.amazonaws.com" },
      Condition: { StringEquals: { "AWS:SourceAccount": "123456789012" } },
    });
  });

  it("adds the rule to an existing rule set when named (only one can be active per region)", () => {
    expect(of("shared", "aws:ses/receiptRuleSet:ReceiptRuleSet")).toEqual([]);
    expect(of("shared", "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toEqual([]);
    expect(one("shared", "aws:ses/receiptRule:ReceiptRule").inputs.ruleSetName).toBe(
      "existing-rules",
    );
  });

  it("alarms on the failure rate to an SNS topic with the email subscription, and has a dashboard", () => {
    const alarm = one(
      "full",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "receiver-failure-rate",
    ).inputs;
    const perDomain = one(
      "full",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "failure-rate-example.org",
    ).inputs;
    // Powertools adds `service` to every metric it emits; CloudWatch matches dimension sets exactly.
    expect(perDomain.metricQueries[0].metric.dimensions).toEqual({
      service: "tlsrpt-receiver",
      Domain: "example.org",
    });
    expect(alarm.metricQueries[0].metric.dimensions).toEqual({ service: "tlsrpt-receiver" });
    expect(perDomain.alarmDescription).toContain('set "mode: testing" for example.org');
    expect(alarm).toMatchObject({
      threshold: 0.05,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    expect(alarm.metricQueries.find((q: { id: string }) => q.id === "rate").expression).toBe(
      "IF(total > 0, failed / total, 0)",
    );
    expect(alarm.metricQueries.map((q: { returnData: boolean }) => q.returnData)).toEqual([
      false,
      false,
      true,
    ]);
    expect(one("full", "aws:sns/topicSubscription:TopicSubscription").inputs).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
    const dashboard = one("full", "aws:cloudwatch/dashboard:Dashboard").inputs;
    expect(dashboard.dashboardName).toBe("project-stack-full-receiver-tlsrpt");
    const widgets = JSON.parse(dashboard.dashboardBody).widgets;
    expect(widgets).toHaveLength(3);
    // PutDashboard refuses a metric widget without its region.
    for (const w of widgets) expect(w.properties.region).toBe("eu-west-1");
    expect(widgets[1].properties.metrics[0][0].expression).toBe(
      `SEARCH('{MtaSts,service,Domain} MetricName="FailedSessions"', 'Sum', 86400)`,
    );
  });

  it("puts the receiver's addresses, after the user's, in every domain's _smtp._tls record", async () => {
    expect(await Promise.all(fleets.full.domains.map((d) => promiseOf(d.tlsRptRecord)))).toEqual([
      "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.com/tlsrpt",
      "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.org/tlsrpt",
    ]);
    expect(await Promise.all(fleets.shared.domains.map((d) => promiseOf(d.tlsRptRecord)))).toEqual([
      "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,mailto:tlsrpt@tlsrpt.example.net",
      "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.net",
    ]);
    const cf = registered.find((r) => r.name === "full-example.org-dns-tlsrpt-txt")!;
    expect(cf.inputs.content).toBe(
      '"v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.org/tlsrpt"',
    );
  });
});

describe("SES receipt rule set: never take over another (one is active per account and region)", () => {
  const base = {
    ours: "proj-prod-mta-sts-receiver-tlsrpt",
    region: "eu-west-1",
    mailbox: "tlsrpt@tlsrpt.example.com",
  };
  it("creates and activates the stack's own set only where none is active (or it is ours already)", async () => {
    const { ruleSetFor } = await import("../components/report-receiver");
    expect(ruleSetFor({ ...base, active: null })).toBe(base.ours);
    expect(ruleSetFor({ ...base, active: base.ours })).toBe(base.ours);
    expect(ruleSetFor({ ...base, active: undefined })).toBe(base.ours); // offline plan: not looked up
  });

  it("refuses to activate its own set over the account's, naming ruleSetName and the rule's place", async () => {
    const { ruleSetFor } = await import("../components/report-receiver");
    expect(() => ruleSetFor({ ...base, active: "customer-rules" })).toThrow(
      "SES in eu-west-1 already has an active receipt rule set, \"customer-rules\"; activating the stack's own would switch it off. Set mta-sts:receiver.email.ruleSetName: customer-rules to add the stack's rule to it (the rule goes first in the set, matches only tlsrpt@tlsrpt.example.com, and has no stop action)",
    );
  });

  it("adds to a named set only when it is the active one", async () => {
    const { ruleSetFor } = await import("../components/report-receiver");
    expect(ruleSetFor({ ...base, configured: "customer-rules", active: "customer-rules" })).toBe(
      "customer-rules",
    );
    expect(() => ruleSetFor({ ...base, configured: "customer-rules", active: "other" })).toThrow(
      /"customer-rules" is not the active SES receipt rule set in eu-west-1 \("other" is\)/,
    );
    expect(() => ruleSetFor({ ...base, configured: "customer-rules", active: null })).toThrow(
      /\(none is active\); mail would never reach the rule/,
    );
  });

  it("builds physical names unique per project, stack and component, within AWS's limits", async () => {
    const { physicalName } = await import("../components/report-receiver");
    expect(physicalName(["proj", "prod", "mta-sts-receiver", "tlsrpt"])).toBe(
      "proj-prod-mta-sts-receiver-tlsrpt",
    );
    expect(physicalName(["my project", "dev/eu"])).toBe("my-project-dev-eu");
    // stack names may hold dots; PutDashboard and CreateReceiptRuleSet refuse them
    expect(physicalName(["proj", "prod.eu-west-1", "r"])).toBe("proj-prod-eu-west-1-r");
    const long = physicalName(["p".repeat(40), "stack-a", "x".repeat(30)]);
    const other = physicalName(["p".repeat(40), "stack-b", "x".repeat(30)]);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*-[0-9a-f]{8}$/);
    expect(long).not.toBe(other);
    expect(physicalName(["a".repeat(300)], 255)).toHaveLength(255);
  });
});

describe("ReportReceiver: nothing lost", () => {
  it("writes the served domains to config/ (never expired) and names the key in the functions' environment", () => {
    const obj = one(
      "full",
      "aws:s3/bucketObjectv2:BucketObjectv2",
      "receiver-served-domains",
    ).inputs;
    expect(obj).toMatchObject({ key: "config/domains.json", contentType: "application/json" });
    expect(JSON.parse(obj.content)).toEqual(["example.com", "example.org"]);
    for (const f of of("full", "aws:lambda/function:Function"))
      expect(f.inputs.environment.variables.MTASTS_DOMAINS_KEY).toBe("config/domains.json");
    const rules = one("full", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .inputs.rules;
    expect(rules.map((r: { filter: { prefix: string } }) => r.filter.prefix).sort()).toEqual([
      "inbound/",
      "raw/",
      "rejected/",
      "reports/",
    ]);
  });

  it("sweeps abandoned claims hourly from each function, with the permissions that takes", () => {
    const rules = of("full", "aws:cloudwatch/eventRule:EventRule");
    expect(rules.map((r) => [r.name, r.inputs.scheduleExpression]).sort()).toEqual([
      ["full-receiver-email-sweep", "rate(1 hour)"],
      ["full-receiver-http-sweep", "rate(1 hour)"],
    ]);
    const targets = of("full", "aws:cloudwatch/eventTarget:EventTarget")
      .map((t) => t.inputs.rule)
      .sort();
    expect(targets).toEqual(["full-receiver-email-sweep", "full-receiver-http-sweep"]);
    const invoke = of("full", "aws:lambda/permission:Permission").filter(
      (p) => p.inputs.principal === "events.amazonaws.com",
    );
    expect(invoke).toHaveLength(2);
    const http = JSON.parse(
      one("full", "aws:iam/rolePolicy:RolePolicy", "http-policy").inputs.policy,
    ).Statement;
    expect(http.find((s: { Sid: string }) => s.Sid === "ReadBack").Resource).toEqual([
      "arn:aws:s3:::full-receiver-reports-bucket/config/*",
      "arn:aws:s3:::full-receiver-reports-bucket/raw/https/*",
    ]);
    expect(http.find((s: { Sid: string }) => s.Sid === "Aggregates").Action).toContain(
      "dynamodb:Scan",
    );
  });

  it("sends email reports that fail three times to a queue, and alarms when one is there", () => {
    const queue = one("full", "aws:sqs/queue:Queue", "email-failures");
    const config = one(
      "full",
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    ).inputs;
    expect(config).toMatchObject({
      functionName: "full-receiver-email",
      maximumRetryAttempts: 2,
      destinationConfig: {
        onFailure: { destination: `arn:aws:sqs:eu-west-1:123456789012:${queue.name}` },
      },
    });
    const email = JSON.parse(
      one("full", "aws:iam/rolePolicy:RolePolicy", "email-policy").inputs.policy,
    ).Statement;
    expect(email.find((s: { Sid: string }) => s.Sid === "FailureQueue")).toMatchObject({
      Action: ["sqs:SendMessage"],
    });
    expect(
      one("full", "aws:cloudwatch/metricAlarm:MetricAlarm", "receiver-email-failures").inputs,
    ).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
    });
    expect(
      of("shared", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"),
    ).toHaveLength(1);
  });
});
