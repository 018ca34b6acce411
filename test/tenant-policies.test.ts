// The pack in hosting mode tenants: the tenant's certificate and wait, the multi-tenant
// distribution's policy path, and the moves between two plans that CloudFront or DNS refuse.
import { describe, expect, it } from "vitest";
import { mtaStsPolicyHost } from "../policies/hosting";
import {
  hostMoveConflicts,
  mtaStsTenantCertificate,
  type PlannedResource,
} from "../policies/tenants";
import { check, res } from "./helpers/policy";

const MT = "aws:cloudfront/multitenantDistribution:MultitenantDistribution";
const TENANT = "aws:cloudfront/distributionTenant:DistributionTenant";
const FN = "aws:cloudfront/function:Function";
const good = {
  name: "mta-sts-example-com-1a2b3c4d",
  distributionId: "E1",
  connectionGroupId: "cg_1",
  domains: [{ domain: "mta-sts.example.com" }],
  enabled: true,
  managedCertificateRequest: {
    validationTokenHost: "cloudfront",
    primaryDomainName: "mta-sts.example.com",
  },
  waitForDeployment: true,
};
const distribution = (over: Record<string, unknown> = {}) =>
  res(MT, "cdn", {
    origins: [
      {
        id: "policy-bucket",
        domainName: "b.s3.eu-west-1.amazonaws.com",
        originAccessControlId: "oac",
      },
    ],
    defaultCacheBehavior: {
      targetOriginId: "policy-bucket",
      viewerProtocolPolicy: "https-only",
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      functionAssociations: [{ functionArn: "arn:fn" }],
    },
    viewerCertificate: {
      cloudfrontDefaultCertificate: true,
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    },
    ...over,
  });
const tenantOf = (props: Record<string, unknown> = good) =>
  res(TENANT, "tenant", props, {
    deps: { distributionId: ["urn:pulumi:test::proj::" + MT + "::cdn"] },
  });
const router = (code: string) => res(FN, "router", { code });

describe("mta-sts-tenant-certificate", () => {
  it("passes a tenant with a CloudFront-managed certificate that waits for deployment", async () => {
    expect((await check(mtaStsTenantCertificate, [res(TENANT, "t", good)])).messages).toEqual([]);
    expect(
      (
        await check(mtaStsTenantCertificate, [
          res(TENANT, "t", {
            ...good,
            managedCertificateRequest: undefined,
            customizations: { certificate: { arn: "arn:aws:acm:us-east-1:1:certificate/x" } },
          }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(mtaStsTenantCertificate, [
          res(TENANT, "t", {
            ...good,
            domains: [{ domain: "www.example.com" }],
            managedCertificateRequest: undefined,
          }),
        ])
      ).messages,
    ).toEqual([]);
  });

  it.each([
    [
      "no certificate of its own",
      { managedCertificateRequest: undefined },
      "no certificate of its own",
    ],
    [
      "a self-hosted token",
      { managedCertificateRequest: { validationTokenHost: "self-hosted" } },
      'validation token is self-hosted; use validationTokenHost: "cloudfront"',
    ],
    ["no wait for deployment", { waitForDeployment: false }, "waitForDeployment is false"],
    ["disabled", { enabled: false }, "the tenant is disabled"],
    [
      "two hosts",
      { domains: [{ domain: "mta-sts.example.com" }, { domain: "mta-sts.example.org" }] },
      "one tenant per domain",
    ],
  ])("refuses %s", async (_, over, message) => {
    const { messages } = await check(mtaStsTenantCertificate, [
      res(TENANT, "t", { ...good, ...over }),
    ]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });
});

describe("mta-sts-policy-host-cloudfront on a multi-tenant distribution", () => {
  it("accepts the template (its default certificate is fine: tenants bring their own)", async () => {
    expect((await check(mtaStsPolicyHost, [distribution(), tenantOf()])).messages).toEqual([]);
  });

  it("checks it only when a tenant serves an mta-sts host through it", async () => {
    expect(
      (
        await check(mtaStsPolicyHost, [
          distribution({ viewerCertificate: { minimumProtocolVersion: "TLSv1" } }),
        ])
      ).messages,
    ).toEqual([]);
  });

  it("reports caching, plain HTTP, old TLS and a redirecting router", async () => {
    const bad = distribution({
      defaultCacheBehavior: {
        targetOriginId: "policy-bucket",
        viewerProtocolPolicy: "allow-all",
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
      },
      viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1" },
    });
    const messages = (await check(mtaStsPolicyHost, [bad, tenantOf()])).messages;
    expect(messages).toEqual([
      'viewerProtocolPolicy is "allow-all" on the policy path; use https-only',
      "cache policy 658327ea-f89d-4fab-a63d-7e88639e58f6 on the policy path is not CachingDisabled (4135ea2d-6df8-44a3-9df3-4b5a84be39ad) nor allowed in config",
      'minimumProtocolVersion is "TLSv1"; use TLSv1.2_2021 or newer',
    ]);
    const withRouter = res(
      MT,
      "cdn",
      { ...distribution().props },
      { deps: { defaultCacheBehavior: ["urn:pulumi:test::proj::" + FN + "::router"] } },
    );
    const redirecting = (
      await check(mtaStsPolicyHost, [withRouter, tenantOf(), router("return { statusCode: 301 }")])
    ).messages;
    expect(redirecting).toEqual([
      "CloudFront Function router can answer with a redirect; senders do not follow redirects for the policy",
    ]);
  });
});

describe("hostMoveConflicts", () => {
  const r53 = (key: string, name: string, type: string): PlannedResource => ({
    key,
    type: "aws:route53/record:Record",
    props: { name, type },
  });
  const dist = (key: string, aliases: string[]): PlannedResource => ({
    key,
    type: "aws:cloudfront/distribution:Distribution",
    props: { aliases },
  });
  const tenant = (key: string, host: string): PlannedResource => ({
    key,
    type: TENANT,
    props: { domains: [{ domain: host }] },
  });

  it("refuses a tenant created while a distribution still aliases its host, and a CNAME created before the A/AAAA go", () => {
    const base = [
      dist("g0", ["mta-sts.a.example", "mta-sts.b.example"]),
      r53("a-host-a", "mta-sts.a.example", "A"),
      r53("a-host-aaaa", "mta-sts.a.example", "AAAA"),
    ];
    const next = [
      dist("g0", ["mta-sts.b.example"]),
      tenant("a-tenant", "mta-sts.a.example"),
      r53("a-host", "mta-sts.a.example", "CNAME"),
    ];
    const found = hostMoveConflicts(base, next);
    expect(found).toHaveLength(3);
    expect(found[0]).toContain(
      "mta-sts.a.example: a tenant is created while distribution g0 still has it as an alias",
    );
    expect(found[1]).toContain(
      "mta-sts.a.example: CNAME a-host is created while A a-host-a is still there",
    );
  });

  it("accepts the released host getting its tenant in the next step", () => {
    const base = [dist("g0", ["mta-sts.b.example"])];
    expect(
      hostMoveConflicts(base, [
        ...base,
        tenant("a-tenant", "mta-sts.a.example"),
        r53("a-host", "mta-sts.a.example", "CNAME"),
      ]),
    ).toEqual([]);
    // A Cloudflare CNAME kept under the same resource is updated in place: no conflict.
    const cf: PlannedResource = {
      key: "c-host",
      type: "cloudflare:index/dnsRecord:DnsRecord",
      props: { name: "mta-sts.c.example", type: "CNAME" },
    };
    expect(hostMoveConflicts([cf], [{ ...cf, props: { ...cf.props, content: "new" } }])).toEqual(
      [],
    );
  });
});
