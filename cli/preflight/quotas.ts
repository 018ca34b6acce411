// Account quotas the stack's size runs into: CloudFront distributions per account and ACM
// certificates in us-east-1 (where CloudFront's certificates live), read through Service Quotas.
import { type ACMClient, KeyAlgorithm, ListCertificatesCommand } from "@aws-sdk/client-acm";
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  type ServiceQuota,
  type ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { conflict, errorLine, type Finding, notChecked } from "./finding";

/**
 * Quota codes of "Distributions per AWS account" (service cloudfront) and "ACM certificates"
 * (service acm). The quotas are on the CloudFront and ACM "Quotas" pages of the AWS docs
 * (docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html,
 * docs.aws.amazon.com/acm/latest/userguide/acm-limits.html); those pages do not print the codes,
 * which are the ones the Service Quotas console and `aws service-quotas list-service-quotas` show
 * (and that public tooling passes to get-service-quota). An unknown code fails as not checked.
 */
export const QUOTAS = {
  distributions: {
    serviceCode: "cloudfront",
    quotaCode: "L-24B04930",
    label: "CloudFront distributions per account",
  },
  certificates: {
    serviceCode: "acm",
    quotaCode: "L-F141DD1D",
    label: "ACM certificates (us-east-1)",
  },
} as const;

/**
 * "Maximum number of distribution tenants per AWS account" (10,000 by default, adjustable), on the
 * CloudFront Quotas page. Its code is printed nowhere we could read, so it is found by its name
 * among the cloudfront quotas Service Quotas lists (the name is matched loosely: "tenants per").
 */
export const TENANT_QUOTA = {
  serviceCode: "cloudfront",
  name: /distribution tenants per/i,
  label: "CloudFront distribution tenants per account",
} as const;

export interface QuotaDeps {
  /** A Service Quotas client in us-east-1 (CloudFront's quotas are global and shown there). */
  readonly quotas: Pick<ServiceQuotasClient, "send">;
  /** An ACM client in us-east-1, to count the certificates that already use the quota; optional. */
  readonly acm?: Pick<ACMClient, "send">;
  readonly timeoutMs: number;
}

export interface QuotaNeeds {
  readonly distributions: number;
  readonly certificates: number;
  readonly domainsPerDistribution: number;
  /** Distribution tenants (mode tenants); none checked when 0. */
  readonly tenants?: number;
}

/** The applied value; AWS's default when the account has no applied value (NoSuchResourceException). */
async function quotaValue(
  q: (typeof QUOTAS)[keyof typeof QUOTAS],
  deps: QuotaDeps,
): Promise<{ value: number; source: string }> {
  const signal = () => ({ abortSignal: AbortSignal.timeout(deps.timeoutMs) });
  const ids = { ServiceCode: q.serviceCode, QuotaCode: q.quotaCode };
  try {
    const out = await deps.quotas.send(new GetServiceQuotaCommand(ids), signal());
    if (out.Quota?.Value === undefined)
      throw new Error(`GetServiceQuota returned no value for ${q.serviceCode} ${q.quotaCode}`);
    return { value: out.Quota.Value, source: "applied" };
  } catch (err) {
    if ((err as Error).name !== "NoSuchResourceException") throw err;
    const out = await deps.quotas.send(new GetAWSDefaultServiceQuotaCommand(ids), signal());
    if (out.Quota?.Value === undefined)
      throw new Error(
        `GetAWSDefaultServiceQuota returned no value for ${q.serviceCode} ${q.quotaCode}`,
      );
    return { value: out.Quota.Value, source: "AWS default" };
  }
}

/** Certificates ACM counts against the quota (every status, every key type), or an error in words. */
async function existingCertificates(deps: QuotaDeps): Promise<number | string> {
  if (!deps.acm) return "not counted";
  let count = 0;
  let token: string | undefined;
  try {
    for (let page = 0; page < 50; page++) {
      const out = await deps.acm.send(
        new ListCertificatesCommand({
          MaxItems: 1000,
          NextToken: token,
          Includes: { keyTypes: Object.values(KeyAlgorithm) },
        }),
        { abortSignal: AbortSignal.timeout(deps.timeoutMs) },
      );
      count += out.CertificateSummaryList?.length ?? 0;
      token = out.NextToken;
      if (!token) return count;
    }
    return count;
  } catch (err) {
    return `not counted (${errorLine(err)})`;
  }
}

/** The tenant quota: the account's applied value, else AWS's default, found by name. */
async function tenantQuota(
  deps: QuotaDeps,
): Promise<{ value: number; source: string; code: string }> {
  const find = async (
    list: (token?: string) => Promise<{ Quotas?: ServiceQuota[]; NextToken?: string }>,
  ) => {
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await list(token);
      const found = out.Quotas?.find((q) => TENANT_QUOTA.name.test(q.QuotaName ?? ""));
      if (found?.Value !== undefined) return found;
      token = out.NextToken;
      if (!token) return undefined;
    }
    return undefined;
  };
  const signal = () => ({ abortSignal: AbortSignal.timeout(deps.timeoutMs) });
  const applied = await find((NextToken) =>
    deps.quotas.send(
      new ListServiceQuotasCommand({ ServiceCode: TENANT_QUOTA.serviceCode, NextToken }),
      signal(),
    ),
  );
  if (applied) return { value: applied.Value!, source: "applied", code: applied.QuotaCode ?? "?" };
  const byDefault = await find((NextToken) =>
    deps.quotas.send(
      new ListAWSDefaultServiceQuotasCommand({ ServiceCode: TENANT_QUOTA.serviceCode, NextToken }),
      signal(),
    ),
  );
  if (byDefault)
    return { value: byDefault.Value!, source: "AWS default", code: byDefault.QuotaCode ?? "?" };
  throw new Error(
    "Service Quotas lists no cloudfront quota named like 'distribution tenants per AWS account'",
  );
}

export async function quotaFindings(needs: QuotaNeeds, deps: QuotaDeps): Promise<Finding[]> {
  const out: Finding[] = [];
  if (needs.tenants) {
    try {
      const { value, source, code } = await tenantQuota(deps);
      if (needs.tenants > value) {
        out.push(
          conflict(
            "quota-tenants",
            TENANT_QUOTA.label,
            `quota ${value} (${source}, ${code}); the stack needs ${needs.tenants} distribution tenants (one per domain), not counting the account's existing ones`,
            `request a higher quota (Service Quotas: cloudfront ${code}), or serve some domains from another stack's account`,
          ),
        );
      }
    } catch (err) {
      out.push(notChecked("quota-tenants", TENANT_QUOTA.label, errorLine(err)));
    }
  }
  const d = QUOTAS.distributions;
  try {
    const { value, source } = await quotaValue(d, deps);
    if (needs.distributions > value) {
      out.push(
        conflict(
          "quota-distributions",
          d.label,
          `quota ${value} (${source}, ${d.quotaCode}); the stack needs ${needs.distributions} distributions (domains / hosting.domainsPerDistribution ${needs.domainsPerDistribution}), not counting the account's existing ones`,
          `raise mta-sts:hosting.domainsPerDistribution (at most 100), or request a higher quota (Service Quotas: cloudfront ${d.quotaCode})`,
        ),
      );
    }
  } catch (err) {
    out.push(notChecked("quota-distributions", d.label, errorLine(err)));
  }
  const c = QUOTAS.certificates;
  try {
    const { value, source } = await quotaValue(c, deps);
    const existing = await existingCertificates(deps);
    const used = typeof existing === "number" ? existing : 0;
    if (used + needs.certificates > value) {
      const have =
        typeof existing === "number" ? `${existing} exist and ` : `existing ones ${existing}; `;
      out.push(
        conflict(
          "quota-certificates",
          c.label,
          `quota ${value} (${source}, ${c.quotaCode}); ${have}the stack needs ${needs.certificates} more (one per ${needs.tenants ? "group distribution and one per distribution tenant" : "distribution"})`,
          `delete unused certificates in us-east-1, raise mta-sts:hosting.domainsPerDistribution, or request a higher quota (Service Quotas: acm ${c.quotaCode})`,
        ),
      );
    }
  } catch (err) {
    out.push(notChecked("quota-certificates", c.label, errorLine(err)));
  }
  return out;
}
