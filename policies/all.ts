// Every policy of the pack, in the order they are listed in the README. index.ts serves
// them; `mtasts plan` runs the same objects over the resources it recorded.
import type { MtaStsPolicy } from "./lib/define";
import { hostingManualSharesCertificate } from "./rules/certificates";
import {
  cloudflareTxtQuoted,
  mtaStsCertificate,
  mtaStsCloudflareNotProxied,
  mtaStsPolicyBucket,
  mtaStsPolicyHost,
} from "./hosting";
import {
  mtaStsEnforceHasTlsRpt,
  mtaStsEnforceMaxAge,
  mtaStsIdMatchesPolicy,
  mtaStsPolicyFile,
} from "./policy-file";
import {
  receiverBucketPrivate,
  receiverLambdaBounded,
  receiverLeastPrivilege,
  receiverMetricsDimensions,
  receiverSinglePublicEntry,
} from "./receiver";
import {
  cloudwatchAlarmMetricMath,
  cloudwatchAlarmName,
  cloudwatchDashboardName,
  cloudwatchDashboardWidgetRegion,
} from "./rules/cloudwatch";
import { dnsCnameExclusive } from "./rules/dns";
import { cloudwatchMetricsInsightsAlarm } from "./rules/metrics-insights";
import { iamNames } from "./rules/iam";
import { lambdaFunctionName, lambdaReservedConcurrencyCost } from "./rules/lambda";
import { s3BucketName, s3LifecycleFilter } from "./rules/s3";
import { sesReceiptNames, sesReceivingRegion, sesSingleActiveRuleSet } from "./rules/ses";
import { mtaStsTenantCertificate } from "./tenants";
import { mtaStsTxtRecord, mtaStsTxtUnique, tlsRptTxtRecord, tlsRptTxtUnique } from "./txt-records";

/** The rules AWS and Cloudflare enforce that the mock runtime does not (policies/rules/). */
export const serviceRules: readonly MtaStsPolicy[] = [
  cloudwatchDashboardWidgetRegion,
  cloudwatchDashboardName,
  cloudwatchAlarmMetricMath,
  cloudwatchAlarmName,
  cloudwatchMetricsInsightsAlarm,
  receiverMetricsDimensions,
  lambdaFunctionName,
  lambdaReservedConcurrencyCost,
  sesSingleActiveRuleSet,
  sesReceiptNames,
  sesReceivingRegion,
  iamNames,
  s3BucketName,
  s3LifecycleFilter,
  dnsCnameExclusive,
  hostingManualSharesCertificate,
];

export const policies: readonly MtaStsPolicy[] = [
  mtaStsTxtRecord,
  mtaStsTxtUnique,
  tlsRptTxtRecord,
  tlsRptTxtUnique,
  mtaStsPolicyFile,
  mtaStsIdMatchesPolicy,
  mtaStsEnforceHasTlsRpt,
  mtaStsEnforceMaxAge,
  mtaStsPolicyBucket,
  mtaStsPolicyHost,
  mtaStsCertificate,
  mtaStsTenantCertificate,
  mtaStsCloudflareNotProxied,
  cloudflareTxtQuoted,
  receiverLambdaBounded,
  receiverLeastPrivilege,
  receiverSinglePublicEntry,
  receiverBucketPrivate,
  ...serviceRules,
];
