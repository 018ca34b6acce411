// Email reports (rua=mailto:), kept apart from ingest.ts so the HTTPS Lambda bundle does not
// carry the MIME parser and DKIM verifier.
import { contactDomain, dkimPassDomains, extractReports, related } from "./email";
import { count, type IngestDeps, type IngestResult, parseOrReject, rejected } from "./ingest";
import { Rejection } from "./reject";

/** A raw email (as SES stores it, or as the local SMTP listener received it). */
export async function ingestEmail(raw: Uint8Array, deps: IngestDeps, stored?: { rawKey: string }): Promise<IngestResult> {
  const at = deps.now?.() ?? new Date();
  const rawKey = stored?.rawKey ?? (await deps.store.putRaw("email", raw, at));
  try {
    const found = await extractReports(raw, deps.limits);
    const reports = found.reports.map((r) => parseOrReject(r.value, deps));
    if (deps.dkim !== "off") {
      const signers = await dkimPassDomains(raw, deps.resolver, at);
      for (const report of reports) {
        const claimed = [...new Set([found.submitter, contactDomain(report.contact)].filter((d): d is string => !!d))];
        if (signers.length === 0) throw new Rejection(403, "no valid DKIM signature (RFC 8460 3 requires one); kept aside, not counted");
        if (!signers.some((s) => claimed.some((c) => related(s, c)))) {
          throw new Rejection(403, `DKIM signer ${signers.join(", ")} is not the reporting organisation (${claimed.join(", ") || "no submitter or contact domain"})`);
        }
      }
    }
    const results = [];
    for (const report of reports) results.push(await count(report, deps));
    const outcome = results.some((r) => r.outcome === "counted") ? "counted" : "duplicate";
    return { outcome, status: 200, rawKey, reports: results };
  } catch (err) {
    return rejected(deps, rawKey, raw, err, at);
  }
}
