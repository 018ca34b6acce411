// Option values checked once, where the command starts: a bad one is a usage error (exit 2)
// naming the flag, never a trace or a silently different meaning.
import { toALabels } from "../protocol/dns-name";
import { UsageError } from "./errors";

/** YYYY-MM-DD of a day that exists (2024-13-01 and 2023-02-29 do not). */
export function isoDate(flag: string, value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !day || day.toISOString().slice(0, 10) !== value)
    throw new UsageError(
      `${flag} ${value}: must be a date that exists, YYYY-MM-DD (e.g. 2024-03-01)`,
    );
  return value;
}

/** A domain as the stack config holds it: lower-case A-labels, no trailing dot (EXAMPLE.com -> example.com). */
export function domainOption(flag: string, value: string): string {
  try {
    return toALabels(value);
  } catch (err) {
    throw new UsageError(`${flag} ${(err as Error).message}`);
  }
}

/** A TCP port to listen on: 0 (any free one) to 65535. */
export function portOption(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || n > 65535)
    throw new UsageError(`${flag} ${value}: must be a port number, 0..65535 (0: any free port)`);
  return n;
}
