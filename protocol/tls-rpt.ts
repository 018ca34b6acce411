// TLS-RPT reports (RFC 8460 section 4): a zod schema that accepts what real reporters send,
// a normalised model, the quirks seen on the way, and a reason for what is truly unusable.
// zod/mini keeps the receiver's Lambda bundle small (classic zod adds ~450 KB).
import * as z from "zod/mini";
import { parsePolicy, policyId, renderPolicy } from "./mta-sts";

export const POLICY_TYPES = ["sts", "tlsa", "no-policy-found"] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** Hard bounds on one report; a report over them is rejected, never truncated. */
export interface ReportLimits {
  readonly maxPolicies: number;
  readonly maxFailureDetails: number;
}
export const DEFAULT_REPORT_LIMITS: ReportLimits = { maxPolicies: 1_000, maxFailureDetails: 100_000 };

/** Deviations from RFC 8460 that we accept and normalise; recorded per report. */
export type Quirk =
  | "date-without-timezone"
  | "end-at-next-midnight"
  | "contact-info-null"
  | "mx-host-string"
  | "mx-host-prefixed"
  | "tlsa-policy-string-json"
  | "missing-policy-string"
  | "empty-string-fields"
  | "missing-failure-fields"
  | "failed-sum-exceeds-total"
  | "failure-reason-code-text"
  | "empty-failure-details"
  | "numeric-strings";

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

const count = z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(/^\d+$/))], { error: "must be a non-negative whole number (and is required)" });
const text = (error: string) => z.string({ error }).check(z.minLength(1, { error }));

const stringOrList = z.nullish(z.union([z.array(z.string()), z.string()]));

const policySchema = z.looseObject({
  policy: z.looseObject(
    {
      "policy-type": z.enum(POLICY_TYPES, { error: 'policy-type must be "sts", "tlsa" or "no-policy-found"' }),
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
      { "start-datetime": z.string({ error: "start-datetime is required" }), "end-datetime": z.string({ error: "end-datetime is required" }) },
      { error: "date-range is required" },
    ),
    "contact-info": z.nullish(z.string()),
    "report-id": text("report-id is required"),
    policies: z.array(policySchema, { error: "policies is required (a list)" }).check(z.minLength(1, { error: "policies is empty" })),
  },
  { error: "a report is a JSON object" },
);

type RawFailure = Record<string, unknown>;
const COUNT = /^\d+$/;
const TEXT_FIELDS = ["sending-mta-ip", "receiving-mx-hostname", "receiving-mx-helo", "receiving-ip", "failure-reason-code", "additional-information"];

/**
 * Checks and normalises every failure detail in place, in one pass (reports can list tens of
 * thousands): counts as numbers, empty strings and nulls removed, MX names in lower case.
 * Reasons name the element and field, at most 10.
 */
function readFailures(policies: readonly { "failure-details"?: unknown }[], quirks: Set<Quirk>, reasons: string[]): void {
  policies.forEach((p, i) => {
    const list = p["failure-details"];
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      reasons.push(`policies[${i}].failure-details: must be a list`);
      return;
    }
    for (let j = 0; j < list.length; j++) {
      const f = list[j] as RawFailure;
      if (typeof f !== "object" || f === null || Array.isArray(f)) {
        if (reasons.length < 10) reasons.push(`policies[${i}].failure-details[${j}]: must be an object`);
        continue;
      }
      if (typeof f["result-type"] !== "string" || f["result-type"] === "") {
        if (reasons.length < 10) reasons.push(`policies[${i}].failure-details[${j}].result-type: result-type is required`);
      }
      const count = f["failed-session-count"];
      if (typeof count === "string" && COUNT.test(count)) f["failed-session-count"] = toCount(count, quirks);
      else if (!(typeof count === "number" && Number.isInteger(count) && count >= 0) && reasons.length < 10) {
        reasons.push(`policies[${i}].failure-details[${j}].failed-session-count: must be a non-negative whole number (and is required)`);
      }
      if (f["sending-mta-ip"] === undefined || f["receiving-mx-hostname"] === undefined) quirks.add("missing-failure-fields");
      for (let k = 0; k < TEXT_FIELDS.length; k++) {
        const key = TEXT_FIELDS[k];
        const v = f[key];
        if (v === undefined) continue;
        if (v === null || v === "") {
          if (v === "") quirks.add("empty-string-fields");
          delete f[key];
        } else if (typeof v !== "string") {
          if (reasons.length < 10) reasons.push(`policies[${i}].failure-details[${j}].${key}: must be text`);
        } else if (key === "receiving-mx-hostname") f[key] = v.toLowerCase();
        // RFC 8460 means a code; Mail.ru writes prose ("bad https response code: 404").
        else if (key === "failure-reason-code" && /\s/.test(v)) quirks.add("failure-reason-code-text");
      }
    }
  });
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") || "(report)";
}

/** RFC 3339 date-time; a missing zone is read as UTC (Microsoft, 2023). */
function parseDate(value: string, quirks: Set<Quirk>): Date | undefined {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim());
  if (!hasZone) quirks.add("date-without-timezone");
  const d = new Date(hasZone ? value : `${value.trim()}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const toCount = (v: number | string, quirks: Set<Quirk>) => {
  if (typeof v === "string") quirks.add("numeric-strings");
  return Number(v);
};


/** Policy lines as the reporter gave them; Microsoft's TLSA sends one string holding a JSON array. */
function policyLines(type: PolicyType, value: string[] | string | null | undefined, quirks: Set<Quirk>): string[] {
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

function mxHosts(value: string[] | string | null | undefined, quirks: Set<Quirk>): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") quirks.add("mx-host-string");
  return (Array.isArray(value) ? value : [value]).map((h) => {
    const m = /^mx:\s*(.+)$/.exec(h.trim());
    if (m) quirks.add("mx-host-prefixed");
    return (m ? m[1] : h).trim().toLowerCase();
  });
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
  for (let i = 0; d.getTime() <= end.getTime() && i < 366; i++) {
    days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

/**
 * Turns a decoded JSON value into a normalised report. Throws ReportError with every reason
 * when the report is unusable (missing required fields, bad dates, over the limits).
 */
export function parseReport(input: unknown, limits: ReportLimits = DEFAULT_REPORT_LIMITS): TlsReport {
  const result = reportSchema.safeParse(input);
  if (!result.success) {
    throw new ReportError([...new Set(result.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`))]);
  }
  const raw = result.data;
  const quirks = new Set<Quirk>();
  const reasons: string[] = [];
  readFailures(raw.policies, quirks, reasons);
  if (reasons.length > 0) throw new ReportError(reasons);
  if (raw.policies.length > limits.maxPolicies) reasons.push(`${raw.policies.length} policies exceed the limit of ${limits.maxPolicies}`);
  const details = raw.policies.reduce((n, p) => n + (Array.isArray(p["failure-details"]) ? p["failure-details"].length : 0), 0);
  if (details > limits.maxFailureDetails) reasons.push(`${details} failure details exceed the limit of ${limits.maxFailureDetails}`);
  const start = parseDate(raw["date-range"]["start-datetime"], quirks);
  let end = parseDate(raw["date-range"]["end-datetime"], quirks);
  if (!start) reasons.push(`date-range.start-datetime "${raw["date-range"]["start-datetime"]}" is not a date-time`);
  if (!end) reasons.push(`date-range.end-datetime "${raw["date-range"]["end-datetime"]}" is not a date-time`);
  if (start && end && end.getTime() < start.getTime()) reasons.push("date-range ends before it starts");
  if (reasons.length > 0) throw new ReportError(reasons);
  // A range ending at the next day's 00:00:00 covers the day before it, not a second day.
  if (end!.getTime() > start!.getTime() && end!.toISOString().endsWith("T00:00:00.000Z")) {
    quirks.add("end-at-next-midnight");
    end = new Date(end!.getTime() - 1000);
  }
  if (raw["contact-info"] === null) quirks.add("contact-info-null");

  const policies: ReportPolicy[] = raw.policies.map((p) => {
    const type = p.policy["policy-type"];
    const lines = policyLines(type, p.policy["policy-string"], quirks);
    const failures = (p["failure-details"] ?? []) as FailureDetail[]; // normalised by readFailures
    if (Array.isArray(p["failure-details"]) && p["failure-details"].length === 0) quirks.add("empty-failure-details");
    const failed = toCount(p.summary["total-failure-session-count"], quirks);
    if (failures.reduce((n, f) => n + f["failed-session-count"], 0) > failed) quirks.add("failed-sum-exceeds-total");
    return {
      type,
      domain: p.policy["policy-domain"].trim().toLowerCase().replace(/\.$/, ""),
      policyString: lines,
      mxHost: mxHosts(p.policy["mx-host"], quirks),
      ...(type === "sts" && reportedPolicyId(lines) ? { policyId: reportedPolicyId(lines) } : {}),
      successful: toCount(p.summary["total-successful-session-count"], quirks),
      // The summary is the reporter's own total; details may list a session under several types.
      failed,
      failures,
    };
  });

  return {
    organisation: raw["organization-name"].trim(),
    ...(raw["contact-info"] ? { contact: raw["contact-info"].trim() } : {}),
    reportId: raw["report-id"].trim(),
    start: start!.toISOString(),
    end: end!.toISOString(),
    days: daysBetween(start!, end!),
    policies,
    quirks: [...quirks].sort(),
  };
}
