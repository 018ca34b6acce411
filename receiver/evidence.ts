// The receiver's daily aggregates as promotion evidence (protocol/promotion.ts), weighed by
// trust (protocol/trust.ts): entries below the rule's trust level are set aside, so nothing an
// outsider can POST enters the decision, neither as sessions nor as a restart of the window.
import type { DayEvidence } from "../protocol/promotion";
import {
  classify,
  counts,
  type EvidenceTrust,
  KNOWN_REPORTERS,
  type KnownReporter,
} from "../protocol/trust";
import { decodeCounter } from "./counters";

export interface WeighedEvidence {
  readonly days: DayEvidence[];
  /** Sessions (successful + failed, STS) in reports that did not count, by trust level. */
  readonly setAside: { readonly signed: number; readonly unsigned: number; readonly known: number };
}

type Entry = {
  org: string;
  policyType: string;
  policyId: string;
  successful: number;
  failed: number;
  byResultType: Record<string, number>;
};

export function evidenceFromAggregates(
  rows: readonly { day: string; counters: Record<string, number> }[],
  // No default: every caller says which trust its rule accepts (world/promotion.ts).
  trust: { readonly accept: EvidenceTrust; readonly reporters?: readonly KnownReporter[] },
): WeighedEvidence {
  const setAside = { signed: 0, unsigned: 0, known: 0 };
  const byDay = new Map<string, Map<string, Entry>>();
  for (const row of rows) {
    const entries = byDay.get(row.day) ?? new Map<string, Entry>();
    byDay.set(row.day, entries);
    for (const [name, n] of Object.entries(row.counters)) {
      const c = decodeCounter(name);
      const { level, reporter } = classify(c.auth, trust.reporters ?? KNOWN_REPORTERS);
      if (!counts(level, trust.accept)) {
        if (c.type === "sts" && (c.metric === "successful" || c.metric === "failed"))
          setAside[level] += n;
        continue;
      }
      // Reporters are counted by who vouches for them; unsigned ones (accept: any) by the name they claim.
      const org = level === "unsigned" ? `${c.org} (unsigned)` : reporter;
      const key = `${org}\n${c.type}\n${c.policyId}`;
      const e = entries.get(key) ?? {
        org,
        policyType: c.type,
        policyId: c.policyId,
        successful: 0,
        failed: 0,
        byResultType: Object.create(null) as Record<string, number>,
      };
      entries.set(key, e);
      if (c.metric === "successful") e.successful += n;
      else if (c.metric === "failed") e.failed += n;
      else if (c.metric.startsWith("result:"))
        e.byResultType[c.metric.slice(7)] = (e.byResultType[c.metric.slice(7)] ?? 0) + n;
    }
  }
  const days = [...byDay]
    .filter(([, e]) => e.size > 0)
    .map(([day, e]) => ({ day, entries: [...e.values()] }));
  return { days, setAside };
}
