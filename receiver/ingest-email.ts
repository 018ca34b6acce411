// Email reports (rua=mailto:), kept apart from ingest.ts so the HTTPS Lambda bundle does not
// carry the MIME parser and DKIM verifier.
import { contactDomain, dkimPassDomains, extractReports, related } from "./email";
import { count, type IngestDeps, type IngestResult, parseOrReject, rejected } from "./ingest";
import { Rejection } from "./reject";

/** A raw email (as SES stores it, or as the local SMTP listener received it). */
export async function ingestEmail(
  raw: Uint8Array,
  deps: IngestDeps,
  stored?: { rawKey: string },
): Promise<IngestResult> {
  const at = deps.now?.() ?? new Date();
  const rawKey = stored?.rawKey ?? (await deps.store.putRaw("email", raw, at));
  try {
    const found = await extractReports(raw, deps.limits);
    const reports = found.reports.map((r) => parseOrReject(r.value, deps, at));
    // Who vouches for each report: the DKIM signer aligned with the domains it names. Being
    // aligned only means the signer speaks for itself (it chose those names); whether its
    // reports may move a promotion is protocol/trust.ts's call, on the signer's domain.
    const auths: string[] = [];
    if (deps.dkim !== "off") {
      const signers = await dkimPassDomains(raw, deps.resolver, at);
      for (const report of reports) {
        const claimed = [
          ...new Set(
            [found.submitter, contactDomain(report.contact)].filter((d): d is string => !!d),
          ),
        ];
        if (signers.length === 0)
          throw new Rejection(
            403,
            "no valid DKIM signature (RFC 8460 3 requires one); kept aside, not counted",
          );
        const aligned = signers.find((s) => claimed.some((c) => related(s, c)));
        if (!aligned)
          throw new Rejection(
            403,
            `DKIM signer ${signers.join(", ")} is not the reporting organisation (${claimed.join(", ") || "no submitter or contact domain"})`,
          );
        auths.push(aligned);
      }
    }
    const results = [];
    for (const [i, report] of reports.entries())
      results.push(await count(report, deps, { auth: auths[i], rawKey, channel: "email", at }));
    const outcome = results.some((r) => r.outcome === "counted") ? "counted" : "duplicate";
    return { outcome, status: 200, rawKey, reports: results };
  } catch (err) {
    return rejected(deps, rawKey, raw, err, at);
  }
}
