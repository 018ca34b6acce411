// The two TXT records: valid syntax (RFC 8461 3.1, RFC 8460 3) and exactly one of each per name.
import type { PolicyResource } from "@pulumi/policy";
import {
  isStsRecord,
  isTlsRptRecord,
  parseStsRecord,
  parseTlsRptRecord,
} from "../protocol/records";
import { resourcePolicy, stackPolicy } from "./lib/define";
import { ifKnown, txtRecordOf, type TxtRecord } from "./lib/resources";
import { fqdnOf } from "./rules/dns";

const isStsName = (t: TxtRecord) => t.name === "_mta-sts" || t.name.startsWith("_mta-sts.");
const isTlsRptName = (t: TxtRecord) => t.name === "_smtp._tls" || t.name.startsWith("_smtp._tls.");

export const mtaStsTxtRecord = resourcePolicy({
  name: "mta-sts-txt-record",
  description:
    "An _mta-sts TXT record is valid RFC 8461 3.1: `v=STSv1; id=<1-32 letters/digits>;`.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Publish exactly `v=STSv1; id=<id>;` where the id is 1-32 letters or digits (no "-", ":" or "."). With this toolkit, let MtaStsDomain write the record: the id is derived from the policy.',
  validateResource: (args, reportViolation) => {
    const txt = txtRecordOf(args);
    if (!txt || !(isStsName(txt) || txt.values.some(isStsRecord)))
      return args.notApplicable("not an _mta-sts TXT record");
    for (const value of txt.values) {
      if (!isStsRecord(value)) {
        reportViolation(
          `${txt.name}: "${value}" does not start with v=STSv1, so senders ignore it`,
        );
        continue;
      }
      try {
        parseStsRecord(value);
      } catch (err) {
        reportViolation(
          `${txt.name}: "${value}" is not a valid MTA-STS record: ${(err as Error).message}`,
        );
      }
    }
  },
});

export const tlsRptTxtRecord = resourcePolicy({
  name: "tls-rpt-txt-record",
  description:
    "A _smtp._tls TXT record is valid RFC 8460 3: `v=TLSRPTv1; rua=<mailto: or https: URIs>`.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Publish `v=TLSRPTv1; rua=mailto:tlsrpt@example.com` (comma-separated mailto:/https: URIs, with , and ; percent-encoded).",
  validateResource: (args, reportViolation) => {
    const txt = txtRecordOf(args);
    if (!txt || !(isTlsRptName(txt) || txt.values.some(isTlsRptRecord)))
      return args.notApplicable("not a _smtp._tls TXT record");
    for (const value of txt.values) {
      if (!isTlsRptRecord(value)) {
        reportViolation(
          `${txt.name}: "${value}" does not start with v=TLSRPTv1, so reporters ignore it`,
        );
        continue;
      }
      try {
        parseTlsRptRecord(value);
      } catch (err) {
        reportViolation(
          `${txt.name}: "${value}" is not a valid TLS-RPT record: ${(err as Error).message}`,
        );
      }
    }
  },
});

function uniquePerName(
  resources: readonly PolicyResource[],
  claims: (v: string) => boolean,
): Map<string, { urn: string; value: string }[]> {
  const byName = new Map<string, { urn: string; value: string }[]>();
  for (const r of resources) {
    const txt = ifKnown(() => txtRecordOf(r));
    if (!txt) continue;
    // Across providers: a relative name is made absolute with its zone when the zone is in the stack.
    const name = ifKnown(() => fqdnOf(r)) ?? txt.name;
    for (const value of txt.values.filter(claims)) {
      byName.set(name, [...(byName.get(name) ?? []), { urn: r.urn, value }]);
    }
  }
  return byName;
}

export const mtaStsTxtUnique = stackPolicy({
  name: "mta-sts-txt-unique",
  description:
    "At most one v=STSv1 TXT record per name in the stack: with two, senders treat the domain as having no policy.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Keep one _mta-sts record per domain: delete the extra resource (or the extra value in its records list).",
  validateStack: (args, reportViolation) => {
    for (const [name, found] of uniquePerName(args.resources, isStsRecord)) {
      if (found.length > 1) {
        for (const f of found.slice(1))
          reportViolation(
            `${name} has ${found.length} v=STSv1 records; senders see no policy at all`,
            f.urn,
          );
      }
    }
  },
});

export const tlsRptTxtUnique = stackPolicy({
  name: "tls-rpt-txt-unique",
  description:
    "At most one v=TLSRPTv1 TXT record per name in the stack: with two, reporters send nothing.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Merge the reporting URIs into one _smtp._tls record (rua=a,b) and delete the other.",
  validateStack: (args, reportViolation) => {
    for (const [name, found] of uniquePerName(args.resources, isTlsRptRecord)) {
      if (found.length > 1) {
        for (const f of found.slice(1))
          reportViolation(
            `${name} has ${found.length} v=TLSRPTv1 records; reporters ignore them all`,
            f.urn,
          );
      }
    }
  },
});
