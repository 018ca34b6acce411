// The scheduled self-check: an EventBridge schedule runs a Lambda (receiver/lambda/watch.ts, bundled
// like the receiver's) that checks every served domain as `mtasts check` does, emits one metric per
// domain and check, and keeps a finding per domain and day in the receiver's table. Three Metrics
// Insights alarms over all domains (one contributor per failing domain) notify the receiver's topic.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  insightsQuery,
  insightsScaleProblem,
  METRICS_NAMESPACE,
  WATCH_ALARMS,
} from "../watch/metric-names";
import { handlerArchive, LAMBDA_RUNTIME } from "./receiver-bundle";

/** The period of the alarms' query: the data of one run stays in it (Metrics Insights alarms read 3 hours at most). */
export const WATCH_ALARM_PERIOD = 3 * 3600;
/** Lambda's maximum: a run over thousands of domains takes minutes. */
const TIMEOUT_SECONDS = 900;

export interface SelfCheckArgs {
  /** The receiver's table: findings go there (`finding#<domain>`). */
  readonly tableName: pulumi.Input<string>;
  readonly tableArn: pulumi.Input<string>;
  /** The receiver's bucket, where the served domains list is (`servedDomainsKey`). */
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  /** Key of the JSON list of served domains in the bucket (the ReportReceiver writes it). */
  readonly servedDomainsKey: pulumi.Input<string>;
  /** The SNS topic the alarms notify. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** How many domains the stack serves: past what one Metrics Insights query processes, the component warns. */
  readonly domainCount: number;
  /** EventBridge schedule expression (default `rate(1 day)`). */
  readonly schedule?: string;
  /** Probe each MX's STARTTLS (default true). */
  readonly smtp?: boolean;
  /** The certificate alarm's threshold in days (default 14). */
  readonly certificateDays?: number;
  /** Days a finding is kept (the table's TTL; default 400). */
  readonly retentionDays?: number;
  /** Domains checked at once (default 128). */
  readonly concurrency?: number;
}

/** An IAM policy document, as JSON, from statements. */
const policyDocument = (statements: pulumi.Input<Record<string, unknown>>[]) =>
  pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));

export class SelfCheck extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  /** The alarms, by check: policy, mx, certificate. */
  readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: SelfCheckArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:SelfCheck", name, {}, opts);
    const parent = { parent: this };
    const certificateDays = args.certificateDays ?? 14;
    const scale = insightsScaleProblem(args.domainCount);
    if (scale) pulumi.log.warn(`mta-sts:watch: ${scale}`, this);

    const logs = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: 30 }, parent);
    const role = new aws.iam.Role(
      `${name}-role`,
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
    // What the function sends (test/watch-contract.test.ts records it): the served domains, one
    // item per domain; metrics go out as log lines (embedded metric format), so no PutMetricData.
    new aws.iam.RolePolicy(
      `${name}-policy`,
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
            Sid: "ServedDomains",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: pulumi.interpolate`${args.bucketArn}/${args.servedDomainsKey}`,
          },
          {
            Sid: "Findings",
            Effect: "Allow",
            Action: ["dynamodb:PutItem"],
            Resource: args.tableArn,
          },
        ]),
      },
      parent,
    );
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: handlerArchive("watch"),
        role: role.arn,
        memorySize: 512,
        timeout: TIMEOUT_SECONDS,
        environment: {
          variables: pulumi
            .all([args.bucketName, args.tableName, args.servedDomainsKey])
            .apply(([bucket, table, key]) => ({
              REPORT_BUCKET: bucket,
              REPORT_TABLE: table,
              MTASTS_DOMAINS_KEY: key,
              METRICS_NAMESPACE,
              MTASTS_WATCH_SMTP: args.smtp === false ? "0" : "1",
              MTASTS_WATCH_CERTIFICATE_DAYS: String(certificateDays),
              MTASTS_WATCH_RETENTION_DAYS: String(args.retentionDays ?? 400),
              MTASTS_WATCH_CONCURRENCY: String(args.concurrency ?? 128),
              MTASTS_WATCH_TIMEOUT_MS: "5000",
            })),
        },
        loggingConfig: { logFormat: "JSON", logGroup: logs.name },
      },
      parent,
    );
    // EventBridge invokes asynchronously, and Lambda retries a failed async run twice: a run that
    // timed out would then take 45 minutes. The next scheduled run is the retry.
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-no-retry`,
      { functionName: fn.name, maximumRetryAttempts: 0 },
      parent,
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      {
        description: "MTA-STS: the scheduled self-check of every domain",
        scheduleExpression: args.schedule ?? "rate(1 day)",
      },
      parent,
    );
    const allowed = new aws.lambda.Permission(
      `${name}-invoke`,
      {
        function: fn.name,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      parent,
    );
    // One run at a time is enough; a failed run is not retried (the next one comes with the schedule).
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: rule.name,
        arn: fn.arn,
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 3600 },
      },
      { parent: this, dependsOn: [allowed] },
    );

    // One alarm per check over every domain: GROUP BY Domain makes each domain a contributor,
    // and CloudWatch notifies per contributor, naming its Domain. No OK actions: a run's data
    // leaves the 3-hour window the alarm reads, which says nothing about the fault being fixed.
    this.alarmNames = WATCH_ALARMS.map(
      (a) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-alarm-${a.key}`,
          {
            alarmDescription: a.description,
            comparisonOperator: a.comparison,
            threshold: a.key === "certificate" ? certificateDays : 0,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            treatMissingData: "notBreaching",
            alarmActions: [args.alarmTopicArn],
            metricQueries: [
              {
                id: "q",
                expression: insightsQuery(a),
                period: WATCH_ALARM_PERIOD,
                returnData: true,
                label: a.metric.name,
              },
            ],
          },
          parent,
        ).name,
    );
    // The three alarms above see no data when the self-check itself fails (an error, its 15-minute
    // limit, a missing served-domains object), and no data does not breach: this one says so.
    new aws.cloudwatch.MetricAlarm(
      `${name}-alarm-run`,
      {
        alarmDescription:
          "The MTA-STS self-check's Lambda failed (an error or its time limit), so the self-check alarms saw no data. Read the function's log group; the next scheduled run retries.",
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        period: 86_400,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
        alarmActions: [args.alarmTopicArn],
      },
      parent,
    );
    this.functionName = fn.name;
    this.registerOutputs({ functionName: this.functionName });
  }
}
