// The one codec of aggregate counter names, read and written by the receiver, the report and
// the promotion evidence: `auth|org|type|policyId|metric`. `auth` is who vouches for the report:
// the DKIM signing domain of an email report aligned with its organisation, or "-" (unsigned:
// HTTPS, which reporters cannot sign). Metric: reports, successful, failed, result:<type>.

/** Field separator; cannot occur in a field after `clean`. */
export const SEP = "|";
/** `auth` of a report nobody vouches for. */
export const UNSIGNED = "-";

export interface CounterKey {
  readonly auth: string;
  readonly org: string;
  readonly type: string;
  /** "-" when the report had no (parsable) policy-string. */
  readonly policyId: string;
  readonly metric: string;
}

const clean = (s: string) => s.replace(/[|\s]+/g, " ").trim() || "-";

export function encodeCounter(k: {
  auth?: string;
  org: string;
  type: string;
  policyId?: string;
  metric: string;
}): string {
  return [clean(k.auth ?? UNSIGNED), clean(k.org), k.type, k.policyId ?? "-", k.metric].join(SEP);
}

export function decodeCounter(name: string): CounterKey {
  const [auth, org, type, policyId, ...rest] = name.split(SEP);
  return { auth, org, type, policyId, metric: rest.join(SEP) };
}

/** Adds `n` to `counters[name]`; counters are null-prototype maps, so any name is a plain key. */
export function addTo(counters: Record<string, number>, name: string, n: number): void {
  counters[name] = (counters[name] ?? 0) + n;
}

/** A counter map with no prototype: `constructor` or `__proto__` are ordinary names in it. */
export const counterMap = (): Record<string, number> =>
  Object.create(null) as Record<string, number>;
