// The components under the Pulumi mock runtime: exact records, regions, names, grouping,
// and what a config change does (and does not) touch.
import { beforeAll, describe, expect, it } from "vitest";
import type { StackConfig } from "../config";
import type { MtaStsFleet, MtaStsFleetArgs } from "../components/mta-sts-fleet";
import { policyId, renderPolicy } from "../protocol";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";

const domain = (name: string, extra: Record<string, unknown> = {}) => ({
  domain: name,
  dns: { provider: "route53", zoneId: "Z0123456789ABC" },
  mx: [`mx.${name}`],
  rua: [`mailto:tlsrpt@${name}`],
  ...extra,
});
const example = [
  domain("example.com", { mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 86400 }),
  domain("example.org", {
    dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
    mx: ["mx.example.org"],
    mode: "enforce",
    rua: ["https://reports.example.org/tlsrpt"],
  }),
  domain("example.net", { dns: { provider: "manual" } }),
];
const many = (n: number) => Array.from({ length: n }, (_, i) => domain(`d${i}.example.com`));
const CF_ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const cloudflareDomain = domain("example.org", {
  dns: { provider: "cloudflare", zoneId: CF_ZONE },
  adopt: true,
});
const takeovers = {
  "example.org": {
    records: {
      "_mta-sts.example.org TXT": {
        importId: `${CF_ZONE}/372e67954025e0ba6aaa6d586b9e0b59`,
        name: "_mta-sts.example.org",
      },
      "mta-sts.example.org CNAME": {
        importId: `${CF_ZONE}/9a7806061c88ada191ed06f989cc3dac`,
        name: "mta-sts.example.org",
      },
    },
    // The mocks' ACM asks for _v.mta-sts.<host>: the very record found.
    acmValidation: {
      importId: `${CF_ZONE}/1d2f0e3b4c5a69788796a5b4c3d2e1f0`,
      name: "_v.mta-sts.example.org",
    },
  },
};

let registered: Registered[];
const fleets: Record<string, MtaStsFleet> = {};

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const make = (
    name: string,
    domains: unknown[],
    hosting?: unknown,
    extra: { adopt?: unknown; existingRecords?: MtaStsFleetArgs["existingRecords"] } = {},
  ) => {
    // The receiver has its own test (receiver-component.test.ts); here it is off.
    const cfg: StackConfig = parseStackConfig({
      domains,
      hosting,
      receiver: { enabled: false },
      adopt: extra.adopt,
    });
    fleets[name] = new MtaStsFleet(name, {
      ...cfg,
      mxResolver: "offline",
      existingRecords: extra.existingRecords,
    });
  };
  make("fleetA", example);
  make("fleetB", example);
  make("fleetSplit", many(25));
  make("fleetOne", many(3), { domainsPerDistribution: 1 });
  make("fleetGrowBefore", many(21));
  make("fleetGrowAfter", many(22));
  make("fleetMxBefore", example);
  make(
    "fleetRemove",
    [
      domain("a.test"),
      domain("b.test", { mode: "none", retireAfter: "2026-01-01", remove: true }),
      domain("c.test"),
    ],
    { domainsPerDistribution: 1 },
  );
  make("fleetMxAfter", [
    { ...example[0], mx: ["mx1.example.com", "mx2.example.com"] },
    example[1],
    example[2],
  ]);
  // mta-sts:adopt for the stack, and a domain that says otherwise; then a domain's own adopt alone.
  make("fleetAdoptAll", [domain("a.test"), domain("b.test", { adopt: false })], undefined, {
    adopt: true,
  });
  make("fleetAdoptOne", [domain("c.test", { adopt: true }), domain("d.test")]);
  // What world/existing-records.ts hands over for a Cloudflare domain with adopt, as data and as a promise.
  make("fleetTake", [cloudflareDomain], undefined, { existingRecords: takeovers });
  make("fleetTakeLater", [cloudflareDomain], undefined, {
    existingRecords: Promise.resolve(takeovers),
  });
  await Promise.all(
    Object.values(fleets).flatMap((f) => f.domains.map((d) => promiseOf(d.stsRecord))),
  );
  await settled();
});

const of = (fleet: string) =>
  registered.filter((r) => r.name === fleet || r.name.startsWith(`${fleet}-`));
const find = (type: string, name: string) => {
  const r = registered.find((x) => x.type === type && x.name === name);
  if (!r)
    throw new Error(`no ${type} named ${name}; have ${registered.map((x) => x.name).join(", ")}`);
  return r;
};
/** Inputs with the fleet's own name taken out, so two fleets can be compared. */
const normalised = (fleet: string) =>
  new Map(
    of(fleet).map((r) => [
      `${r.type}::${r.name.replace(fleet, "F")}`,
      JSON.stringify(r.inputs).replaceAll(fleet, "F"),
    ]),
  );

describe("records of a Route53 domain", () => {
  const text = renderPolicy({
    mode: "testing",
    mx: ["mx1.example.com", "*.mail.example.net"],
    maxAge: 86400,
  });

  it("serves the canonical policy from the shared bucket as text/plain", () => {
    const obj = find("aws:s3/bucketObjectv2:BucketObjectv2", "fleetA-example.com-policy");
    expect(obj.inputs).toMatchObject({
      key: "mta-sts.example.com/.well-known/mta-sts.txt",
      contentType: "text/plain",
      content:
        "version: STSv1\r\nmode: testing\r\nmx: *.mail.example.net\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n",
      bucket: "fleetA-site-policies-bucket",
    });
  });

  it("publishes _mta-sts with the id of exactly those bytes, and _smtp._tls", () => {
    expect(find("aws:route53/record:Record", "fleetA-example.com-dns-sts-txt").inputs).toEqual({
      zoneId: "Z0123456789ABC",
      name: "_mta-sts.example.com",
      type: "TXT",
      ttl: 300,
      records: [`v=STSv1; id=${policyId(text)};`],
    });
    expect(find("aws:route53/record:Record", "fleetA-example.com-dns-tlsrpt-txt").inputs).toEqual({
      zoneId: "Z0123456789ABC",
      name: "_smtp._tls.example.com",
      type: "TXT",
      ttl: 300,
      records: ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"],
    });
  });

  it("points mta-sts at CloudFront with alias A and AAAA, and validates the certificate in the same zone", () => {
    for (const t of ["a", "aaaa"]) {
      expect(
        find("aws:route53/record:Record", `fleetA-example.com-dns-mta-sts-host-${t}`).inputs,
      ).toEqual({
        zoneId: "Z0123456789ABC",
        name: "mta-sts.example.com",
        type: t.toUpperCase(),
        aliases: [
          {
            name: "fleetA-site-group-0-cdn.cloudfront.net",
            zoneId: "Z2FDTNDATAQYW2",
            evaluateTargetHealth: false,
          },
        ],
      });
    }
    expect(
      find("aws:route53/record:Record", "fleetA-example.com-dns-acm-validation").inputs,
    ).toEqual({
      zoneId: "Z0123456789ABC",
      name: "_v.mta-sts.example.com",
      type: "CNAME",
      ttl: 300,
      records: ["_x.mta-sts.example.com.acm-validations.aws."],
      // ACM's own record, identical for anyone validating this name in the account.
      allowOverwrite: true,
    });
  });
});

describe("records of a Cloudflare domain", () => {
  it("uses full names, quoted TXT content, and a DNS-only CNAME for the policy host", async () => {
    const id = await promiseOf(fleets.fleetA.domains[1].policyId);
    expect(
      find("cloudflare:index/dnsRecord:DnsRecord", "fleetA-example.org-dns-sts-txt").inputs,
    ).toMatchObject({
      zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
      name: "_mta-sts.example.org",
      type: "TXT",
      content: `"v=STSv1; id=${id};"`,
      proxied: false,
      ttl: 300,
    });
    expect(
      find("cloudflare:index/dnsRecord:DnsRecord", "fleetA-example.org-dns-tlsrpt-txt").inputs
        .content,
    ).toBe('"v=TLSRPTv1; rua=https://reports.example.org/tlsrpt"');
    expect(
      find("cloudflare:index/dnsRecord:DnsRecord", "fleetA-example.org-dns-mta-sts-host").inputs,
    ).toMatchObject({
      name: "mta-sts.example.org",
      type: "CNAME",
      content: "fleetA-site-group-0-cdn.cloudfront.net",
      proxied: false,
    });
    expect(id).toBe(
      policyId(renderPolicy({ mode: "enforce", mx: ["mx.example.org"], maxAge: 604800 })),
    );
  });
});

describe("manual DNS", () => {
  it("creates no DNS resource but lists every record for a person to add", async () => {
    expect(of("fleetA").filter((r) => r.name.startsWith("fleetA-example.net-dns-"))).toEqual([]);
    const recs = await Promise.all(
      fleets.fleetA.summary[2].records.map(
        async (r) =>
          `${await promiseOf(r.name)} ${r.type} ${(await promiseOf(r.values)).join(" ")}`,
      ),
    );
    const id = await promiseOf(fleets.fleetA.domains[2].policyId);
    expect(recs).toEqual([
      "_v.mta-sts.example.net CNAME _x.mta-sts.example.net.acm-validations.aws",
      "mta-sts.example.net CNAME fleetA-site-group-0-cdn.cloudfront.net",
      `_mta-sts.example.net TXT v=STSv1; id=${id};`,
      "_smtp._tls.example.net TXT v=TLSRPTv1; rua=mailto:tlsrpt@example.net",
    ]);
  });
});

describe("hosting", () => {
  it("issues the certificate in us-east-1 with DNS validation, whatever the stack region", () => {
    const cert = find("aws:acm/certificate:Certificate", "fleetA-site-group-0-cert").inputs;
    expect(cert).toMatchObject({
      region: "us-east-1",
      validationMethod: "DNS",
      domainName: "mta-sts.example.com",
      subjectAlternativeNames: ["mta-sts.example.org", "mta-sts.example.net"],
    });
    expect(
      find(
        "aws:acm/certificateValidation:CertificateValidation",
        "fleetA-site-group-0-cert-validation",
      ).inputs.region,
    ).toBe("us-east-1");
  });

  it("serves over HTTPS only, TLS 1.2+, SNI, no caching, routed by the shared function", () => {
    const d = find("aws:cloudfront/distribution:Distribution", "fleetA-site-group-0-cdn").inputs;
    expect(d.aliases).toEqual([
      "mta-sts.example.com",
      "mta-sts.example.org",
      "mta-sts.example.net",
    ]);
    expect(d.viewerCertificate).toEqual({
      acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/fleetA-site-group-0-cert",
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    expect(d.defaultCacheBehavior).toMatchObject({
      viewerProtocolPolicy: "https-only",
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
      allowedMethods: ["GET", "HEAD"],
      functionAssociations: [
        {
          eventType: "viewer-request",
          functionArn: "arn:aws:cloudfront::123456789012:function/fleetA-site-router",
        },
      ],
    });
    expect(d.waitForDeployment).toBe(true);
    expect(d.origins[0]).toMatchObject({
      domainName: "fleetA-site-policies-bucket.s3.eu-west-1.amazonaws.com",
      originAccessControlId: "fleetA-site-oac-id",
    });
  });

  it("keeps the bucket private: public access blocked, encrypted, readable only by its distributions", () => {
    expect(
      find(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "fleetA-site-policies-public-access",
      ).inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const sse = find(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "fleetA-site-policies-encryption",
    ).inputs;
    expect(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    const policy = JSON.parse(
      find("aws:s3/bucketPolicy:BucketPolicy", "fleetA-site-policies-access").inputs.policy,
    );
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Condition: {
        StringEquals: {
          "AWS:SourceArn": [
            "arn:aws:cloudfront::123456789012:distribution/fleetA-site-group-0-cdn",
          ],
        },
      },
    });
    expect(
      find("aws:cloudfront/originAccessControl:OriginAccessControl", "fleetA-site-oac").inputs,
    ).toMatchObject({ signingBehavior: "always", signingProtocol: "sigv4" });
  });
});

describe("names and groups", () => {
  it("has no fixed child names: two fleets in one stack never share a (type, name)", () => {
    const keys = registered.map((r) => `${r.type}::${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(of("fleetB").length).toBe(of("fleetA").length);
  });

  it("splits domains into distributions of at most domainsPerDistribution", () => {
    const certs = of("fleetSplit").filter((r) => r.type === "aws:acm/certificate:Certificate");
    expect(certs.map((c) => 1 + c.inputs.subjectAlternativeNames.length)).toEqual([10, 10, 5]);
    expect(
      of("fleetSplit").filter((r) => r.type === "aws:cloudfront/distribution:Distribution"),
    ).toHaveLength(3);
    expect(
      of("fleetOne").filter((r) => r.type === "aws:cloudfront/distribution:Distribution"),
    ).toHaveLength(3);
    expect(
      of("fleetSplit").filter((r) => r.type === "aws:cloudfront/function:Function"),
    ).toHaveLength(1);
  });

  it("adding a domain at the end touches only the group it joins", () => {
    const before = normalised("fleetGrowBefore");
    const after = normalised("fleetGrowAfter");
    const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(changed.sort()).toEqual([
      "aws:acm/certificate:Certificate::F-site-group-2-cert",
      "aws:acm/certificateValidation:CertificateValidation::F-site-group-2-cert-validation",
      "aws:cloudfront/distribution:Distribution::F-site-group-2-cdn",
    ]);
    expect(added.every((k) => k.includes("d21.example.com"))).toBe(true);
    expect(added.length).toBeGreaterThan(0);
  });

  it("leaves a removed domain out without moving the domains after it to another group", () => {
    const cdns = of("fleetRemove").filter(
      (r) => r.type === "aws:cloudfront/distribution:Distribution",
    );
    expect(cdns.map((c) => [c.name, c.inputs.aliases])).toEqual([
      ["fleetRemove-site-group-0-cdn", ["mta-sts.a.test"]],
      ["fleetRemove-site-group-2-cdn", ["mta-sts.c.test"]],
    ]);
    expect(of("fleetRemove").some((r) => r.name.includes("b.test"))).toBe(false);
  });

  it("changing only mx changes the policy object and the _mta-sts record, nothing else", () => {
    const before = normalised("fleetMxBefore");
    const after = normalised("fleetMxAfter");
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    expect(changed.sort()).toEqual([
      "aws:route53/record:Record::F-example.com-dns-sts-txt",
      "aws:s3/bucketObjectv2:BucketObjectv2::F-example.com-policy",
    ]);
  });

  it("the same config gives the same ids and the same inputs", async () => {
    const ids = async (f: MtaStsFleet) => Promise.all(f.domains.map((d) => promiseOf(d.policyId)));
    expect(await ids(fleets.fleetB)).toEqual(await ids(fleets.fleetA));
    expect(await ids(fleets.fleetMxBefore)).toEqual(await ids(fleets.fleetA));
    expect(normalised("fleetB")).toEqual(normalised("fleetA"));
  });
});

describe("adopt: Route53 overwrites existing records only where asked", () => {
  const records = (fleet: string, domain: string) =>
    of(fleet).filter(
      (r) => r.type === "aws:route53/record:Record" && r.name.startsWith(`${fleet}-${domain}-dns-`),
    );
  const overwriting = (fleet: string, domain: string) =>
    records(fleet, domain)
      .filter((r) => r.inputs.allowOverwrite === true)
      .map((r) => r.name.slice(`${fleet}-${domain}-dns-`.length))
      .sort();
  const all = ["acm-validation", "mta-sts-host-a", "mta-sts-host-aaaa", "sts-txt", "tlsrpt-txt"];

  it("without adopt, only ACM's validation CNAME may overwrite", () => {
    expect(records("fleetA", "example.com")).toHaveLength(5);
    expect(overwriting("fleetA", "example.com")).toEqual(["acm-validation"]);
    expect(overwriting("fleetAdoptOne", "d.test")).toEqual(["acm-validation"]);
  });

  it("mta-sts:adopt: true overwrites every record of the stack's domains", () => {
    expect(overwriting("fleetAdoptAll", "a.test")).toEqual(all);
  });

  it("a domain's own adopt wins over mta-sts:adopt, both ways", () => {
    expect(overwriting("fleetAdoptAll", "b.test")).toEqual(["acm-validation"]);
    expect(overwriting("fleetAdoptOne", "c.test")).toEqual(all);
  });

  it("marks the adopting domain's records for plans and the domains output, and no others", () => {
    const [a, b] = fleets.fleetAdoptAll.summary;
    expect(a.records.map((r) => r.adopt)).toEqual([true, true, true, true, true]);
    expect(b.records.map((r) => r.adopt)).toEqual([false, false, false, false, false]);
  });
});

describe("adopt: Cloudflare takes over what the world edge found", () => {
  const cf = (fleet: string) =>
    of(fleet).filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord");

  it.each(["fleetTake", "fleetTakeLater"])(
    "%s: imports each record found, declares no second one, and writes its own value",
    async (fleet) => {
      expect(
        cf(fleet)
          .map((r) => [r.name.slice(`${fleet}-example.org-dns-`.length), r.importId ?? null])
          .sort(),
      ).toEqual([
        ["acm-validation", `${CF_ZONE}/1d2f0e3b4c5a69788796a5b4c3d2e1f0`],
        ["mta-sts-host", `${CF_ZONE}/9a7806061c88ada191ed06f989cc3dac`],
        ["sts-txt", `${CF_ZONE}/372e67954025e0ba6aaa6d586b9e0b59`],
        ["tlsrpt-txt", null],
      ]);
      const keys = cf(fleet).map((r) => `${r.inputs.name} ${r.inputs.type}`);
      expect(new Set(keys).size).toBe(keys.length);
      // Imported, then updated to the stack's value: the new id (once served) and CloudFront.
      const id = await promiseOf(fleets[fleet].domains[0].policyId);
      expect(
        find("cloudflare:index/dnsRecord:DnsRecord", `${fleet}-example.org-dns-sts-txt`).inputs
          .content,
      ).toBe(`"v=STSv1; id=${id};"`);
      expect(
        find("cloudflare:index/dnsRecord:DnsRecord", `${fleet}-example.org-dns-mta-sts-host`).inputs
          .content,
      ).toBe(`${fleet}-site-group-0-cdn.cloudfront.net`);
    },
  );

  it("imports nothing without takeovers", () => {
    expect(cf("fleetA").length).toBe(4);
    expect(cf("fleetA").filter((r) => r.importId !== undefined)).toEqual([]);
  });
});
