// CAA (RFC 8659) for each policy host: ACM (Amazon's CA) must be allowed to issue the certificate
// CloudFront serves for `mta-sts.<domain>`, or the certificate never validates and `pulumi up` waits.
import type { CaaRecord, ZoneRecords } from "../../net/zone-records";
import { conflict, errorLine, type Finding, notChecked } from "./finding";

/** Issuer domain names under which Amazon issues (ACM's documented CAA values). */
export const AMAZON_CAA_ISSUERS = [
  "amazon.com",
  "amazontrust.com",
  "awstrust.com",
  "amazonaws.com",
] as const;

/** Property tags Amazon understands; a critical flag on any other forbids issuance (RFC 8659 4.1). */
const KNOWN_TAGS = new Set(["issue", "issuewild", "iodef"]);

export interface RelevantCaaSet {
  /** The name whose CAA RRset is the relevant one. */
  readonly name: string;
  /** The name the climb was at when it found the set (differs from `name` when a CNAME led there). */
  readonly via: string;
  readonly records: readonly CaaRecord[];
}

/** CAA(X) with aliases chased (RFC 8659 3, "in particular, chasing aliases"). */
async function caaChasingAliases(
  name: string,
  zone: ZoneRecords,
): Promise<{ at: string; records: CaaRecord[] }> {
  let at = name;
  for (let depth = 0; depth < 8; depth++) {
    const records = await zone.caa(at);
    if (records.length > 0) return { at, records };
    const target = await zone.cname(at);
    if (!target) break;
    at = target;
  }
  return { at, records: [] };
}

/**
 * RFC 8659 3: the relevant RRset for `host` is the first non-empty CAA RRset found climbing from
 * the name toward the root (the root itself excluded); undefined when there is none anywhere.
 */
export async function relevantCaaSet(
  host: string,
  zone: ZoneRecords,
): Promise<RelevantCaaSet | undefined> {
  const labels = host.replace(/\.$/, "").toLowerCase().split(".");
  for (let i = 0; i < labels.length; i++) {
    const via = labels.slice(i).join(".");
    const { at, records } = await caaChasingAliases(via, zone);
    if (records.length > 0) return { name: at, via, records };
  }
  return undefined;
}

/** The issuer domain of an `issue` value ("letsencrypt.org; validationmethods=dns-01" -> "letsencrypt.org"; ";" -> ""). */
export const issuerOf = (value: string) => value.split(";")[0].trim().toLowerCase();

export interface AmazonDecision {
  readonly allowed: boolean;
  /** Who may issue, in words ("only letsencrypt.org", "no one", ...). */
  readonly reason: string;
}

/** Whether a relevant CAA set lets Amazon issue a (non-wildcard) certificate. */
export function amazonMayIssue(records: readonly CaaRecord[]): AmazonDecision {
  const critical = records.find((r) => r.critical && !KNOWN_TAGS.has(r.tag));
  if (critical)
    return {
      allowed: false,
      reason: `a critical "${critical.tag}" property, which Amazon does not understand, forbids all issuance`,
    };
  const issue = records.filter((r) => r.tag === "issue");
  if (issue.length === 0) return { allowed: true, reason: "no issue property restricts issuance" };
  const issuers = [...new Set(issue.map((r) => issuerOf(r.value)))];
  if (issuers.some((i) => (AMAZON_CAA_ISSUERS as readonly string[]).includes(i)))
    return { allowed: true, reason: `issue names ${issuers.filter(Boolean).join(", ")}` };
  const named = issuers.filter(Boolean);
  return {
    allowed: false,
    reason:
      named.length === 0
        ? 'it allows no CA at all (issue ";")'
        : `it allows only ${named.join(", ")}`,
  };
}

/** A conflict when the relevant CAA set of `mta-sts.<domain>` forbids Amazon; nothing when it allows it or there is none. */
export async function caaConflicts(domain: string, zone: ZoneRecords): Promise<Finding[]> {
  const host = `mta-sts.${domain}`;
  let set: RelevantCaaSet | undefined;
  try {
    set = await relevantCaaSet(host, zone);
  } catch (err) {
    return [notChecked("caa", host, `CAA lookup: ${errorLine(err)}`)];
  }
  if (!set) return [];
  const decision = amazonMayIssue(set.records);
  if (decision.allowed) return [];
  const where = set.name === set.via ? set.name : `${set.name} (CNAME target of ${set.via})`;
  return [
    conflict(
      "caa",
      set.name,
      `CAA at ${where} is the relevant set for ${host} and ${decision.reason}: ACM cannot issue the policy host's certificate`,
      `add 0 issue "amazon.com" at ${set.name}`,
    ),
  ];
}
