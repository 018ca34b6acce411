// What a stack will create, in the terms preflight compares with the world: the DNS names per
// domain, the receiver's mail domain and functions, and the count of distributions and certificates.
import type { DnsConfig, StackConfig } from "../../config";

export interface ManagedDomain {
  /** Index in mta-sts:domains (the key path a fix names). */
  readonly index: number;
  readonly domain: string;
  readonly dns: DnsConfig;
  /** The stack publishes `_smtp._tls.<domain>` (there are rua URIs, its own or the receiver's). */
  readonly tlsRpt: boolean;
  /** `adopt: true`: the stack takes over records that exist at its names. */
  readonly adopt: boolean;
}

export interface ReceiverNeeds {
  readonly email?: {
    readonly domain: string;
    readonly dns: DnsConfig;
    readonly ruleSetName?: string;
    /** "existing": the SES identity is there already and the stack leaves it alone. */
    readonly identity: string;
  };
  /** Lambda functions the receiver deploys: http, and email when email reports are on. */
  readonly functions: number;
  /** Reserved concurrency per function, when the stack reserves any. */
  readonly reservedConcurrency?: number;
}

export interface StackNeeds {
  readonly domains: readonly ManagedDomain[];
  readonly receiver?: ReceiverNeeds;
  /** CloudFront distributions (one per group of hosting.domainsPerDistribution slots). */
  readonly distributions: number;
  /** ACM certificates in us-east-1: one per group distribution, and each tenant's managed certificate (an ACM certificate of the account). */
  readonly certificates: number;
  /** CloudFront distribution tenants (mode tenants: one per domain not still on, or leaving, its group). */
  readonly tenants: number;
}

export function stackNeeds(config: StackConfig): StackNeeds {
  const r = config.receiver;
  // `remove: true` domains are being deleted; the others keep their slot (index) for grouping.
  const kept = config.domains.map((d, index) => ({ d, index })).filter(({ d }) => !d.remove);
  const receiverOn = r.enabled && kept.length > 0;
  const receiverRua = receiverOn && (r.https || r.email !== undefined);
  const h = config.hosting;
  const tenantMode = h.mode === "tenants";
  // Mode tenants: only domains still listed under migration.grouped keep a group distribution.
  const grouped = kept.filter(
    ({ d }) => !tenantMode || (h.migration?.grouped ?? []).includes(d.domain),
  );
  const tenants = tenantMode
    ? kept.filter(
        ({ d }) =>
          !(h.migration?.grouped ?? []).includes(d.domain) &&
          !(h.migration?.releasing ?? []).includes(d.domain),
      ).length
    : 0;
  const groups = new Set(grouped.map(({ index }) => Math.floor(index / h.domainsPerDistribution)));
  const email = receiverOn && r.email ? r.email : undefined;
  return {
    domains: kept.map(({ d, index }) => ({
      index,
      domain: d.domain,
      dns: d.dns,
      tlsRpt: d.rua.length > 0 || receiverRua,
      // Read loosely: `adopt` is a newer key of the domain entry.
      adopt: (d as { adopt?: unknown }).adopt === true,
    })),
    receiver: receiverOn
      ? {
          ...(email
            ? {
                email: {
                  domain: email.domain,
                  dns: email.dns,
                  ruleSetName: email.ruleSetName,
                  identity: String((email as { identity?: unknown }).identity ?? "create"),
                },
              }
            : {}),
          functions: email ? 2 : 1,
          reservedConcurrency: (r as { reservedConcurrency?: number }).reservedConcurrency,
        }
      : undefined,
    // The multi-tenant distribution is one more distribution; each tenant's certificate is CloudFront-managed, but in ACM.
    distributions: groups.size + (tenantMode && kept.length > 0 ? 1 : 0),
    certificates: groups.size + tenants,
    tenants,
  };
}
