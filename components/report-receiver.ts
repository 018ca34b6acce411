// The TLS-RPT receiver: a private bucket (raw, rejected, normalised reports), a DynamoDB table
// (claims and daily aggregates), a Function URL for rua=https:, SES inbound for rua=mailto:,
// metrics, an alarm on the failure rate, a dashboard. Code in receiver/, bundled by esbuild.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import {
  METRICS_NAMESPACE,
  metricDimensions,
  RECEIVER_METRICS,
  searchSchema,
} from "../receiver/metric-names";
import { WATCH_METRICS, watchSearchSchema } from "../watch/metric-names";
import type { DnsZone } from "./dns/zone";
import { MAILBOX } from "./receiver-addresses";
import { handlerArchive, LAMBDA_RUNTIME } from "./receiver-bundle";

export { METRICS_NAMESPACE };

/**
 * A physical name AWS requires us to choose (rule set, dashboard): unique per project, stack and
 * component, so two stacks in one account never share one; `[A-Za-z0-9_-]` (dashboards and rule
 * sets refuse dots, which stack names may hold), at most `max`
 * characters (a hash of the full name keeps it unique when shortened).
 */
export function physicalName(parts: readonly string[], max = 64): string {
  const full = parts.join("-").replace(/[^A-Za-z0-9_-]/g, "-");
  if (full.length <= max) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, max - 9).replace(/[-_]+$/, "")}-${hash}`;
}

export interface ReportReceiverArgs {
  /** Days to keep raw, rejected and normalised reports (S3 lifecycle). */
  readonly retentionDays?: number;
  /**
   * Reserved concurrent executions per function (default: none). Bounds what a flood of reports
   * can cost, but is taken from the account's unreserved pool, of which AWS keeps 100 free: an
   * account whose concurrency quota is 10 (new accounts) refuses any reservation.
   */
  readonly reservedConcurrency?: number;
  /** The stack's AWS region: the dashboard's widgets name it, SES inbound lives there. */
  readonly region: string;
  /** Prefix of the physical names AWS needs fixed (default `<project>-<stack>-<name>`). */
  readonly physicalPrefix?: string;
  /** What `pulumi destroy` does with the reports bucket and table: keep them (default) or delete them with their data. */
  readonly onDestroy?: "keep" | "delete";
  /** Daily failure rate (failed / all sessions, all domains) that raises the alarm. */
  readonly failureRateThreshold?: number;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** Receive rua=mailto: reports at tlsrpt@<domain> through SES inbound in `region`. */
  readonly email?: {
    readonly domain: string;
    readonly zone: DnsZone;
    /**
     * Add the rule to this existing receipt rule set, which must be the region's active one.
     * Without it the stack creates its own set and activates it, but only when the region has
     * no active set (see `activeRuleSet`): activating one deactivates the account's other set.
     */
    readonly ruleSetName?: string;
    /**
     * The region's active receipt rule set as looked up at deploy time (null: none is active;
     * undefined: not looked up, e.g. offline plans). The component never takes over another set.
     */
    readonly activeRuleSet?: pulumi.Input<string | null | undefined>;
    /** "create" (default): the stack verifies and owns the SES identity; "existing": the domain is already an SES identity in this account and region, left as it is. */
    readonly identity?: "create" | "existing";
  };
  /** Domains in enforce: each gets its own failure-rate alarm (Domain dimension). */
  readonly enforcedDomains?: readonly string[];
  /** The stack's mail domains: reports about other domains are not counted (kept aside with the reason). */
  readonly servedDomains?: readonly string[];
  /** Environment for the functions' limits (MTASTS_MAX_BODY_BYTES, ...). */
  readonly limits?: Record<string, string>;
  /** The scheduled self-check runs in this stack: the dashboard shows its figures per domain. */
  readonly selfCheck?: boolean;
}

/**
 * The receipt rule set the stack's rule goes into, or a refusal. `active` is the region's
 * active set as looked up at deploy time (null: none; undefined: not looked up, offline).
 */
export function ruleSetFor(o: {
  configured?: string;
  active: string | null | undefined;
  ours: string;
  region: string;
  mailbox: string;
}): string {
  if (o.configured !== undefined) {
    if (o.active !== undefined && o.active !== o.configured) {
      throw new pulumi.RunError(
        `mta-sts:receiver.email.ruleSetName: "${o.configured}" is not the active SES receipt rule set in ${o.region} (${o.active === null ? "none is active" : `"${o.active}" is`}); mail would never reach the rule. Name the active set, or leave ruleSetName out to let the stack create and activate its own where none is active`,
      );
    }
    return o.configured;
  }
  if (o.active !== undefined && o.active !== null && o.active !== o.ours) {
    throw new pulumi.RunError(
      `SES in ${o.region} already has an active receipt rule set, "${o.active}"; activating the stack's own would switch it off. Set mta-sts:receiver.email.ruleSetName: ${o.active} to add the stack's rule to it (the rule goes first in the set, matches only ${o.mailbox}, and has no stop action)`,
    );
  }
  return o.ours;
}

/** Where the component writes the served domains (never expired by the lifecycle rules). */
export const SERVED_DOMAINS_KEY = "config/domains.json";
/** What the receiver stores under each prefix expires after retentionDays. */
const REPORT_PREFIXES = ["raw/", "rejected/", "reports/", "inbound/"];

/** An IAM policy document, as JSON, from statements. */
const policyDocument = (statements: pulumi.Input<Record<string, unknown>>[]) =>
  pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));

export class ReportReceiver extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
  readonly tableArn: pulumi.Output<string>;
  /** Key of the served domains list in the bucket; undefined without servedDomains. */
  readonly servedDomainsKey?: pulumi.Output<string>;
  /** Host of the Function URL (the origin the policy distributions route REPORT_PATH to). */
  readonly functionUrlHost: pulumi.Output<string>;
  /** mailto: address for rua, known from config before deploy; undefined without email. */
  readonly mailbox?: string;
  readonly alarmTopicArn: pulumi.Output<string>;

  constructor(name: string, args: ReportReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:ReportReceiver", name, {}, opts);
    const parent = { parent: this };
    const retentionDays = args.retentionDays ?? 400;
    const prefix =
      args.physicalPrefix ?? physicalName([pulumi.getProject(), pulumi.getStack(), name]);
    // Reports are evidence: kept on destroy unless the user says to delete them.
    const keep = (args.onDestroy ?? "keep") === "keep";
    const stored = { parent: this, retainOnDelete: keep };

    const bucket = new aws.s3.Bucket(`${name}-reports`, { forceDestroy: !keep }, stored);
    new aws.s3.BucketPublicAccessBlock(
      `${name}-reports-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-reports-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-reports-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-reports-retention`,
      {
        bucket: bucket.id,
        // Reports expire; the stack's own config/ (the served domains) does not.
        rules: REPORT_PREFIXES.map((prefix) => ({
          id: `retention-${prefix.slice(0, -1)}`,
          status: "Enabled",
          filter: { prefix },
          expiration: { days: retentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        })),
      },
      parent,
    );

    const table = new aws.dynamodb.Table(
      `${name}-aggregates`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [
          { name: "pk", type: "S" },
          { name: "sk", type: "S" },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        // Kept on destroy (retainOnDelete) unless onDestroy is "delete"; protected from deletion outside Pulumi either way when kept.
        deletionProtectionEnabled: keep,
        // The self-check's findings carry expiresAt (epoch seconds); nothing else does, so nothing else expires.
        ttl: { attributeName: "expiresAt", enabled: true },
      },
      stored,
    );
    // The account id, without a lookup call: it is in the table's ARN.
    const account = table.arn.apply((arn) => arn.split(":")[4]);

    // The served domains as a JSON object in the bucket: Lambda's environment holds 4 KB in all.
    const served = args.servedDomains
      ? new aws.s3.BucketObjectv2(
          `${name}-served-domains`,
          {
            bucket: bucket.id,
            key: SERVED_DOMAINS_KEY,
            content: JSON.stringify([...args.servedDomains].sort()),
            contentType: "application/json",
          },
          parent,
        )
      : undefined;
    const environment = {
      variables: pulumi.all([bucket.bucket, table.name, served?.key]).apply(([b, t, key]) => ({
        REPORT_BUCKET: b,
        REPORT_TABLE: t,
        METRICS_NAMESPACE,
        ...(key ? { MTASTS_DOMAINS_KEY: key } : {}),
        ...(args.limits ?? {}),
      })),
    };
    // Email reports that still fail after Lambda's two retries land here, not nowhere.
    const failures = args.email
      ? new aws.sqs.Queue(
          `${name}-email-failures`,
          { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true },
          parent,
        )
      : undefined;

    const makeFunction = (kind: "http" | "email") => {
      const logs = new aws.cloudwatch.LogGroup(
        `${name}-${kind}-logs`,
        { retentionInDays: 30 },
        parent,
      );
      const role = new aws.iam.Role(
        `${name}-${kind}-role`,
        {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: "sts:AssumeRole",
              },
            ],
          }),
        },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-${kind}-policy`,
        {
          role: role.id,
          policy: policyDocument([
            {
              Sid: "Logs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${logs.arn}:*`,
            },
            {
              Sid: "Reports",
              Effect: "Allow",
              Action: kind === "email" ? ["s3:PutObject", "s3:GetObject"] : ["s3:PutObject"],
              Resource: pulumi.interpolate`${bucket.arn}/*`,
            },
            // The served domains, and (HTTPS) the raw copies the sweeper re-drives.
            ...(kind === "http"
              ? [
                  {
                    Sid: "ReadBack",
                    Effect: "Allow",
                    Action: ["s3:GetObject"],
                    Resource: [
                      pulumi.interpolate`${bucket.arn}/config/*`,
                      pulumi.interpolate`${bucket.arn}/raw/https/*`,
                    ],
                  },
                ]
              : []),
            // Scan: the sweeper's look for abandoned claims.
            {
              Sid: "Aggregates",
              Effect: "Allow",
              Action: [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:GetItem",
                "dynamodb:Scan",
              ],
              Resource: table.arn,
            },
            ...(kind === "email" && failures
              ? [
                  {
                    Sid: "FailureQueue",
                    Effect: "Allow",
                    Action: ["sqs:SendMessage"],
                    Resource: failures.arn,
                  },
                ]
              : []),
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
          ...(args.reservedConcurrency !== undefined
            ? { reservedConcurrentExecutions: args.reservedConcurrency }
            : {}),
          environment,
          loggingConfig: { logFormat: "JSON", logGroup: logs.name },
        },
        parent,
      );
      // Hourly, each function re-drives its channel's reports whose counting never finished.
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${kind}-sweep`,
        {
          description: `TLS-RPT: re-drive abandoned ${kind} reports`,
          scheduleExpression: "rate(1 hour)",
        },
        parent,
      );
      const allowed = new aws.lambda.Permission(
        `${name}-${kind}-sweep-invoke`,
        {
          function: fn.name,
          action: "lambda:InvokeFunction",
          principal: "events.amazonaws.com",
          sourceArn: rule.arn,
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${kind}-sweep-target`,
        { rule: rule.name, arn: fn.arn },
        { parent: this, dependsOn: [allowed] },
      );
      return fn;
    };

    // HTTPS: a public Function URL (auth NONE: reporters cannot sign); both permissions that a
    // public Function URL needs. The policy distributions forward REPORT_PATH to it.
    const http = makeFunction("http");
    const url = new aws.lambda.FunctionUrl(
      `${name}-http-url`,
      { functionName: http.name, authorizationType: "NONE" },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-http-url-invoke`,
      {
        function: http.name,
        action: "lambda:InvokeFunctionUrl",
        principal: "*",
        functionUrlAuthType: "NONE",
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-http-invoke`,
      {
        function: http.name,
        action: "lambda:InvokeFunction",
        principal: "*",
        invokedViaFunctionUrl: true,
      },
      parent,
    );
    this.functionUrlHost = url.functionUrl.apply((u) => new URL(u).host);

    const statements: pulumi.Input<Record<string, unknown>>[] = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];

    if (args.email) {
      const e = args.email;
      this.mailbox = `${MAILBOX}@${e.domain}`;
      const ttl = 300;
      // Receiving needs a verified identity and an MX; DKIM signs outgoing mail only, so none here.
      // An identity that exists already is the user's: declaring it would adopt it, and destroy would delete it.
      if ((e.identity ?? "create") === "create") {
        const identity = new aws.ses.DomainIdentity(
          `${name}-ses-domain`,
          { domain: e.domain, region: args.region },
          parent,
        );
        e.zone.txt("ses-verification", {
          name: `_amazonses.${e.domain}`,
          value: identity.verificationToken,
          ttl,
          purpose: "SES domain verification",
        });
      }
      e.zone.mx("ses-inbound", {
        name: e.domain,
        priority: 10,
        host: `inbound-smtp.${args.region}.amazonaws.com`,
        ttl,
        purpose: "TLS-RPT mail to SES inbound",
      });

      statements.push({
        Sid: "SesWritesInbound",
        Effect: "Allow",
        Principal: { Service: "ses.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${bucket.arn}/inbound/*`,
        Condition: { StringEquals: { "AWS:SourceAccount": account } },
      });

      const email = makeFunction("email");
      new aws.lambda.FunctionEventInvokeConfig(
        `${name}-email-on-failure`,
        {
          functionName: email.name,
          maximumRetryAttempts: 2,
          destinationConfig: { onFailure: { destination: failures!.arn } },
        },
        parent,
      );
      const s3Invoke = new aws.lambda.Permission(
        `${name}-email-s3-invoke`,
        {
          function: email.name,
          action: "lambda:InvokeFunction",
          principal: "s3.amazonaws.com",
          sourceArn: bucket.arn,
          sourceAccount: account,
        },
        parent,
      );
      new aws.s3.BucketNotification(
        `${name}-inbound-notification`,
        {
          bucket: bucket.id,
          lambdaFunctions: [
            {
              lambdaFunctionArn: email.arn,
              events: ["s3:ObjectCreated:*"],
              filterPrefix: "inbound/",
            },
          ],
        },
        { parent: this, dependsOn: [s3Invoke] },
      );

      // One rule set is active per account and region. Never take one over: add to the set the
      // user names (which must be the active one), or create ours only where none is active.
      const ours = physicalName([prefix, "tlsrpt"]);
      const checked = pulumi.output(e.activeRuleSet).apply((active) =>
        ruleSetFor({
          configured: e.ruleSetName,
          active,
          ours,
          region: args.region,
          mailbox: this.mailbox!,
        }),
      );
      let ruleSetName: pulumi.Output<string>;
      if (e.ruleSetName) ruleSetName = checked;
      else {
        const set = new aws.ses.ReceiptRuleSet(
          `${name}-rules`,
          { ruleSetName: checked, region: args.region },
          parent,
        );
        new aws.ses.ActiveReceiptRuleSet(
          `${name}-rules-active`,
          { ruleSetName: set.ruleSetName, region: args.region },
          parent,
        );
        ruleSetName = set.ruleSetName;
      }
      const access = new aws.s3.BucketPolicy(
        `${name}-reports-access`,
        { bucket: bucket.id, policy: policyDocument(statements) },
        parent,
      );
      new aws.ses.ReceiptRule(
        `${name}-inbound`,
        {
          ruleSetName,
          region: args.region,
          // No `after`: SES puts the rule first. It matches only our mailbox and has no stop
          // action, so the rules after it see the same mail as before.
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
      new aws.s3.BucketPolicy(
        `${name}-reports-access`,
        { bucket: bucket.id, policy: policyDocument(statements) },
        parent,
      );
    }

    const topic = new aws.sns.Topic(`${name}-alarms`, {}, parent);
    if (args.alarmEmail)
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail },
        parent,
      );
    if (failures) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-email-failures`,
        {
          alarmDescription:
            "TLS-RPT email reports that failed three times are waiting in the failure queue. Read the email function's log for the reason; the raw messages are under inbound/ in the reports bucket, and the hourly sweep re-drives them once the cause is fixed.",
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: failures.name },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [topic.arn],
        },
        parent,
      );
    }
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
            // The dimension set must be exactly the one the function emits (service included).
            {
              id: "failed",
              returnData: false,
              metric: {
                namespace: METRICS_NAMESPACE,
                metricName: RECEIVER_METRICS.allFailed.name,
                period: 86_400,
                stat: "Sum",
                dimensions: metricDimensions(domain ? { Domain: domain } : {}),
              },
            },
            {
              id: "total",
              returnData: false,
              metric: {
                namespace: METRICS_NAMESPACE,
                metricName: RECEIVER_METRICS.allTotal.name,
                period: 86_400,
                stat: "Sum",
                dimensions: metricDimensions(domain ? { Domain: domain } : {}),
              },
            },
            {
              id: "rate",
              expression: "IF(total > 0, failed / total, 0)",
              label: `${domain ?? "all domains"} failure rate`,
              returnData: true,
            },
          ],
        },
        parent,
      );
    failureRateAlarm(
      "",
      "Share of TLS sessions that failed (TLS-RPT, all domains, one day). Find the domain on the dashboard; to stop rejections, set its mode back to testing.",
    );
    for (const domain of args.enforcedDomains ?? []) {
      failureRateAlarm(
        `-${domain}`,
        `TLS failures for ${domain} (enforce). To stop rejections now: set "mode: testing" for ${domain} in the stack file and run pulumi up.`,
        domain,
      );
    }
    // PutDashboard refuses a metric widget without its region.
    const widget = (
      x: number,
      y: number,
      title: string,
      metric: { name: string; dimensions: readonly string[] },
      id: string,
    ) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: {
        title,
        region: args.region,
        stat: "Sum",
        period: 86400,
        metrics: [
          [
            {
              expression: `SEARCH('${searchSchema(metric)} MetricName="${metric.name}"', 'Sum', 86400)`,
              id,
            },
          ],
        ],
      },
    });
    // The self-check's figures per domain: what failed on the last runs, and the certificate's days left.
    const watchWidget = (
      x: number,
      y: number,
      title: string,
      metric: { name: string; dimensions: readonly string[] },
      stat: "Maximum" | "Minimum",
      id: string,
    ) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: {
        title,
        region: args.region,
        stat,
        period: 86400,
        metrics: [
          [
            {
              expression: `SEARCH('${watchSearchSchema(metric)} MetricName="${metric.name}"', '${stat}', 86400)`,
              id,
            },
          ],
        ],
      },
    });
    const selfCheckWidgets = [
      watchWidget(
        12,
        6,
        "Self-check: policy not usable (1) by domain",
        WATCH_METRICS.policy,
        "Maximum",
        "wp",
      ),
      watchWidget(
        0,
        12,
        "Self-check: MX not covered in enforce, by domain",
        WATCH_METRICS.mxNotCovered,
        "Maximum",
        "wm",
      ),
      watchWidget(
        12,
        12,
        "Self-check: policy host certificate, days left",
        WATCH_METRICS.certificateDays,
        "Minimum",
        "wc",
      ),
      watchWidget(
        0,
        18,
        "Self-check: MX failing STARTTLS, by domain",
        WATCH_METRICS.starttls,
        "Maximum",
        "ws",
      ),
    ];
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: physicalName([prefix, "tlsrpt"], 255),
        dashboardBody: JSON.stringify({
          widgets: [
            widget(0, 0, "Sessions by result type", RECEIVER_METRICS.sessions, "s"),
            widget(12, 0, "Failed sessions by domain", RECEIVER_METRICS.domainFailed, "f"),
            widget(0, 6, "Reports by outcome", RECEIVER_METRICS.reports, "r"),
            ...(args.selfCheck ? selfCheckWidgets : []),
          ],
        }),
      },
      parent,
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.tableName = table.name;
    this.tableArn = table.arn;
    if (served) this.servedDomainsKey = served.key;
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({
      bucketName: this.bucketName,
      tableName: this.tableName,
      functionUrlHost: this.functionUrlHost,
      alarmTopicArn: this.alarmTopicArn,
    });
  }
}
