// Daily aggregates of a report: per policy domain and UTC day, counters keyed by who vouches
// for the report, reporting organisation, policy type, policy id and metric (receiver/counters.ts).
// STS and TLSA are kept apart (reporters list the same sessions under both), so nothing is
// summed across policy types. Failed sessions are also counted by the receiving MX the details
// name (`mx:<host>`), at most MAX_MX_NAMES per policy, for the report's "by MX" chart.
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
  const byDomain = new Map<
    string,
    { domain: string; day: string; counters: Record<string, number> }
  >();
  const day = report.days[0];
  for (const p of report.policies) {
    const domain = p.domain || "-";
    const row = byDomain.get(domain) ?? { domain, day, counters: counterMap() };
    byDomain.set(domain, row);
    const add = (metric: string, n: number) => {
      if (n > 0)
        addTo(
          row.counters,
          encodeCounter({
            auth,
            org: report.organisation,
            type: p.type,
            policyId: p.policyId,
            metric,
          }),
          n,
        );
    };
    add("reports", 1); // so an organisation that saw no sessions still shows up
    add("successful", p.successful);
    add("failed", p.failed);
    // Sum per result type and MX name first, in one pass: reports can list tens of thousands of details.
    const byType = new Map<string, number>();
    const byName = new Map<string, number>();
    for (const f of p.failures) {
      const n = f["failed-session-count"];
      byType.set(f["result-type"], (byType.get(f["result-type"]) ?? 0) + n);
      const name = f["receiving-mx-hostname"];
      if (name !== undefined && n > 0) byName.set(name, (byName.get(name) ?? 0) + n);
    }
    for (const [type, n] of byType) add(`result:${type}`, n);
    for (const [host, n] of mxTotals(byName)) add(`mx:${host}`, n);
  }
  return [...byDomain.values()];
}

/** Receiving MX names counted per policy; the rest add up under OTHER_MX (a row stays well under MAX_COUNTERS_PER_ROW). */
export const MAX_MX_NAMES = 20;
/** The counter of failures at MX hosts beyond the first MAX_MX_NAMES (by sessions); no host name has brackets. */
export const OTHER_MX = "(other hosts)";

/**
 * Failed sessions by the receiving MX a detail names (details without one are left out: the
 * report shows them as the difference), the MAX_MX_NAMES largest (ties by name), the rest as OTHER_MX.
 * Names are sender text: white space folded, at most 253 characters (a DNS name's length).
 */
export function failuresByMx(
  failures: TlsReport["policies"][number]["failures"],
): [string, number][] {
  const byName = new Map<string, number>();
  for (const f of failures) {
    const name = f["receiving-mx-hostname"];
    if (name !== undefined && f["failed-session-count"] > 0)
      byName.set(name, (byName.get(name) ?? 0) + f["failed-session-count"]);
  }
  return mxTotals(byName);
}

/** Failed sessions by MX name as written (reports repeat a handful of names) -> each distinct name cleaned once, bounded. */
function mxTotals(byName: ReadonlyMap<string, number>): [string, number][] {
  const byMx = new Map<string, number>();
  for (const [name, n] of byName) {
    const host = name.replace(/\s+/g, " ").trim().slice(0, 253);
    if (host) byMx.set(host, (byMx.get(host) ?? 0) + n);
  }
  const sorted = [...byMx].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const other = sorted.slice(MAX_MX_NAMES).reduce((n, [, v]) => n + v, 0);
  return other > 0 ? [...sorted.slice(0, MAX_MX_NAMES), [OTHER_MX, other]] : sorted;
}
