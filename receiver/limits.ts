// Hard bounds on everything a sender controls. Each can be set from the environment of the
// Lambda (or `mtasts receive` flags); the defaults are generous for real reports.
import { DEFAULT_REPORT_LIMITS, type ReportLimits } from "../protocol/tls-rpt";

export interface IngestLimits extends ReportLimits {
  /** Bytes of an HTTP body or a raw email. */
  readonly maxBodyBytes: number;
  /** Bytes after gunzip (a gzip bomb stops here); for an email, all its reports together. */
  readonly maxDecompressedBytes: number;
  /** MIME nesting depth of an email. */
  readonly maxMimeDepth: number;
  /** Reports (attachments) taken from one email. */
  readonly maxReportsPerEmail: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  ...DEFAULT_REPORT_LIMITS,
  maxBodyBytes: 10 * 1024 * 1024,
  // 32 MiB, not the 50 MiB it was: a report at the failure-details limit (100,000 details of
  // 170-300 bytes each) is 17-30 MB of JSON, and real reports are a few KB (one detail per
  // sending IP, MX and result type). What a document costs is about four times its size (zlib's
  // chunks and the joined buffer, the text, the parsed value): 64 KiB strings up to the limit,
  // inside every JSON bound, peaked at 227 MB at 32 MiB and 295 MB at 50 MiB, over the HTTPS
  // function's 256 MB (npm run bench:attacks).
  maxDecompressedBytes: 32 * 1024 * 1024,
  maxMimeDepth: 20,
  maxReportsPerEmail: 10,
};

/**
 * Bounds on the shape of JSON, checked in one pass over the bytes before JSON.parse builds
 * anything (a 48 KB gzip of nested "[" once took 2.6 GB). Real reports nest 5 deep, use about
 * 25 key names in a handful of orders, and have about 10 values per failure detail.
 */
export interface JsonBounds {
  /** Objects and arrays inside each other (the stack JSON.parse recurses on). */
  readonly maxDepth: number;
  /** UTF-8 bytes of one string value, as written (escapes count as written). */
  readonly maxStringBytes: number;
  /** UTF-8 bytes of one object key. */
  readonly maxKeyBytes: number;
  /** Keys in one object. */
  readonly maxKeysPerObject: number;
  /**
   * Distinct object shapes (key lists in order). V8 builds a hidden class per shape: 100,000
   * objects of 10 keys in random orders took 93 MB and 1.8 s to parse; real reports have a few.
   */
  readonly maxShapes: number;
  /** Values of any kind (objects, arrays, strings, numbers, true/false/null). */
  readonly maxValues: number;
}

/** Values per failure detail (an object and up to 8 fields, rounded up) and per policy (its objects, lines, MX names). */
const VALUES_PER_DETAIL = 10;
const VALUES_PER_POLICY = 64;

/** JSON bounds that fit reports at the given report limits (more details allow more values). */
export function jsonBoundsFor(limits: ReportLimits): JsonBounds {
  return {
    maxDepth: 32,
    // An MTA-STS policy is at most 64 KiB in all; no single field of a report needs more.
    maxStringBytes: 64 * 1024,
    maxKeyBytes: 256,
    maxKeysPerObject: 64,
    maxShapes: 1_000,
    maxValues:
      limits.maxFailureDetails * VALUES_PER_DETAIL + limits.maxPolicies * VALUES_PER_POLICY + 1_024,
  };
}

/**
 * MIME parts in one email (lines that open a part are counted before the MIME parser runs):
 * report emails have two to four; 20,000 tiny parts in 10 MB held the parser for 2.8 s.
 */
export const MAX_MIME_PARTS = 1_000;

export const DEFAULT_JSON_BOUNDS: JsonBounds = jsonBoundsFor(DEFAULT_REPORT_LIMITS);

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
    if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v)))
      throw new Error(`${name}="${v}" must be a positive whole number`);
    out[key] = Number(v);
  }
  return out as unknown as IngestLimits;
}

/** Environment variables that set the given limits (for the Lambda functions). */
export function limitsToEnv(
  limits: Partial<Record<keyof IngestLimits, number>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(limits).map(([k, v]) => [LIMIT_ENV[k as keyof IngestLimits], String(v)]),
  );
}
