// A manual-DNS domain in a certificate shared with other domains: until a person adds its ACM
// validation CNAME, the certificate is not issued, so no domain of that group is served and
// none of their `_mta-sts` records is written (pulumi up waits, ACM gives up after 72 hours).
import { stackPolicy } from "../lib/define";
import { ifKnown, normName, TYPES } from "../lib/resources";
import { dnsRecordOf, type DnsRecordLike } from "./dns";

/** Per certificate: its mail domains whose `_mta-sts` record the stack does not write (manual DNS), when others share it. */
export function manualInSharedCertificates(
  certificates: readonly { urn: string; hosts: readonly string[] }[],
  records: readonly DnsRecordLike[],
): { urn: string; manual: string[]; blocked: string[] }[] {
  const written = new Set(records.filter((r) => r.type === "TXT").map((r) => r.name));
  const out: { urn: string; manual: string[]; blocked: string[] }[] = [];
  for (const c of certificates) {
    const domains = c.hosts.map((h) => h.replace(/^mta-sts\./, ""));
    const manual = domains.filter((d) => !written.has(`_mta-sts.${d}`));
    const blocked = domains.filter((d) => written.has(`_mta-sts.${d}`));
    if (manual.length > 0 && blocked.length > 0) out.push({ urn: c.urn, manual, blocked });
  }
  return out;
}

export const hostingManualSharesCertificate = stackPolicy({
  name: "hosting-manual-shares-certificate",
  description:
    "A domain whose DNS is manual does not share its certificate with domains the stack manages: until a person adds its ACM validation record, the shared certificate is not issued and none of the group's policies is served.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Give manual domains a distribution group of their own: list them after the managed ones starting at a multiple of mta-sts:hosting.domainsPerDistribution, or use domainsPerDistribution: 1. Or add the manual domain's validation CNAME (pulumi up prints it as soon as ACM gives it) before the others need to change.",
  validateStack: (args, reportViolation) => {
    const records = args.resources
      .map((r) => ifKnown(() => dnsRecordOf(r)))
      .filter((r): r is DnsRecordLike => r !== undefined);
    const certificates = args.resources
      .filter((r) => r.type === TYPES.certificate)
      .map((r) => ({
        urn: r.urn,
        hosts: [
          r.props.domainName,
          ...((r.props.subjectAlternativeNames as string[] | undefined) ?? []),
        ].map((h) => normName(h)),
      }));
    for (const c of manualInSharedCertificates(certificates, records)) {
      reportViolation(
        `${c.manual.join(", ")} (manual DNS) share a certificate with ${c.blocked.join(", ")}: until the manual validation record exists, none of them is served`,
        c.urn,
      );
    }
  },
});
