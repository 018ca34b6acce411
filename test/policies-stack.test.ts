// The pack on whole stacks, through `mtasts plan`: our example and a generated 100-domain
// stack pass; a bad composition of our components and raw resources fails exactly as expected.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import type { Plan } from "../cli/plan";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A project inside the repository (so the program resolves our node_modules). */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, "test", ".tmp-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function plan(args: string[]) {
  const res = spawnSync(process.execPath, [bin, "plan", "--format", "json", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return { code: res.status, plan: JSON.parse(res.stdout) as Plan, stderr: res.stderr };
}

describe("stacks that must pass", () => {
  it("the example stack has no violations", () => {
    const r = plan(["--stack", "example"]);
    expect(r.code).toBe(0);
    expect(r.plan.violations).toEqual([]);
  });

  it("a generated 100-domain stack (all three DNS providers, both modes) has no mandatory violation", () => {
    const providers = [
      { provider: "route53", zoneId: "Z0123456789ABC" },
      { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
      { provider: "manual" },
    ];
    const domains = Array.from({ length: 100 }, (_, i) => ({
      domain: `d${i}.example.com`,
      dns: providers[i % 3],
      mx: [`mx.d${i}.example.com`],
      mode: i % 2 ? "enforce" : "testing",
      rua: [`mailto:tlsrpt@d${i}.example.com`],
    }));
    const dir = project({
      "Pulumi.yaml": `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
      "Pulumi.big.yaml": YAML.stringify(
        { config: { "aws:region": "eu-west-1", "mta-sts:domains": domains } },
        { aliasDuplicateObjects: false },
      ),
    });
    const r = plan(["--stack", "big", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.plan.domains).toHaveLength(100);
    expect(r.plan.violations.filter((v) => v.level === "mandatory")).toEqual([]);
  });
});

describe("a bad composition", () => {
  const program = `
import * as aws from "@pulumi/aws";
import { MtaStsDomain, PolicySite, Route53Zone, renderPolicy } from ${JSON.stringify(path.join(root, "lib"))};

// Ours, correctly composed: must not fire.
const zone = new Route53Zone("good-dns", { zoneId: "Z0123456789ABC" });
const site = new PolicySite("good-site", { hosts: [{ domain: "good.example", zone }] });
new MtaStsDomain("good", { domain: "good.example", zone, site, mode: "enforce", mx: ["mx.good.example"], rua: ["mailto:t@good.example"] });

// Raw: a public bucket holding a policy.
const bucket = new aws.s3.Bucket("public-policies");
new aws.s3.BucketObjectv2("bad-policy", {
  bucket: bucket.id,
  key: "mta-sts.bad.example/.well-known/mta-sts.txt",
  content: renderPolicy({ mode: "testing", mx: ["mx.bad.example"], maxAge: 86400 }),
  contentType: "text/plain",
});
new aws.s3.BucketPolicy("public-read", {
  bucket: bucket.id,
  policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::public-policies/*" }] }),
});
// Raw: a distribution whose function redirects the policy path.
const redirect = new aws.cloudfront.Function("redirector", {
  runtime: "cloudfront-js-2.0",
  code: "function handler(e) { return { statusCode: 301, statusDescription: 'Moved', headers: { location: { value: 'https://www.bad.example/' } } }; }",
});
new aws.cloudfront.Distribution("bad-cdn", {
  enabled: true,
  aliases: ["mta-sts.bad.example"],
  origins: [{ originId: "s3", domainName: "public-policies.s3.eu-west-1.amazonaws.com" }],
  defaultCacheBehavior: {
    targetOriginId: "s3", viewerProtocolPolicy: "https-only", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"],
    cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    functionAssociations: [{ eventType: "viewer-request", functionArn: redirect.arn }],
  },
  viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
  restrictions: { geoRestriction: { restrictionType: "none" } },
});
// Raw: a certificate in the wrong region.
new aws.acm.Certificate("bad-cert", { domainName: "mta-sts.bad.example", validationMethod: "DNS", region: "eu-west-1" });
// Raw: a TXT record whose id is not the policy's.
new aws.route53.Record("bad-sts", { zoneId: "Z0123456789ABC", name: "_mta-sts.bad.example", type: "TXT", ttl: 300, records: ["v=STSv1; id=20240101T000000;"] });
`;

  it("produces exactly the expected violations and exits 1", () => {
    const dir = project({
      "Pulumi.yaml": "name: bad\nruntime: nodejs\nmain: index.ts\n",
      "Pulumi.bad.yaml": "config: {}\n",
      "index.ts": program,
    });
    const r = plan(["--stack", "bad", "--dir", dir]);
    expect(r.stderr).toContain("mandatory policy violation");
    expect(r.code).toBe(1);
    expect(r.plan.violations.map((v) => [v.level, v.policy, v.resource, v.message]).sort()).toEqual(
      [
        [
          "mandatory",
          "mta-sts-certificate-us-east-1-dns",
          "bad-cert",
          "certificate for mta-sts.bad.example is in eu-west-1; CloudFront only uses us-east-1 certificates",
        ],
        [
          "mandatory",
          "mta-sts-id-matches-policy",
          "bad-sts",
          expect.stringContaining(
            "announces id 20240101T000000 but the policy body in bad-policy has id",
          ),
        ],
        [
          "mandatory",
          "mta-sts-policy-bucket-private",
          "public-policies",
          "bucket public-policies does not block all public access (a BucketPublicAccessBlock with all four settings true)",
        ],
        [
          "mandatory",
          "mta-sts-policy-bucket-private",
          "public-policies",
          "bucket public-policies has no server-side encryption configuration",
        ],
        [
          "mandatory",
          "mta-sts-policy-bucket-private",
          "public-policies",
          'bucket public-policies policy statement PublicRead allows Principal "*"',
        ],
        [
          "mandatory",
          "mta-sts-policy-host-cloudfront",
          "bad-cdn",
          "CloudFront Function redirector can answer with a redirect; senders do not follow redirects for the policy",
        ],
      ].sort(),
    );
    for (const v of r.plan.violations) expect(v.remediation.length).toBeGreaterThan(20);
  });
});
