// The receiver's pure-ish core, shared by the Lambda adapters and `mtasts receive --local`:
// raw bytes stored first, then sniff, decode, validate, normalise, count exactly once; every
// rejection kept with its reason. Returns what the sender is told.
import { parseReport, ReportError, type TlsReport } from "../protocol/tls-rpt";
import { aggregateRows } from "./aggregate";
import { UNSIGNED } from "./counters";
import type { DnsResolver } from "./email";
import { type IngestLimits, jsonBoundsFor } from "./limits";
import { decodePayload, sniff } from "./payload";
import { Rejection } from "./reject";
import { type ReceiverStore, sha256 } from "./store";

export interface IngestDeps {
  readonly store: ReceiverStore;
  readonly limits: IngestLimits;
  readonly now?: () => Date;
  /** "off" only for local experiments: email reports are then counted unsigned. */
  readonly dkim?: "on" | "off";
  readonly resolver?: DnsResolver;
  /**
   * The policy domains this receiver serves (the stack's domains). Policies of other domains
   * are not counted; a report with none of ours is rejected. Undefined: every domain counts.
   */
  readonly served?: () => Promise<ReadonlySet<string> | undefined>;
}

/** Counters one report may add to one domain and day (a few per policy type, id and result type). */
export const MAX_COUNTERS_PER_ROW = 500;

export interface IngestResult {
  readonly outcome: "counted" | "duplicate" | "rejected";
  /** HTTP status for the sender (email: what it would be). */
  readonly status: number;
  readonly reason?: string;
  readonly rawKey: string;
  /** Per report in the payload (emails can carry several). */
  readonly reports: {
    readonly outcome: "counted" | "duplicate";
    readonly domains: string[];
    readonly quirks: string[];
    /** Sessions by domain and result type ("successful" or a failure type), for metrics. */
    readonly sessions?: { domain: string; resultType: string; sessions: number }[];
    /** Per domain, the reporters' own totals (STS and no-policy; TLSA repeats them). */
    readonly totals?: { domain: string; successful: number; failed: number }[];
  }[];
}

const REPORT_TYPES = new Set([
  "application/tlsrpt+gzip",
  "application/tlsrpt+json",
  "application/gzip",
  "application/x-gzip",
  "application/json",
  "application/octet-stream",
  "text/plain",
  "",
]);

/**
 * Deduplication key: the same report delivered twice has the same one. It starts with who
 * vouches for the report (the DKIM signer), so nobody else can claim a reporter's key first;
 * an unsigned report's key also holds its content, so a forged copy with a guessed
 * organisation, report id and range is a report of its own, not a way to pre-empt the real one.
 */
export function dedupKey(r: TlsReport, auth: string = UNSIGNED): string {
  const parts = [auth, r.organisation.toLowerCase(), r.reportId, r.start, r.end];
  if (auth === UNSIGNED) parts.push(sha256(JSON.stringify(r)));
  return parts.join("\n");
}

/** Counts a parsed report once; `auth` is the aligned DKIM signer ("-" for unsigned reports). */
export async function count(
  parsed: TlsReport,
  deps: IngestDeps,
  origin: { auth?: string; rawKey: string; channel: "https" | "email"; at: Date },
) {
  const served = await deps.served?.();
  const report = served
    ? { ...parsed, policies: parsed.policies.filter((p) => served.has(p.domain)) }
    : parsed;
  if (report.policies.length === 0) {
    const theirs = [...new Set(parsed.policies.map((p) => p.domain || "(none)"))]
      .slice(0, 5)
      .join(", ");
    throw new Rejection(400, `the report is about ${theirs}, which this receiver does not serve`);
  }
  const auth = origin.auth ?? UNSIGNED;
  const key = dedupKey(report, auth);
  const rows = aggregateRows(report, auth);
  const wide = rows.find((r) => Object.keys(r.counters).length > MAX_COUNTERS_PER_ROW);
  if (wide)
    throw new Rejection(
      400,
      `the report adds ${Object.keys(wide.counters).length} counters to ${wide.domain} (policy ids x result types); the limit is ${MAX_COUNTERS_PER_ROW}`,
    );
  // The normalised copy is written before the claim is done, so a retry that completes a
  // crashed attempt writes it too.
  const outcome = await deps.store.countOnce(key, rows, origin, (claim) =>
    deps.store.putNormalised(report.days[0], claim, { ...report, auth }),
  );
  // STS policies only: TLSA lists the same sessions again.
  const sessions = report.policies
    .filter((p) => p.type !== "tlsa")
    .flatMap((p) => [
      { domain: p.domain, resultType: "successful", sessions: p.successful },
      ...p.failures.map((f) => ({
        domain: p.domain,
        resultType: f["result-type"],
        sessions: f["failed-session-count"],
      })),
    ])
    .filter((s) => s.sessions > 0);
  const totals = report.policies
    .filter((p) => p.type !== "tlsa")
    .map((p) => ({ domain: p.domain, successful: p.successful, failed: p.failed }));
  const notServed = parsed.policies.length - report.policies.length;
  return {
    outcome,
    domains: [...new Set(report.policies.map((p) => p.domain))],
    quirks: [...report.quirks, ...(notServed > 0 ? ["policies-not-served"] : [])],
    sessions,
    totals,
  };
}

/** `at`: when it was received (dates are judged by it); `domain`: the domain the address it was sent to names. */
export function parseOrReject(
  value: unknown,
  deps: IngestDeps,
  at?: Date,
  domain?: string,
): TlsReport {
  try {
    return parseReport(value, deps.limits, {
      ...(at ? { now: at } : {}),
      ...(domain ? { defaultDomain: domain } : {}),
    });
  } catch (err) {
    if (err instanceof ReportError)
      throw new Rejection(400, `not a usable TLS-RPT report: ${err.reasons.join("; ")}`);
    throw err;
  }
}

export async function rejected(
  deps: IngestDeps,
  rawKey: string,
  bytes: Uint8Array,
  err: unknown,
  at: Date,
): Promise<IngestResult> {
  if (!(err instanceof Rejection)) throw err;
  await deps.store.putRejected(rawKey, bytes, `${err.status} ${err.reason}`, at);
  return { outcome: "rejected", status: err.status, reason: err.reason, rawKey, reports: [] };
}

/** A report POSTed to the HTTPS endpoint (rua=https:). `stored`: re-driven from its raw copy. */
export async function ingestHttp(
  req: {
    method: string;
    contentType?: string;
    body: Uint8Array;
    /** The domain of the address it was POSTed to (https://mta-sts.<domain>/tlsrpt). */ domain?: string;
  },
  deps: IngestDeps,
  stored?: { rawKey: string },
): Promise<IngestResult> {
  const at = deps.now?.() ?? new Date();
  // Durable first: only then may the sender hear 2xx.
  const rawKey = stored?.rawKey ?? (await deps.store.putRaw("https", req.body, at));
  try {
    if (req.method.toUpperCase() !== "POST")
      throw new Rejection(405, `method ${req.method} not allowed; POST the report`);
    if (req.body.length > deps.limits.maxBodyBytes)
      throw new Rejection(
        413,
        `body is ${req.body.length} bytes; the limit is ${deps.limits.maxBodyBytes}`,
      );
    const label = (req.contentType ?? "").split(";")[0].trim().toLowerCase();
    if (sniff(req.body) === "unknown" && !REPORT_TYPES.has(label)) {
      throw new Rejection(
        415,
        `Content-Type ${label} is not a report type; send application/tlsrpt+gzip or application/tlsrpt+json`,
      );
    }
    const { value } = decodePayload(
      req.body,
      deps.limits.maxDecompressedBytes,
      jsonBoundsFor(deps.limits),
    );
    const result = await count(parseOrReject(value, deps, at, req.domain), deps, {
      rawKey,
      channel: "https",
      at,
    });
    return { outcome: result.outcome, status: 200, rawKey, reports: [result] };
  } catch (err) {
    return rejected(deps, rawKey, req.body, err, at);
  }
}
