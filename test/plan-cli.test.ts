// `mtasts plan` end to end: the real bin, the real index.ts, the example stack file.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";
import { tenantName } from "../components/policy-tenants";
import { policyId } from "../protocol";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");

// The --diff base's worktree cache, inside a directory the suite removes.
const cache = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-plan-cache-"));

function mtasts(args: string[], cwd = root) {
  const res = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true", MTASTS_BASE_CACHE: cache },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A project directory of its own whose Pulumi.yaml points at our index.ts. */
function tempProject(stackText: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-plan-"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  fs.writeFileSync(path.join(dir, "Pulumi.example.yaml"), stackText);
  return dir;
}
const exampleText = fs.readFileSync(path.join(root, "Pulumi.example.yaml"), "utf8");
/** The example stack in hosting mode grouped, as its comment says to write it: two domains a distribution. */
const groupedText = exampleText.replace(/^ {4}mode: tenants\n/m, "    domainsPerDistribution: 2\n");
const dirs: string[] = [cache];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("mtasts plan --stack example", () => {
  let plan: Plan;
  beforeAll(() => {
    const res = mtasts(["plan", "--stack", "example", "--format", "json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    plan = JSON.parse(res.stdout);
  });

  it("prints the JSON contract: stack, domains with policy and records, resources", () => {
    expect(plan.stack).toBe("example");
    expect(plan.domains.map((d) => [d.domain, d.mode])).toEqual([
      ["example.com", "testing"],
      ["example.org", "enforce"],
      ["example.net", "testing"],
    ]);
    for (const d of plan.domains) {
      expect(d.policy.id).toBe(policyId(d.policy.text));
      expect(d.policy.url).toBe(`https://mta-sts.${d.domain}/.well-known/mta-sts.txt`);
      expect(d.policy.text).toMatch(/^version: STSv1\r\n/);
      const sts = d.records.find((r) => r.name === `_mta-sts.${d.domain}`);
      expect(sts).toMatchObject({
        type: "TXT",
        ttl: 300,
        values: [`v=STSv1; id=${d.policy.id};`],
        managedBy: d.dnsProvider,
        known: true,
      });
    }
    expect(plan.domains[0].policy.text).toBe(
      "version: STSv1\r\nmode: testing\r\nmx: *.mail.example.net\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n",
    );
    // Hosting mode tenants: one multi-tenant distribution and its connection group, no group distribution.
    expect(plan.resources).toContainEqual(
      expect.objectContaining({
        type: "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
        name: "mta-sts-site-tenants-cdn",
      }),
    );
    expect(plan.resources).toContainEqual(
      expect.objectContaining({
        type: "aws:cloudfront/connectionGroup:ConnectionGroup",
        name: "mta-sts-site-tenants-connections",
      }),
    );
    expect(
      plan.resources.filter((r) => r.type === "aws:cloudfront/distribution:Distribution"),
    ).toEqual([]);
    expect(
      plan.resources.every((r) => typeof r.type === "string" && typeof r.name === "string"),
    ).toBe(true);
    expect(plan.violations).toEqual([]);
  });

  it("shows values only known after deploy as such, never invented", () => {
    const com = plan.domains[0].records;
    // The host record is a CNAME to the connection group, whose name CloudFront picks.
    expect(
      com
        .filter((r) => r.name === "mta-sts.example.com")
        .map((r) => [r.type, r.alias, r.values, r.known]),
    ).toEqual([["CNAME", false, ["(known after deploy)"], false]]);
    // No ACM validation record: CloudFront requests and validates each tenant's certificate itself.
    expect(com.filter((r) => r.purpose.startsWith("ACM DNS validation"))).toEqual([]);
    expect(JSON.stringify(plan)).not.toMatch(/cloudfront\.net|acm-validations/);
  });

  it("counts resources per domain and the tenants, with no groups", () => {
    expect(plan.domains.map((d) => d.resourceCount)).toEqual([5, 5, 2]);
    // Each domain has a tenant of its own (CloudFront's name for it), no distribution group.
    expect(plan.domains.map((d) => [d.group, d.hosting])).toEqual(
      ["example.com", "example.org", "example.net"].map((d) => [
        -1,
        { placement: "tenant", tenant: tenantName(d) },
      ]),
    );
    expect(plan.groups).toEqual([]);
    expect(plan.totals.tenants).toBe(3);
    expect(plan.totals.cloudResources).toBe(5 + 5 + 2 + plan.totals.shared);
  });

  it("prints zone-file lines and the policy in text, and a table in markdown", () => {
    const text = mtasts(["plan", "--stack", "example"]).stdout;
    expect(text).toContain(
      `_mta-sts.example.org. 300 IN TXT "v=STSv1; id=${plan.domains[1].policy.id};"`,
    );
    expect(text).toContain(
      '_smtp._tls.example.com. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.com/tlsrpt"',
    );
    expect(text).toContain(
      "  ; TLS-RPT mail to SES inbound\n  tlsrpt.example.com. 300 IN MX 10 inbound-smtp.eu-west-1.amazonaws.com.\n",
    );
    // No padding to line comments up: each record line is the record alone, its comment above it.
    const records = text.split("\n").filter((l) => / IN (TXT|CNAME|MX|A|AAAA) /.test(l));
    expect(records.length).toBeGreaterThan(10);
    for (const line of records) expect(line).toMatch(/^ {2}\S.*[^ ;]$/);
    expect(records.filter((l) => l.includes(" ; "))).toEqual([]);
    expect(text).toContain(
      "  ; policy host -> CloudFront connection group (the tenant's certificate validates through it)\n  mta-sts.example.com. 300 IN CNAME (known after deploy)\n",
    );
    expect(text).toContain(
      `example.net  mode testing, DNS manual (add these records by hand), tenant ${tenantName("example.net")}`,
    );
    expect(text).toContain("    mx: *.mail.example.net");
    expect(text).toContain(
      "  aws:route53/record:Record  mta-sts-example.com-dns-sts-txt  [example.com]",
    );
    expect(text).toContain(
      "  aws:cloudfront/distributionTenant:DistributionTenant  mta-sts-example.com-tenant  [example.com]",
    );
    expect(text).toContain(
      "  aws:cloudfront/connectionGroup:ConnectionGroup  mta-sts-site-tenants-connections  [shared]",
    );
    const md = mtasts(["plan", "--stack", "example", "--format", "markdown"]).stdout;
    expect(md).toContain("| domain | mode | DNS | policy id | served by |");
    expect(md).toContain(
      `| example.org | enforce | cloudflare | \`${plan.domains[1].policy.id}\` | tenant ${tenantName("example.org")} |`,
    );
    expect(md).toContain("### Policy pack\n\nNo violations.");
    expect(text).toContain("Policy pack: no violations");
  });
});

describe("mtasts plan on the example stack in hosting mode grouped (domainsPerDistribution: 2)", () => {
  let dir: string;
  let plan: Plan;
  beforeAll(() => {
    expect(groupedText).not.toBe(exampleText);
    dir = tempProject(groupedText);
    dirs.push(dir);
    const res = mtasts(["plan", "--stack", "example", "--dir", dir, "--format", "json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    plan = JSON.parse(res.stdout);
  });

  it("declares a distribution per group, no tenant", () => {
    expect(plan.resources).toContainEqual(
      expect.objectContaining({
        type: "aws:cloudfront/distribution:Distribution",
        name: "mta-sts-site-group-0-cdn",
      }),
    );
    expect(
      plan.resources.filter((r) => r.type.startsWith("aws:cloudfront/distributionTenant")),
    ).toEqual([]);
    expect(plan.violations).toEqual([]);
  });

  it("shows values only known after deploy as such, never invented", () => {
    const com = plan.domains[0].records;
    expect(com.find((r) => r.purpose.startsWith("ACM DNS validation"))).toMatchObject({
      name: "(known after deploy)",
      values: ["(known after deploy)"],
      known: false,
    });
    expect(
      com
        .filter((r) => r.name === "mta-sts.example.com")
        .map((r) => [r.type, r.alias, r.values[0]]),
    ).toEqual([
      ["A", true, "(known after deploy)"],
      ["AAAA", true, "(known after deploy)"],
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/cloudfront\.net|acm-validations/);
  });

  it("counts resources per domain and per group", () => {
    expect(plan.domains.map((d) => d.resourceCount)).toEqual([6, 5, 1]);
    // example.net (manual DNS) has a group of its own (domainsPerDistribution: 2)
    expect(plan.groups).toEqual([
      { name: "mta-sts-site-group-0", domains: ["example.com", "example.org"], resourceCount: 3 },
      { name: "mta-sts-site-group-1", domains: ["example.net"], resourceCount: 3 },
    ]);
    expect(plan.totals.cloudResources).toBe(6 + 5 + 1 + 3 + 3 + plan.totals.shared);
  });

  it("prints the alias records and the group's certificate in text, the group in markdown", () => {
    const text = mtasts(["plan", "--stack", "example", "--dir", dir]).stdout;
    expect(text).toContain("mta-sts.example.com. 60 IN AAAA ALIAS (known after deploy)");
    expect(text).toContain(
      "example.net  mode testing, DNS manual (add these records by hand), group 1",
    );
    expect(text).toContain(
      "  aws:acm/certificate:Certificate  mta-sts-site-group-0-cert  [mta-sts-site-group-0]",
    );
    const md = mtasts(["plan", "--stack", "example", "--dir", dir, "--format", "markdown"]).stdout;
    expect(md).toContain(
      `| example.org | enforce | cloudflare | \`${plan.domains[1].policy.id}\` | group 0 |`,
    );
  });
});

describe("mtasts plan errors", () => {
  it("stops when the receiver (on by default) has no region to live in, naming aws:region and both fixes", () => {
    const dir = tempProject(exampleText.replace("  aws:region: eu-west-1\n", ""));
    dirs.push(dir);
    const res = mtasts(["plan", "--stack", "example", "--dir", dir]);
    expect([res.code, res.stdout]).toEqual([1, ""]);
    expect(res.stderr).toBe(
      "mtasts plan: invalid stack config (1 problem):\n  aws:region: is not set, and the TLS-RPT receiver (on by default) lives in a region (its functions, dashboard and SES inbound); set it with pulumi config set aws:region <region>, or turn the receiver off with mta-sts:receiver: { enabled: false }\n",
    );
  });

  it("stops on an invalid config with one line per problem, exit 1, nothing planned", () => {
    const bad = exampleText
      .replace("mx: [mx.example.org]", 'mx: ["mx.*.example.org"]')
      .replace("maxAge: 86400", "maxAge: 0");
    const dir = tempProject(bad);
    dirs.push(dir);
    const res = mtasts(["plan", "--stack", "example", "--dir", dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain("invalid stack config (2 problems)");
    expect(res.stderr).toContain(
      "mta-sts:domains[0] (example.com).maxAge: must be within 1..31557600 seconds",
    );
    expect(res.stderr).toContain(
      'mta-sts:domains[1] (example.org).mx[0]: "mx.*.example.org" has a wildcard that is not the whole leftmost label',
    );
  });

  it("is a usage error (exit 2) to name a missing stack, an unknown format or a missing ref", () => {
    expect(mtasts(["plan", "--stack", "nope"]).code).toBe(2);
    expect(mtasts(["plan", "--format", "yaml"]).code).toBe(2);
    const res = mtasts(["plan", "--diff", "no-such-ref-xyz"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("no such git ref");
  });
});

describe("mtasts plan --diff", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempProject(exampleText);
    dirs.push(dir);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base");
    const changed = exampleText
      .replace(
        'mx: [mx1.example.com, "*.mail.example.net"]',
        'mx: [mx1.example.com, mx2.example.com, "*.mail.example.net"]',
      )
      .replace(
        "  mta-sts:hosting:",
        '    - domain: example.info\n      dns: { provider: route53, zoneId: Z0123456789ABD }\n      mx: [mx.example.info]\n      rua: ["mailto:tls@example.info"]\n  mta-sts:hosting:',
      )
      .replace('      rua: ["mailto:tls@example.net"]\n', "");
    fs.writeFileSync(path.join(dir, "Pulumi.example.yaml"), changed);
  });

  it("lists the DNS records added, removed and changed against the ref", () => {
    const res = mtasts([
      "plan",
      "--stack",
      "example",
      "--dir",
      dir,
      "--format",
      "json",
      "--diff",
      "HEAD",
    ]);
    expect(res.stderr).toBe("");
    const plan: Plan = JSON.parse(res.stdout);
    expect(plan.version).toBe(2);
    const diff = plan.diff!;
    expect(diff.base).toBe("HEAD");
    expect(diff.newStack).toBe(false);
    // Mode tenants: the new domain's host CNAME and its two TXT records; no validation record.
    expect(diff.records.added.map((r) => `${r.name} ${r.type}`).sort()).toEqual(
      [
        "_mta-sts.example.info TXT",
        "_smtp._tls.example.info TXT",
        "mta-sts.example.info CNAME",
      ].sort(),
    );
    expect(diff.records.added.find((r) => r.type === "TXT")).toMatchObject({
      provider: "route53",
      zone: "Z0123456789ABD",
      domain: "example.info",
      ttl: 300,
    });
    // example.net keeps a _smtp._tls record (the receiver's addresses); only its own rua goes
    expect(diff.records.removed).toEqual([]);
    const changed = diff.records.changed;
    expect(changed.map((c) => `${c.name} ${c.type}`)).toEqual([
      "_mta-sts.example.com TXT",
      "_smtp._tls.example.net TXT",
    ]);
    expect(changed[0].fields).toEqual(["values"]);
    expect(changed[0].before.values[0]).not.toBe(changed[0].after.values[0]);
    expect(changed[0].after.values[0]).toBe(`v=STSv1; id=${plan.domains[0].policy.id};`);
    expect(changed[1]).toMatchObject({
      before: {
        values: [
          "v=TLSRPTv1; rua=mailto:tls@example.net,mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.net/tlsrpt",
        ],
        provider: "manual",
        zone: null,
      },
      after: {
        values: [
          "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.net/tlsrpt",
        ],
      },
    });
    // A domain added in mode tenants replaces nothing: all it creates is its own.
    expect(diff.resources.replace).toEqual([]);
    expect(diff.resources.delete).toEqual([]);
    expect(diff.resources.create.map((r) => [r.domain, r.name])).toEqual([
      ["example.info", "mta-sts-example.info-policy"],
      ["example.info", "mta-sts-example.info-dns-mta-sts-host"],
      ["example.info", "mta-sts-example.info-tenant"],
      ["example.info", "mta-sts-example.info-dns-sts-txt"],
      ["example.info", "mta-sts-example.info-dns-tlsrpt-txt"],
    ]);
    expect(diff.policies.map((p) => [p.domain, p.before?.mx, p.after?.mx])).toEqual([
      [
        "example.com",
        ["*.mail.example.net", "mx1.example.com"],
        ["*.mail.example.net", "mx1.example.com", "mx2.example.com"],
      ],
      ["example.info", undefined, ["mx.example.info"]],
    ]);
  });

  it("renders the diff for a pull request comment in markdown", () => {
    const md = mtasts([
      "plan",
      "--stack",
      "example",
      "--dir",
      dir,
      "--format",
      "markdown",
      "--diff",
      "HEAD",
    ]).stdout;
    expect(
      md.startsWith(
        "<!-- mtasts-plan: stack example -->\n## MTA-STS plan: stack `example` against `HEAD`",
      ),
    ).toBe(true);
    expect(md).toContain("### DNS record changes (2 changed, 3 added, 0 removed)");
    expect(md).toContain('+ _mta-sts.example.info. 300 IN TXT "v=STSv1; id=');
    expect(md).toContain(
      '- _smtp._tls.example.net. 300 IN TXT "v=TLSRPTv1; rua=mailto:tls@example.net,mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.net/tlsrpt" ; manual DNS: change by hand',
    );
    expect(md).toContain(
      '+ _smtp._tls.example.net. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt.example.com,https://mta-sts.example.net/tlsrpt" ; manual DNS: change by hand',
    );
    expect(md).toContain("+ mx: mx2.example.com");
  });

  it("treats a stack file that did not exist at the ref as all new, and says so", () => {
    fs.copyFileSync(path.join(dir, "Pulumi.example.yaml"), path.join(dir, "Pulumi.other.yaml"));
    const other = JSON.parse(
      mtasts(["plan", "--stack", "other", "--dir", dir, "--format", "json", "--diff", "HEAD"])
        .stdout,
    ) as Plan;
    expect(other.diff!.newStack).toBe(true);
    expect(other.diff!.records.removed).toEqual([]);
    expect(other.diff!.records.added).toHaveLength(
      other.domains.flatMap((d) => d.records).length + other.receiverRecords.length,
    );
    expect(other.diff!.resources.create).toHaveLength(other.totals.cloudResources);
    const text = mtasts(["plan", "--stack", "other", "--dir", dir, "--diff", "HEAD"]).stdout;
    expect(text).toContain(
      "Pulumi.other.yaml does not exist at HEAD: a new stack, so everything is added",
    );
  });
});
