// The pull request comment fits GitHub's 65,536 characters at any fleet size: the renderer alone
// on made-up plans of 10,000 domains, and the real bin on a 1,000-domain stack with one changed MX.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { PLAN_VERSION, type Plan, type PlanDomain } from "../cli/plan";
import { diffPlans } from "../cli/plan-diff";
import { COMMENT_LIMIT, commentMarker, renderMarkdown } from "../cli/plan-markdown";

const GITHUB_LIMIT = 65_536;

function domain(i: number, mx = `mx1.d${i}.example.com`, mode = "testing"): PlanDomain {
  const text = `version: STSv1\r\nmode: ${mode}\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;
  const id = createHash("sha256").update(text).digest("hex").slice(0, 32);
  const rec = (name: string, type: string, value: string, purpose: string) => ({
    name,
    type,
    ttl: 300,
    values: [value],
    managedBy: "route53" as const,
    purpose,
    alias: false,
    known: true,
    zone: "Z0123456789ABC",
  });
  return {
    domain: `d${i}.example.com`,
    mode,
    dnsProvider: "route53",
    group: Math.floor(i / 10),
    policy: { id, text, url: `https://mta-sts.d${i}.example.com/.well-known/mta-sts.txt` },
    records: [
      rec(`_mta-sts.d${i}.example.com`, "TXT", `v=STSv1; id=${id};`, "MTA-STS policy id"),
      rec(
        `_smtp._tls.d${i}.example.com`,
        "TXT",
        `v=TLSRPTv1; rua=mailto:tlsrpt@d${i}.example.com`,
        "TLS-RPT reporting addresses",
      ),
      rec(
        `mta-sts.d${i}.example.com`,
        "CNAME",
        "(known after deploy)",
        "policy host -> CloudFront",
      ),
    ],
    resourceCount: 5,
    mxCheck: { status: "not-run", message: "" },
  };
}

function fleet(n: number, change: (i: number) => PlanDomain = domain): Plan {
  const domains = Array.from({ length: n }, (_, i) => change(i));
  return {
    version: PLAN_VERSION,
    stack: "big",
    domains,
    resources: domains.flatMap((d) => [
      {
        type: "aws:route53/record:Record",
        name: `mta-sts-${d.domain}-dns-sts-txt`,
        urn: `urn:pulumi:big::mta-sts::aws:route53/record:Record::mta-sts-${d.domain}-dns-sts-txt`,
        custom: true,
        domain: d.domain,
        inputs: { zoneId: "Z0123456789ABC", records: d.records[0].values },
      },
    ]),
    groups: [],
    receiverRecords: [],
    totals: { resources: n, cloudResources: n, shared: 0, domains: n, perDomain: 1 },
    violations: [],
    policyNotRun: [],
  };
}

/** Fences and details must stay balanced wherever the comment is cut. */
function expectWellFormed(md: string) {
  expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
  expect((md.match(/^```/gm) ?? []).length % 2).toBe(0);
  expect((md.match(/<details>/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
}

describe("the markdown renderer at 10,000 domains (made-up plans)", () => {
  const before = fleet(10_000);

  it("one changed MX: the summary, the policy change in words and the record change come first; 9,999 unchanged domains collapsed, then cut", () => {
    const after = fleet(10_000, (i) =>
      i === 4321 ? domain(i, "mx3.d4321.example.com") : domain(i),
    );
    after.diff = diffPlans("origin/main", { plan: before, version: PLAN_VERSION }, after, {
      commit: "0123456789abcdef",
    });
    const md = renderMarkdown(after, {
      fullPlanUrl: "https://github.com/acme/dns/actions/runs/1#artifacts",
    });
    console.log(`markdown, 10,000 domains, one changed MX: ${md.length} characters`);
    expectWellFormed(md);
    expect(
      md.startsWith(
        `${commentMarker("big")}\n## MTA-STS plan: stack \`big\` against \`origin/main\``,
      ),
    ).toBe(true);
    expect(md).toContain(
      "**Changes against origin/main (0123456789ab): 1 record changed, 0 added, 0 removed; 1 policy changed; resources: 0 to create, 1 to update, 0 to replace, 0 to delete**",
    );
    expect(md).toMatch(
      /```diff\nd4321\.example\.com: mx changed \(id \w+ -> \w+\)\n- mx: mx1\.d4321\.example\.com\n\+ mx: mx3\.d4321\.example\.com\n```/,
    );
    expect(md).toContain("~ _mta-sts.d4321.example.com TXT: value");
    expect(md).toContain("<summary>9,999 unchanged domains</summary>");
    expect(md).toMatch(
      /\*\*Cut to fit a pull request comment:\*\* [\d,]+ more lines \([\d,]+ characters\) are left out\. The full plan: https:\/\/github\.com\/acme\/dns\/actions\/runs\/1#artifacts\n/,
    );
    expect(md.indexOf("- mx: mx1.d4321")).toBeLessThan(md.indexOf("unchanged domains"));
  });

  it("every domain changed (a code change that rotates every id): still under the limit, cut inside the changes, with the counts up top", () => {
    const after = fleet(10_000, (i) => domain(i, `mx1.d${i}.example.com`, "enforce"));
    after.diff = diffPlans("origin/main", { plan: before, version: PLAN_VERSION }, after);
    const md = renderMarkdown(after);
    console.log(`markdown, 10,000 domains, all changed: ${md.length} characters`);
    expectWellFormed(md);
    expect(md).toContain(
      "**Changes against origin/main: 10,000 records changed, 0 added, 0 removed; 10,000 policies changed;",
    );
    expect(md).toContain("d0.example.com: mode testing -> enforce");
    expect(md).toMatch(
      /left out\. The full plan: `mtasts plan --stack big --diff origin\/main` \(text\) or `--format json`\.\n/,
    );
  });

  it("without --diff: the plan alone is cut the same way", () => {
    const md = renderMarkdown(fleet(10_000), { limit: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect((md.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(md).toContain("**10,000 domains, 10,000 cloud resources; 0 policy violation(s)**");
    expect(md).toContain("more lines (");
  });

  it("a small plan is not cut", () => {
    const small = fleet(3);
    small.diff = diffPlans("main", { plan: fleet(3), version: PLAN_VERSION }, small);
    const md = renderMarkdown(small);
    expect(md).not.toContain("Cut to fit");
    expect(md).toContain("<summary>3 unchanged domains</summary>");
  });
});

describe("mtasts plan --format markdown --diff at 1,000 domains (the real bin)", () => {
  const root = path.resolve(__dirname, "..");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-md-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stack = (mx500: string) =>
    YAML.stringify(
      {
        config: {
          "aws:region": "eu-west-1",
          "mta-sts:domains": Array.from({ length: 1000 }, (_, i) => ({
            domain: `d${i}.example.com`,
            dns: { provider: "route53", zoneId: "Z0123456789ABC" },
            mx: [i === 500 ? mx500 : `mx1.d${i}.example.com`],
            mode: i % 2 === 0 ? "testing" : "enforce",
            rua: [`mailto:tlsrpt@d${i}.example.com`],
          })),
        },
      },
      { aliasDuplicateObjects: false },
    );

  it("one changed MX: under 65,536 characters, with the old and new mx lines", () => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
    );
    fs.writeFileSync(path.join(dir, "Pulumi.big.yaml"), stack("mx1.d500.example.com"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q");
    git("add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base");
    fs.writeFileSync(path.join(dir, "Pulumi.big.yaml"), stack("mx2.d500.example.com"));
    const res = spawnSync(
      process.execPath,
      [
        path.join(root, "bin", "mtasts.cjs"),
        "plan",
        "--stack",
        "big",
        "--dir",
        dir,
        "--format",
        "markdown",
        "--diff",
        "HEAD",
      ],
      {
        encoding: "utf8",
        maxBuffer: 1 << 30,
        env: { ...process.env, CI: "true", MTASTS_BASE_CACHE: path.join(dir, ".cache") },
      },
    );
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const md = res.stdout;
    console.log(`markdown, 1,000 domains end to end, one changed MX: ${md.length} characters`);
    expect(md.length).toBeLessThan(GITHUB_LIMIT);
    expectWellFormed(md);
    expect(md).toContain("- mx: mx1.d500.example.com\n+ mx: mx2.d500.example.com\n");
    expect(md).toContain(
      "1 record changed, 0 added, 0 removed; 1 policy changed; resources: 0 to create, 2 to update, 0 to replace, 0 to delete",
    );
    expect(md).toContain("<summary>999 unchanged domains</summary>");
  }, 600_000);
});
