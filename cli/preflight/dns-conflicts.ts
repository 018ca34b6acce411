// Records that already exist at the names a stack will manage: `_mta-sts`, `_smtp._tls` and the
// policy host per domain, and an MX at the receiver's mail domain. Each becomes a conflict with
// the fix its DNS provider allows; a lookup that fails becomes "not checked", never an exception.
import { isStsRecord, isTlsRptRecord } from "../../protocol/records";
import type { CheckResolver } from "../../net/resolver";
import type { ZoneRecords } from "../../net/zone-records";
import type { DnsConfig } from "../../config";
import { conflict, errorLine, type Finding, note, notChecked } from "./finding";
import type { ManagedDomain } from "./needs";

export interface DnsDeps {
  readonly resolver: CheckResolver;
  readonly zone: ZoneRecords;
}

/** The fix for a record at one of the stack's names, in the words of the domain's provider. */
export function existingRecordFix(d: Pick<ManagedDomain, "index" | "domain" | "dns">): string {
  switch (d.dns.provider) {
    case "route53":
      return `set adopt: true on mta-sts:domains[${d.index}] (${d.domain}) to let the stack overwrite it, or delete it`;
    case "cloudflare":
      return `set adopt: true on mta-sts:domains[${d.index}] (${d.domain}) (the stack then takes over the existing record instead of adding a second one), or delete it`;
    case "manual":
      return "replace it by hand with the value `mtasts plan` prints";
  }
}

const quoted = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);

function existing(check: string, name: string, what: string, d: ManagedDomain): Finding {
  if (d.adopt && d.dns.provider !== "manual")
    return note(check, name, `${what}; adopt: true, so the stack takes it over`);
  return conflict(check, name, what, existingRecordFix(d));
}

/** What a TXT RRset holds, counting the strings of our kind (two or more mean "none" to readers). */
function describeTxt(values: string[], kind: "v=STSv1" | "v=TLSRPTv1"): string {
  const ours = values.filter(kind === "v=STSv1" ? isStsRecord : isTlsRptRecord);
  const others = values.length - ours.length;
  const otherText = others > 0 ? `, and ${others} other TXT record${others === 1 ? "" : "s"}` : "";
  if (ours.length === 0)
    return `TXT exists with no ${kind} string (${values.map(quoted).join(", ")})`;
  if (ours.length === 1) return `TXT exists with 1 ${kind} string: ${quoted(ours[0])}${otherText}`;
  const meaning =
    kind === "v=STSv1" ? "senders treat two or more as no policy" : "reporters ignore them all";
  return `TXT exists with ${ours.length} ${kind} strings (${ours.map(quoted).join(", ")}): ${meaning}${otherText}`;
}

async function txtAt(
  check: string,
  name: string,
  kind: "v=STSv1" | "v=TLSRPTv1",
  d: ManagedDomain,
  deps: DnsDeps,
): Promise<Finding[]> {
  try {
    // A CNAME here blocks the TXT the stack writes (no other data may sit beside a CNAME).
    const target = await deps.zone.cname(name);
    if (target) return [existing(check, name, `CNAME to ${target} exists`, d)];
    const values = await deps.resolver.txt(name);
    return values.length === 0 ? [] : [existing(check, name, describeTxt(values, kind), d)];
  } catch (err) {
    return [notChecked(check, name, `TXT lookup: ${errorLine(err)}`)];
  }
}

async function policyHost(d: ManagedDomain, deps: DnsDeps): Promise<Finding[]> {
  const name = `mta-sts.${d.domain}`;
  try {
    const target = await deps.zone.cname(name);
    if (target)
      return [
        existing("policy-host", name, `CNAME to ${target} exists: someone else's policy host`, d),
      ];
    const addresses = await deps.resolver.addresses(name);
    if (addresses.length === 0) return [];
    const v6 = addresses.filter((a) => a.includes(":")).length;
    const types = v6 === 0 ? "A" : v6 === addresses.length ? "AAAA" : "A and AAAA";
    return [
      existing(
        "policy-host",
        name,
        `${types} exists (${addresses.join(", ")}): someone else's policy host`,
        d,
      ),
    ];
  } catch (err) {
    return [notChecked("policy-host", name, `CNAME/A/AAAA lookup: ${errorLine(err)}`)];
  }
}

/** Existing records at `_mta-sts`, `_smtp._tls` (when the stack publishes it) and `mta-sts` of one domain. */
export async function domainRecordConflicts(d: ManagedDomain, deps: DnsDeps): Promise<Finding[]> {
  const parts = await Promise.all([
    txtAt("sts-record", `_mta-sts.${d.domain}`, "v=STSv1", d, deps),
    d.tlsRpt
      ? txtAt("tlsrpt-record", `_smtp._tls.${d.domain}`, "v=TLSRPTv1", d, deps)
      : Promise.resolve([]),
    policyHost(d, deps),
  ]);
  return parts.flat();
}

/** An MX at the receiver's mail domain means it already receives mail: the stack's SES MX would join it. */
export async function receiverMailDomainConflicts(
  email: { domain: string; dns: DnsConfig },
  deps: DnsDeps,
): Promise<Finding[]> {
  const name = email.domain;
  let hosts: string[];
  try {
    hosts = await deps.resolver.mx(name);
  } catch (err) {
    return [notChecked("receiver-mx", name, `MX lookup: ${errorLine(err)}`)];
  }
  if (hosts.length === 0) return [];
  const effect =
    email.dns.provider === "cloudflare"
      ? "the stack adds an SES MX, and on Cloudflare a second MX silently takes a share of its mail"
      : email.dns.provider === "route53"
        ? "the stack adds an SES MX, which on Route53 means taking over (or failing on) its MX record set"
        : "the stack's SES MX would have to join or replace these";
  return [
    conflict(
      "receiver-mx",
      name,
      `MX exists (${hosts.join(", ")}): a live mail domain; ${effect}`,
      `use a dedicated subdomain, e.g. tlsrpt.${name}`,
    ),
  ];
}
