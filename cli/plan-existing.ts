// `mtasts plan --existing`: the records that already exist in DNS at the names the plan would
// write (and CAA that forbids Amazon), as mandatory violations with their fix, beside the
// policy pack's. The same checks as `mtasts preflight`, without the AWS account.
import type { StackConfig } from "../config";
import { makeResolver, parseResolverAddress } from "../net/resolver";
import { makeZoneRecords } from "../net/zone-records";
import type { Violation } from "../policies/lib/harness";
import { runPreflight } from "./preflight/preflight";

/** Preflight checks that read DNS only, by the check names preflight gives them. */
const DNS_CHECKS = new Set(["sts-record", "tlsrpt-record", "policy-host", "caa", "receiver-mx"]);

export async function existingRecordViolations(
  stack: string,
  config: StackConfig,
  opts: { resolver?: string; timeoutMs?: number },
): Promise<{ violations: Violation[]; notChecked: string[] }> {
  const server = opts.resolver ? parseResolverAddress(opts.resolver) : undefined;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const report = await runPreflight(stack, config, {
    dns: {
      resolver: makeResolver({ server, timeoutMs }),
      zone: makeZoneRecords({ server, timeoutMs }),
    },
    region: undefined,
    aws: { skip: "mtasts plan reads DNS only; mtasts preflight also reads the account" },
    timeoutMs,
    concurrency: 8,
  });
  const dns = report.findings.filter((f) => DNS_CHECKS.has(f.check));
  return {
    violations: dns
      .filter((f) => f.status === "conflict")
      .map((f) => ({
        policy: `existing-${f.check}`,
        resource: f.name,
        level: "mandatory" as const,
        severity: "high",
        message: f.what,
        remediation: f.fix ?? "",
      })),
    notChecked: dns.filter((f) => f.status === "not-checked").map((f) => `${f.name}: ${f.what}`),
  };
}
