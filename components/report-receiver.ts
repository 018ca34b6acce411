// The TLS-RPT receiver: a private bucket (raw, rejected, normalised reports), a DynamoDB table
// (claims and daily aggregates), a Function URL for rua=https:, SES inbound for rua=mailto:,
// metrics, an alarm on the failure rate, a dashboard. Code in receiver/, bundled by esbuild.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsZone } from "./dns/zone";
import { MAILBOX } from "./receiver-addresses";
import { handlerArchive, LAMBDA_RUNTIME } from "./receiver-bundle";

export const METRICS_NAMESPACE = "MtaSts";

export interface ReportReceiverArgs {
  /** Days to keep raw, rejected and normalised reports (S3 lifecycle). */
  readonly retentionDays?: number;
  /** Concurrent executions per function: bounds what a flood of reports can cost. */
  readonly reservedConcurrency?: number;
  /** Daily failure rate (failed / all sessions, all domains) that raises the alarm. */
  readonly failureRateThreshold?: number;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** Receive rua=mailto: reports at tlsrpt@<domain> through SES inbound in `region`. */
  readonly email?: {
    readonly domain: string;
    readonly zone: DnsZone;
    /** The stack's AWS region (SES inbound endpoint). */
    readonly region: string;
    /** Add the rule to this existing receipt rule set (only one can be active per region); without it one is created and activated. */
    readonly ruleSetName?: string;
  };
  /** Domains in enforce: each gets its own failure-rate alarm (Domain dimension). */
  readonly enforcedDomains?: readonly string[];
  /** Environment for the functions' limits (MTASTS_MAX_BODY_BYTES, ...). */
  readonly limits?: Record<string, string>;
}

/** An IAM policy document, as JSON, from statements. */
const policyDocument = (statements: pulumi.Input<Record<string, unknown>>[]) =>
  pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));

export class ReportReceiver extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
  /** Host of the Function URL (the origin the policy distributions route REPORT_PATH to). */
  readonly functionUrlHost: pulumi.Output<string>;
  /** mailto: address for rua, known from config before deploy; undefined without email. */
  readonly mailbox?: string;
  readonly alarmTopicArn: pulumi.Output<string>;

  constructor(name: string, args: ReportReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:ReportReceiver", name, {}, opts);
    const parent = { parent: this };
    const retentionDays = args.retentionDays ?? 400;
    const reserved = args.reservedConcurrency ?? 5;

    const bucket = new aws.s3.Bucket(`${name}-reports`, {}, parent);
    new aws.s3.BucketPublicAccessBlock(`${name}-reports-public-access`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, parent);
    new aws.s3.BucketOwnershipControls(`${name}-reports-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-reports-encryption`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, parent);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-reports-retention`,
      { bucket: bucket.id, rules: [{ id: "retention", status: "Enabled", filter: {}, expiration: { days: retentionDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }] },
      parent,
    );

    const table = new aws.dynamodb.Table(
      `${name}-aggregates`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
      },
      parent,
    );
    // The account id, without a lookup call: it is in the table's ARN.
    const account = table.arn.apply((arn) => arn.split(":")[4]);

    const environment = {
      variables: pulumi.all([bucket.bucket, table.name]).apply(([b, t]) => ({ REPORT_BUCKET: b, REPORT_TABLE: t, METRICS_NAMESPACE, ...(args.limits ?? {}) })),
    };

    const makeFunction = (kind: "http" | "email") => {
      const logs = new aws.cloudwatch.LogGroup(`${name}-${kind}-logs`, { retentionInDays: 30 }, parent);
      const role = new aws.iam.Role(
        `${name}-${kind}-role`,
        { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }) },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-${kind}-policy`,
        {
          role: role.id,
          policy: policyDocument([
            { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logs.arn}:*` },
            { Sid: "Reports", Effect: "Allow", Action: kind === "email" ? ["s3:PutObject", "s3:GetObject"] : ["s3:PutObject"], Resource: pulumi.interpolate`${bucket.arn}/*` },
            { Sid: "Aggregates", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"], Resource: table.arn },
          ]),
        },
        parent,
      );
      const fn = new aws.lambda.Function(
        `${name}-${kind}`,
        {
          runtime: LAMBDA_RUNTIME,
          architectures: ["arm64"],
          handler: "index.handler",
          code: handlerArchive(kind),
          role: role.arn,
          memorySize: kind === "email" ? 512 : 256,
          timeout: 30,
          reservedConcurrentExecutions: reserved,
          environment,
          loggingConfig: { logFormat: "JSON", logGroup: logs.name },
        },
        parent,
      );
      return fn;
    };

    // HTTPS: a public Function URL (auth NONE: reporters cannot sign); both permissions that a
    // public Function URL needs. The policy distributions forward REPORT_PATH to it.
    const http = makeFunction("http");
    const url = new aws.lambda.FunctionUrl(`${name}-http-url`, { functionName: http.name, authorizationType: "NONE" }, parent);
    new aws.lambda.Permission(`${name}-http-url-invoke`, { function: http.name, action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" }, parent);
    new aws.lambda.Permission(`${name}-http-invoke`, { function: http.name, action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true }, parent);
    this.functionUrlHost = url.functionUrl.apply((u) => new URL(u).host);

    const statements: pulumi.Input<Record<string, unknown>>[] = [
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ];

    if (args.email) {
      const e = args.email;
      this.mailbox = `${MAILBOX}@${e.domain}`;
      const ttl = 300;
      const identity = new aws.ses.DomainIdentity(`${name}-ses-domain`, { domain: e.domain }, parent);
      e.zone.txt("ses-verification", { name: `_amazonses.${e.domain}`, value: identity.verificationToken, ttl, purpose: "SES domain verification" });
      const dkim = new aws.ses.DomainDkim(`${name}-ses-dkim`, { domain: identity.domain }, parent);
      for (let i = 0; i < 3; i++) {
        const token = dkim.dkimTokens.apply((t) => t[i]);
        e.zone.cname(`ses-dkim-${i}`, { name: pulumi.interpolate`${token}._domainkey.${e.domain}`, target: pulumi.interpolate`${token}.dkim.amazonses.com`, ttl, purpose: `SES DKIM ${i + 1}/3` });
      }
      e.zone.mx("ses-inbound", { name: e.domain, priority: 10, host: `inbound-smtp.${e.region}.amazonaws.com`, ttl, purpose: "TLS-RPT mail to SES inbound" });

      statements.push({
        Sid: "SesWritesInbound",
        Effect: "Allow",
        Principal: { Service: "ses.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${bucket.arn}/inbound/*`,
        Condition: { StringEquals: { "AWS:SourceAccount": account } },
      });

      const email = makeFunction("email");
      const s3Invoke = new aws.lambda.Permission(`${name}-email-s3-invoke`, { function: email.name, action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceArn: bucket.arn, sourceAccount: account }, parent);
      new aws.s3.BucketNotification(
        `${name}-inbound-notification`,
        { bucket: bucket.id, lambdaFunctions: [{ lambdaFunctionArn: email.arn, events: ["s3:ObjectCreated:*"], filterPrefix: "inbound/" }] },
        { parent: this, dependsOn: [s3Invoke] },
      );

      let ruleSetName: pulumi.Input<string>;
      if (e.ruleSetName) ruleSetName = e.ruleSetName;
      else {
        const set = new aws.ses.ReceiptRuleSet(`${name}-rules`, { ruleSetName: `${name}-tlsrpt` }, parent);
        new aws.ses.ActiveReceiptRuleSet(`${name}-rules-active`, { ruleSetName: set.ruleSetName }, parent);
        ruleSetName = set.ruleSetName;
      }
      const access = new aws.s3.BucketPolicy(`${name}-reports-access`, { bucket: bucket.id, policy: policyDocument(statements) }, parent);
      new aws.ses.ReceiptRule(
        `${name}-inbound`,
        {
          ruleSetName,
          recipients: [this.mailbox],
          enabled: true,
          scanEnabled: true, // spam and virus scan
          tlsPolicy: "Optional",
          s3Actions: [{ bucketName: bucket.bucket, objectKeyPrefix: "inbound/", position: 1 }],
        },
        // SES checks it may write to the bucket when the rule is created.
        { parent: this, dependsOn: [access] },
      );
    } else {
      new aws.s3.BucketPolicy(`${name}-reports-access`, { bucket: bucket.id, policy: policyDocument(statements) }, parent);
    }

    const topic = new aws.sns.Topic(`${name}-alarms`, {}, parent);
    if (args.alarmEmail) new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail }, parent);
    // Failure rate of a day's sessions: all domains, and each domain in enforce (an enforced
    // domain whose sessions fail is losing mail; the description gives the one-line demotion).
    const failureRateAlarm = (suffix: string, description: string, domain?: string) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-failure-rate${suffix}`,
        {
          alarmDescription: description,
          comparisonOperator: "GreaterThanThreshold",
          threshold: args.failureRateThreshold ?? 0.05,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          metricQueries: [
            // Exactly one query returns data (the rate); CloudWatch defaults ReturnData to true.
            { id: "failed", returnData: false, metric: { namespace: METRICS_NAMESPACE, metricName: "FailedSessions", period: 86_400, stat: "Sum", ...(domain ? { dimensions: { Domain: domain } } : {}) } },
            { id: "total", returnData: false, metric: { namespace: METRICS_NAMESPACE, metricName: "TotalSessions", period: 86_400, stat: "Sum", ...(domain ? { dimensions: { Domain: domain } } : {}) } },
            { id: "rate", expression: "IF(total > 0, failed / total, 0)", label: `${domain ?? "all domains"} failure rate`, returnData: true },
          ],
        },
        parent,
      );
    failureRateAlarm("", "Share of TLS sessions that failed (TLS-RPT, all domains, one day). Find the domain on the dashboard; to stop rejections, set its mode back to testing.");
    for (const domain of args.enforcedDomains ?? []) {
      failureRateAlarm(`-${domain}`, `TLS failures for ${domain} (enforce). To stop rejections now: set "mode: testing" for ${domain} in the stack file and run pulumi up.`, domain);
    }
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `${name}-tlsrpt`,
        dashboardBody: JSON.stringify({
          widgets: [
            { type: "metric", x: 0, y: 0, width: 12, height: 6, properties: { title: "Sessions by result type", stat: "Sum", period: 86400, metrics: [[{ expression: `SEARCH('{${METRICS_NAMESPACE},Domain,ResultType} MetricName="Sessions"', 'Sum', 86400)`, id: "s" }]] } },
            { type: "metric", x: 12, y: 0, width: 12, height: 6, properties: { title: "Failed sessions by domain", stat: "Sum", period: 86400, metrics: [[{ expression: `SEARCH('{${METRICS_NAMESPACE},Domain} MetricName="FailedSessions"', 'Sum', 86400)`, id: "f" }]] } },
            { type: "metric", x: 0, y: 6, width: 12, height: 6, properties: { title: "Reports by outcome", stat: "Sum", period: 86400, metrics: [[{ expression: `SEARCH('{${METRICS_NAMESPACE},Channel,Outcome} MetricName="Reports"', 'Sum', 86400)`, id: "r" }]] } },
          ],
        }),
      },
      parent,
    );

    this.bucketName = bucket.bucket;
    this.tableName = table.name;
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({ bucketName: this.bucketName, tableName: this.tableName, functionUrlHost: this.functionUrlHost, alarmTopicArn: this.alarmTopicArn });
  }
}
