// A report we will not count, with the reason and the HTTP status a sender gets for it.
// Reasons quote what senders wrote and end up in log lines and response bodies: they are
// kept to one line (control characters escaped) and to a bounded length.

/** Longest reason kept; the rest is cut (with a note) so one request cannot flood the log. */
export const MAX_REASON_CHARS = 2_000;

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { "\r": "\\r", "\n": "\\n", "\t": "\\t" };

/** The text on one line: CR, LF, tab and every other control or line-separator character escaped. */
export function oneLine(text: string, max = MAX_REASON_CHARS): string {
  const escaped = text.replace(
    CONTROL,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return escaped.length > max
    ? `${escaped.slice(0, max)}... (${escaped.length - max} more characters)`
    : escaped;
}

export class Rejection extends Error {
  readonly reason: string;

  constructor(
    readonly status: 400 | 403 | 405 | 413 | 415,
    reason: string,
  ) {
    const line = oneLine(reason);
    super(line);
    this.reason = line;
    this.name = "Rejection";
  }
}
