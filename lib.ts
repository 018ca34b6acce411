// The package root for platform teams composing their own Pulumi programs: components,
// DNS adapters, the config parser and the pure protocol functions. (index.ts is our program.)
export * from "./protocol";
export {
  ConfigError,
  parseStackConfig,
  type DnsConfig,
  type DomainConfig,
  type HostingConfig,
  type StackConfig,
  type WatchConfig,
} from "./config";
export * from "./components/dns";
export { MtaStsDomain, type MtaStsDomainArgs } from "./components/mta-sts-domain";
export { MtaStsFleet, type MtaStsFleetArgs, type DomainSummary } from "./components/mta-sts-fleet";
export {
  PolicySite,
  PolicyDistribution,
  CACHING_DISABLED_POLICY_ID,
  CERTIFICATE_REGION,
  type PolicySiteArgs,
  type PolicyDistributionArgs,
  type PolicyHost,
} from "./components/policy-site";
export { ROUTER_FUNCTION_CODE, policyObjectKey } from "./components/router-function";
export {
  ReportReceiver,
  METRICS_NAMESPACE,
  type ReportReceiverArgs,
} from "./components/report-receiver";
export { SelfCheck, WATCH_ALARM_PERIOD, type SelfCheckArgs } from "./components/self-check";
export { receiverRua, REPORT_PATH, MAILBOX } from "./components/receiver-addresses";
