// Daily aggregates of a report: per policy domain and UTC day, counters keyed by who vouches
// for the report, reporting organisation, policy type, policy id and metric (receiver/counters.ts).
// STS and TLSA are kept apart (reporters list the same sessions under both), so nothing is
// summed across policy types.
import type { TlsReport } from "../protocol/tls-rpt";
import { addTo, counterMap, encodeCounter, UNSIGNED } from "./counters";

export interface AggregateRow {
  readonly domain: string;
  /** The report's first UTC day (a multi-day report counts on the day it starts). */
  readonly day: string;
  /** Counter name -> sessions to add. */
  readonly counters: Readonly<Record<string, number>>;
}

/** `auth`: the DKIM signing domain aligned with the organisation, or "-" (unsigned). */
export function aggregateRows(report: TlsReport, auth: string = UNSIGNED): AggregateRow[] {
  const byDomain = new Map<string, { domain: string; day: string; counters: Record<string, number> }>();
  const day = report.days[0];
  for (const p of report.policies) {
    const domain = p.domain || "-";
    const row = byDomain.get(domain) ?? { domain, day, counters: counterMap() };
    byDomain.set(domain, row);
    const add = (metric: string, n: number) => {
      if (n > 0) addTo(row.counters, encodeCounter({ auth, org: report.organisation, type: p.type, policyId: p.policyId, metric }), n);
    };
    add("reports", 1); // so an organisation that saw no sessions still shows up
    add("successful", p.successful);
    add("failed", p.failed);
    // Sum per result type first: reports can list tens of thousands of details.
    const byType = new Map<string, number>();
    for (const f of p.failures) byType.set(f["result-type"], (byType.get(f["result-type"]) ?? 0) + f["failed-session-count"]);
    for (const [type, n] of byType) add(`result:${type}`, n);
  }
  return [...byDomain.values()];
}
