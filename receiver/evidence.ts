// The receiver's daily aggregates as promotion evidence (protocol/promotion.ts).
import type { DayEvidence } from "../protocol/promotion";
import { parseCounterName } from "./aggregate";

export function evidenceFromAggregates(rows: readonly { day: string; counters: Record<string, number> }[]): DayEvidence[] {
  return rows.map((row) => {
    const entries = new Map<string, { org: string; policyType: string; policyId: string; successful: number; failed: number; byResultType: Record<string, number> }>();
    for (const [name, n] of Object.entries(row.counters)) {
      const c = parseCounterName(name);
      const key = `${c.org}|${c.type}|${c.policyId}`;
      const e = entries.get(key) ?? { org: c.org, policyType: c.type, policyId: c.policyId, successful: 0, failed: 0, byResultType: {} };
      entries.set(key, e);
      if (c.metric === "successful") e.successful += n;
      else if (c.metric === "failed") e.failed += n;
      else if (c.metric.startsWith("result:")) e.byResultType[c.metric.slice(7)] = (e.byResultType[c.metric.slice(7)] ?? 0) + n;
    }
    return { day: row.day, entries: [...entries.values()] };
  });
}
