// TLS-RPT reports (RFC 8460 section 4): a zod schema that accepts what real reporters send,
// a normalised model, the quirks seen on the way, and a reason for what is truly unusable.
// zod/mini keeps the receiver's Lambda bundle small (classic zod adds ~450 KB).
import { domainToASCII } from "node:url";
import * as z from "zod/mini";
import { NameError, toALabels } from "./dns-name";
import { parsePolicy, policyId, renderPolicy } from "./mta-sts";

export const POLICY_TYPES = ["sts", "tlsa", "no-policy-found"] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** Hard bounds on one report; a report over them is rejected, never truncated. */
export interface ReportLimits {
  readonly maxPolicies: number;
  readonly maxFailureDetails: number;
}
export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  maxPolicies: 1_000,
  maxFailureDetails: 100_000,
};

/**
 * What a plausible report holds; anything outside is refused (never clamped), so no sender can
 * put an absurd number, date or name into the aggregates, keys or logs.
 */
export const REPORT_BOUNDS = {
  /**
   * Sessions one policy (one domain, one reporter, usually one day) can report: 1e9 a day is
   * 11,574 TLS sessions a second to a single domain from a single reporter, beyond any real
   * sender. And it keeps sums exact: 1,000 policies x 100,000 details x 1e9 is 1e17 at worst,
   * but the summaries (2 per policy) add to 2e12, far inside 2^53 (9e15).
   */
  maxSessionsPerPolicy: 1_000_000_000,
  /** RFC 8460 is from 2018 and its drafts from 2016; no report can be older. */
  earliest: "2016-01-01T00:00:00.000Z",
  /** How far past the receiver's clock a range may end (clock skew, a range ending at midnight). */
  futureMs: 24 * 60 * 60 * 1000,
  /** Days listed for one range (reports cover one day; longer ranges are listed up to a year). */
  maxRangeDays: 366,
  maxOrganisationChars: 256,
  maxReportIdChars: 256,
  maxContactChars: 1_024,
  /** Entries in one policy's mx-host list. */
  maxMxHosts: 256,
  /** A result type is 1-64 of [a-z0-9-] after lower-casing (the IANA registry grows; unknown ones are kept). */
  maxResultTypeChars: 64,
  /** Different result types in one policy's failure details (the registry has about 15). */
  maxResultTypesPerPolicy: 100,
} as const;

/** What parseReport needs from outside the report. */
export interface ParseOptions {
  /** The receiver's clock, to judge dates by (default: now). */
  readonly now?: Date;
  /**
   * The policy domain the report was addressed to (the domain of the rua address it came to):
   * used, and recorded as the quirk policy-domain-from-address, for a policy without one
   * (Postfix 3.10's TLS-RPT leaves it out: sys4/tlsrpt-reporter issue 51).
   */
  readonly defaultDomain?: string;
}

/** Deviations from RFC 8460 that we accept and normalise; recorded per report. */
export type Quirk =
  | "date-without-timezone"
  | "end-at-next-midnight"
  | "contact-info-null"
  | "mx-host-string"
  | "mx-host-prefixed"
  | "mx-host-invalid"
  | "tlsa-policy-string-json"
  | "missing-policy-string"
  | "empty-string-fields"
  | "missing-failure-fields"
  | "failed-sum-exceeds-total"
  | "failure-reason-code-text"
  | "empty-failure-details"
  | "numeric-strings"
  | "policy-domain-from-address"
  | "result-type-case";

/**
 * One failure detail with RFC 8460 field names, normalised in place (counts as numbers, empty
 * strings and nulls removed, MX host names in lower case): copying tens of thousands of them
 * into another shape costs more than the rest of ingestion.
 */
export interface FailureDetail {
  readonly "result-type": string;
  readonly "failed-session-count": number;
  readonly "sending-mta-ip"?: string;
  readonly "receiving-mx-hostname"?: string;
  readonly "receiving-mx-helo"?: string;
  readonly "receiving-ip"?: string;
  readonly "failure-reason-code"?: string;
  readonly "additional-information"?: string;
}

export interface ReportPolicy {
  readonly type: PolicyType;
  /** A-label form, lower case; "" only for no-policy-found without a domain. */
  readonly domain: string;
  readonly policyString: readonly string[];
  readonly mxHost: readonly string[];
  /** For sts: id of the policy the reporter saw, re-rendered canonically (this toolkit's scheme). */
  readonly policyId?: string;
  readonly successful: number;
  readonly failed: number;
  readonly failures: readonly FailureDetail[];
}

export interface TlsReport {
  readonly organisation: string;
  readonly contact?: string;
  readonly reportId: string;
  /** ISO 8601, UTC. */
  readonly start: string;
  readonly end: string;
  /** UTC days (YYYY-MM-DD) the range covers. */
  readonly days: readonly string[];
  readonly policies: readonly ReportPolicy[];
  readonly quirks: readonly Quirk[];
}

export class ReportError extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join("; "));
    this.name = "ReportError";
  }
}

const MAX_SESSIONS = REPORT_BOUNDS.maxSessionsPerPolicy;
const WHOLE = "must be a non-negative whole number (and is required)";

/** Shows a sender's value in a reason: quoted, escaped, and cut to 64 characters. */
function show(value: unknown): string {
  const s = String(value);
  return s.length > 64
    ? `${JSON.stringify(`${s.slice(0, 64)}...`)} (${s.length} characters)`
    : JSON.stringify(s);
}

/** Why a session count is unusable, or undefined when it is a whole number from 0 to the ceiling. */
function countProblem(v: unknown): string | undefined {
  if (
    typeof v === "number"
      ? Number.isInteger(v) && v >= 0 && v <= MAX_SESSIONS
      : typeof v === "string" && /^\d{1,10}$/.test(v) && Number(v) <= MAX_SESSIONS
  )
    return undefined;
  if (
    (typeof v === "number" && Number.isInteger(v) && v > 0) ||
    (typeof v === "string" && /^\d+$/.test(v))
  ) {
    return `${typeof v === "string" ? show(v) : String(v)} is more than ${MAX_SESSIONS} sessions, the most one policy can report`;
  }
  return WHOLE;
}

const count = z.unknown().check(
  z.refine((v) => countProblem(v) === undefined, {
    error: (issue) => countProblem(issue.input) ?? WHOLE,
  }),
);
const text = (error: string) => z.string({ error }).check(z.minLength(1, { error }));

const stringOrList = z.nullish(z.union([z.array(z.string()), z.string()]));

const policySchema = z.looseObject({
  policy: z.looseObject(
    {
      "policy-type": z.enum(POLICY_TYPES, {
        error: 'policy-type must be "sts", "tlsa" or "no-policy-found"',
      }),
      "policy-string": stringOrList,
      "policy-domain": z.string({ error: "policy-domain is required" }),
      "mx-host": stringOrList,
    },
    { error: "policy is required (an object)" },
  ),
  summary: z.looseObject(
    {
      "total-successful-session-count": count,
      "total-failure-session-count": count,
    },
    { error: "summary is required (an object)" },
  ),
  // Checked by hand in readFailures: zod per element costs more than the rest of ingestion
  // for reports with tens of thousands of details.
  "failure-details": z.nullish(z.unknown()),
});

const reportSchema = z.looseObject(
  {
    "organization-name": text("organization-name is required"),
    "date-range": z.object(
      {
        "start-datetime": z.string({ error: "start-datetime is required" }),
        "end-datetime": z.string({ error: "end-datetime is required" }),
      },
      { error: "date-range is required" },
    ),
    "contact-info": z.nullish(z.string()),
    "report-id": text("report-id is required"),
    policies: z
      .array(policySchema, { error: "policies is required (a list)" })
      .check(z.minLength(1, { error: "policies is empty" })),
  },
  { error: "a report is a JSON object" },
);

type RawFailure = Record<string, unknown>;
const TEXT_FIELDS = [
  "sending-mta-ip",
  "receiving-mx-hostname",
  "receiving-mx-helo",
  "receiving-ip",
  "failure-reason-code",
  "additional-information",
];
const RESULT_TYPE = /^[a-z0-9-]{1,64}$/;

/**
 * Checks and normalises every failure detail in place, in one pass (reports can list tens of
 * thousands): counts as numbers, result types in lower case, empty strings and nulls removed,
 * MX names in lower case. Reasons name the element and field, at most 10.
 */
function readFailures(
  policies: readonly { "failure-details"?: unknown }[],
  quirks: Set<Quirk>,
  reasons: string[],
): void {
  const add = (reason: string) => {
    if (reasons.length < 10) reasons.push(reason);
  };
  policies.forEach((p, i) => {
    const list = p["failure-details"];
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      add(`policies[${i}].failure-details: must be a list`);
      return;
    }
    // Result types as given -> lower-cased (undefined: invalid); a Map, not an object, so
    // "constructor" and "__proto__" are ordinary names. Reports repeat a handful of types.
    const seen = new Map<string, string | undefined>();
    const types = new Set<string>();
    for (let j = 0; j < list.length; j++) {
      const f = list[j] as RawFailure;
      if (typeof f !== "object" || f === null || Array.isArray(f)) {
        add(`policies[${i}].failure-details[${j}]: must be an object`);
        continue;
      }
      const type = f["result-type"];
      if (typeof type !== "string" || type === "")
        add(`policies[${i}].failure-details[${j}].result-type: result-type is required`);
      else {
        let lower = seen.get(type);
        if (lower === undefined && !seen.has(type)) {
          const l = type.trim().toLowerCase();
          lower = RESULT_TYPE.test(l) ? l : undefined;
          if (seen.size < 1_000) seen.set(type, lower);
          if (lower !== undefined && !types.has(lower)) {
            types.add(lower);
            if (types.size === REPORT_BOUNDS.maxResultTypesPerPolicy + 1)
              add(
                `policies[${i}].failure-details: more than ${REPORT_BOUNDS.maxResultTypesPerPolicy} different result types`,
              );
          }
        }
        if (lower === undefined)
          add(
            `policies[${i}].failure-details[${j}].result-type: ${show(type)} is not a result type (1-${REPORT_BOUNDS.maxResultTypeChars} letters, digits and hyphens)`,
          );
        else if (lower !== type) {
          quirks.add("result-type-case");
          f["result-type"] = lower;
        }
      }
      const n = f["failed-session-count"];
      if (!(typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_SESSIONS)) {
        const problem = countProblem(n);
        if (problem) add(`policies[${i}].failure-details[${j}].failed-session-count: ${problem}`);
        else f["failed-session-count"] = toCount(n as string, quirks);
      }
      if (f["sending-mta-ip"] === undefined || f["receiving-mx-hostname"] === undefined)
        quirks.add("missing-failure-fields");
      for (let k = 0; k < TEXT_FIELDS.length; k++) {
        const key = TEXT_FIELDS[k];
        const v = f[key];
        if (v === undefined) continue;
        if (v === null || v === "") {
          if (v === "") quirks.add("empty-string-fields");
          delete f[key];
        } else if (typeof v !== "string") {
          add(`policies[${i}].failure-details[${j}].${key}: must be text`);
        } else if (key === "receiving-mx-hostname") f[key] = v.toLowerCase();
        // RFC 8460 means a code; Mail.ru writes prose ("bad https response code: 404").
        else if (key === "failure-reason-code" && /\s/.test(v))
          quirks.add("failure-reason-code-text");
      }
    }
  });
}

function pathOf(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "") || "(report)"
  );
}

/**
 * RFC 3339 date-time; a missing zone is read as UTC (Microsoft, 2023). Space around the value
 * is ignored, and so is an RFC 2822 comment after its zone ("+0200 (CEST)"): the zone is the
 * one before the comment, and a value is only read as UTC when it has none.
 */
function parseDate(value: string, quirks: Set<Quirk>): Date | undefined {
  if (value.length > 64) return undefined; // no date-time is longer; not worth the Date parser's time
  const text = value.trim().replace(/\s*\([^()]*\)$/, "");
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  if (!hasZone) quirks.add("date-without-timezone");
  const d = new Date(hasZone ? text : `${text}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const toCount = (v: number | string, quirks: Set<Quirk>) => {
  if (typeof v === "string") quirks.add("numeric-strings");
  return Number(v);
};

// C0 and C1 controls, DEL and the Unicode line and paragraph separators: nothing a name needs,
// and each can break a log line or a key.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why a free-text field (organisation, report id, contact) is unusable, if it is. */
function textProblem(value: string, max: number): string | undefined {
  if (value.length > max) return `is ${value.length} characters; at most ${max}`;
  if (CONTROL.test(value))
    return `${show(value)} holds a control character (a line break, tab or similar)`;
  return undefined;
}

/** A policy domain as lower-case A-labels, or the reason it is not one. */
function policyDomain(value: string): { domain: string } | { problem: string } {
  if (value.length > 254)
    return { problem: `is ${value.length} characters; a domain name is at most 253` };
  try {
    return { domain: toALabels(value) };
  } catch (err) {
    if (err instanceof NameError) return { problem: err.message };
    throw err;
  }
}

// An MX host name or an RFC 8461 pattern ("*." and one or more labels); underscores tolerated.
const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const MX_HOST = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);

/** Policy lines as the reporter gave them; Microsoft's TLSA sends one string holding a JSON array. */
function policyLines(
  type: PolicyType,
  value: string[] | string | null | undefined,
  quirks: Set<Quirk>,
): string[] {
  if (value === null || value === undefined) {
    if (type !== "no-policy-found") quirks.add("missing-policy-string");
    return [];
  }
  const lines = Array.isArray(value) ? value : [value];
  if (type === "tlsa" && lines.length === 1 && lines[0].trim().startsWith("[")) {
    try {
      const inner = JSON.parse(lines[0]) as unknown;
      if (Array.isArray(inner) && inner.every((x) => typeof x === "string")) {
        quirks.add("tlsa-policy-string-json");
        return inner;
      }
    } catch {
      // not JSON after all: keep the string as it is
    }
  }
  return lines;
}

function mxHosts(
  value: string[] | string | null | undefined,
  at: string,
  quirks: Set<Quirk>,
  reasons: string[],
): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") quirks.add("mx-host-string");
  const list = Array.isArray(value) ? value : [value];
  if (list.length > REPORT_BOUNDS.maxMxHosts) {
    reasons.push(`${at}: ${list.length} entries; at most ${REPORT_BOUNDS.maxMxHosts}`);
    return [];
  }
  const hosts: string[] = [];
  list.forEach((h) => {
    const m = /^mx:\s*(.+)$/.exec(h.trim());
    if (m) quirks.add("mx-host-prefixed");
    const name = (m ? m[1] : h).trim().toLowerCase().replace(/\.$/, "");
    if (name === "") {
      quirks.add("empty-string-fields");
      return;
    }
    // eslint-disable-next-line no-control-regex -- "is it all ASCII?"
    const ascii = /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name);
    // mx-host only describes the policy: an entry that is no host name is left out and recorded,
    // not a reason to lose the report's counts.
    if (ascii.length > 253 || !MX_HOST.test(ascii)) quirks.add("mx-host-invalid");
    else hosts.push(ascii);
  });
  return hosts;
}

/** The id this toolkit would publish for the policy a reporter saw, or undefined if it is not a valid policy. */
export function reportedPolicyId(lines: readonly string[]): string | undefined {
  if (lines.length === 0) return undefined;
  try {
    return policyId(renderPolicy(parsePolicy(`${lines.join("\r\n")}\r\n`).policy));
  } catch {
    return undefined;
  }
}

function daysBetween(start: Date, end: Date): string[] {
  const days: string[] = [];
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  // A report counts on its first day; a year of days is the most worth listing.
  for (let i = 0; d.getTime() <= end.getTime() && i < REPORT_BOUNDS.maxRangeDays; i++) {
    days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

/** Fills in the address's domain where a policy has no policy-domain (before the schema, which requires one). */
function fillPolicyDomains(input: unknown, domain: string): number[] {
  const filled: number[] = [];
  const policies = (input as { policies?: unknown } | null)?.policies;
  if (typeof input !== "object" || input === null || !Array.isArray(policies)) return filled;
  policies.forEach((p: unknown, i) => {
    const policy = (p as { policy?: unknown } | null)?.policy as
      Record<string, unknown> | undefined;
    if (typeof policy !== "object" || policy === null || Array.isArray(policy)) return;
    if (policy["policy-domain"] === undefined || policy["policy-domain"] === null) {
      policy["policy-domain"] = domain;
      filled.push(i);
    }
  });
  return filled;
}

/**
 * Turns a decoded JSON value into a normalised report. Throws ReportError with every reason
 * (each naming the field) when the report is unusable: missing required fields, over the
 * limits, implausible counts, dates, names. Failure details are normalised in place.
 */
export function parseReport(
  input: unknown,
  limits: ReportLimits = DEFAULT_REPORT_LIMITS,
  options: ParseOptions = {},
): TlsReport {
  const quirks = new Set<Quirk>();
  if (
    options.defaultDomain !== undefined &&
    fillPolicyDomains(input, options.defaultDomain).length > 0
  )
    quirks.add("policy-domain-from-address");
  const result = reportSchema.safeParse(input);
  if (!result.success) {
    throw new ReportError([
      ...new Set(result.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`)),
    ]);
  }
  const raw = result.data;
  const reasons: string[] = [];
  // The per-detail pass is bounded before it runs: the receiver's JSON scan caps the values in
  // a payload (receiver/payload.ts), whatever the limits here say.
  readFailures(raw.policies, quirks, reasons);
  if (reasons.length > 0) throw new ReportError(reasons);
  if (raw.policies.length > limits.maxPolicies)
    reasons.push(`${raw.policies.length} policies exceed the limit of ${limits.maxPolicies}`);
  const details = raw.policies.reduce(
    (n, p) => n + (Array.isArray(p["failure-details"]) ? p["failure-details"].length : 0),
    0,
  );
  if (details > limits.maxFailureDetails)
    reasons.push(`${details} failure details exceed the limit of ${limits.maxFailureDetails}`);

  const organisation = raw["organization-name"].trim();
  const reportId = raw["report-id"].trim();
  const contact = raw["contact-info"]?.trim();
  const orgProblem = textProblem(organisation, REPORT_BOUNDS.maxOrganisationChars);
  if (orgProblem) reasons.push(`organization-name: ${orgProblem}`);
  const idProblem = textProblem(reportId, REPORT_BOUNDS.maxReportIdChars);
  if (idProblem) reasons.push(`report-id: ${idProblem}`);
  const contactProblem =
    contact === undefined ? undefined : textProblem(contact, REPORT_BOUNDS.maxContactChars);
  if (contactProblem) reasons.push(`contact-info: ${contactProblem}`);

  const now = (options.now ?? new Date()).getTime();
  const earliest = Date.parse(REPORT_BOUNDS.earliest);
  const dates = raw["date-range"];
  const start = parseDate(dates["start-datetime"], quirks);
  let end = parseDate(dates["end-datetime"], quirks);
  for (const [key, d] of [
    ["start-datetime", start],
    ["end-datetime", end],
  ] as const) {
    const shown = show(dates[key]);
    if (!d) reasons.push(`date-range.${key} ${shown} is not a date-time`);
    else if (d.getTime() < earliest)
      reasons.push(
        `date-range.${key} ${shown} is before ${REPORT_BOUNDS.earliest.slice(0, 10)}, older than TLS-RPT`,
      );
    else if (d.getTime() > now + REPORT_BOUNDS.futureMs)
      reasons.push(
        `date-range.${key} ${shown} is more than a day after the receiver's clock (${new Date(now).toISOString()})`,
      );
  }
  if (start && end && end.getTime() < start.getTime())
    reasons.push("date-range ends before it starts");
  else if (start && end) {
    // A range ending at the next day's 00:00:00 covers the day before it, not a second day.
    if (end.getTime() > start.getTime() && end.toISOString().endsWith("T00:00:00.000Z")) {
      quirks.add("end-at-next-midnight");
      end = new Date(end.getTime() - 1000);
    }
  }

  const policies: ReportPolicy[] = raw.policies.map((p, i) => {
    const at = `policies[${i}]`;
    const type = p.policy["policy-type"];
    const lines = policyLines(type, p.policy["policy-string"], quirks);
    const failures = (p["failure-details"] ?? []) as FailureDetail[]; // normalised by readFailures
    if (Array.isArray(p["failure-details"]) && p["failure-details"].length === 0)
      quirks.add("empty-failure-details");
    const failed = toCount(p.summary["total-failure-session-count"] as number | string, quirks);
    const successful = toCount(
      p.summary["total-successful-session-count"] as number | string,
      quirks,
    );
    if (successful + failed > MAX_SESSIONS)
      reasons.push(
        `${at}.summary: ${successful} successful and ${failed} failed sessions are more than ${MAX_SESSIONS} in all, the most one policy can report`,
      );
    if (failures.reduce((n, f) => n + f["failed-session-count"], 0) > failed)
      quirks.add("failed-sum-exceeds-total");
    const given = p.policy["policy-domain"];
    let domain = "";
    if (given.trim() === "") {
      // RFC 8460 requires it; only a no-policy-found result can lack a domain to name.
      if (type !== "no-policy-found")
        reasons.push(`${at}.policy.policy-domain: is empty; a ${type} policy has a domain`);
    } else {
      const d = policyDomain(given);
      if ("problem" in d) reasons.push(`${at}.policy.policy-domain: ${d.problem}`);
      else domain = d.domain;
    }
    const id = type === "sts" ? reportedPolicyId(lines) : undefined;
    return {
      type,
      domain,
      policyString: lines,
      mxHost: mxHosts(p.policy["mx-host"], `${at}.policy.mx-host`, quirks, reasons),
      ...(id ? { policyId: id } : {}),
      successful,
      // The summary is the reporter's own total; details may list a session under several types.
      failed,
      failures,
    };
  });
  if (reasons.length > 0)
    throw new ReportError(
      reasons.length > 20 ? [...reasons.slice(0, 20), `and ${reasons.length - 20} more`] : reasons,
    );

  if (raw["contact-info"] === null) quirks.add("contact-info-null");

  return {
    organisation,
    ...(contact ? { contact } : {}),
    reportId,
    start: start!.toISOString(),
    end: end!.toISOString(),
    days: daysBetween(start!, end!),
    policies,
    quirks: [...quirks].sort(),
  };
}
