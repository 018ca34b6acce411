// What `mtasts report` (and the promotion rule) reads: per domain and day, sessions that
// succeeded and failed, failures by result type, reporting organisations, policy ids seen.
// TLSA counts are left out: reporters list the same sessions under STS and TLSA.
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
  /** STS sessions by who vouches for their report: known reporters, other DKIM signers, nobody (HTTPS). */
  byTrust: { known: number; signed: number; unsigned: number };
}

export interface ReportSummary {
  domains: { domain: string; days: DaySummary[] }[];
  rejected: number;
  duplicates: number;
}

export function summarise(
  rows: readonly { domain: string; day: string; counters: Record<string, number> }[],
  stats: { rejected: number; duplicates: number },
  filter: { domain?: string; since?: string } = {},
): ReportSummary {
  const byDomain = new Map<string, DaySummary[]>();
  for (const row of [...rows].sort((a, b) => a.domain.localeCompare(b.domain) || a.day.localeCompare(b.day))) {
    if (filter.domain && row.domain !== filter.domain) continue;
    if (filter.since && row.day < filter.since) continue;
    const day: DaySummary = { day: row.day, policyIds: [], successful: 0, failed: 0, failureRate: 0, byResultType: Object.create(null) as Record<string, number>, organisations: [], byTrust: { known: 0, signed: 0, unsigned: 0 } };
    const ids = new Set<string>();
    const orgs = new Set<string>();
    for (const [name, n] of Object.entries(row.counters)) {
      const c = decodeCounter(name);
      if (c.type === "tlsa") continue;
      if (c.type === "sts" && (c.metric === "successful" || c.metric === "failed")) day.byTrust[classify(c.auth).level] += n;
      orgs.add(c.org);
      if (c.type === "sts" && c.policyId !== "-") ids.add(c.policyId);
      if (c.metric === "successful") day.successful += n;
      else if (c.metric === "failed") day.failed += n;
      else if (c.metric.startsWith("result:")) day.byResultType[c.metric.slice(7)] = (day.byResultType[c.metric.slice(7)] ?? 0) + n;
    }
    day.policyIds = [...ids].sort();
    day.organisations = [...orgs].sort();
    const total = day.successful + day.failed;
    day.failureRate = total === 0 ? 0 : Math.round((day.failed / total) * 1e6) / 1e6;
    byDomain.set(row.domain, [...(byDomain.get(row.domain) ?? []), day]);
  }
  return { domains: [...byDomain].map(([domain, days]) => ({ domain, days })), rejected: stats.rejected, duplicates: stats.duplicates };
}

export function renderSummaryText(s: ReportSummary): string {
  const out: string[] = [];
  for (const d of s.domains) {
    out.push(d.domain);
    for (const day of d.days) {
      const failures = Object.entries(day.byResultType).map(([k, v]) => `${k}=${v}`).join(", ");
      out.push(
        `  ${day.day}  ok ${day.successful}  failed ${day.failed}  rate ${(day.failureRate * 100).toFixed(2)}%  orgs ${day.organisations.join(", ")}` +
          (failures ? `  [${failures}]` : "") +
          (day.policyIds.length ? `  ids ${day.policyIds.join(" ")}` : "") +
          (day.byTrust.signed + day.byTrust.unsigned > 0 ? `  (unverified: ${day.byTrust.signed} signed by unknown reporters, ${day.byTrust.unsigned} unsigned)` : ""),
      );
    }
  }
  out.push(`rejected ${s.rejected}, duplicates ${s.duplicates}`);
  return `${out.join("\n")}\n`;
}
