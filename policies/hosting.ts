// Where the policy is served: a private bucket, CloudFront that senders can use (HTTPS, TLS 1.2+,
// SNI, no caching, no redirects), a us-east-1 DNS-validated certificate, DNS-only Cloudflare names.
import type { PolicyResource } from "@pulumi/policy";
import { POLICY_PATH } from "../protocol/mta-sts";
import { bucketProblems } from "./lib/bucket";
import { resourcePolicy, stackPolicy } from "./lib/define";
import { ifKnown, isPolicyObject, normName, TYPES } from "./lib/resources";
import { TENANT_TYPES, tenantHosts, tenantsOf } from "./tenants";

/** AWS managed cache policy "Managed-CachingDisabled". */
export const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const MIN_TLS = ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];

export const mtaStsPolicyBucket = stackPolicy({
  name: "mta-sts-policy-bucket-private",
  description:
    "The bucket holding policy objects blocks all public access, is encrypted, has no website hosting and no public ACL or policy statement.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Serve the bucket only through CloudFront with Origin Access Control: add a BucketPublicAccessBlock with all four settings true and a server-side encryption configuration; remove website configuration, public ACLs and any Allow for Principal "*" (PolicySite does all this).',
  validateStack: (args, reportViolation) => {
    const buckets = new Map<string, PolicyResource>();
    for (const o of args.resources.filter((r) => ifKnown(() => isPolicyObject(r)))) {
      for (const b of o.propertyDependencies.bucket ?? [])
        if ((TYPES.buckets as readonly string[]).includes(b.type)) buckets.set(b.urn, b);
    }
    for (const bucket of buckets.values())
      for (const p of bucketProblems(args.resources, bucket)) reportViolation(p, bucket.urn);
  },
});

/** CloudFront path patterns: `*` any run of characters, `?` one. */
const patternMatches = (pattern: string, path: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(path.startsWith("/") && !pattern.startsWith("/") ? path.slice(1) : path);

interface HostingConfig {
  maxPolicyCacheTtl: number;
  allowedCachePolicyIds: string[];
}

export const mtaStsPolicyHost = stackPolicy({
  name: "mta-sts-policy-host-cloudfront",
  description:
    "A CloudFront distribution serving mta-sts.* hosts (by alias, or through its tenants when multi-tenant) serves the policy path over HTTPS only, TLS 1.2 (TLSv1.2_2021) or newer, SNI, without caching (or a TTL no longer than the TXT TTL), and never redirects it (no S3 website origin, no redirecting function).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "On the behaviour that serves /.well-known/mta-sts.txt: viewerProtocolPolicy https-only (or redirect-to-https), the managed CachingDisabled cache policy, an S3 REST origin with OAC, no function that answers 3xx. On the viewer certificate: an ACM certificate, sslSupportMethod sni-only, minimumProtocolVersion TLSv1.2_2021.",
  configSchema: {
    properties: {
      maxPolicyCacheTtl: {
        type: "integer",
        default: 300,
        description: "largest cache TTL allowed on the policy path (the TXT TTL)",
      },
      allowedCachePolicyIds: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "custom cache policies known to respect maxPolicyCacheTtl",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = {
      maxPolicyCacheTtl: 300,
      allowedCachePolicyIds: [],
      ...args.getConfig<Partial<HostingConfig>>(),
    } as HostingConfig;
    for (const d of args.resources.filter(
      (r) => r.type === TYPES.distribution || r.type === TENANT_TYPES.multitenant,
    )) {
      // A multi-tenant distribution has no aliases: it serves the hosts of its tenants, each with
      // a certificate of its own (mta-sts-tenant-certificate), so its default certificate is fine.
      const multitenant = d.type === TENANT_TYPES.multitenant;
      const hosts = multitenant
        ? tenantsOf(args.resources, d.urn).flatMap((t) => ifKnown(() => tenantHosts(t.props)) ?? [])
        : (ifKnown(() => (d.props.aliases ?? []) as string[]) ?? [])
            .map(normName)
            .filter((a) => a.startsWith("mta-sts."));
      if (hosts.length === 0) continue;
      const report = (m: string) => reportViolation(m, d.urn);
      const ordered = (ifKnown(() =>
        multitenant ? d.props.cacheBehaviors : d.props.orderedCacheBehaviors,
      ) ?? []) as Record<string, any>[];
      const behaviour =
        ordered.find(
          (b) => typeof b.pathPattern === "string" && patternMatches(b.pathPattern, POLICY_PATH),
        ) ?? ifKnown(() => d.props.defaultCacheBehavior);
      if (behaviour) {
        const vpp = ifKnown(() => behaviour.viewerProtocolPolicy);
        if (vpp !== undefined && vpp !== "https-only" && vpp !== "redirect-to-https")
          report(`viewerProtocolPolicy is "${vpp}" on the policy path; use https-only`);
        const cachePolicyId = ifKnown(() => behaviour.cachePolicyId);
        if (
          cachePolicyId !== undefined &&
          cachePolicyId !== CACHING_DISABLED &&
          !config.allowedCachePolicyIds.includes(cachePolicyId)
        ) {
          report(
            `cache policy ${cachePolicyId} on the policy path is not CachingDisabled (${CACHING_DISABLED}) nor allowed in config`,
          );
        }
        if (cachePolicyId === undefined) {
          for (const key of ["defaultTtl", "maxTtl"]) {
            const ttl = ifKnown(() => behaviour[key]);
            if (typeof ttl !== "number" || ttl > config.maxPolicyCacheTtl)
              report(
                `${key} ${ttl ?? "(default)"} on the policy path exceeds ${config.maxPolicyCacheTtl} s; use the CachingDisabled cache policy`,
              );
          }
        }
        const origins = (ifKnown(() => d.props.origins) ?? []) as Record<string, any>[];
        const origin = origins.find(
          (o) =>
            ifKnown(() => (multitenant ? o.id : o.originId)) ===
            ifKnown(() => behaviour.targetOriginId),
        );
        const originDomain = origin ? ifKnown(() => String(origin.domainName)) : undefined;
        if (originDomain && /\.s3-website[.-]/.test(originDomain))
          report(
            `origin ${originDomain} is an S3 website endpoint, which redirects; use the bucket's REST endpoint with OAC`,
          );
      }
      const deps = [
        ...(d.propertyDependencies.defaultCacheBehavior ?? []),
        ...(d.propertyDependencies[multitenant ? "cacheBehaviors" : "orderedCacheBehaviors"] ?? []),
      ];
      for (const fn of deps.filter((r) => r.type === TYPES.cloudfrontFunction)) {
        const code = ifKnown(() => String(fn.props.code));
        if (code && /statusCode\s*:\s*30[12378]\b/.test(code))
          report(
            `CloudFront Function ${fn.name} can answer with a redirect; senders do not follow redirects for the policy`,
          );
      }
      const cert = ifKnown(() => d.props.viewerCertificate) as Record<string, any> | undefined;
      if (cert) {
        if (!multitenant && ifKnown(() => cert.cloudfrontDefaultCertificate) === true)
          report(
            "uses the default *.cloudfront.net certificate, which cannot name mta-sts.<domain>",
          );
        const sni = ifKnown(() => cert.sslSupportMethod);
        if (sni !== undefined && sni !== "sni-only")
          report(`sslSupportMethod is "${sni}"; use sni-only`);
        const tls = ifKnown(() => cert.minimumProtocolVersion);
        if (tls !== undefined && !MIN_TLS.includes(tls))
          report(`minimumProtocolVersion is "${tls}"; use TLSv1.2_2021 or newer`);
      }
    }
  },
});

export const mtaStsCertificate = resourcePolicy({
  name: "mta-sts-certificate-us-east-1-dns",
  description:
    "An ACM certificate naming mta-sts.* hosts is in us-east-1 (the only region CloudFront uses) and validated through DNS (renews by itself).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Set region: "us-east-1" on the certificate (and its CertificateValidation) and validationMethod: "DNS" with the validation CNAMEs in the domain\'s zone.',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.certificate) return args.notApplicable("not an ACM certificate");
    const names = [
      args.props.domainName,
      ...((args.props.subjectAlternativeNames ?? []) as string[]),
    ].map(normName);
    if (!names.some((n) => n.startsWith("mta-sts.")))
      return args.notApplicable("names no mta-sts host");
    const region = args.props.region ?? args.provider?.props?.region;
    if (region !== "us-east-1")
      reportViolation(
        `certificate for ${names.join(", ")} is in ${region ?? "the stack's default region"}; CloudFront only uses us-east-1 certificates`,
      );
    if (args.props.certificateBody === undefined && args.props.validationMethod !== "DNS") {
      reportViolation(
        `certificate for ${names.join(", ")} uses ${args.props.validationMethod ?? "no"} validation; use DNS so it renews without anyone`,
      );
    }
  },
});

export const mtaStsCloudflareNotProxied = resourcePolicy({
  name: "mta-sts-cloudflare-not-proxied",
  description:
    "Cloudflare records for mta-sts.* are DNS-only: proxying puts Cloudflare's edge (its certificate, caching, redirect rules) between senders and the policy host, which this toolkit does not verify.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set proxied: false on the mta-sts record (the CNAME to CloudFront).",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.cloudflareRecord || !normName(args.props.name).startsWith("mta-sts."))
      return args.notApplicable("not a Cloudflare mta-sts record");
    if (args.props.proxied === true)
      reportViolation(
        `${normName(args.props.name)} is proxied through Cloudflare; set proxied: false`,
      );
  },
});

export const cloudflareTxtQuoted = resourcePolicy({
  name: "cloudflare-txt-quoted",
  description:
    "Cloudflare TXT content is written in double quotes, as Cloudflare recommends, so it is stored exactly as meant.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps: 'Write content as "\\"v=STSv1; id=...;\\"" (CloudflareZone does).',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.cloudflareRecord || args.props.type !== "TXT")
      return args.notApplicable("not a Cloudflare TXT record");
    const content = String(args.props.content ?? "");
    if (!/^".*"$/s.test(content.trim()))
      reportViolation(`${normName(args.props.name)}: TXT content is not quoted`);
  },
});
