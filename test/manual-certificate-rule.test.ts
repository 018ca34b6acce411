// hosting-manual-shares-certificate: a manual-DNS domain in a certificate shared with managed
// domains holds them all back until a person adds its validation record (advisory).
import { describe, expect, it } from "vitest";
import {
  hostingManualSharesCertificate,
  manualInSharedCertificates,
} from "../policies/rules/certificates";
import { check, res } from "./helpers/policy";

const cert = (name: string, hosts: string[]) =>
  res("aws:acm/certificate:Certificate", name, {
    domainName: hosts[0],
    subjectAlternativeNames: hosts.slice(1),
    validationMethod: "DNS",
  });
const sts = (domain: string) =>
  res("aws:route53/record:Record", `sts-${domain}`, {
    zoneId: "Z1",
    name: `_mta-sts.${domain}`,
    type: "TXT",
    ttl: 300,
    records: ["v=STSv1; id=1;"],
  });

describe("hosting-manual-shares-certificate", () => {
  it("names the manual domains and the managed ones they hold back", async () => {
    const r = await check(hostingManualSharesCertificate, [
      cert("group-0", ["mta-sts.a.test", "mta-sts.hand.test", "mta-sts.b.test"]),
      sts("a.test"),
      sts("b.test"),
    ]);
    expect(r.messages).toEqual([
      "hand.test (manual DNS) share a certificate with a.test, b.test: until the manual validation record exists, none of them is served",
    ]);
  });

  it("passes groups that are all managed or all manual", async () => {
    expect(
      (
        await check(hostingManualSharesCertificate, [
          cert("g0", ["mta-sts.a.test", "mta-sts.b.test"]),
          sts("a.test"),
          sts("b.test"),
          cert("g1", ["mta-sts.hand.test", "mta-sts.other.test"]),
        ])
      ).messages,
    ).toEqual([]);
    expect(manualInSharedCertificates([{ urn: "u", hosts: ["mta-sts.a.test"] }], [])).toEqual([]);
  });
});
