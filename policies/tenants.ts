// Hosting mode tenants: each mta-sts.<domain> tenant has a certificate that renews by itself
// and returns only once deployed (the `_mta-sts` ordering relies on it); and, between two plans,
// no move of a host that CloudFront or DNS would refuse (an alias on a distribution and a tenant
// at once; a CNAME created while the name still has the grouped layout's A/AAAA alias records).
import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy } from "./lib/define";
import { normName } from "./lib/resources";

export const TENANT_TYPES = {
  tenant: "aws:cloudfront/distributionTenant:DistributionTenant",
  multitenant: "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
  connectionGroup: "aws:cloudfront/connectionGroup:ConnectionGroup",
} as const;

/** The mta-sts.* hosts a tenant serves. */
export function tenantHosts(props: Record<string, any>): string[] {
  const domains = (props.domains ?? []) as { domain?: unknown }[];
  return domains.map((d) => normName(d.domain)).filter((d) => d.startsWith("mta-sts."));
}

export const mtaStsTenantCertificate = resourcePolicy({
  name: "mta-sts-tenant-certificate",
  description:
    "A CloudFront distribution tenant serving mta-sts.<domain> serves that host alone, with a certificate that renews by itself (CloudFront-managed, its HTTP token served by CloudFront), is enabled, and waits for deployment, so that the _mta-sts id is published only once the policy is served over a valid certificate.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'On the DistributionTenant: managedCertificateRequest { validationTokenHost: "cloudfront" } (or customizations.certificate.arn of a us-east-1 DNS-validated certificate), enabled: true, waitForDeployment left at true, and one mta-sts host per tenant (PolicySite with mode tenants does all this).',
  validateResource: (args, reportViolation) => {
    if (args.type !== TENANT_TYPES.tenant) return args.notApplicable("not a distribution tenant");
    const hosts = tenantHosts(args.props);
    if (hosts.length === 0) return args.notApplicable("serves no mta-sts host");
    const managed = args.props.managedCertificateRequest as Record<string, unknown> | undefined;
    const own = (args.props.customizations as { certificate?: { arn?: unknown } } | undefined)
      ?.certificate?.arn;
    if (!own && managed?.validationTokenHost !== "cloudfront") {
      reportViolation(
        managed
          ? `${hosts.join(", ")}: the managed certificate's validation token is ${String(managed.validationTokenHost ?? "not hosted")}; use validationTokenHost: "cloudfront" so CloudFront validates and renews it through the host`
          : `${hosts.join(", ")}: no certificate of its own (neither managedCertificateRequest nor customizations.certificate); the multi-tenant distribution's certificate cannot name mta-sts.<domain>`,
      );
    }
    if (args.props.waitForDeployment === false) {
      reportViolation(
        `${hosts.join(", ")}: waitForDeployment is false, so the tenant returns before it serves and the _mta-sts id could be published first (RFC 8461 8.1)`,
      );
    }
    if (args.props.enabled === false)
      reportViolation(
        `${hosts.join(", ")}: the tenant is disabled; senders cannot fetch the policy`,
      );
    if (hosts.length > 1)
      reportViolation(
        `serves ${hosts.join(", ")}: one tenant per domain, so one domain's certificate or validation never holds back another's`,
      );
  },
});

/** A resource of a plan as the move check reads it: its identity across plans, type and inputs. */
export interface PlannedResource {
  /** Stable across the two plans (the URN). */
  readonly key: string;
  readonly type: string;
  readonly props: Record<string, any>;
}

const ROUTE53 = "aws:route53/record:Record";
const CLOUDFLARE = "cloudflare:index/dnsRecord:DnsRecord";
const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";

/**
 * What `pulumi up` would be refused between the deployed plan (`base`) and the next one: Pulumi
 * creates before it deletes, so (1) a tenant created for a host that a distribution kept from
 * `base` still aliases, or that a distribution deleted in this update aliased, is refused by
 * CloudFront (an alias sits on one distribution or tenant at a time); (2) a DNS record created
 * at a name where `base` has a record of another type that is deleted only afterwards breaks CNAME
 * exclusivity. Moving a grouped stack therefore releases hosts first (README, Moving to tenants).
 */
export function hostMoveConflicts(
  base: readonly PlannedResource[],
  next: readonly PlannedResource[],
): string[] {
  const baseKeys = new Set(base.map((r) => r.key));
  const nextByKey = new Map(next.map((r) => [r.key, r]));
  const created = next.filter((r) => !baseKeys.has(r.key));
  const out: string[] = [];
  // Aliases held when the new tenants are created: those of base (a distribution updated in this
  // run loses them only when its update runs, which nothing orders before the tenant's creation).
  const aliased = new Map<string, string>();
  for (const r of base.filter((x) => x.type === DISTRIBUTION))
    for (const a of (r.props.aliases ?? []) as unknown[]) aliased.set(normName(a), r.key);
  for (const t of created.filter((r) => r.type === TENANT_TYPES.tenant)) {
    for (const host of tenantHosts(t.props)) {
      const holder = aliased.get(host);
      if (holder)
        out.push(
          `${host}: a tenant is created while distribution ${holder} still has it as an alias; release the domain first (migration.releasing), then give it its tenant`,
        );
    }
  }
  // A name is one name within one zone: records in another zone or provider never meet.
  const records = (rs: readonly PlannedResource[]) =>
    rs
      .filter((r) => r.type === ROUTE53 || r.type === CLOUDFLARE)
      .map((r) => ({
        key: r.key,
        zone: `${r.type} ${String(r.props.zoneId)}`,
        name: normName(r.props.name),
        type: String(r.props.type).toUpperCase(),
      }));
  const before = records(base);
  for (const c of records(created)) {
    for (const b of before.filter(
      (x) => x.name === c.name && x.zone === c.zone && x.key !== c.key,
    )) {
      // A record kept (or updated in place) in the next plan is another problem (dns-cname-exclusive).
      const deletedLater = !nextByKey.has(b.key);
      if (deletedLater && (c.type === "CNAME" || b.type === "CNAME")) {
        out.push(
          `${c.name}: ${c.type} ${c.key} is created while ${b.type} ${b.key} is still there (Pulumi deletes it afterwards), and a CNAME stands alone at its name; release the domain first (migration.releasing), then give it its tenant`,
        );
      }
    }
  }
  return out;
}

/** The tenant resources of a stack, for rules that need the multi-tenant distribution they belong to. */
export function tenantsOf(
  resources: readonly PolicyResource[],
  distributionUrn: string,
): PolicyResource[] {
  return resources.filter(
    (r) =>
      r.type === TENANT_TYPES.tenant &&
      (r.propertyDependencies.distributionId ?? []).some((d) => d.urn === distributionUrn),
  );
}
