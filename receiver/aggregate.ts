// Daily aggregates of a report: per policy domain and UTC day, counters keyed by reporting
// organisation, policy type, policy id and metric. STS and TLSA are kept apart (reporters
// list the same sessions under both), so nothing is summed across policy types.
import type { TlsReport } from "../protocol/tls-rpt";

export interface AggregateRow {
  readonly domain: string;
  /** The report's first UTC day (a multi-day report counts on the day it starts). */
  readonly day: string;
  /** Counter name -> sessions to add. */
  readonly counters: Readonly<Record<string, number>>;
}

/** Field separator in counter names; cannot occur in organisations after normalisation. */
export const SEP = "|";
const clean = (s: string) => s.replace(/[|\s]+/g, " ").trim() || "-";

/** `org|type|policyId|metric`; metric is reports, successful, failed, or result:<result-type>. */
export function counterName(org: string, type: string, policyId: string | undefined, metric: string): string {
  return [clean(org), type, policyId ?? "-", metric].join(SEP);
}

export function parseCounterName(name: string): { org: string; type: string; policyId: string; metric: string } {
  const [org, type, policyId, ...rest] = name.split(SEP);
  return { org, type, policyId, metric: rest.join(SEP) };
}

export function aggregateRows(report: TlsReport): AggregateRow[] {
  const byKey = new Map<string, { domain: string; day: string; counters: Record<string, number> }>();
  const day = report.days[0];
  for (const p of report.policies) {
    const domain = p.domain || "-";
    const key = `${domain}${SEP}${day}`;
    const row = byKey.get(key) ?? { domain, day, counters: {} };
    byKey.set(key, row);
    const prefix = counterName(report.organisation, p.type, p.policyId, "");
    const add = (metric: string, n: number) => {
      if (n <= 0) return;
      const name = prefix + metric;
      row.counters[name] = (row.counters[name] ?? 0) + n;
    };
    add("reports", 1); // so an organisation that saw no sessions still shows up
    add("successful", p.successful);
    add("failed", p.failed);
    // Sum per result type first: reports can list tens of thousands of details.
    const byType = new Map<string, number>();
    for (const f of p.failures) byType.set(f["result-type"], (byType.get(f["result-type"]) ?? 0) + f["failed-session-count"]);
    for (const [type, n] of byType) add(`result:${type}`, n);
  }
  return [...byKey.values()];
}
