// `mtasts plan` knows the tenant mode: each domain says what serves it (its group's distribution,
// its own tenant, or nothing while it leaves its group), tenants are counted, and a --diff that
// moves a host in an order CloudFront or DNS refuses is a mandatory violation.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { hostingWords, PLAN_VERSION, type Plan, type PlanDomain } from "../cli/plan";
import { hostMoveViolations } from "../cli/plan-diff";
import { renderMarkdown } from "../cli/plan-markdown";
import { tenantName } from "../components/policy-tenants";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const domains = [
  {
    domain: "a.example",
    dns: { provider: "route53", zoneId: "Z0123456789ABC" },
    mx: ["mx.a.example"],
    mode: "testing",
  },
  {
    domain: "b.example",
    dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
    mx: ["mx.b.example"],
    mode: "testing",
  },
  { domain: "c.example", dns: { provider: "manual" }, mx: ["mx.c.example"], mode: "testing" },
];

function plan(hosting: Record<string, unknown>, format = "json") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-plan-tenants-"));
  dirs.push(dir);
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  fs.writeFileSync(
    path.join(dir, "Pulumi.s.yaml"),
    YAML.stringify({
      config: { "aws:region": "eu-west-1", "mta-sts:hosting": hosting, "mta-sts:domains": domains },
    }),
  );
  const res = spawnSync(
    process.execPath,
    [bin, "plan", "--stack", "s", "--dir", dir, "--format", format],
    { encoding: "utf8" },
  );
  if (!res.stdout) throw new Error(`mtasts plan failed: ${res.stderr}`);
  return res.stdout;
}

describe("a plan in mode tenants", () => {
  let tenants: Plan;
  let moving: Plan;
  beforeAll(() => {
    tenants = JSON.parse(plan({ mode: "tenants" }));
    moving = JSON.parse(
      plan({
        mode: "tenants",
        migration: { domainsPerDistribution: 2, grouped: ["a.example"], releasing: ["b.example"] },
      }),
    );
  }, 120_000);

  it("gives each domain its tenant (CloudFront's name for it), not a group", () => {
    expect(tenants.domains.map((d) => [d.domain, d.group, d.hosting])).toEqual(
      domains.map((d) => [d.domain, -1, { placement: "tenant", tenant: tenantName(d.domain) }]),
    );
    expect(tenants.groups).toEqual([]);
  });

  it("counts the tenants, one per domain, each among its domain's resources", () => {
    expect(tenants.totals.tenants).toBe(3);
    const tenantResources = tenants.resources.filter(
      (r) => r.type === "aws:cloudfront/distributionTenant:DistributionTenant",
    );
    expect(tenantResources.map((r) => r.domain)).toEqual(domains.map((d) => d.domain));
    // route53: host CNAME, policy object, tenant, _mta-sts, _smtp._tls (the receiver's rua); cloudflare the same; manual: object and tenant.
    expect(tenants.domains.map((d) => d.resourceCount)).toEqual([5, 5, 2]);
  });

  it("while moving: a domain still grouped names its distribution, one leaving its group says nothing serves it", () => {
    expect(moving.domains.map((d) => d.hosting)).toEqual([
      { placement: "group", group: 0, distribution: "mta-sts-site-group-0" },
      { placement: "releasing" },
      { placement: "tenant", tenant: tenantName("c.example") },
    ]);
    expect(moving.groups).toEqual([
      { name: "mta-sts-site-group-0", domains: ["a.example"], resourceCount: 3 },
    ]);
    expect(moving.totals.tenants).toBe(1);
  });

  it("says so in text and markdown", () => {
    const text = plan({ mode: "tenants" }, "text");
    expect(text).toContain(
      `a.example  mode testing, DNS route53, tenant ${tenantName("a.example")}`,
    );
    expect(text).toContain(
      "  distribution tenants: 3 (one per domain, each with its own certificate; counted with their domains below)",
    );
    const md = renderMarkdown(moving);
    expect(md).toContain("| domain | mode | DNS | policy id | served by |");
    expect(md).toContain(
      `| a.example | testing | route53 | \`${moving.domains[0].policy.id}\` | group 0 |`,
    );
    expect(md).toContain(
      `| b.example | testing | cloudflare | \`${moving.domains[1].policy.id}\` | releasing |`,
    );
    expect(md).toContain(
      `| c.example | testing | manual | \`${moving.domains[2].policy.id}\` | tenant ${tenantName("c.example")} |`,
    );
  });

  it("reads a base planned before hosting was recorded as grouped", () => {
    const old = { group: 3 } as Pick<PlanDomain, "group" | "hosting">;
    expect(hostingWords(old)).toBe("group 3");
  });
});

describe("plan --diff: a host moved in an order CloudFront or DNS refuses", () => {
  const urn = (type: string, name: string) => `urn:pulumi:s::mta-sts::${type}::${name}`;
  const DIST = "aws:cloudfront/distribution:Distribution";
  const TENANT = "aws:cloudfront/distributionTenant:DistributionTenant";
  const R53 = "aws:route53/record:Record";
  const base = (resources: Plan["resources"], groups: Plan["groups"] = []): Plan => ({
    version: PLAN_VERSION,
    stack: "s",
    domains: [],
    resources,
    groups,
    receiverRecords: [],
    totals: {
      resources: resources.length,
      cloudResources: resources.length,
      shared: 0,
      domains: 0,
      perDomain: 0,
    },
    violations: [],
    policyNotRun: [],
  });
  const grouped = base(
    [
      {
        type: DIST,
        name: "g0-cdn",
        urn: urn(DIST, "g0-cdn"),
        custom: true,
        group: "g0",
        inputs: { aliases: ["mta-sts.a.example"] },
      },
      {
        type: R53,
        name: "a-host-a",
        urn: urn(R53, "a-host-a"),
        custom: true,
        domain: "a.example",
        inputs: { name: "mta-sts.a.example", type: "A" },
      },
    ],
    [{ name: "g0", domains: ["a.example"], resourceCount: 1 }],
  );
  const tenant = {
    type: TENANT,
    name: "a-tenant",
    urn: urn(TENANT, "a-tenant"),
    custom: true,
    domain: "a.example",
    inputs: { domains: [{ domain: "mta-sts.a.example" }] },
  };
  const cname = {
    type: R53,
    name: "a-host",
    urn: urn(R53, "a-host"),
    custom: true,
    domain: "a.example",
    inputs: { name: "mta-sts.a.example", type: "CNAME" },
  };

  it("a tenant and its CNAME in one step from the grouped layout: both conflicts, mandatory, with the two-step fix", () => {
    const found = hostMoveViolations(
      { plan: grouped, version: PLAN_VERSION },
      base([tenant, cname]),
      "main",
    );
    expect(found.map((v) => [v.policy, v.level, v.resource])).toEqual([
      ["host-move-order", "mandatory", "mta-sts.a.example"],
      ["host-move-order", "mandatory", "mta-sts.a.example"],
    ]);
    expect(found[0].message).toMatch(
      /^against main: mta-sts\.a\.example: a tenant is created while distribution .*g0-cdn still has it as an alias/,
    );
    expect(found[1].message).toMatch(/CNAME .*a-host is created while A .*a-host-a is still there/);
    expect(found[0].remediation).toMatch(/migration\.releasing/);
  });

  it("a distribution whose inputs the plan digested still holds its group's hosts", () => {
    const digested = base(
      [
        {
          ...grouped.resources[0],
          inputs: "sha256:0123456789abcdef (5000 characters)" as unknown as Record<string, unknown>,
        },
      ],
      grouped.groups,
    );
    expect(
      hostMoveViolations({ plan: digested, version: PLAN_VERSION }, base([tenant]), "main"),
    ).toHaveLength(1);
  });

  it("a record at the same name in another zone or provider is no conflict (a domain moving from Route53 to Cloudflare)", () => {
    const r53 = {
      ...grouped.resources[1],
      inputs: { zoneId: "ZAAAAAAAAAAAAA", name: "mta-sts.a.example", type: "A" },
    };
    const CF = "cloudflare:index/dnsRecord:DnsRecord";
    const cf = {
      type: CF,
      name: "a-host",
      urn: urn(CF, "a-host"),
      custom: true,
      domain: "a.example",
      inputs: {
        zoneId: "0123456789abcdef0123456789abcdef",
        name: "mta-sts.a.example",
        type: "CNAME",
      },
    };
    expect(
      hostMoveViolations({ plan: base([r53]), version: PLAN_VERSION }, base([cf]), "main"),
    ).toEqual([]);
    const sameZone = { ...cname, inputs: { ...cname.inputs, zoneId: "ZAAAAAAAAAAAAA" } };
    expect(
      hostMoveViolations({ plan: base([r53]), version: PLAN_VERSION }, base([sameZone]), "main"),
    ).toHaveLength(1);
  });

  it("the released host getting its tenant afterwards is fine, and so is a base too old to compare", () => {
    const released = base([]);
    expect(
      hostMoveViolations({ plan: released, version: PLAN_VERSION }, base([tenant, cname]), "main"),
    ).toEqual([]);
    expect(
      hostMoveViolations({ plan: grouped, version: 1 }, base([tenant, cname]), "main"),
    ).toEqual([]);
    expect(hostMoveViolations(undefined, base([tenant, cname]), "main")).toEqual([]);
  });
});
