// The ReportReceiver under the Pulumi mock runtime: what it creates, the permissions it
// grants, and the _smtp._tls record of every domain.
import { beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";

let registered: Registered[];
const fleets: Record<string, MtaStsFleet> = {};
const domains = [
  { domain: "example.com", dns: { provider: "route53", zoneId: "Z0123456789ABC" }, mx: ["mx.example.com"], rua: ["mailto:tlsrpt@example.com"] },
  { domain: "example.org", dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" }, mx: ["mx.example.org"], mode: "enforce" },
];

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  fleets.full = new MtaStsFleet("full", {
    ...parseStackConfig({
      domains,
      receiver: { email: { domain: "tlsrpt.example.com", dns: { provider: "route53", zoneId: "Z0123456789ABC" } }, alarmEmail: "ops@example.com", retentionDays: 90, limits: { maxBodyBytes: 2000000 } },
    }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  fleets.shared = new MtaStsFleet("shared", {
    ...parseStackConfig({ domains, receiver: { email: { domain: "tlsrpt.example.net", dns: { provider: "manual" }, ruleSetName: "existing-rules" }, https: false } }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  await Promise.all(Object.values(fleets).flatMap((f) => f.domains.map((d) => promiseOf(d.tlsRptRecord))));
  await settled();
});

const of = (fleet: string, type: string) => registered.filter((r) => r.type === type && r.name.startsWith(`${fleet}-`));
const one = (fleet: string, type: string, suffix = "") => {
  const found = of(fleet, type).filter((r) => r.name.endsWith(suffix));
  expect(found, `${type} ${suffix}`).toHaveLength(1);
  return found[0];
};

describe("ReportReceiver", () => {
  it("puts raw and normalised reports in a private, encrypted bucket with a retention period", () => {
    expect(one("full", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "receiver-reports-public-access").inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(one("full", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "receiver-reports-encryption")).toBeDefined();
    expect(one("full", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules[0]).toMatchObject({ status: "Enabled", expiration: { days: 90 } });
    expect(one("full", "aws:dynamodb/table:Table").inputs).toMatchObject({ billingMode: "PAY_PER_REQUEST", hashKey: "pk", rangeKey: "sk" });
  });

  it("runs bundled arm64 functions with reserved concurrency, JSON logs with retention, and its storage in the environment", () => {
    const fns = of("full", "aws:lambda/function:Function");
    expect(fns.map((f) => f.name).sort()).toEqual(["full-receiver-email", "full-receiver-http"]);
    for (const f of fns) {
      expect(f.inputs).toMatchObject({ runtime: "nodejs24.x", architectures: ["arm64"], handler: "index.handler", reservedConcurrentExecutions: 5, loggingConfig: { logFormat: "JSON" } });
      expect(f.inputs.environment.variables).toMatchObject({ REPORT_BUCKET: "full-receiver-reports-bucket", REPORT_TABLE: "full-receiver-aggregates", MTASTS_MAX_BODY_BYTES: "2000000" });
      expect(f.inputs.loggingConfig.logGroup).toBe(`${f.name}-logs`);
    }
    for (const g of of("full", "aws:cloudwatch/logGroup:LogGroup")) expect(g.inputs.retentionInDays).toBe(30);
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
    const http = JSON.parse(one("full", "aws:iam/rolePolicy:RolePolicy", "http-policy").inputs.policy).Statement;
    expect(http.find((s: { Sid: string }) => s.Sid === "Reports")).toMatchObject({ Action: ["s3:PutObject"], Resource: "arn:aws:s3:::full-receiver-reports-bucket/*" });
  });

  it("exposes the HTTPS function only through a public Function URL with both permissions it needs", () => {
    expect(one("full", "aws:lambda/functionUrl:FunctionUrl").inputs.authorizationType).toBe("NONE");
    const perms = of("full", "aws:lambda/permission:Permission").map((p) => p.inputs);
    expect(perms.filter((p) => p.principal === "*").map((p) => [p.action, p.functionUrlAuthType, p.invokedViaFunctionUrl]).sort()).toEqual([
      ["lambda:InvokeFunction", undefined, true],
      ["lambda:InvokeFunctionUrl", "NONE", undefined],
    ]);
    expect(perms.find((p) => p.principal === "s3.amazonaws.com")).toMatchObject({ action: "lambda:InvokeFunction", sourceAccount: "123456789012" });
  });

  it("routes https://mta-sts.<domain>/tlsrpt through every policy distribution to the Function URL", () => {
    const d = one("full", "aws:cloudfront/distribution:Distribution").inputs;
    expect(d.origins[1]).toMatchObject({ originId: "tlsrpt-receiver", domainName: "full-receiver-http-url.lambda-url.eu-west-1.on.aws", customOriginConfig: { originProtocolPolicy: "https-only" } });
    expect(d.orderedCacheBehaviors).toEqual([expect.objectContaining({ pathPattern: "/tlsrpt", targetOriginId: "tlsrpt-receiver", viewerProtocolPolicy: "https-only", allowedMethods: expect.arrayContaining(["POST"]) })]);
    expect(one("shared", "aws:cloudfront/distribution:Distribution").inputs.orderedCacheBehaviors).toEqual([]);
  });

  it("receives mail through SES: identity, DKIM and MX records, a scanning rule writing to inbound/", async () => {
    expect(one("full", "aws:ses/domainIdentity:DomainIdentity").inputs.domain).toBe("tlsrpt.example.com");
    const rule = one("full", "aws:ses/receiptRule:ReceiptRule").inputs;
    expect(rule).toMatchObject({ recipients: ["tlsrpt@tlsrpt.example.com"], scanEnabled: true, enabled: true, ruleSetName: "full-receiver-tlsrpt", s3Actions: [{ bucketName: "full-receiver-reports-bucket", objectKeyPrefix: "inbound/", position: 1 }] });
    expect(of("full", "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toHaveLength(1);
    const records = of("full", "aws:route53/record:Record").filter((r) => r.name.startsWith("full-receiver-dns-")).map((r) => `${r.inputs.name} ${r.inputs.type} ${r.inputs.records.join(" ")}`);
    expect(records.sort()).toEqual([
      "_amazonses.tlsrpt.example.com TXT verify-token",
      "tlsrpt.example.com MX 10 inbound-smtp.eu-west-1.amazonaws.com",
      "tok0._domainkey.tlsrpt.example.com CNAME tok0.dkim.amazonses.com",
      "tok1._domainkey.tlsrpt.example.com CNAME tok1.dkim.amazonses.com",
      "tok2._domainkey.tlsrpt.example.com CNAME tok2.dkim.amazonses.com",
    ]);
    const notification = one("full", "aws:s3/bucketNotification:BucketNotification").inputs;
    expect(notification.lambdaFunctions[0]).toMatchObject({ events: ["s3:ObjectCreated:*"], filterPrefix: "inbound/" });
    const bucketPolicy = JSON.parse(one("full", "aws:s3/bucketPolicy:BucketPolicy", "receiver-reports-access").inputs.policy);
    expect(bucketPolicy.Statement.find((s: { Sid: string }) => s.Sid === "SesWritesInbound")).toMatchObject({ Principal: { Service: "ses.amazonaws.com" }, Condition: { StringEquals: { "AWS:SourceAccount": "123456789012" } } });
  });

  it("adds the rule to an existing rule set when named (only one can be active per region)", () => {
    expect(of("shared", "aws:ses/receiptRuleSet:ReceiptRuleSet")).toEqual([]);
    expect(of("shared", "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toEqual([]);
    expect(one("shared", "aws:ses/receiptRule:ReceiptRule").inputs.ruleSetName).toBe("existing-rules");
  });

  it("alarms on the failure rate to an SNS topic with the email subscription, and has a dashboard", () => {
    const alarm = one("full", "aws:cloudwatch/metricAlarm:MetricAlarm", "receiver-failure-rate").inputs;
    const perDomain = one("full", "aws:cloudwatch/metricAlarm:MetricAlarm", "failure-rate-example.org").inputs;
    expect(perDomain.metricQueries[0].metric.dimensions).toEqual({ Domain: "example.org" });
    expect(perDomain.alarmDescription).toContain('set "mode: testing" for example.org');
    expect(alarm).toMatchObject({ threshold: 0.05, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching" });
    expect(alarm.metricQueries.find((q: { id: string }) => q.id === "rate").expression).toBe("IF(total > 0, failed / total, 0)");
    expect(alarm.metricQueries.map((q: { returnData: boolean }) => q.returnData)).toEqual([false, false, true]);
    expect(one("full", "aws:sns/topicSubscription:TopicSubscription").inputs).toMatchObject({ protocol: "email", endpoint: "ops@example.com" });
    expect(JSON.parse(one("full", "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody).widgets).toHaveLength(3);
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
    expect(cf.inputs.content).toBe('"v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.org/tlsrpt"');
  });
});
