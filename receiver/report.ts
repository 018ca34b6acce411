// What `mtasts report` (and the promotion rule) reads: per domain and day, sessions that
// succeeded and failed, failures by result type, by reporting organisation and by receiving MX,
// policy ids seen; beside them, when known, the promotion status and the self-check findings.
// TLSA counts are left out: reporters list the same sessions under STS and TLSA.
import type { PromotionDecision, PromotionRule } from "../protocol/promotion";
import { classify } from "../protocol/trust";
import { decodeCounter } from "./counters";

export interface DaySummary {
  day: string;
  policyIds: string[];
  successful: number;
  failed: number;
  failureRate: number;
  byResultType: Record<string, number>;
  organisations: string[];
  /** Sessions by the organisation a report names (unverified names included: this is for reading, not for promotion). */
  byOrganisation: Record<string, { successful: number; failed: number }>;
  /** Failed sessions by the receiving MX the failure details name; details without one are not here. */
  byMx: Record<string, number>;
  /** STS sessions by who vouches for their report: known reporters, other DKIM signers, nobody (HTTPS). */
  byTrust: { known: number; signed: number; unsigned: number };
}

/** One self-check result (the scheduled watch's findings), shown beside the reports. */
export interface SelfCheckFinding {
  domain: string;
  /** Which check: txt records, policy fetch, id match, mx coverage, starttls, certificate expiry... */
  check: string;
  /** pass, warn, fail (or another word the checker uses). */
  status: string;
  message: string;
  /** When it was checked (ISO 8601). */
  at: string;
}

/** Where a domain stands on its way to enforce, as `mtasts promote` decides it (offline: no live MX check). */
export interface DomainStatus {
  mode: "none" | "testing" | "enforce";
  /** The id of the policy the stack publishes for this domain now. */
  policyId: string;
  /** One line: "in enforce", "testing, no promotion rule", "ready for enforce", "not ready". */
  summary: string;
  /** Domains in testing with a promotion rule. */
  promotion?: {
    /** The rule, with the least trust a report needs to count (known, signed, any). */
    rule: PromotionRule & { readonly evidence?: string };
    decision: PromotionDecision;
    /** STS sessions in reports below the rule's trust level: shown, never counted. */
    setAside: { known: number; signed: number; unsigned: number };
  };
}

export interface DomainReport {
  domain: string;
  days: DaySummary[];
  status?: DomainStatus;
  /** The checks of the latest self-check run. */
  selfCheck?: SelfCheckFinding[];
  /** Each day the self-check ran in the period, and whether every check passed (no fail). */
  selfCheckDays?: { day: string; ok: boolean }[];
}

export interface ReportSummary {
  domains: DomainReport[];
  rejected: number;
  duplicates: number;
}

export function summarise(
  rows: readonly { domain: string; day: string; counters: Record<string, number> }[],
  stats: { rejected: number; duplicates: number },
  filter: { domain?: string; since?: string } = {},
): ReportSummary {
  const byDomain = new Map<string, DaySummary[]>();
  for (const row of [...rows].sort(
    (a, b) => a.domain.localeCompare(b.domain) || a.day.localeCompare(b.day),
  )) {
    if (filter.domain && row.domain !== filter.domain) continue;
    if (filter.since && row.day < filter.since) continue;
    const day: DaySummary = {
      day: row.day,
      policyIds: [],
      successful: 0,
      failed: 0,
      failureRate: 0,
      byResultType: Object.create(null) as Record<string, number>,
      organisations: [],
      byOrganisation: nullMap(),
      byMx: nullMap(),
      byTrust: { known: 0, signed: 0, unsigned: 0 },
    };
    const ids = new Set<string>();
    const orgs = new Set<string>();
    for (const [name, n] of Object.entries(row.counters)) {
      const c = decodeCounter(name);
      if (c.type === "tlsa") continue;
      if (c.type === "sts" && (c.metric === "successful" || c.metric === "failed"))
        day.byTrust[classify(c.auth).level] += n;
      orgs.add(c.org);
      if (c.type === "sts" && c.policyId !== "-") ids.add(c.policyId);
      if (c.metric === "successful" || c.metric === "failed") {
        day[c.metric] += n;
        const o = (day.byOrganisation[c.org] ??= { successful: 0, failed: 0 });
        o[c.metric] += n;
      } else if (c.metric.startsWith("result:"))
        day.byResultType[c.metric.slice(7)] = (day.byResultType[c.metric.slice(7)] ?? 0) + n;
      else if (c.metric.startsWith("mx:"))
        day.byMx[c.metric.slice(3)] = (day.byMx[c.metric.slice(3)] ?? 0) + n;
    }
    day.policyIds = [...ids].sort();
    day.organisations = [...orgs].sort();
    const total = day.successful + day.failed;
    day.failureRate = total === 0 ? 0 : Math.round((day.failed / total) * 1e6) / 1e6;
    byDomain.set(row.domain, [...(byDomain.get(row.domain) ?? []), day]);
  }
  return {
    domains: [...byDomain].map(([domain, days]) => ({ domain, days })),
    rejected: stats.rejected,
    duplicates: stats.duplicates,
  };
}

const rank = (status: string) => ({ fail: 0, warn: 1 })[status] ?? 2;

// No prototype: an organisation or MX named "__proto__" or "constructor" is an ordinary key.
function nullMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Adds what is known beside the reports: each domain's status (a domain of the stack with no
 * reports yet gets an entry with no days) and the self-check findings, newest first.
 */
export function annotate(
  summary: ReportSummary,
  extra: {
    status?: ReadonlyMap<string, DomainStatus>;
    selfCheck?: readonly SelfCheckFinding[];
    selfCheckDays?: readonly { domain: string; day: string; ok: boolean }[];
  },
): ReportSummary {
  const byDomain = new Map<string, DomainReport>(summary.domains.map((d) => [d.domain, { ...d }]));
  const entry = (domain: string) =>
    byDomain.get(domain) ?? byDomain.set(domain, { domain, days: [] }).get(domain)!;
  for (const [domain, status] of extra.status ?? []) entry(domain).status = status;
  for (const f of extra.selfCheck ?? []) (entry(f.domain).selfCheck ??= []).push(f);
  for (const r of extra.selfCheckDays ?? [])
    (entry(r.domain).selfCheckDays ??= []).push({ day: r.day, ok: r.ok });
  for (const d of byDomain.values()) {
    // The latest first, and within a run what needs a look first: fail, warn, then the rest.
    d.selfCheck?.sort(
      (a, b) =>
        b.at.localeCompare(a.at) ||
        rank(a.status) - rank(b.status) ||
        a.check.localeCompare(b.check),
    );
    d.selfCheckDays?.sort((a, b) => a.day.localeCompare(b.day));
  }
  return {
    ...summary,
    domains: [...byDomain.values()].sort((a, b) => a.domain.localeCompare(b.domain)),
  };
}

export function renderSummaryText(s: ReportSummary): string {
  const out: string[] = [];
  for (const d of s.domains) {
    out.push(d.domain);
    for (const day of d.days) {
      const failures = Object.entries(day.byResultType)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      out.push(
        `  ${day.day}  ok ${day.successful}  failed ${day.failed}  rate ${(day.failureRate * 100).toFixed(2)}%  orgs ${day.organisations.join(", ")}` +
          (failures ? `  [${failures}]` : "") +
          (day.policyIds.length ? `  ids ${day.policyIds.join(" ")}` : "") +
          (day.byTrust.signed + day.byTrust.unsigned > 0
            ? `  (unverified: ${day.byTrust.signed} signed by unknown reporters, ${day.byTrust.unsigned} unsigned)`
            : ""),
      );
    }
    if (d.days.length === 0) out.push("  no reports yet");
    if (d.status) {
      out.push(`  status: ${d.status.summary} (policy ${d.status.policyId})`);
      for (const reason of d.status.promotion?.decision.reasons ?? []) out.push(`    - ${reason}`);
    }
    if (d.selfCheckDays?.length) {
      const failed = d.selfCheckDays.filter((r) => !r.ok).map((r) => r.day);
      out.push(
        `  self-check: ${d.selfCheckDays.length} day${d.selfCheckDays.length === 1 ? "" : "s"} checked, ${failed.length ? `failed on ${failed.join(", ")}` : "no failure"}`,
      );
    }
    const checks = d.selfCheck ?? [];
    if (checks.length)
      out.push(
        `  self-check ${checks[0].at}: ${checks.filter((f) => f.status === "pass").length} of ${checks.length} checks passed`,
      );
    for (const f of checks.filter((c) => c.status !== "pass"))
      out.push(`    ${f.status} ${f.check}: ${f.message}`);
  }
  out.push(`rejected ${s.rejected}, duplicates ${s.duplicates}`);
  return `${out.join("\n")}\n`;
}
