// The live side of the checks: a resolver, the policy fetch and the STARTTLS probe wired into
// checkDomain's dependencies. `mtasts check` and the self-check's Lambda both start here.
import { MAX_POLICY_BYTES, POLICY_PATH } from "../protocol/mta-sts";
import { makeResolver } from "../net/resolver";
import type { CheckDeps, DomainFacts, DomainReport } from "./check";
import { fetchPolicy } from "./https-fetch";
import { probeStartTls } from "./smtp-probe";

export interface LiveCheckOptions {
  /** DNS server as HOST:PORT; the system resolver when absent. */
  readonly resolver?: string;
  /** Extra trusted roots (tests, private CAs). */
  readonly ca?: Buffer;
  readonly httpsPort?: number;
  readonly smtpPort?: number;
  readonly timeoutMs: number;
  /** Probe each MX's STARTTLS. */
  readonly smtp: boolean;
  readonly expiryWarningDays?: number;
}

/** checkDomain's dependencies on the live network. */
export function liveCheckDeps(opts: LiveCheckOptions): CheckDeps {
  const resolver = makeResolver({ server: opts.resolver, timeoutMs: opts.timeoutMs });
  return {
    resolver,
    smtpEnabled: opts.smtp,
    ...(opts.expiryWarningDays !== undefined ? { expiryWarningDays: opts.expiryWarningDays } : {}),
    fetch: (host, address) =>
      fetchPolicy({
        host,
        address,
        port: opts.httpsPort ?? 443,
        path: POLICY_PATH,
        ca: opts.ca,
        timeoutMs: opts.timeoutMs,
        maxBytes: MAX_POLICY_BYTES,
      }),
    smtp: (host, address) =>
      probeStartTls({
        host,
        address,
        port: opts.smtpPort ?? 25,
        ca: opts.ca,
        timeoutMs: opts.timeoutMs,
      }),
  };
}

/** Runs `work` over `items` with at most `limit` in flight; keeps the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface CheckedDomain {
  readonly report: DomainReport;
  readonly facts: DomainFacts;
}
