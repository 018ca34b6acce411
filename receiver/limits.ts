// Hard bounds on everything a sender controls. Each can be set from the environment of the
// Lambda (or `mtasts receive` flags); the defaults are generous for real reports.
import { DEFAULT_REPORT_LIMITS, type ReportLimits } from "../protocol/tls-rpt";

export interface IngestLimits extends ReportLimits {
  /** Bytes of an HTTP body or a raw email. */
  readonly maxBodyBytes: number;
  /** Bytes after gunzip (a gzip bomb stops here). */
  readonly maxDecompressedBytes: number;
  /** MIME nesting depth of an email. */
  readonly maxMimeDepth: number;
  /** Reports (attachments) taken from one email. */
  readonly maxReportsPerEmail: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  ...DEFAULT_REPORT_LIMITS,
  maxBodyBytes: 10 * 1024 * 1024,
  maxDecompressedBytes: 50 * 1024 * 1024,
  maxMimeDepth: 20,
  maxReportsPerEmail: 10,
};

export const LIMIT_ENV: Record<keyof IngestLimits, string> = {
  maxBodyBytes: "MTASTS_MAX_BODY_BYTES",
  maxDecompressedBytes: "MTASTS_MAX_DECOMPRESSED_BYTES",
  maxMimeDepth: "MTASTS_MAX_MIME_DEPTH",
  maxReportsPerEmail: "MTASTS_MAX_REPORTS_PER_EMAIL",
  maxPolicies: "MTASTS_MAX_POLICIES",
  maxFailureDetails: "MTASTS_MAX_FAILURE_DETAILS",
};

/** Limits from environment variables (positive integers), defaults for the rest. */
export function limitsFromEnv(env: Record<string, string | undefined> = process.env): IngestLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_ENV)) {
    const v = env[name];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name}="${v}" must be a positive whole number`);
    out[key] = Number(v);
  }
  return out as unknown as IngestLimits;
}

/** Environment variables that set the given limits (for the Lambda functions). */
export function limitsToEnv(limits: Partial<Record<keyof IngestLimits, number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [LIMIT_ENV[k as keyof IngestLimits], String(v)]));
}
