// What the scheduled self-check found for one domain on one day, as kept in the receiver's table
// and shown by `mtasts report` beside the reports. Bounded: a few dozen checks, each message cut short.

/** One check as the self-check saw it (the same ids and statuses as `mtasts check`). */
export interface FindingCheck {
  readonly id: string;
  readonly status: "pass" | "warn" | "fail";
  readonly message: string;
}

export interface Finding {
  readonly domain: string;
  /** UTC day of the run, YYYY-MM-DD (one finding per domain and day: a later run that day replaces it). */
  readonly day: string;
  /** When the run checked the domain (ISO 8601). */
  readonly at: string;
  /** No check failed. */
  readonly ok: boolean;
  /** The served policy's mode, when it was served. */
  readonly mode?: string;
  /** Days until the policy host's certificate expires, when it answered. */
  readonly certificateDaysLeft?: number;
  /** Live MX hosts no policy mx pattern covers. */
  readonly uncoveredMx: readonly string[];
  readonly checks: readonly FindingCheck[];
}

/** Bounds on one stored finding: DynamoDB items hold 400 KB, and a report prints every line. */
export const FINDING_LIMITS = { checks: 40, message: 400, mx: 20 } as const;

/**
 * The table's key of a finding: `finding#<domain>` / `<day>`, so one domain's findings are one
 * Query in day order and a day's rerun overwrites its item.
 */
export const findingKey = (domain: string, day: string) => ({ pk: `finding#${domain}`, sk: day });
export const FINDING_PREFIX = "finding#";

/** Cuts a finding to FINDING_LIMITS (the fails first, so none is cut while a pass is kept). */
export function boundFinding(f: Finding): Finding {
  const order = { fail: 0, warn: 1, pass: 2 } as const;
  const checks = [...f.checks]
    .sort((a, b) => order[a.status] - order[b.status])
    .slice(0, FINDING_LIMITS.checks);
  const clip = (s: string) =>
    s.length > FINDING_LIMITS.message ? `${s.slice(0, FINDING_LIMITS.message - 1)}…` : s;
  return {
    ...f,
    uncoveredMx: f.uncoveredMx.slice(0, FINDING_LIMITS.mx),
    checks: checks.map((c) => ({ ...c, message: clip(c.message) })),
  };
}
