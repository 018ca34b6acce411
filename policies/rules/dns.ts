// DNS rules across the whole stack, any provider: a CNAME is the only record at its name
// (RFC 1034 3.6.2; Route53 and Cloudflare refuse the pair). TXT uniqueness (one v=STSv1, one
// v=TLSRPTv1 per name) is in txt-records.ts and compares names the same way (fqdnOf).
import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../lib/define";
import { ifKnown, normName, TYPES } from "../lib/resources";

export interface DnsRecordLike {
  readonly urn: string;
  readonly label: string;
  /** Fully qualified when the stack says so; lower case, no trailing dot. */
  readonly name: string;
  readonly type: string;
  readonly provider: "route53" | "cloudflare";
  /** Route53 routing policies allow several CNAMEs at one name, one per set identifier. */
  readonly setIdentifier?: string;
}

/**
 * The name a DNS record resource writes: its name, made absolute with its zone's name when the
 * zone is declared in the stack and the name is relative ("@" or a label without the zone).
 */
export function fqdnOf(r: PolicyResource): string {
  const name = normName(r.props.name);
  const zones = (r.propertyDependencies.zoneId ?? []).filter(
    (z) => z.type === TYPES.route53Zone || z.type === TYPES.cloudflareZone,
  );
  const zone = zones.length === 1 ? normName(ifKnown(() => zones[0].props.name)) : "";
  if (!zone) return name;
  if (name === "@" || name === "") return zone;
  return name === zone || name.endsWith(`.${zone}`) ? name : `${name}.${zone}`;
}

/** The record a resource declares (Route53 or Cloudflare), or undefined. Unknown names throw. */
export function dnsRecordOf(r: PolicyResource): DnsRecordLike | undefined {
  if (r.type !== TYPES.route53Record && r.type !== TYPES.cloudflareRecord) return undefined;
  const setIdentifier =
    r.type === TYPES.route53Record ? (r.props.setIdentifier as string | undefined) : undefined;
  return {
    urn: r.urn,
    label: r.name,
    name: fqdnOf(r),
    type: String(r.props.type).toUpperCase(),
    provider: r.type === TYPES.route53Record ? "route53" : "cloudflare",
    ...(setIdentifier ? { setIdentifier } : {}),
  };
}

/** Pairs that break CNAME exclusivity: a CNAME and any other record at the same name. */
// https://www.rfc-editor.org/rfc/rfc1034#section-3.6.2 ("If a CNAME RR is present at a node, no other data should be present")
export function cnameConflicts(
  records: readonly DnsRecordLike[],
): { cname: DnsRecordLike; other: DnsRecordLike }[] {
  const byName = new Map<string, DnsRecordLike[]>();
  for (const r of records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const out: { cname: DnsRecordLike; other: DnsRecordLike }[] = [];
  for (const group of byName.values()) {
    const cnames = group.filter((r) => r.type === "CNAME");
    for (const cname of cnames) {
      for (const other of group) {
        if (other === cname) continue;
        // Weighted/latency/... Route53 CNAMEs share a name legitimately, one per set identifier.
        if (
          other.type === "CNAME" &&
          cname.setIdentifier &&
          other.setIdentifier &&
          other.provider === "route53" &&
          cname.provider === "route53"
        )
          continue;
        // Report each CNAME pair once.
        if (other.type === "CNAME" && records.indexOf(other) < records.indexOf(cname)) continue;
        out.push({ cname, other });
      }
    }
  }
  return out;
}

export const dnsCnameExclusive = stackPolicy({
  name: "dns-cname-exclusive",
  description:
    "A CNAME never shares its name with another record, in any provider of the stack (RFC 1034 3.6.2): Route53 and Cloudflare refuse the second record, and resolvers would hide the other data.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Keep the CNAME alone at its name: delete or move the other record, or replace the CNAME by the records it stands for (Route53: an alias A/AAAA record).",
  validateStack: (args, reportViolation) => {
    // Records whose name is only known after deploy (ACM validation, DKIM tokens) cannot be compared offline.
    const records = args.resources
      .map((r) => ifKnown(() => dnsRecordOf(r)))
      .filter((r): r is DnsRecordLike => r !== undefined);
    for (const { cname, other } of cnameConflicts(records)) {
      reportViolation(
        `${cname.name} has a CNAME (${cname.label}, ${cname.provider}) and a ${other.type} (${other.label}, ${other.provider}); a CNAME must be the only record at its name`,
        cname.urn,
      );
    }
  },
});
