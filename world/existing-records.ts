// Records that already exist at the names the stack writes in Cloudflare zones, read before they are
// declared: the toolkit's own pass, others stop the program, or with `adopt` are handed over to be taken over.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import {
  COMMENT_PREFIX,
  type CloudflareTakeovers,
  type Takeover,
  takeoverKey,
} from "../components/dns/cloudflare";
import { receiverRua } from "../components/receiver-addresses";
import type { DomainConfig, ReceiverConfig } from "../config";
import { isStsRecord, isTlsRptRecord, stsRecordName, tlsRptRecordName } from "../protocol/records";

/** A DNS record as Cloudflare lists it. */
export interface ListedRecord {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** TXT: as stored, usually in double quotes. */
  readonly content: string;
  readonly comment?: string | null;
}

/** Lists a zone's records by name: `exact`, or every name that `contains` the text. */
export type RecordLister = (
  zoneId: string,
  name: { readonly exact?: string; readonly contains?: string },
) => Promise<ListedRecord[]>;

/** Existing records to take over, by mail domain: plain data for the zones (zoneFor's `takeovers`). */
export type ExistingRecords = Readonly<Record<string, CloudflareTakeovers>>;

/**
 * Through the Cloudflare provider's own `getDnsRecords` invoke: the stack's Cloudflare token and
 * settings, in `pulumi preview` as in `pulumi up`.
 */
export const listWithProvider: RecordLister = async (zoneId, name) => {
  const out = await cloudflare.getDnsRecords({ zoneId, name, maxItems: 1000 });
  return out.results.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    content: r.content,
    comment: r.comment,
  }));
};

/** The logical value of TXT content as Cloudflare stores it (`"a" "b"`, or unquoted). */
export function txtValue(content: string): string {
  const parts = content.trim().match(/"((?:[^"\\]|\\.)*)"/g);
  if (!content.trim().startsWith('"') || !parts) return content.trim();
  return parts.map((p) => p.slice(1, -1).replace(/\\(.)/g, "$1")).join("");
}

const bare = (name: string) => name.replace(/\.$/, "").toLowerCase();
const ours = (r: ListedRecord) => (r.comment ?? "").startsWith(COMMENT_PREFIX);
const show = (r: ListedRecord) => {
  const value = r.type === "TXT" ? JSON.stringify(txtValue(r.content)) : r.content;
  return `${bare(r.name)} ${r.type} ${value.length > 80 ? `${value.slice(0, 77)}...` : value} (Cloudflare record ${r.id})`;
};

/** Whether the stack writes `_smtp._tls` for this domain: the user's rua, or the receiver's (as the fleet adds them). */
export function writesTlsRpt(d: DomainConfig, receiver: ReceiverConfig): boolean {
  if (d.rua.length > 0) return true;
  return (
    receiver.enabled &&
    receiverRua(d.domain, { emailDomain: receiver.email?.domain, https: receiver.https }).length > 0
  );
}

/** One Cloudflare domain the stack declares, with what was listed at its names. */
export interface DomainRecords {
  /** Position in mta-sts:domains, for the key path in messages. */
  readonly index: number;
  readonly domain: string;
  readonly zoneId: string;
  readonly adopt: boolean;
  readonly writesTlsRpt: boolean;
  /** Every record listed at `_mta-sts.`, `mta-sts.`, `*.mta-sts.` and `_smtp._tls.` of the domain. */
  readonly records: readonly ListedRecord[];
}

/**
 * Decides, for each domain, which existing records the zone takes over and which stop the
 * program. Records whose comment starts with "mta-sts:" are this toolkit's own and pass.
 */
export function decideTakeovers(domains: readonly DomainRecords[]): {
  takeovers: ExistingRecords;
  problems: string[];
} {
  const takeovers: Record<string, CloudflareTakeovers> = {};
  const problems: string[] = [];
  for (const d of domains) {
    const where = `mta-sts:domains[${d.index}] (${d.domain})`;
    const adoptFix = `set adopt: true on mta-sts:domains[${d.index}] (or mta-sts:adopt: true for every domain) to take it over`;
    const found: Record<string, Takeover> = {};
    const take = (r: ListedRecord) =>
      (found[takeoverKey(bare(r.name), r.type)] = {
        importId: `${d.zoneId}/${r.id}`,
        name: bare(r.name),
      });
    const at = (name: string) => d.records.filter((r) => bare(r.name) === name);

    const txt = (name: string, kind: string, isKind: (v: string) => boolean) => {
      const here = at(name);
      for (const r of here.filter((x) => x.type === "CNAME" && !ours(x))) {
        problems.push(
          `${where}: ${show(r)} exists where the stack writes its ${kind} TXT, and no TXT can sit beside a CNAME; delete it`,
        );
      }
      const records = here.filter((x) => x.type === "TXT" && isKind(txtValue(x.content)));
      const foreign = records.filter((x) => !ours(x));
      if (foreign.length === 0) return;
      if (records.length === 1 && d.adopt) take(foreign[0]);
      else if (records.length === 1) {
        problems.push(
          `${where}: ${show(foreign[0])} exists and this stack did not write it; a second ${kind} record would mean none at all, so ${adoptFix}, or delete it`,
        );
      } else {
        const list = records.map(show).join("; ");
        const keep =
          foreign.length === records.length
            ? `delete all but one${d.adopt ? " (the stack then takes that one over)" : `, then ${adoptFix}`}`
            : `delete ${foreign.map((x) => x.id).join(", ")} (not written by this stack)`;
        problems.push(
          `${where}: ${records.length} ${kind} records at ${name} (${list}): two or more mean none at all; ${keep}`,
        );
      }
    };
    txt(stsRecordName(d.domain), "v=STSv1", isStsRecord);
    if (d.writesTlsRpt) txt(tlsRptRecordName(d.domain), "v=TLSRPTv1", isTlsRptRecord);

    // The policy host is a CNAME, and a CNAME sits alone at its name.
    const host = `mta-sts.${d.domain}`;
    for (const r of at(host).filter((x) => !ours(x))) {
      if (r.type !== "CNAME")
        problems.push(
          `${where}: ${show(r)} exists where the stack writes its policy host CNAME, which cannot sit beside it; delete it`,
        );
      else if (d.adopt) take(r);
      else
        problems.push(
          `${where}: ${show(r)} exists and this stack did not write it; ${adoptFix} (it then points at CloudFront), or delete it`,
        );
    }

    // ACM names its validation record only once the certificate exists; with adopt, a lone
    // candidate is handed over, and the zone checks at deploy that ACM asks for that very name.
    const acm = d.records.filter(
      (r) =>
        r.type === "CNAME" &&
        !ours(r) &&
        bare(r.name).endsWith(`.${host}`) &&
        bare(r.name).split(".").length === host.split(".").length + 1 &&
        bare(r.content).endsWith(".acm-validations.aws"),
    );
    const acmValidation =
      d.adopt && acm.length === 1
        ? { importId: `${d.zoneId}/${acm[0].id}`, name: bare(acm[0].name) }
        : undefined;

    if (Object.keys(found).length > 0 || acmValidation)
      takeovers[d.domain] = {
        ...(Object.keys(found).length > 0 ? { records: found } : {}),
        ...(acmValidation ? { acmValidation } : {}),
      };
  }
  return { takeovers, problems };
}

/**
 * Lists what exists at the names the stack writes in Cloudflare zones (two look-ups per domain)
 * and decides with `decideTakeovers`. Rejects with a RunError naming every record in the way
 * and its fix; Pulumi prints it alone.
 */
export async function findExistingRecords(
  config: { readonly domains: readonly DomainConfig[]; readonly receiver: ReceiverConfig },
  lister: RecordLister = listWithProvider,
  concurrency = 4,
): Promise<ExistingRecords> {
  const todo = config.domains.flatMap((d, index) =>
    d.dns.provider === "cloudflare" && !d.remove ? [{ d, index, zoneId: d.dns.zoneId }] : [],
  );
  const listed: DomainRecords[] = [];
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { d, index, zoneId } = todo[next++];
      try {
        const [mtaSts, tlsRpt] = await Promise.all([
          lister(zoneId, { contains: `mta-sts.${d.domain}` }),
          lister(zoneId, { exact: tlsRptRecordName(d.domain) }),
        ]);
        listed.push({
          index,
          domain: d.domain,
          zoneId,
          adopt: d.adopt,
          writesTlsRpt: writesTlsRpt(d, config.receiver),
          records: [...mtaSts, ...tlsRpt],
        });
      } catch (err) {
        failures.push(
          `mta-sts:domains[${index}] (${d.domain}): could not list the records of Cloudflare zone ${zoneId} (${(err as Error).message}); the stack's Cloudflare token needs DNS Read on the zone to check that it adds no second record`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  listed.sort((a, b) => a.index - b.index);
  const { takeovers, problems } = decideTakeovers(listed);
  const all = [...failures, ...problems];
  if (all.length > 0) {
    throw new pulumi.RunError(
      `records already exist at names this stack writes (${all.length} problem${all.length === 1 ? "" : "s"}):\n  ${all.join("\n  ")}`,
    );
  }
  return takeovers;
}
