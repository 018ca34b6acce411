// The tenant layout (hosting mode tenants): one multi-tenant CloudFront distribution and its
// connection group for the whole stack, and a distribution tenant per domain with a certificate of its own.
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyRoute, READ_METHODS, REPORT_METHODS, reportRoute } from "./cdn-routes";
import type { DnsRecordSpec, DnsZone } from "./dns/zone";

export interface TenantDistributionArgs {
  /** Regional domain name of the policy bucket. */
  readonly bucketRegionalDomainName: pulumi.Input<string>;
  /** Origin Access Control that signs requests to the bucket. */
  readonly originAccessControlId: pulumi.Input<string>;
  /** ARN of the router CloudFront Function. */
  readonly routerFunctionArn: pulumi.Input<string>;
  /** Host of the TLS-RPT receiver's Function URL: `REPORT_PATH` is routed there. */
  readonly reportOriginHost?: pulumi.Input<string>;
  /** ARN of the CloudFront Function that names the report's domain for the receiver (with reportOriginHost). */
  readonly reportFunctionArn?: pulumi.Input<string>;
}

/**
 * The template every tenant is served by (S3 origin with OAC, the router, /tlsrpt to the receiver,
 * no caching, HTTPS only) and the connection group whose endpoint each `mta-sts.<domain>` points at.
 * Nothing here names a domain, so adding, removing or failing a domain never changes it.
 */
export class TenantDistribution extends pulumi.ComponentResource {
  readonly distributionId: pulumi.Output<string>;
  readonly distributionArn: pulumi.Output<string>;
  readonly connectionGroupId: pulumi.Output<string>;
  /** The connection group's DNS name (d111111abcdef8.cloudfront.net): every tenant's CNAME target. */
  readonly routingEndpoint: pulumi.Output<string>;

  constructor(name: string, args: TenantDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:TenantDistribution", name, {}, opts);
    // IPv6 is the connection group's (a multi-tenant distribution has no isIpv6Enabled), as is the
    // routing endpoint; price class exists for neither: tenants are served from every edge location.
    const connections = new aws.cloudfront.ConnectionGroup(
      `${name}-connections`,
      { enabled: true, ipv6Enabled: true, waitForDeployment: true },
      { parent: this },
    );

    const originId = "policy-bucket";
    // Set explicitly: the provider's defaults for these came back different after apply (terraform-provider-aws#47773).
    const timeouts = {
      connectionAttempts: 3,
      connectionTimeout: 10,
      responseCompletionTimeout: 30,
    };
    const distribution = new aws.cloudfront.MultitenantDistribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: "MTA-STS policies: a tenant per mta-sts.<domain>",
        httpVersion: "http2and3",
        // No s3OriginConfig in this resource: the provider sends the empty one S3 with OAC needs (#45977).
        origins: [
          {
            id: originId,
            domainName: args.bucketRegionalDomainName,
            originAccessControlId: args.originAccessControlId,
            ...timeouts,
          },
          ...(args.reportOriginHost
            ? [
                {
                  id: "tlsrpt-receiver",
                  domainName: args.reportOriginHost,
                  customOriginConfigs: [
                    {
                      httpPort: 80,
                      httpsPort: 443,
                      originProtocolPolicy: "https-only",
                      originSslProtocols: ["TLSv1.2"],
                    },
                  ],
                  ...timeouts,
                },
              ]
            : []),
        ],
        // rua=https://mta-sts.<domain>/tlsrpt: a stable address under the domain, known before deploy.
        cacheBehaviors: args.reportOriginHost
          ? [
              {
                ...reportRoute(args.reportFunctionArn),
                allowedMethods: { items: REPORT_METHODS, cachedMethods: READ_METHODS },
              },
            ]
          : [],
        defaultCacheBehavior: {
          ...policyRoute(originId, args.routerFunctionArn),
          allowedMethods: { items: READ_METHODS, cachedMethods: READ_METHODS },
        },
        // Each tenant brings its own certificate (CloudFront-managed); the template has none of its
        // own to share. The security policy applies to the tenants' SNI connections.
        viewerCertificate: {
          cloudfrontDefaultCertificate: true,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        // No parameters: every tenant is the same but for its domain (the router maps Host to the object).
        tenantConfig: {},
      },
      // The provider waits for Deployed on create and update: the template serves before any tenant.
      { parent: this },
    );

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.connectionGroupId = connections.id;
    this.routingEndpoint = connections.routingEndpoint;
    this.registerOutputs({
      distributionId: this.distributionId,
      distributionArn: this.distributionArn,
      connectionGroupId: this.connectionGroupId,
      routingEndpoint: this.routingEndpoint,
    });
  }
}

/**
 * CloudFront's name for a domain's tenant (unique in the account, letters, digits and hyphens):
 * readable, with a digest so that `a-b.example` and `a.b-example` never meet.
 */
export function tenantName(domain: string): string {
  const slug = `mta-sts-${domain}`.replace(/[^a-z0-9]+/gi, "-").slice(0, 110);
  return `${slug}-${createHash("sha256").update(domain).digest("hex").slice(0, 8)}`;
}

export interface PolicyTenantArgs {
  /** The mail domain (A-labels); its tenant serves `mta-sts.<domain>`. */
  readonly domain: string;
  /** Where the host record goes (a CNAME to the connection group; printed for manual DNS). */
  readonly zone: DnsZone;
  /** The stack's multi-tenant distribution. */
  readonly site: TenantDistribution;
  /** TTL of the host record. */
  readonly ttl: number;
}

/**
 * One domain's tenant and the record that routes `mta-sts.<domain>` to it. Declared with the
 * domain's own component as parent, so nothing of it is shared: its inputs never change after
 * creation (the policy lives in S3), which keeps the provider's tenant updates out of the way.
 * Resolves, as data, once the tenant is deployed with its certificate issued and attached (and `after`).
 */
export function declarePolicyTenant(
  name: string,
  args: PolicyTenantArgs,
  opts: { parent: pulumi.Resource; after?: pulumi.Input<string>[] },
): { served: pulumi.Output<string>; host: DnsRecordSpec } {
  const host = `mta-sts.${args.domain}`;
  // CloudFront checks that the name points at CloudFront before it creates the tenant, and ACM
  // fetches the HTTP validation token (hosted by CloudFront) through it: the record comes first.
  const spec = args.zone.cname("mta-sts-host", {
    name: host,
    target: args.site.routingEndpoint,
    ttl: args.ttl,
    // Cloudflare keeps 100 characters of a comment: keep the managed one short.
    purpose:
      args.zone.provider === "manual"
        ? "policy host -> CloudFront connection group; add it first: the tenant's certificate is validated through it"
        : "policy host -> CloudFront connection group (the tenant's certificate validates through it)",
  });
  const tenant = new aws.cloudfront.DistributionTenant(
    name,
    {
      name: tenantName(args.domain),
      distributionId: args.site.distributionId,
      connectionGroupId: args.site.connectionGroupId,
      domains: [{ domain: host }],
      enabled: true,
      // CloudFront requests the certificate, serves ACM's HTTP token itself and renews it; no
      // `customizations`: the provider fills in the issued certificate (and hides it from diffs).
      managedCertificateRequest: {
        validationTokenHost: "cloudfront",
        primaryDomainName: host,
        certificateTransparencyLoggingPreference: "enabled",
      },
      // Create returns once the tenant is Deployed and its managed certificate issued and attached.
      waitForDeployment: true,
    },
    { parent: opts.parent, ...(spec.written ? { dependsOn: spec.written.apply(() => []) } : {}) },
  );
  // One Output for all of it: at 10,000 domains every Output a domain adds costs the plan memory.
  return {
    served: pulumi.all([tenant.id, spec.written ?? "", ...(opts.after ?? [])]).apply(([id]) => id),
    host: spec,
  };
}
