// The table of replace-forcing inputs (cli/plan-replace.ts) against what the provider sources say
// and what the program declares, and the diff's reading of bases of each plan version.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { PLAN_VERSION, type Plan, type PlanResource } from "../cli/plan";
import { BaseUnreadable, diffPlans, inputChange, readBasePlan } from "../cli/plan-diff";
import { REPLACE_ON, replacingInputs } from "../cli/plan-replace";

const root = path.resolve(__dirname, "..");

/** What the providers' sources mark ForceNew / RequiresReplace, as the table must say it. */
const PROVIDER_SAYS: Record<string, { file: string; inputs: string[] }> = {
  "aws:acm/certificate:Certificate": {
    file: "internal/service/acm/certificate.go",
    inputs: [
      "domainName",
      "subjectAlternativeNames",
      "keyAlgorithm",
      "validationMethod",
      "validationOptions",
      "certificateAuthorityArn",
    ],
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    file: "internal/service/acm/certificate_validation.go",
    inputs: ["certificateArn", "validationRecordFqdns"],
  },
  "aws:route53/record:Record": {
    file: "internal/service/route53/record.go",
    inputs: ["zoneId", "name"],
  },
  "cloudflare:index/dnsRecord:DnsRecord": {
    file: "internal/services/dns_record/schema.go",
    inputs: ["zoneId"],
  },
  "aws:s3/bucketObjectv2:BucketObjectv2": {
    file: "internal/service/s3/object.go",
    inputs: ["bucket", "key"],
  },
  "aws:s3/bucket:Bucket": {
    file: "internal/service/s3/bucket.go",
    inputs: ["bucket", "bucketPrefix"],
  },
  "aws:cloudfront/distributionTenant:DistributionTenant": {
    file: "internal/service/cloudfront/distribution_tenant.go",
    inputs: ["distributionId"],
  },
  "aws:cloudfront/connectionGroup:ConnectionGroup": {
    file: "internal/service/cloudfront/connection_group.go",
    inputs: ["name"],
  },
  // Nothing in its schema has RequiresReplace: every input updates in place.
  "aws:cloudfront/multitenantDistribution:MultitenantDistribution": {
    file: "internal/service/cloudfront/multitenant_distribution.go",
    inputs: [],
  },
};

/** The example stack in mode grouped: the grouped layout's types (certificate, validation) are declared there. */
function groupedPlan(): Plan {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-replace-"));
  try {
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
    );
    const example = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.example.yaml"), "utf8"));
    example.config["mta-sts:hosting"] = { domainsPerDistribution: 2 };
    fs.writeFileSync(path.join(dir, "Pulumi.g.yaml"), YAML.stringify(example));
    const res = spawnSync(
      process.execPath,
      [
        path.join(root, "bin", "mtasts.cjs"),
        "plan",
        "--stack",
        "g",
        "--dir",
        dir,
        "--format",
        "json",
      ],
      { encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    return JSON.parse(res.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the replace-forcing inputs table", () => {
  // The example stack is in mode tenants; its grouped variant declares the grouped layout's types.
  let plan: Plan;
  let grouped: Plan;
  beforeAll(() => {
    const res = spawnSync(
      process.execPath,
      [path.join(root, "bin", "mtasts.cjs"), "plan", "--stack", "example", "--format", "json"],
      { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    plan = JSON.parse(res.stdout);
    grouped = groupedPlan();
  }, 120_000);

  it("says what the provider sources say, and cites them", () => {
    expect(Object.keys(REPLACE_ON).sort()).toEqual(Object.keys(PROVIDER_SAYS).sort());
    for (const [type, says] of Object.entries(PROVIDER_SAYS)) {
      expect(REPLACE_ON[type].inputs.filter((i) => i !== "region")).toEqual(says.inputs);
      expect(REPLACE_ON[type].source).toContain(says.file);
    }
    // Inputs that update in place are not in it: a TTL or a record value never replaces.
    for (const updatable of ["ttl", "records", "aliases", "content", "type"]) {
      expect(REPLACE_ON["aws:route53/record:Record"].inputs).not.toContain(updatable);
      expect(REPLACE_ON["cloudflare:index/dnsRecord:DnsRecord"].inputs).not.toContain(updatable);
    }
  });

  it("covers resource types the program declares, under the input names it records", () => {
    const declared = new Map<string, PlanResource>();
    for (const r of [...plan.resources, ...grouped.resources])
      if (r.custom && !declared.has(r.type)) declared.set(r.type, r);
    for (const type of Object.keys(REPLACE_ON)) expect(declared.has(type), type).toBe(true);
    const inputsOf = (type: string) => Object.keys(declared.get(type)!.inputs ?? {});
    expect(inputsOf("aws:acm/certificate:Certificate")).toEqual(
      expect.arrayContaining([
        "domainName",
        "subjectAlternativeNames",
        "validationMethod",
        "region",
      ]),
    );
    expect(inputsOf("aws:acm/certificateValidation:CertificateValidation")).toEqual(
      expect.arrayContaining(["certificateArn"]),
    );
    expect(inputsOf("aws:route53/record:Record")).toEqual(
      expect.arrayContaining(["zoneId", "name"]),
    );
    expect(inputsOf("cloudflare:index/dnsRecord:DnsRecord")).toEqual(
      expect.arrayContaining(["zoneId"]),
    );
    expect(inputsOf("aws:s3/bucketObjectv2:BucketObjectv2")).toEqual(
      expect.arrayContaining(["bucket", "key"]),
    );
    expect(inputsOf("aws:cloudfront/distributionTenant:DistributionTenant")).toEqual(
      expect.arrayContaining(["distributionId"]),
    );
    // The connection group's name is the engine's (picked once, kept): what the program sets updates in place.
    const group = "aws:cloudfront/connectionGroup:ConnectionGroup";
    expect(inputsOf(group)).toEqual(expect.arrayContaining(["enabled", "ipv6Enabled"]));
    expect(inputsOf(group)).not.toContain("name");
    expect(replacingInputs(group, inputsOf(group))).toEqual([]);
    const template = "aws:cloudfront/multitenantDistribution:MultitenantDistribution";
    expect(inputsOf(template)).toEqual(
      expect.arrayContaining(["origins", "defaultCacheBehavior", "viewerCertificate", "enabled"]),
    );
    expect(replacingInputs(template, inputsOf(template))).toEqual([]);
  });

  it("keeps long inputs (Lambda bundles, policies) as a digest that still changes with them", () => {
    const fn = plan.resources.find((r) => r.type === "aws:lambda/function:Function")!;
    expect(JSON.stringify(fn.inputs).length).toBeLessThan(20_000);
    expect(JSON.stringify(plan).length).toBeLessThan(2_000_000);
  });

  it("picks the replace-forcing inputs among the changed ones", () => {
    expect(replacingInputs("aws:route53/record:Record", ["records", "ttl"])).toEqual([]);
    expect(replacingInputs("aws:route53/record:Record", ["ttl", "zoneId"])).toEqual(["zoneId"]);
    expect(
      replacingInputs("aws:cloudfront/distribution:Distribution", ["aliases", "viewerCertificate"]),
    ).toEqual([]);
    expect(
      replacingInputs("aws:cloudfront/connectionGroup:ConnectionGroup", [
        "enabled",
        "ipv6Enabled",
        "name",
      ]),
    ).toEqual(["name"]);
    expect(
      replacingInputs("aws:cloudfront/multitenantDistribution:MultitenantDistribution", [
        "comment",
        "defaultCacheBehavior",
        "enabled",
        "origins",
        "tenantConfig",
        "viewerCertificate",
      ]),
    ).toEqual([]);
  });
});

const resource = (type: string, name: string, inputs: Record<string, unknown>): PlanResource => ({
  type,
  name,
  urn: `urn:pulumi:s::p::${type}::${name}`,
  custom: true,
  inputs,
});
const planOf = (resources: PlanResource[]): Plan => ({
  version: PLAN_VERSION,
  stack: "s",
  domains: [],
  resources,
  groups: [],
  receiverRecords: [],
  totals: { resources: 0, cloudResources: 0, shared: 0, domains: 0, perDomain: 0 },
  violations: [],
  policyNotRun: [],
});

describe("resource effects by URN", () => {
  const cert = (sans: string[]) =>
    resource("aws:acm/certificate:Certificate", "g0-cert", {
      domainName: "mta-sts.a.test",
      subjectAlternativeNames: sans,
      validationMethod: "DNS",
      region: "us-east-1",
    });
  const txt = (zoneId: string, ttl: number) =>
    resource("aws:route53/record:Record", "a-txt", {
      zoneId,
      name: "_mta-sts.a.test",
      type: "TXT",
      ttl,
      records: ["v=STSv1; id=1;"],
    });
  const cdn = (aliases: string[]) =>
    resource("aws:cloudfront/distribution:Distribution", "g0-cdn", { aliases });

  it("replace with the input and what changed in it; update with the inputs; create and delete", () => {
    const before = planOf([
      cert(["mta-sts.b.test"]),
      txt("Z1", 300),
      cdn(["mta-sts.a.test"]),
      resource("aws:s3/bucket:Bucket", "gone", {}),
    ]);
    const after = planOf([
      cert(["mta-sts.b.test", "mta-sts.c.test"]),
      txt("Z1", 900),
      cdn(["mta-sts.a.test", "mta-sts.c.test"]),
      resource("aws:s3/bucket:Bucket", "new", {}),
    ]);
    const r = diffPlans("main", { plan: before, version: PLAN_VERSION }, after).resources;
    expect(r.replace).toEqual([
      expect.objectContaining({
        name: "g0-cert",
        inputs: ["subjectAlternativeNames"],
        reason:
          "subjectAlternativeNames + mta-sts.c.test: the provider replaces a certificate when subjectAlternativeNames changes",
      }),
    ]);
    expect(r.update.map((u) => [u.name, u.inputs])).toEqual([
      ["a-txt", ["ttl"]],
      ["g0-cdn", ["aliases"]],
    ]);
    expect(r.create.map((c) => c.name)).toEqual(["new"]);
    expect(r.delete.map((c) => c.name)).toEqual(["gone"]);
    const moved = diffPlans(
      "main",
      { plan: planOf([txt("Z1", 300)]), version: PLAN_VERSION },
      planOf([txt("Z2", 300)]),
    ).resources;
    expect(moved.replace[0].reason).toBe(
      "zoneId Z1 -> Z2: the provider replaces a Route53 record when zoneId changes",
    );
  });

  it("replaces a connection group only when its name changes; updates the multi-tenant distribution", () => {
    const group = (name: string, ipv6Enabled: boolean) =>
      resource("aws:cloudfront/connectionGroup:ConnectionGroup", "cg", {
        enabled: true,
        ipv6Enabled,
        ...(name ? { name } : {}),
      });
    const template = (originPath: string, minimumProtocolVersion: string) =>
      resource("aws:cloudfront/multitenantDistribution:MultitenantDistribution", "cdn", {
        enabled: true,
        origins: [{ id: "policy-bucket", originPath }],
        viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion },
      });
    const r = diffPlans(
      "main",
      { plan: planOf([group("cg-a", true), template("", "TLSv1.2_2019")]), version: PLAN_VERSION },
      planOf([group("cg-b", false), template("/p", "TLSv1.2_2021")]),
    ).resources;
    expect(r.replace).toEqual([
      expect.objectContaining({
        name: "cg",
        inputs: ["name"],
        reason: "name cg-a -> cg-b: the provider replaces a connection group when name changes",
      }),
    ]);
    expect(r.update.map((u) => [u.name, u.inputs])).toEqual([
      ["cdn", ["origins", "viewerCertificate"]],
    ]);
    const inPlace = diffPlans(
      "main",
      { plan: planOf([group("", true)]), version: PLAN_VERSION },
      planOf([group("", false)]),
    ).resources;
    expect([inPlace.replace, inPlace.update.map((u) => [u.name, u.inputs])]).toEqual([
      [],
      [["cg", ["ipv6Enabled"]]],
    ]);
  });

  it("says input changes in words", () => {
    expect(inputChange("subjectAlternativeNames", ["a", "b"], ["b", "c"])).toBe(
      "subjectAlternativeNames + c, - a",
    );
    expect(inputChange("aliases", ["a", "b"], ["b", "a"])).toBe("aliases reordered");
    expect(inputChange("ttl", undefined, 300)).toBe("ttl set to 300");
    expect(inputChange("ttl", 300, undefined)).toBe("ttl unset (was 300)");
  });
});

describe("reading the base's plan", () => {
  it("reads a plan without a version (version 1) and says what it cannot compare", () => {
    const v1 = {
      stack: "s",
      domains: [],
      resources: [{ type: "aws:s3/bucket:Bucket", name: "b", custom: true }],
      groups: [],
      receiverRecords: [],
      totals: {},
      violations: [],
      policyNotRun: [],
    };
    const base = readBasePlan(JSON.stringify(v1));
    expect(base.version).toBe(1);
    const after = planOf([
      resource("aws:s3/bucket:Bucket", "b", { bucket: "x" }),
      resource("aws:s3/bucket:Bucket", "c", {}),
    ]);
    const diff = diffPlans("main", base, after);
    expect(diff.resources.create.map((r) => r.name)).toEqual(["c"]);
    expect(diff.resources.update).toEqual([]);
    expect(diff.notes[0]).toMatch(
      /^the base was planned by an mtasts whose plan has no version \(plan version 1\): .* zone changes and resource updates and replacements are not shown against main/,
    );
  });

  it("refuses, in one line, what it cannot read", () => {
    expect(() => readBasePlan("Usage: mtasts [options]")).toThrow(BaseUnreadable);
    expect(() => readBasePlan(JSON.stringify({ stack: "s" }))).toThrow(
      /its plan has no domains and resources/,
    );
    expect(() =>
      readBasePlan(JSON.stringify({ version: PLAN_VERSION + 1, domains: [], resources: [] })),
    ).toThrow(
      `its plan is version ${PLAN_VERSION + 1}, newer than this mtasts reads (${PLAN_VERSION})`,
    );
  });
});
