// Reports that arrive by email (rua=mailto:): find every report in the message whatever its
// label (sniffing each part), and verify DKIM (RFC 8460 3: unsigned reports are not counted).
import PostalMime from "postal-mime";
import { gunzipBounded, newJsonBudget, parseJsonBounded, sniff } from "./payload";
import { Rejection } from "./reject";
import { type IngestLimits, jsonBoundsFor, MAX_MIME_PARTS } from "./limits";

/** How mailauth asks DNS: (name, type) -> records, as node's dns.promises.resolve returns them. */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

export interface EmailReports {
  readonly reports: {
    readonly value: unknown;
    readonly filename?: string;
    readonly kind: "gzip" | "json";
  }[];
  /** TLS-Report-Submitter header (RFC 8460 5.3), if any. */
  readonly submitter?: string;
  readonly subject?: string;
}

/** Lines that may open a MIME part ("--boundary"), counted up to one past `max`. */
function partLines(raw: Uint8Array, max: number): number {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let n = 0;
  for (let at = buf.indexOf("\n--"); at >= 0 && n <= max; at = buf.indexOf("\n--", at + 3)) n++;
  return n;
}

/**
 * Parses the message and decodes every part that holds a report, one after the other; together
 * they get one report's budget (decompressed bytes, JSON values and shapes), so ten parts cost
 * no more than one. Throws Rejection.
 */
export async function extractReports(raw: Uint8Array, limits: IngestLimits): Promise<EmailReports> {
  if (raw.length > limits.maxBodyBytes)
    throw new Rejection(413, `message is ${raw.length} bytes; the limit is ${limits.maxBodyBytes}`);
  if (partLines(raw, MAX_MIME_PARTS) > MAX_MIME_PARTS)
    throw new Rejection(413, `message has more than ${MAX_MIME_PARTS} MIME parts`);
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(raw, {
      attachmentEncoding: "arraybuffer",
      maxNestingDepth: limits.maxMimeDepth,
    });
  } catch (err) {
    const m = (err as Error).message;
    throw new Rejection(
      400,
      /nesting|depth/i.test(m)
        ? `MIME nesting is deeper than ${limits.maxMimeDepth}`
        : `message does not parse: ${m}`,
    );
  }
  const reports: EmailReports["reports"][number][] = [];
  const seen: string[] = [];
  const bounds = jsonBoundsFor(limits);
  const budget = newJsonBudget();
  let inflated = 0;
  for (const a of email.attachments) {
    const bytes = new Uint8Array(a.content as ArrayBuffer);
    // The parser's copy is not needed once this part is decoded.
    (a as { content: unknown }).content = null;
    seen.push(`${a.mimeType}${a.filename ? ` ${a.filename}` : ""}`);
    // Labels vary (application/tlsrpt+gzip, octet-stream, gzip holding plain JSON): the bytes decide.
    const kind = sniff(bytes);
    if (kind === "unknown") continue;
    if (reports.length >= limits.maxReportsPerEmail)
      throw new Rejection(413, `more than ${limits.maxReportsPerEmail} reports in one message`);
    const left = limits.maxDecompressedBytes - inflated;
    const over = () =>
      new Rejection(
        413,
        `the message's reports inflate to more than ${limits.maxDecompressedBytes} bytes together (the limit)`,
      );
    let text: Uint8Array;
    if (kind === "gzip") {
      try {
        text = gunzipBounded(bytes, left);
      } catch (err) {
        throw err instanceof Rejection && err.status === 413 && inflated > 0 ? over() : err;
      }
      if (sniff(text) !== "json") throw new Rejection(400, "gzip does not hold JSON");
    } else {
      if (bytes.length > left) throw over();
      text = bytes;
    }
    inflated += text.length;
    const value = parseJsonBounded(text, bounds, budget);
    reports.push({ value, kind, ...(a.filename ? { filename: a.filename } : {}) });
  }
  if (reports.length === 0)
    throw new Rejection(
      400,
      `no TLS-RPT report in the message (parts: ${seen.join(", ") || "none"})`,
    );
  const submitter = email.headers
    .find((h) => h.key === "tls-report-submitter")
    ?.value.trim()
    .toLowerCase();
  return {
    reports,
    ...(submitter ? { submitter } : {}),
    ...(email.subject ? { subject: email.subject } : {}),
  };
}

type DkimVerify = typeof import("mailauth/lib/dkim/verify").dkimVerify;
let dkimVerify: DkimVerify | undefined;

/** Domains whose DKIM signature on the message verifies. */
export async function dkimPassDomains(
  raw: Uint8Array,
  resolver?: DnsResolver,
  now?: Date,
): Promise<string[]> {
  // mailauth is loaded on first use: it takes ~300 ms to load and only email reports need it.
  // require, not import(): under `mtasts` (tsx's CommonJS loader) import() goes to Node's ESM
  // resolver, which does not find "mailauth/lib/dkim/verify" without ".js"; esbuild bundles both.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dkimVerify ??= (require("mailauth/lib/dkim/verify") as typeof import("mailauth/lib/dkim/verify"))
    .dkimVerify;
  const result = await dkimVerify(Buffer.from(raw), {
    ...(resolver ? { resolver } : {}),
    ...(now ? { curTime: now } : {}),
  });
  return result.results
    .filter((r) => r.status?.result === "pass")
    .map((r) => String(r.signingDomain).toLowerCase());
}

/** The same organisation: equal names, or one a subdomain of the other. */
export const related = (a: string, b: string) =>
  a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);

/** Domain of a contact-info value: an address, a mailto:/https: URI, or a bare name. */
export function contactDomain(contact: string | undefined): string | undefined {
  if (!contact) return undefined;
  const c = contact.trim().replace(/^mailto:/i, "");
  if (c.includes("@"))
    return c
      .split("@")
      .pop()!
      .replace(/[>\s].*$/, "")
      .toLowerCase();
  try {
    return new URL(c).hostname.toLowerCase();
  } catch {
    return /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(c) ? c.toLowerCase() : undefined;
  }
}
