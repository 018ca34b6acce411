// What `mtasts preflight` reports: one finding per conflict (with its fix), per check it could
// not run (with the reason), and per fact worth knowing that needs no action.

/** conflict: `pulumi up` would fail or take something over; not-checked: could not look; note: fine, but say so. */
export type FindingStatus = "conflict" | "not-checked" | "note";

export interface Finding {
  readonly status: FindingStatus;
  /** Which check: sts-record, tlsrpt-record, policy-host, caa, receiver-mx, ses-rule-set, ... */
  readonly check: string;
  /** The DNS name or AWS resource the finding is about. */
  readonly name: string;
  /** What exists (or, for not-checked, why it could not be looked at). */
  readonly what: string;
  /** What to do about it; every conflict has one. */
  readonly fix?: string;
}

export const conflict = (check: string, name: string, what: string, fix: string): Finding => ({
  status: "conflict",
  check,
  name,
  what,
  fix,
});
export const notChecked = (check: string, name: string, why: string): Finding => ({
  status: "not-checked",
  check,
  name,
  what: why,
});
export const note = (check: string, name: string, what: string): Finding => ({
  status: "note",
  check,
  name,
  what,
});

/** An error as one line: the SDK's error name (AccessDeniedException, ...) and its message. */
export function errorLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const name = err.name && err.name !== "Error" ? `${err.name}: ` : "";
  return `${name}${err.message}`.replace(/\s+/g, " ").trim();
}
