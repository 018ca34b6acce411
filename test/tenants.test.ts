// Hosting mode tenants under the Pulumi mock runtime: one multi-tenant distribution, a tenant per
// domain, DNS per provider, and each domain standing alone (inserting one changes no other input).
import { beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import type { PolicySite } from "../components/policy-site";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";

const CF_ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const domain = (name: string, extra: Record<string, unknown> = {}) => ({
  domain: name,
  dns: { provider: "route53", zoneId: "Z0123456789ABC" },
  mx: [`mx.${name}`],
  rua: [`mailto:tlsrpt@${name}`],
  ...extra,
});
const example = [
  domain("example.com"),
  domain("example.org", { dns: { provider: "cloudflare", zoneId: CF_ZONE }, mode: "enforce" }),
  domain("example.net", { dns: { provider: "manual" } }),
];
const providers = [
  { provider: "route53", zoneId: "Z0123456789ABC" },
  { provider: "cloudflare", zoneId: CF_ZONE },
  { provider: "manual" },
];
const many = (n: number) =>
  Array.from({ length: n }, (_, i) => domain(`d${i}.example.com`, { dns: providers[i % 3] }));
const inserted = [...many(100).slice(0, 50), domain("new.example.com"), ...many(100).slice(50)];

let registered: Registered[];
const fleets: Record<string, MtaStsFleet> = {};
let site: PolicySite;
let staleError: unknown;
let tenantName: (domain: string) => string;

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { PolicySite } = await import("../components/policy-site");
  const { parseStackConfig } = await import("../config");
  ({ tenantName } = await import("../components/policy-tenants"));
  const make = (name: string, domains: unknown[], hosting: unknown = { mode: "tenants" }) => {
    const cfg = parseStackConfig({ domains, hosting, receiver: { enabled: false } });
    fleets[name] = new MtaStsFleet(name, { ...cfg, mxResolver: "offline" });
  };
  make("ten", example);
  make("grp", example, {});
  make("fleetP", many(100));
  make("fleetQ", inserted);
  // The /tlsrpt route exists only with the receiver; the site alone shows it.
  site = new PolicySite("rsite", {
    hosts: [],
    mode: "tenants",
    reportOriginHost: "abc.lambda-url.eu-west-1.on.aws",
  });
  try {
    make("stale", example, { mode: "tenants", migration: { grouped: ["gone.example"] } });
  } catch (err) {
    staleError = err;
  }
  await Promise.all(
    Object.values(fleets).flatMap((f) => f.domains.map((d) => promiseOf(d.stsRecord))),
  );
  await settled();
});

const of = (fleet: string) =>
  registered.filter((r) => r.name === fleet || r.name.startsWith(`${fleet}-`));
const find = (type: string, name: string) => {
  const r = registered.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};
const T = {
  mt: "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
  tenant: "aws:cloudfront/distributionTenant:DistributionTenant",
  group: "aws:cloudfront/connectionGroup:ConnectionGroup",
  r53: "aws:route53/record:Record",
  cf: "cloudflare:index/dnsRecord:DnsRecord",
};
const normalised = (fleet: string) =>
  new Map(
    of(fleet).map((r) => [
      `${r.type}::${r.name.replace(fleet, "F")}`,
      JSON.stringify(r.inputs).replaceAll(fleet, "F"),
    ]),
  );

describe("the multi-tenant distribution", () => {
  it("serves the bucket through OAC and the router, without caching, over HTTPS only, TLS 1.2+", () => {
    const d = find(T.mt, "ten-site-tenants-cdn").inputs;
    expect(d.origins).toEqual([
      {
        id: "policy-bucket",
        domainName: "ten-site-policies-bucket.s3.eu-west-1.amazonaws.com",
        originAccessControlId: "ten-site-oac-id",
        connectionAttempts: 3,
        connectionTimeout: 10,
        responseCompletionTimeout: 30,
      },
    ]);
    expect(d.defaultCacheBehavior).toEqual({
      targetOriginId: "policy-bucket",
      viewerProtocolPolicy: "https-only",
      allowedMethods: { items: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] },
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      compress: false,
      functionAssociations: [
        {
          eventType: "viewer-request",
          functionArn: "arn:aws:cloudfront::123456789012:function/ten-site-router",
        },
      ],
    });
    expect(d.viewerCertificate).toMatchObject({
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    expect(d.tenantConfig).toEqual({});
    expect(d.enabled).toBe(true);
    // Price class and IPv6 are not the distribution's: neither key may be sent.
    expect(d).not.toHaveProperty("priceClass");
    expect(d).not.toHaveProperty("isIpv6Enabled");
  });

  it("has IPv6 on its connection group, and no price class anywhere in the tenant layout", () => {
    expect(find(T.group, "ten-site-tenants-connections").inputs).toEqual({
      enabled: true,
      ipv6Enabled: true,
      waitForDeployment: true,
    });
    expect(JSON.stringify(of("ten").map((r) => r.inputs))).not.toContain("PriceClass");
  });

  it("routes /tlsrpt to the receiver with its report-domain function when the receiver is on", () => {
    const d = find(T.mt, "rsite-tenants-cdn").inputs;
    expect(d.origins[1]).toMatchObject({
      id: "tlsrpt-receiver",
      domainName: "abc.lambda-url.eu-west-1.on.aws",
      customOriginConfigs: [
        { originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
      ],
    });
    expect(d.cacheBehaviors).toEqual([
      expect.objectContaining({
        pathPattern: "/tlsrpt",
        targetOriginId: "tlsrpt-receiver",
        viewerProtocolPolicy: "https-only",
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        functionAssociations: [
          {
            eventType: "viewer-request",
            functionArn: "arn:aws:cloudfront::123456789012:function/rsite-report-domain",
          },
        ],
      }),
    ]);
    expect(site.tenants).toBeDefined();
  });

  it("lets only the multi-tenant distribution read the bucket", () => {
    const policy = JSON.parse(
      find("aws:s3/bucketPolicy:BucketPolicy", "ten-site-policies-access").inputs.policy,
    );
    expect(policy.Statement[0].Condition).toEqual({
      StringEquals: {
        "AWS:SourceArn": ["arn:aws:cloudfront::123456789012:distribution/ten-site-tenants-cdn"],
      },
    });
  });

  it("declares no standard distribution and no ACM certificate of its own", () => {
    const types = new Set(of("ten").map((r) => r.type));
    for (const t of [
      "aws:cloudfront/distribution:Distribution",
      "aws:acm/certificate:Certificate",
      "aws:acm/certificateValidation:CertificateValidation",
    ])
      expect(types.has(t)).toBe(false);
    // The same domains grouped: one distribution with its certificate.
    expect(
      of("grp").filter((r) => r.type === "aws:cloudfront/distribution:Distribution"),
    ).toHaveLength(1);
  });
});

describe("a tenant per domain", () => {
  it("serves mta-sts.<domain> alone, with a CloudFront-managed certificate validated through CloudFront", () => {
    for (const d of ["example.com", "example.org", "example.net"]) {
      expect(find(T.tenant, `ten-${d}-tenant`).inputs).toEqual({
        name: tenantName(d),
        distributionId: "ten-site-tenants-cdn-id",
        connectionGroupId: "ten-site-tenants-connections-id",
        domains: [{ domain: `mta-sts.${d}` }],
        enabled: true,
        managedCertificateRequest: {
          validationTokenHost: "cloudfront",
          primaryDomainName: `mta-sts.${d}`,
          certificateTransparencyLoggingPreference: "enabled",
        },
        waitForDeployment: true,
      });
    }
    expect(of("ten").filter((r) => r.type === T.tenant)).toHaveLength(3);
  });

  it("names tenants uniquely, within CloudFront's alphabet", () => {
    expect(tenantName("a-b.example")).not.toBe(tenantName("a.b-example"));
    expect(tenantName(`${"x".repeat(63)}.${"y".repeat(63)}.${"z".repeat(63)}.example`)).toMatch(
      /^[a-z0-9-]{1,128}$/,
    );
    expect(tenantName("xn--bcher-kva.example")).toMatch(
      /^mta-sts-xn-bcher-kva-example-[0-9a-f]{8}$/,
    );
  });

  it("the summary (stack output and plan) says what serves each domain", () => {
    expect(fleets.ten.summary.map((s) => [s.domain, s.hosting, s.group])).toEqual([
      ["example.com", "tenant", -1],
      ["example.org", "tenant", -1],
      ["example.net", "tenant", -1],
    ]);
    expect(fleets.grp.summary.map((s) => [s.hosting, s.group])).toEqual([
      ["group", 0],
      ["group", 0],
      ["group", 0],
    ]);
  });
});

describe("DNS for each tenant", () => {
  it("Route53: a CNAME to the connection group's endpoint, and no alias or validation record", () => {
    expect(find(T.r53, "ten-example.com-dns-mta-sts-host").inputs).toEqual({
      zoneId: "Z0123456789ABC",
      name: "mta-sts.example.com",
      type: "CNAME",
      ttl: 300,
      records: ["ten-site-tenants-connections.cloudfront.net"],
    });
    expect(
      of("ten")
        .filter((r) => r.type === T.r53)
        .map((r) => r.name.replace("ten-example.com-dns-", ""))
        .sort(),
    ).toEqual(["mta-sts-host", "sts-txt", "tlsrpt-txt"]);
  });

  it("Cloudflare: a DNS-only CNAME (proxying would put Cloudflare's certificate in front)", () => {
    expect(find(T.cf, "ten-example.org-dns-mta-sts-host").inputs).toMatchObject({
      zoneId: CF_ZONE,
      name: "mta-sts.example.org",
      type: "CNAME",
      content: "ten-site-tenants-connections.cloudfront.net",
      proxied: false,
    });
  });

  it("manual: nothing created, the CNAME printed first, before the TXT records", async () => {
    expect(of("ten").filter((r) => r.name.startsWith("ten-example.net-dns-"))).toEqual([]);
    const recs = await Promise.all(
      fleets.ten.summary[2].records.map(
        async (r) =>
          `${await promiseOf(r.name)} ${r.type} ${(await promiseOf(r.values)).join(" ")} ; ${r.purpose}`,
      ),
    );
    const id = await promiseOf(fleets.ten.domains[2].policyId);
    expect(recs).toEqual([
      "mta-sts.example.net CNAME ten-site-tenants-connections.cloudfront.net ; policy host -> CloudFront connection group; add it first: the tenant's certificate is validated through it",
      `_mta-sts.example.net TXT v=STSv1; id=${id}; ; MTA-STS policy id`,
      "_smtp._tls.example.net TXT v=TLSRPTv1; rua=mailto:tlsrpt@example.net ; TLS-RPT reporting addresses",
    ]);
  });

  it("the tenant waits for its routing record (CloudFront checks it before creating the tenant)", () => {
    const seq = (name: string) => find(registered.find((r) => r.name === name)!.type, name).seq;
    expect(seq("ten-example.com-tenant")).toBeGreaterThan(seq("ten-example.com-dns-mta-sts-host"));
    expect(seq("ten-example.org-tenant")).toBeGreaterThan(seq("ten-example.org-dns-mta-sts-host"));
  });
});

describe("each domain stands alone", () => {
  it("adding a domain in the middle of 100 changes no input of any other resource", () => {
    const before = normalised("fleetP");
    const after = normalised("fleetQ");
    const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(changed).toEqual([]);
    expect(removed).toEqual([]);
    // Its component, zone adapter, policy object, tenant, CNAME and two TXT records: nothing else.
    expect(added.sort()).toEqual(
      [
        "aws:cloudfront/distributionTenant:DistributionTenant::F-new.example.com-tenant",
        "aws:route53/record:Record::F-new.example.com-dns-mta-sts-host",
        "aws:route53/record:Record::F-new.example.com-dns-sts-txt",
        "aws:route53/record:Record::F-new.example.com-dns-tlsrpt-txt",
        "aws:s3/bucketObjectv2:BucketObjectv2::F-new.example.com-policy",
        "mta-sts:dns:Route53Zone::F-new.example.com-dns",
        "mta-sts:index:MtaStsDomain::F-new.example.com",
      ].sort(),
    );
  });

  it("has at most 5 cloud resources per domain for hosting, DNS and the policy", () => {
    const perDomain = (d: string) =>
      of("fleetP").filter(
        (r) => r.name.startsWith(`fleetP-${d}-`) && !r.type.startsWith("mta-sts:"),
      ).length;
    expect(perDomain("d0.example.com")).toBe(5); // route53
    expect(perDomain("d1.example.com")).toBe(5); // cloudflare
    expect(perDomain("d2.example.com")).toBe(2); // manual: the object and the tenant
  });

  it("refuses migration lists naming a domain the stack does not declare, with the fix", () => {
    expect(String(staleError)).toContain(
      "mta-sts:hosting.migration.grouped: gone.example: not among the domains this stack declares",
    );
  });
});
