// One domain looked at the way a sending MTA sees it, for `mtasts check` and the scheduled
// self-check (one implementation, two adapters). Each check gives pass / warn / fail with a
// one-line reason and, when not a pass, the fix; the facts behind them feed the self-check's metrics.
import { coveringPattern, mxMatches } from "../protocol/mx";
import {
  MAX_POLICY_BYTES,
  parsePolicy,
  PolicyError,
  policyId,
  POLICY_PATH,
  type Mode,
  type Policy,
} from "../protocol/mta-sts";
import {
  isStsRecord,
  isTlsRptRecord,
  parseStsRecord,
  parseTlsRptRecord,
} from "../protocol/records";
import type { CertificateReport } from "./certificate";
import type { FetchResult } from "./https-fetch";
import type { CheckResolver } from "../net/resolver";
import type { SmtpProbe } from "./smtp-probe";

export type Status = "pass" | "warn" | "fail";

export interface CheckItem {
  readonly id: string;
  readonly status: Status;
  readonly message: string;
}

export interface DomainReport {
  readonly domain: string;
  readonly ok: boolean;
  readonly checks: CheckItem[];
}

/** What the checks found, as values (the self-check's metrics are read from these, never from messages). */
export interface DomainFacts {
  /** The served policy, when it could be fetched and parsed. */
  policy?: { readonly mode: Mode; readonly mx: readonly string[] };
  /** Days until the policy host's certificate expires, when it answered. */
  policyCertificateDaysLeft?: number;
  /** Live MX hosts no policy mx pattern covers (with a valid policy). */
  uncoveredMx: string[];
  /** Per MX probed: STARTTLS with a matching certificate (ok), reached but wrong (failed), or no address answered (unreachable). */
  starttls: { readonly host: string; readonly outcome: "ok" | "failed" | "unreachable" }[];
}

export interface CheckDeps {
  readonly resolver: CheckResolver;
  fetch(host: string, address: string): Promise<FetchResult>;
  smtp(host: string, address: string): Promise<SmtpProbe>;
  readonly smtpEnabled: boolean;
  /** Days before expiry that warrant a warning. */
  readonly expiryWarningDays?: number;
}

const pass = (id: string, message: string): CheckItem => ({ id, status: "pass", message });
const warn = (id: string, message: string, fix: string): CheckItem => ({
  id,
  status: "warn",
  message: `${message}; ${fix}`,
});
const fail = (id: string, message: string, fix: string): CheckItem => ({
  id,
  status: "fail",
  message: `${message}; fix: ${fix}`,
});
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The toolkit's ids are 32 hex digits of SHA-256 over the policy; others cannot be recomputed. */
const TOOLKIT_ID = /^[0-9a-f]{32}$/;

async function stsRecordCheck(
  domain: string,
  deps: CheckDeps,
): Promise<{ item: CheckItem; id?: string }> {
  const name = `_mta-sts.${domain}`;
  let values: string[];
  try {
    values = await deps.resolver.txt(name);
  } catch (err) {
    return {
      item: fail(
        "sts-record",
        `${name}: ${errorText(err)}`,
        "check the resolver and the zone's name servers",
      ),
    };
  }
  const sts = values.filter(isStsRecord);
  if (sts.length === 0)
    return {
      item: fail(
        "sts-record",
        `${name}: no v=STSv1 TXT record`,
        `publish "v=STSv1; id=<id>;" at ${name}`,
      ),
    };
  if (sts.length > 1) {
    return {
      item: fail(
        "sts-record",
        `${name}: ${sts.length} v=STSv1 records, which senders treat as no policy`,
        "delete all but one",
      ),
    };
  }
  try {
    const { id } = parseStsRecord(sts[0]);
    return { item: pass("sts-record", `${name}: ${sts[0]}`), id };
  } catch (err) {
    return {
      item: fail(
        "sts-record",
        `${name}: "${sts[0]}" is invalid: ${errorText(err)}`,
        'publish "v=STSv1; id=<1-32 letters/digits>;"',
      ),
    };
  }
}

async function tlsRptCheck(domain: string, deps: CheckDeps): Promise<CheckItem> {
  const name = `_smtp._tls.${domain}`;
  let values: string[];
  try {
    values = await deps.resolver.txt(name);
  } catch (err) {
    return fail(
      "tlsrpt-record",
      `${name}: ${errorText(err)}`,
      "check the resolver and the zone's name servers",
    );
  }
  const rpt = values.filter(isTlsRptRecord);
  // Optional (RFC 8460 3): senders deliver the same without it; only the reports are lost.
  if (rpt.length === 0)
    return warn(
      "tlsrpt-record",
      `${name}: no v=TLSRPTv1 TXT record, so delivery failures go unreported`,
      `publish "v=TLSRPTv1; rua=mailto:..." at ${name}`,
    );
  if (rpt.length > 1)
    return fail(
      "tlsrpt-record",
      `${name}: ${rpt.length} v=TLSRPTv1 records; reporters ignore them all`,
      "merge them into one",
    );
  try {
    const { rua } = parseTlsRptRecord(rpt[0]);
    return pass("tlsrpt-record", `${name}: reports to ${rua.join(", ")}`);
  } catch (err) {
    return fail(
      "tlsrpt-record",
      `${name}: "${rpt[0]}" is invalid: ${errorText(err)}`,
      "use mailto:/https: URIs, comma-separated",
    );
  }
}

function certificateItem(
  id: string,
  subject: string,
  c: CertificateReport,
  warnDays: number,
): CheckItem | undefined {
  if (!c.trusted)
    return fail(
      id,
      `${subject}: certificate not trusted (${c.chainError})`,
      "serve a certificate from a public CA (ACM does), with its chain, valid now",
    );
  if (c.nameError)
    return fail(
      id,
      `${subject}: certificate does not name the host (${c.nameError})`,
      `issue it for ${subject}`,
    );
  if (c.daysLeft !== undefined && c.daysLeft < warnDays) {
    return warn(
      id,
      `${subject}: certificate expires in ${c.daysLeft} days (${c.validTo?.toISOString().slice(0, 10)})`,
      "renew it now",
    );
  }
  return undefined;
}

interface Attempt<T> {
  /** The first answer, from `address`; undefined when no address answered. */
  readonly result?: T;
  readonly address?: string;
  /** "<address>: <error>" for each address that did not answer before it. */
  readonly failures: string[];
}

/**
 * Tries a host's addresses in order until one answers, as sending MTAs do (an MX or policy
 * host with one dead address still gets mail). An answer is anything but a thrown error.
 */
async function firstAnswer<T>(
  addresses: readonly string[],
  attempt: (address: string) => Promise<T>,
): Promise<Attempt<T>> {
  const failures: string[] = [];
  for (const address of addresses) {
    try {
      return { result: await attempt(address), address, failures };
    } catch (err) {
      failures.push(`${address}: ${errorText(err)}`);
    }
  }
  return { failures };
}

/** A warning when an answer came only after other addresses failed (senders lose time there). */
function deadAddresses(id: string, answered: string, a: Attempt<unknown>): CheckItem | undefined {
  if (a.failures.length === 0) return undefined;
  return warn(
    id,
    `${answered} (from ${a.address}); no answer from ${a.failures.join("; ")}`,
    "senders skip these addresses after a delay: fix or remove them",
  );
}

interface FetchOutcome {
  item: CheckItem;
  body?: Buffer;
}

async function policyFetchCheck(
  domain: string,
  deps: CheckDeps,
  facts: DomainFacts,
): Promise<FetchOutcome> {
  const host = `mta-sts.${domain}`;
  const url = `https://${host}${POLICY_PATH}`;
  const warnDays = deps.expiryWarningDays ?? 14;
  let addresses: string[];
  try {
    addresses = await deps.resolver.addresses(host);
  } catch (err) {
    return {
      item: fail("policy-fetch", `${host}: ${errorText(err)}`, "check DNS for the policy host"),
    };
  }
  if (addresses.length === 0)
    return {
      item: fail(
        "policy-fetch",
        `${host} has no A/AAAA record`,
        `point ${host} at the policy host (mtasts plan lists the record)`,
      ),
    };
  const attempt = await firstAnswer(addresses, (address) => deps.fetch(host, address));
  if (!attempt.result)
    return {
      item: fail(
        "policy-fetch",
        `${url}: ${attempt.failures.join("; ")}`,
        "make the policy host answer HTTPS on port 443",
      ),
    };
  const res = attempt.result;
  if (res.certificate.daysLeft !== undefined)
    facts.policyCertificateDaysLeft = res.certificate.daysLeft;
  const certItem = certificateItem("policy-fetch", host, res.certificate, warnDays);
  if (certItem?.status === "fail") return { item: certItem };
  if (res.status >= 300 && res.status < 400) {
    return {
      item: fail(
        "policy-fetch",
        `${url} redirects (${res.status} to ${res.location ?? "?"}); senders do not follow redirects`,
        "serve the policy itself at this URL with 200",
      ),
    };
  }
  if (res.status !== 200)
    return {
      item: fail(
        "policy-fetch",
        `${url} answered ${res.status}`,
        "serve the policy with status 200",
      ),
    };
  const type = (res.contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "text/plain")
    return {
      item: fail(
        "policy-fetch",
        `${url} has Content-Type "${res.contentType ?? "(none)"}"`,
        "serve it as text/plain",
      ),
    };
  if (res.oversized)
    return {
      item: fail(
        "policy-fetch",
        `${url} is over ${MAX_POLICY_BYTES} bytes; senders stop reading there`,
        "shorten the policy (wildcard mx patterns)",
      ),
    };
  const served = `${url}: 200 text/plain, ${res.body.length} bytes, certificate valid ${res.certificate.daysLeft ?? "?"} more days`;
  return {
    item:
      certItem ?? deadAddresses("policy-fetch", served, attempt) ?? pass("policy-fetch", served),
    body: res.body,
  };
}

async function mxChecks(
  domain: string,
  policy: Policy | undefined,
  deps: CheckDeps,
  facts: DomainFacts,
): Promise<CheckItem[]> {
  let hosts: string[];
  try {
    hosts = await deps.resolver.mx(domain);
  } catch (err) {
    return [
      fail(
        "mx-coverage",
        `MX of ${domain}: ${errorText(err)}`,
        "check the resolver and the zone's name servers",
      ),
    ];
  }
  const items: CheckItem[] = [];
  // RFC 8461 5: with mode none senders apply no policy, so neither coverage nor STARTTLS matters.
  if (policy?.mode === "none")
    return [
      pass(
        "mx-coverage",
        `mode none: senders apply no policy, so the MX hosts${hosts.length > 0 ? ` (${hosts.join(", ")})` : ""} are not checked`,
      ),
    ];
  if (hosts.length === 0)
    items.push(
      fail(
        "mx-coverage",
        `${domain} has no MX records`,
        "publish MX records (MTA-STS protects delivery to them)",
      ),
    );
  else if (!policy)
    items.push(
      fail(
        "mx-coverage",
        `MX ${hosts.join(", ")} not checked: no valid policy`,
        "fix the policy first",
      ),
    );
  else {
    const uncovered = hosts.filter((h) => !coveringPattern(policy.mx, h));
    facts.uncoveredMx = uncovered;
    items.push(
      uncovered.length === 0
        ? pass("mx-coverage", `every MX (${hosts.join(", ")}) is covered by the policy`)
        : fail(
            "mx-coverage",
            `MX not covered by any policy mx pattern: ${uncovered.join(", ")}`,
            `add them to mx (a "*." pattern covers exactly one label)`,
          ),
    );
  }
  if (!deps.smtpEnabled) return items;
  const probes = await Promise.all(
    hosts.map(async (host) => {
      const { item, reached } = await starttlsCheck(host, policy, deps);
      facts.starttls.push({
        host,
        outcome: !reached ? "unreachable" : item.status === "fail" ? "failed" : "ok",
      });
      return item;
    }),
  );
  return [...items, ...probes];
}

/** `reached`: an address of the MX answered (a failure then is the MX's, not the network's). */
async function starttlsCheck(
  host: string,
  policy: Policy | undefined,
  deps: CheckDeps,
): Promise<{ item: CheckItem; reached: boolean }> {
  const reached = (item: CheckItem) => ({ item, reached: true });
  const id = `starttls:${host}`;
  try {
    const addresses = await deps.resolver.addresses(host);
    if (addresses.length === 0)
      return reached(fail(id, `${host} has no A/AAAA record`, "fix the MX host's address records"));
    const attempt = await firstAnswer(addresses, (address) => deps.smtp(host, address));
    if (!attempt.result)
      return {
        item: fail(
          id,
          `${host}: ${attempt.failures.join("; ")}`,
          "make the MX accept connections on port 25 and answer EHLO/STARTTLS",
        ),
        reached: false,
      };
    const probe = attempt.result;
    if (!probe.starttlsOffered)
      return reached(
        fail(
          id,
          `${host} does not offer STARTTLS`,
          "enable STARTTLS with a certificate for the MX host name",
        ),
      );
    const c = probe.certificate!;
    const certItem = certificateItem(id, host, c, deps.expiryWarningDays ?? 14);
    if (certItem?.status === "fail") return reached(certItem);
    if (policy && !policy.mx.some((p) => mxMatches(p, host)))
      return reached(
        fail(id, `${host} is not covered by a policy mx pattern`, "add it to the policy's mx"),
      );
    const offered = `${host}: STARTTLS, ${probe.tlsVersion ?? "TLS"}, certificate valid for ${host}`;
    return reached(certItem ?? deadAddresses(id, offered, attempt) ?? pass(id, offered));
  } catch (err) {
    // The address lookup failed: a DNS fault, which senders meet too.
    return reached(
      fail(
        id,
        `${host}: ${errorText(err)}`,
        "make the MX accept connections on port 25 and answer EHLO/STARTTLS",
      ),
    );
  }
}

/** Runs every check for one domain; never throws (each failure is an item). */
export async function checkDomain(domain: string, deps: CheckDeps): Promise<DomainReport> {
  return (await checkDomainFacts(domain, deps)).report;
}

/** The checks of one domain and the facts behind them; never throws. */
export async function checkDomainFacts(
  domain: string,
  deps: CheckDeps,
): Promise<{ report: DomainReport; facts: DomainFacts }> {
  const facts: DomainFacts = { uncoveredMx: [], starttls: [] };
  const [sts, fetched, tlsrpt] = await Promise.all([
    stsRecordCheck(domain, deps),
    policyFetchCheck(domain, deps, facts),
    tlsRptCheck(domain, deps),
  ]);
  const checks: CheckItem[] = [sts.item, fetched.item];
  let policy: Policy | undefined;
  if (!fetched.body) {
    checks.push(
      fail(
        "policy-valid",
        "not checked: the policy could not be fetched",
        "fix policy-fetch first",
      ),
    );
    checks.push(
      fail("policy-id", "not checked: the policy could not be fetched", "fix policy-fetch first"),
    );
  } else {
    try {
      const parsed = parsePolicy(fetched.body);
      policy = parsed.policy;
      facts.policy = { mode: policy.mode, mx: policy.mx };
      const summary = `mode ${policy.mode}, max_age ${policy.maxAge}, mx ${policy.mx.join(" ") || "(none)"}`;
      const lf = parsed.warnings.find((w) => w.includes("LF only"));
      if (lf) checks.push(warn("policy-valid", `${summary}; ${lf}`, "end lines with CRLF"));
      else if (policy.mode === "enforce" && policy.maxAge < 86_400)
        checks.push(
          warn(
            "policy-valid",
            `${summary}; max_age under a day in enforce`,
            "raise max_age to at least 86400 (604800 is usual)",
          ),
        );
      else checks.push(pass("policy-valid", summary));
    } catch (err) {
      const problems = err instanceof PolicyError ? err.problems.join("; ") : errorText(err);
      checks.push(
        fail(
          "policy-valid",
          `policy is invalid: ${problems}`,
          "serve RFC 8461 text: version, mode, mx, max_age",
        ),
      );
    }
    if (sts.id === undefined)
      checks.push(fail("policy-id", "not checked: no valid _mta-sts id", "fix sts-record first"));
    else if (!TOOLKIT_ID.test(sts.id))
      checks.push(
        warn(
          "policy-id",
          `id ${sts.id} is not derived from the policy bytes, so the served policy cannot be verified against it`,
          "change the id whenever the policy changes",
        ),
      );
    else {
      const served = policyId(fetched.body);
      checks.push(
        served === sts.id
          ? pass("policy-id", `the served policy has id ${served}, as announced`)
          : fail(
              "policy-id",
              `the TXT announces ${sts.id} but the served policy has id ${served}`,
              "publish the new body first, then the id (pulumi up orders this); or wait for caches",
            ),
      );
    }
  }
  checks.push(...(await mxChecks(domain, policy, deps, facts)), tlsrpt);
  return { report: { domain, ok: checks.every((c) => c.status !== "fail"), checks }, facts };
}
