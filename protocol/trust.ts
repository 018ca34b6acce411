// Which evidence may move a promotion decision. The HTTPS endpoint is public and reporters
// cannot sign there (RFC 8460 7), so anyone can POST anything: only reports vouched for by a
// DKIM signature of a known reporter count by default. Pure: the receiver records the signer,
// this decides what it is worth, so changing the list re-weighs past evidence.

/** known: signed by a known reporter's domain; signed: valid DKIM of another domain; unsigned: nobody vouches. */
export type TrustLevel = "known" | "signed" | "unsigned";
/** The least trust a promotion rule accepts (promotion.evidence). */
export type EvidenceTrust = "known" | "signed" | "any";

export interface KnownReporter {
  /** How the reporter is counted (minReporters counts these names). */
  readonly name: string;
  /** DKIM signing domains of its reports (a subdomain counts as the domain). */
  readonly domains: readonly string[];
}

/**
 * Senders of TLS-RPT reports and the domains that sign them, from real reports (Google and
 * Microsoft as in the samples the suite's fixtures imitate; the others as their reports are
 * signed). Extend it with mta-sts:receiver.reporters; a name there replaces the entry here.
 */
export const KNOWN_REPORTERS: readonly KnownReporter[] = [
  { name: "Google", domains: ["google.com"] },
  { name: "Microsoft", domains: ["microsoft.com"] },
  { name: "Yahoo", domains: ["yahoo.com", "yahooinc.com"] },
  { name: "Comcast", domains: ["comcast.net"] },
  { name: "Mail.ru", domains: ["mail.ru"] },
  { name: "Yandex", domains: ["yandex.ru", "yandex.net"] },
  { name: "Fastmail", domains: ["fastmail.com", "messagingengine.com"] },
  { name: "Proton", domains: ["proton.me", "protonmail.ch"] },
  { name: "Zoho", domains: ["zoho.com"] },
];

/** The built-in list with the user's entries (same name: the user's wins). */
export function reporterList(extra: readonly KnownReporter[] = []): KnownReporter[] {
  const names = new Set(extra.map((r) => r.name.toLowerCase()));
  return [...KNOWN_REPORTERS.filter((r) => !names.has(r.name.toLowerCase())), ...extra];
}

const within = (domain: string, of: string) => domain === of || domain.endsWith(`.${of}`);

/** What a report's `auth` (the aligned DKIM signer, or "-") is worth, and whom it counts as. */
export function classify(
  auth: string,
  reporters: readonly KnownReporter[] = KNOWN_REPORTERS,
): { level: TrustLevel; reporter: string } {
  const signer = auth.toLowerCase();
  if (signer === "-" || signer === "") return { level: "unsigned", reporter: "unsigned" };
  const known = reporters.find((r) => r.domains.some((d) => within(signer, d.toLowerCase())));
  return known ? { level: "known", reporter: known.name } : { level: "signed", reporter: signer };
}

/** Whether evidence of `level` counts under a rule that accepts `minimum`. */
export function counts(level: TrustLevel, minimum: EvidenceTrust): boolean {
  if (minimum === "any") return true;
  if (minimum === "signed") return level !== "unsigned";
  return level === "known";
}
