// Serves https://mta-sts.<domain>/.well-known/mta-sts.txt for many domains: one private S3 bucket,
// and either CloudFront distributions (each with one us-east-1 ACM certificate) for groups of domains
// (mode grouped) or one multi-tenant distribution with a tenant per domain (mode tenants, policy-tenants.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
  CACHING_DISABLED_POLICY_ID,
  policyRoute,
  READ_METHODS,
  REPORT_METHODS,
  reportRoute,
} from "./cdn-routes";
import type { DnsZone } from "./dns/zone";

export { ALL_VIEWER_EXCEPT_HOST_POLICY_ID, CACHING_DISABLED_POLICY_ID };
import { declarePolicyTenant, TenantDistribution } from "./policy-tenants";
import { REPORT_FUNCTION_CODE, ROUTER_FUNCTION_CODE } from "./router-function";

/** CloudFront's certificates must live here, whatever the stack's region. */
export const CERTIFICATE_REGION = "us-east-1";

export interface PolicyHost {
  /** The mail domain (A-labels); its policy host is `mta-sts.<domain>`. */
  readonly domain: string;
  /** Where its certificate validation and `mta-sts` records go. */
  readonly zone: DnsZone;
  /**
   * Position in the stack's list of domains (default: its index in `hosts`). Groups follow
   * slots, so a domain left out (being removed) does not move the ones after it.
   */
  readonly slot?: number;
}

export interface PolicyDistributionArgs {
  /** The hosts this distribution serves (plain: their count decides the resources). */
  readonly hosts: readonly PolicyHost[];
  /** Regional domain name of the policy bucket. */
  readonly bucketRegionalDomainName: pulumi.Input<string>;
  /** Origin Access Control that signs requests to the bucket. */
  readonly originAccessControlId: pulumi.Input<string>;
  /** ARN of the router CloudFront Function. */
  readonly routerFunctionArn: pulumi.Input<string>;
  /** CloudFront price class. */
  readonly priceClass?: pulumi.Input<string>;
  /** TTL of the validation and host records. */
  readonly ttl?: number;
  /** Host of the TLS-RPT receiver's Function URL: `REPORT_PATH` is routed there. */
  readonly reportOriginHost?: pulumi.Input<string>;
  /** ARN of the CloudFront Function that names the report's domain for the receiver (with reportOriginHost). */
  readonly reportFunctionArn?: pulumi.Input<string>;
}

/** One CloudFront distribution and its certificate, for up to `domainsPerDistribution` hosts. */
export class PolicyDistribution extends pulumi.ComponentResource {
  readonly distributionId: pulumi.Output<string>;
  readonly distributionArn: pulumi.Output<string>;
  readonly distributionDomainName: pulumi.Output<string>;
  readonly certificateArn: pulumi.Output<string>;
  readonly hosts: readonly string[];
  /** Per mail domain: ids of its `mta-sts` records once written (none for manual DNS). */
  private readonly hostRecords = new Map<string, pulumi.Output<string>[]>();

  constructor(name: string, args: PolicyDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:PolicyDistribution", name, {}, opts);
    if (args.hosts.length === 0)
      throw new Error(`${name}: a PolicyDistribution needs at least one host`);
    const ttl = args.ttl ?? 300;
    this.hosts = args.hosts.map((h) => `mta-sts.${h.domain}`);

    // Adding a host changes the names, which replaces the certificate. Pulumi replaces
    // create-before-delete by default (never set deleteBeforeReplace here): the new
    // certificate is issued and attached before the old one is deleted, so nothing goes dark.
    const certificate = new aws.acm.Certificate(
      `${name}-cert`,
      {
        region: CERTIFICATE_REGION,
        domainName: this.hosts[0],
        subjectAlternativeNames: this.hosts.slice(1),
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
        tags: { "mta-sts:hosts": this.hosts.join(" ").slice(0, 256) },
      },
      // Explicit, because it is what keeps the hosts up: create the new certificate first.
      { parent: this, deleteBeforeReplace: false },
    );

    const validationNames = args.hosts.map(({ domain, zone }, i) => {
      const option = certificate.domainValidationOptions.apply((opts) => {
        const found = opts.find((o) => o.domainName === this.hosts[i]);
        if (!found) throw new Error(`ACM returned no DNS validation option for ${this.hosts[i]}`);
        return found;
      });
      // ACM's own record: the same name and value for anyone validating this name in the account
      // (a Terraform module, an earlier stack), so Route53 overwrites an existing one (route53.ts).
      const spec = zone.cname(
        "acm-validation",
        {
          name: option.resourceRecordName,
          target: option.resourceRecordValue,
          ttl,
          purpose: `ACM DNS validation for mta-sts.${domain}${zone.provider === "route53" ? " (ACM's own record, the same for anyone validating this name in the account: overwritten if it exists)" : ""}`,
          acmValidation: true,
        },
        { deleteBeforeReplace: false },
      );
      return spec.name;
    });

    const validation = new aws.acm.CertificateValidation(
      `${name}-cert-validation`,
      {
        region: CERTIFICATE_REGION,
        certificateArn: certificate.arn,
        validationRecordFqdns: validationNames,
      },
      { parent: this },
    );

    const originId = "policy-bucket";
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `MTA-STS policies: ${this.hosts.join(" ")}`.slice(0, 128),
        aliases: [...this.hosts],
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        priceClass: args.priceClass ?? "PriceClass_100",
        origins: [
          {
            originId,
            domainName: args.bucketRegionalDomainName,
            originAccessControlId: args.originAccessControlId,
            s3OriginConfig: { originAccessIdentity: "" },
          },
          ...(args.reportOriginHost
            ? [
                {
                  originId: "tlsrpt-receiver",
                  domainName: args.reportOriginHost,
                  customOriginConfig: {
                    httpPort: 80,
                    httpsPort: 443,
                    originProtocolPolicy: "https-only",
                    originSslProtocols: ["TLSv1.2"],
                  },
                },
              ]
            : []),
        ],
        // rua=https://mta-sts.<domain>/tlsrpt: a stable address under the domain, known before deploy.
        orderedCacheBehaviors: args.reportOriginHost
          ? [
              {
                ...reportRoute(args.reportFunctionArn),
                allowedMethods: REPORT_METHODS,
                cachedMethods: READ_METHODS,
              },
            ]
          : [],
        defaultCacheBehavior: {
          ...policyRoute(originId, args.routerFunctionArn),
          allowedMethods: READ_METHODS,
          cachedMethods: READ_METHODS,
        },
        viewerCertificate: {
          acmCertificateArn: validation.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        // The TXT id must not be published before this distribution serves the new
        // policy; the provider returns only once the distribution is Deployed.
        waitForDeployment: true,
      },
      { parent: this },
    );

    args.hosts.forEach(({ domain, zone }) => {
      const specs = zone.cloudFrontAlias("mta-sts-host", {
        name: `mta-sts.${domain}`,
        domainName: distribution.domainName,
        hostedZoneId: distribution.hostedZoneId,
        ttl,
        purpose: "policy host -> CloudFront",
      });
      this.hostRecords.set(
        domain,
        specs.flatMap((s) => (s.written ? [s.written] : [])),
      );
    });

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.distributionDomainName = distribution.domainName;
    this.certificateArn = validation.certificateArn;
    this.registerOutputs({
      distributionId: this.distributionId,
      distributionArn: this.distributionArn,
      distributionDomainName: this.distributionDomainName,
      certificateArn: this.certificateArn,
    });
  }

  /**
   * Resolves once `mta-sts.<domain>` points at this distribution: a host taken over from another
   * service (adopt) serves the new policy only from then on, so the new id must wait for it too.
   */
  hostWritten(domain: string): pulumi.Output<string[]> {
    return pulumi.all(this.hostRecords.get(domain) ?? []);
  }
}

export interface PolicySiteArgs {
  /**
   * Every host to serve, in a stable order: in mode grouped, hosts are grouped in this order, so
   * append new domains at the end to leave the existing groups untouched.
   */
  readonly hosts: readonly PolicyHost[];
  /**
   * grouped (default): distributions shared by groups of hosts. tenants: one multi-tenant
   * distribution, and a tenant per host declared by `serve` under the host's own component.
   */
  readonly mode?: "grouped" | "tenants";
  /**
   * tenants, while moving a grouped site: hosts still served by their group distribution (same
   * slots, same groups), and hosts leaving it now (served by nothing until their tenant exists).
   */
  readonly migration?: {
    readonly grouped: readonly string[];
    readonly releasing: readonly string[];
  };
  /** Hosts per CloudFront distribution (1 = one each); at most 100, ACM's names per certificate. */
  readonly domainsPerDistribution?: number;
  /** CloudFront price class for every group distribution (tenants have none). */
  readonly priceClass?: pulumi.Input<string>;
  /** TTL of the validation and host records. */
  readonly ttl?: number;
  /** Host of the TLS-RPT receiver's Function URL, routed at https://mta-sts.<domain>/tlsrpt. */
  readonly reportOriginHost?: pulumi.Input<string>;
}

/** What serves a host: its group's distribution, its own tenant, or nothing while it leaves its group. */
export type Placement = "group" | "tenant" | "releasing";

/** The shared policy bucket, its access policy, the router function and the distributions. */
export class PolicySite extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly distributions: readonly PolicyDistribution[];
  /** Mode tenants: the multi-tenant distribution and its connection group. */
  readonly tenants?: TenantDistribution;
  private readonly groupOf = new Map<string, number>();
  private readonly placements = new Map<string, Placement>();
  private readonly hostOf = new Map<string, PolicyHost>();
  private readonly tenantServed = new Map<string, pulumi.Output<string>>();
  private readonly accessPolicyId: pulumi.Output<string>;
  private readonly ttl: number;

  constructor(name: string, args: PolicySiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:PolicySite", name, {}, opts);
    const perGroup = args.domainsPerDistribution ?? 10;
    const mode = args.mode ?? "grouped";
    if (mode === "grouped" && args.migration)
      throw new Error(`${name}: migration only goes with mode tenants`);
    this.ttl = args.ttl ?? 300;
    const stillGrouped = new Set(args.migration?.grouped ?? []);
    const releasing = new Set(args.migration?.releasing ?? []);
    for (const host of args.hosts) {
      this.hostOf.set(host.domain, host);
      this.placements.set(
        host.domain,
        mode === "grouped" || stillGrouped.has(host.domain)
          ? "group"
          : releasing.has(host.domain)
            ? "releasing"
            : "tenant",
      );
    }
    if (!Number.isInteger(perGroup) || perGroup < 1 || perGroup > 100) {
      throw new Error(
        `${name}: domainsPerDistribution is ${perGroup}; use a whole number in 1..100`,
      );
    }

    const bucket = new aws.s3.Bucket(`${name}-policies`, {}, { parent: this });
    new aws.s3.BucketPublicAccessBlock(
      `${name}-policies-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-policies-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-policies-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      { parent: this },
    );
    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: "MTA-STS policy bucket",
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );
    const router = new aws.cloudfront.Function(
      `${name}-router`,
      {
        runtime: "cloudfront-js-2.0",
        comment: "MTA-STS: host -> policy object, anything else 404",
        code: ROUTER_FUNCTION_CODE,
        publish: true,
      },
      { parent: this },
    );

    // Only with the receiver: tells it which domain's address a report was POSTed to.
    const reportFunction = args.reportOriginHost
      ? new aws.cloudfront.Function(
          `${name}-report-domain`,
          {
            runtime: "cloudfront-js-2.0",
            comment: "TLS-RPT: the report's domain from its address, for the receiver",
            code: REPORT_FUNCTION_CODE,
            publish: true,
          },
          { parent: this },
        )
      : undefined;

    const groups: PolicyHost[][] = [];
    args.hosts.forEach((host, i) => {
      if (this.placements.get(host.domain) !== "group") return;
      const g = Math.floor((host.slot ?? i) / perGroup);
      (groups[g] ??= []).push(host);
      this.groupOf.set(host.domain, g);
    });
    const distributions: PolicyDistribution[] = [];
    groups.forEach((hosts, g) => {
      distributions[g] = new PolicyDistribution(
        `${name}-group-${g}`,
        {
          hosts,
          bucketRegionalDomainName: bucket.bucketRegionalDomainName,
          originAccessControlId: oac.id,
          routerFunctionArn: router.arn,
          priceClass: args.priceClass,
          ttl: args.ttl,
          reportOriginHost: args.reportOriginHost,
          reportFunctionArn: reportFunction?.arn,
        },
        { parent: this },
      );
    });
    this.distributions = distributions;

    this.tenants =
      mode === "tenants"
        ? new TenantDistribution(
            `${name}-tenants`,
            {
              bucketRegionalDomainName: bucket.bucketRegionalDomainName,
              originAccessControlId: oac.id,
              routerFunctionArn: router.arn,
              reportOriginHost: args.reportOriginHost,
              reportFunctionArn: reportFunction?.arn,
            },
            { parent: this },
          )
        : undefined;
    // The multi-tenant distribution reads for all its tenants: adding a domain never changes this policy.
    const readers = [
      ...this.distributions.filter((d) => d !== undefined).map((d) => d.distributionArn),
      ...(this.tenants ? [this.tenants.distributionArn] : []),
    ];

    // Only these distributions may read, and only over TLS. ListBucket turns a missing
    // object into 404 (not 403) for the sender.
    const access = new aws.s3.BucketPolicy(
      `${name}-policies-access`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, pulumi.all(readers)]).apply(([arn, sources]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "CloudFrontReadsPolicies",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: ["s3:GetObject", "s3:ListBucket"],
                Resource: [arn, `${arn}/*`],
                Condition: { StringEquals: { "AWS:SourceArn": sources } },
              },
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.accessPolicyId = access.id;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }

  /** What serves `domain`: its group's distribution, its own tenant, or nothing while it leaves its group. */
  placementOf(domain: string): Placement {
    const p = this.placements.get(domain);
    if (p === undefined)
      throw new Error(`${domain} is not among this PolicySite's hosts; add it to hosts`);
    return p;
  }

  /** Index of the distribution group serving `domain`. */
  groupIndex(domain: string): number {
    const g = this.groupOf.get(domain);
    if (g === undefined)
      throw new Error(
        `${domain} is not among this PolicySite's hosts${this.placements.has(domain) ? " served by a group distribution" : ""}; add it to hosts`,
      );
    return g;
  }

  /**
   * Declares what `domain` needs to be served that belongs to the domain alone (mode tenants: its
   * tenant and host record, under `parent`, named `<name>-tenant`), and resolves like `servedFor`.
   */
  serve(
    domain: string,
    opts: { readonly parent: pulumi.Resource; readonly name: string },
  ): pulumi.Output<string> {
    const placement = this.placementOf(domain);
    if (placement === "group") return this.servedFor(domain);
    // Leaving its group: nothing serves the host until the next pulumi up gives it a tenant. The
    // policy (and so the id) must not change meanwhile (README, Moving to tenants).
    if (placement === "releasing") return this.accessPolicyId;
    if (this.tenantServed.has(domain))
      throw new Error(`${domain}: its tenant is already declared; call serve once per domain`);
    const host = this.hostOf.get(domain)!;
    // The bucket policy lets the multi-tenant distribution read: part of being served.
    const { served } = declarePolicyTenant(
      `${opts.name}-tenant`,
      { domain, zone: host.zone, site: this.tenants!, ttl: this.ttl },
      { parent: opts.parent, after: [this.accessPolicyId] },
    );
    this.tenantServed.set(domain, served);
    return served;
  }

  /**
   * Resolves once `domain` is served: its distribution (group) or tenant (with its certificate)
   * is deployed, the bucket lets it read and its host record points there. Use it as data in
   * anything that must wait until the policy is served (the `_mta-sts` id).
   */
  servedFor(domain: string): pulumi.Output<string> {
    const placement = this.placementOf(domain);
    if (placement === "tenant") {
      const served = this.tenantServed.get(domain);
      if (!served)
        throw new Error(
          `${domain} is served by a tenant of its own: declare it first with serve(domain, { parent, name })`,
        );
      return served;
    }
    if (placement === "releasing") return this.accessPolicyId;
    const distribution = this.distributions[this.groupIndex(domain)];
    return pulumi
      .all([distribution.distributionId, this.accessPolicyId, distribution.hostWritten(domain)])
      .apply(([id]) => id);
  }
}
