// The self-check's core, between the live checks (check/) and the Lambda adapter: what each
// domain's checks mean as metric values and as a stored finding, and one run over every domain.
import type { CheckDeps, DomainFacts, DomainReport } from "../check/check";
import type { CheckedDomain } from "../check/run";
import { mapBounded } from "../check/run";
import type { Finding } from "../receiver/findings";
import type { WatchMetricKey } from "./metric-names";

/** The checks whose failure leaves senders without a usable policy. */
export const POLICY_CHECKS = ["sts-record", "policy-fetch", "policy-valid", "policy-id"] as const;

export type MetricValues = Partial<Record<WatchMetricKey, number>>;

/** The metric values of one domain's checks (certificateDays only when the policy host answered). */
export function metricValues(report: DomainReport, facts: DomainFacts): MetricValues {
  const failed = (id: string) => report.checks.some((c) => c.id === id && c.status === "fail");
  return {
    policy: POLICY_CHECKS.some(failed) ? 1 : 0,
    // Only enforce refuses delivery to an uncovered MX; in testing it is a report line, not lost mail.
    mxNotCovered: facts.policy?.mode === "enforce" ? facts.uncoveredMx.length : 0,
    starttls: facts.starttls.filter((s) => s.outcome === "failed").length,
    ...(facts.policyCertificateDaysLeft !== undefined
      ? { certificateDays: facts.policyCertificateDaysLeft }
      : {}),
  };
}

/**
 * The checks as the self-check stores them: an MX that no address of which answered on port 25 is a
 * warning there, not a failure. Lambda often has no way out on port 25 (and the breaker stops
 * trying), so a failure would mark every domain failing every day; the metric leaves it out too.
 */
export function watchedChecks(report: DomainReport, facts: DomainFacts): DomainReport["checks"] {
  const unreachable = new Set(
    facts.starttls.filter((s) => s.outcome === "unreachable").map((s) => `starttls:${s.host}`),
  );
  return report.checks.map((c) =>
    c.status === "fail" && unreachable.has(c.id)
      ? {
          ...c,
          status: "warn" as const,
          message: `${c.message} (not reachable from the self-check: not counted as a failure)`,
        }
      : c,
  );
}

export function findingOf(report: DomainReport, facts: DomainFacts, at: Date): Finding {
  const checks = watchedChecks(report, facts);
  return {
    domain: report.domain,
    day: at.toISOString().slice(0, 10),
    at: at.toISOString(),
    ok: checks.every((c) => c.status !== "fail"),
    ...(facts.policy ? { mode: facts.policy.mode } : {}),
    ...(facts.policyCertificateDaysLeft !== undefined
      ? { certificateDaysLeft: facts.policyCertificateDaysLeft }
      : {}),
    uncoveredMx: facts.uncoveredMx,
    checks: checks.map((c) => ({ id: c.id, status: c.status, message: c.message })),
  };
}

export interface WatchDeps {
  check(domain: string): Promise<CheckedDomain>;
  putFinding(finding: Finding): Promise<void>;
  emit(domain: string, values: MetricValues): void;
  now(): Date;
  readonly concurrency: number;
  /** True once no new domain should start (the Lambda's deadline is near). */
  stop?(): boolean;
}

export interface WatchRun {
  readonly checked: number;
  /** Domains with a failing check, in order. */
  readonly failing: string[];
  /** Domains not started before the deadline. */
  readonly skipped: string[];
  /** Domains whose finding could not be stored (their metrics were still emitted), with the reason. */
  readonly unstored: string[];
}

/** Checks every domain, emits its metrics and stores its finding; one domain's store error never stops the others. */
export async function runWatch(domains: readonly string[], deps: WatchDeps): Promise<WatchRun> {
  const failing: string[] = [];
  const skipped: string[] = [];
  const unstored: string[] = [];
  let checked = 0;
  await mapBounded(domains, deps.concurrency, async (domain) => {
    if (deps.stop?.()) {
      skipped.push(domain);
      return;
    }
    const { report, facts } = await deps.check(domain);
    checked++;
    const finding = findingOf(report, facts, deps.now());
    if (!finding.ok) failing.push(domain);
    deps.emit(domain, metricValues(report, facts));
    try {
      await deps.putFinding(finding);
    } catch (err) {
      unstored.push(`${domain}: ${(err as Error).message}`);
    }
  });
  const order = (list: string[]) => {
    const set = new Set(list);
    return domains.filter((d) => set.has(d));
  };
  return { checked, failing: order(failing), skipped: order(skipped), unstored: unstored.sort() };
}

/**
 * Lambda may have no way out on port 25: then every probe waits out its time limit, and a run
 * over thousands of domains would not finish. Once `after` connections have failed and none has
 * answered, the rest are not tried (each is reported unreachable at once, saying why).
 */
export function withSmtpBreaker(
  deps: CheckDeps,
  after = 20,
): CheckDeps & { readonly tripped: () => boolean } {
  let failed = 0;
  let answered = 0;
  const tripped = () => answered === 0 && failed >= after;
  return {
    ...deps,
    tripped,
    smtp: async (host, address) => {
      if (tripped())
        throw new Error(
          `not tried: ${failed} connections to port 25 failed and none answered, so port 25 looks blocked from here`,
        );
      try {
        const probe = await deps.smtp(host, address);
        answered++;
        return probe;
      } catch (err) {
        // An MX that connected and then refused (554 to cloud ranges, a bad reply, a close) answered:
        // port 25 is open from here. Only connections that never got through count toward the cut.
        if ((err as { connected?: boolean }).connected === true) answered++;
        else failed++;
        throw err;
      }
    },
  };
}
