// Reports that arrive by email (rua=mailto:): find every report in the message whatever its
// label (sniffing each part), and verify DKIM (RFC 8460 3: unsigned reports are not counted).
import PostalMime from "postal-mime";
import { decodePayload, sniff } from "./payload";
import { Rejection } from "./reject";
import type { IngestLimits } from "./limits";

/** How mailauth asks DNS: (name, type) -> records, as node's dns.promises.resolve returns them. */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

export interface EmailReports {
  readonly reports: { readonly value: unknown; readonly filename?: string; readonly kind: "gzip" | "json" }[];
  /** TLS-Report-Submitter header (RFC 8460 5.3), if any. */
  readonly submitter?: string;
  readonly subject?: string;
}

/** Parses the message and decodes every part that holds a report. Throws Rejection. */
export async function extractReports(raw: Uint8Array, limits: IngestLimits): Promise<EmailReports> {
  if (raw.length > limits.maxBodyBytes) throw new Rejection(413, `message is ${raw.length} bytes; the limit is ${limits.maxBodyBytes}`);
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer", maxNestingDepth: limits.maxMimeDepth });
  } catch (err) {
    const m = (err as Error).message;
    throw new Rejection(400, /nesting|depth/i.test(m) ? `MIME nesting is deeper than ${limits.maxMimeDepth}` : `message does not parse: ${m}`);
  }
  const reports: EmailReports["reports"][number][] = [];
  const seen: string[] = [];
  for (const a of email.attachments) {
    const bytes = new Uint8Array(a.content as ArrayBuffer);
    seen.push(`${a.mimeType}${a.filename ? ` ${a.filename}` : ""}`);
    // Labels vary (application/tlsrpt+gzip, octet-stream, gzip holding plain JSON): the bytes decide.
    if (sniff(bytes) === "unknown") continue;
    if (reports.length >= limits.maxReportsPerEmail) throw new Rejection(413, `more than ${limits.maxReportsPerEmail} reports in one message`);
    const { value, kind } = decodePayload(bytes, limits.maxDecompressedBytes);
    reports.push({ value, kind, ...(a.filename ? { filename: a.filename } : {}) });
  }
  if (reports.length === 0) throw new Rejection(400, `no TLS-RPT report in the message (parts: ${seen.join(", ") || "none"})`);
  const submitter = email.headers.find((h) => h.key === "tls-report-submitter")?.value.trim().toLowerCase();
  return { reports, ...(submitter ? { submitter } : {}), ...(email.subject ? { subject: email.subject } : {}) };
}

/** Domains whose DKIM signature on the message verifies. */
export async function dkimPassDomains(raw: Uint8Array, resolver?: DnsResolver, now?: Date): Promise<string[]> {
  // mailauth is loaded lazily: it is large, and the HTTPS path never needs it.
  const { dkimVerify } = (await import("mailauth/lib/dkim/verify")) as typeof import("mailauth/lib/dkim/verify");
  const result = await dkimVerify(Buffer.from(raw), { ...(resolver ? { resolver } : {}), ...(now ? { curTime: now } : {}) });
  return result.results.filter((r) => r.status?.result === "pass").map((r) => String(r.signingDomain).toLowerCase());
}

/** The same organisation: equal names, or one a subdomain of the other. */
export const related = (a: string, b: string) => a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);

/** Domain of a contact-info value: an address, a mailto:/https: URI, or a bare name. */
export function contactDomain(contact: string | undefined): string | undefined {
  if (!contact) return undefined;
  const c = contact.trim().replace(/^mailto:/i, "");
  if (c.includes("@")) return c.split("@").pop()!.replace(/[>\s].*$/, "").toLowerCase();
  try {
    return new URL(c).hostname.toLowerCase();
  } catch {
    return /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(c) ? c.toLowerCase() : undefined;
  }
}
