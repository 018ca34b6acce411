// `mtasts plan --diff` end to end, one test per defect a reviewer must not miss: the real bin
// on a real git repository in a temporary directory, the base planned at a ref.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-diff-"));
const cache = path.join(work, "cache");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const STACK = `config:
  aws:region: eu-west-1
  mta-sts:domains:
    - domain: a.test
      dns: { provider: route53, zoneId: ZAAAAAAAAAAAAA }
      mx: [mx.a.test]
      mode: testing
      rua: ["mailto:t@a.test"]
    - domain: b.test
      dns: { provider: cloudflare, zoneId: 0123456789abcdef0123456789abcdef }
      mx: [mx.b.test]
      mode: testing
      rua: ["mailto:t@b.test"]
    - domain: c.test
      dns: { provider: route53, zoneId: ZCCCCCCCCCCCCC }
      mx: [mx.c.test]
      mode: testing
      rua: ["mailto:t@c.test"]
    - domain: d.test
      dns: { provider: route53, zoneId: ZDDDDDDDDDDDDD }
      mx: [mx1.d.test, mx2.d.test]
      mode: testing
      rua: ["mailto:t@d.test"]
  mta-sts:hosting: { domainsPerDistribution: 10 }
  mta-sts:receiver: { enabled: false }
`;

/** Every defect of the issue at once: zone, ttl, provider, mx/mode/max_age, an appended manual domain. */
const CHANGED = STACK.replace("zoneId: ZAAAAAAAAAAAAA", "zoneId: ZBBBBBBBBBBBBB")
  .replace(
    'mx: [mx.b.test]\n      mode: testing\n      rua: ["mailto:t@b.test"]',
    'mx: [mx.b.test]\n      mode: testing\n      ttl: 900\n      rua: ["mailto:t@b.test"]',
  )
  .replace(
    "dns: { provider: route53, zoneId: ZCCCCCCCCCCCCC }",
    "dns: { provider: cloudflare, zoneId: fedcba9876543210fedcba9876543210 }",
  )
  .replace(
    "mx: [mx1.d.test, mx2.d.test]\n      mode: testing",
    "mx: [mx1.d.test, mx3.d.test]\n      mode: enforce",
  )
  .replace(
    "  mta-sts:hosting:",
    '    - domain: e.test\n      dns: { provider: manual }\n      mx: [mx.e.test]\n      mode: testing\n      rua: ["mailto:t@e.test"]\n  mta-sts:hosting:',
  );

function repo(name: string, files: Record<string, string>) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  git(dir, "init", "-q");
  commit(dir, "base");
  return dir;
}
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", args, { cwd: dir, stdio: "pipe", encoding: "utf8" });
const commit = (dir: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", message);
};
function mtasts(dir: string, ...args: string[]) {
  // A copy of the toolkit runs its own mtasts, as a team's fork would.
  const own = path.join(dir, "bin", "mtasts.cjs");
  const res = spawnSync(
    process.execPath,
    [fs.existsSync(own) ? own : bin, "plan", "--stack", "t", "--dir", dir, ...args],
    { cwd: dir, encoding: "utf8", env: { ...process.env, CI: "true", MTASTS_BASE_CACHE: cache } },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const project = `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`;

describe("mtasts plan --diff: what changed between the base and the working tree", () => {
  let dir: string;
  let plan: Plan;
  let text: string;
  beforeAll(() => {
    dir = repo("defects", { "Pulumi.yaml": project, "Pulumi.t.yaml": STACK });
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), CHANGED);
    const res = mtasts(dir, "--format", "json", "--diff", "HEAD");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    plan = JSON.parse(res.stdout);
    text = mtasts(dir, "--diff", "HEAD").stdout;
  });
  const change = (name: string, type: string) =>
    plan.diff!.records.changed.find((c) => c.name === name && c.type === type);

  it("a route53 domain moved to another zoneId: each of its records changes zone, and is replaced", () => {
    for (const [name, type] of [
      ["_mta-sts.a.test", "TXT"],
      ["_smtp._tls.a.test", "TXT"],
      ["mta-sts.a.test", "A"],
      ["mta-sts.a.test", "AAAA"],
    ]) {
      expect(change(name, type)).toMatchObject({
        fields: ["zone"],
        before: { zone: "ZAAAAAAAAAAAAA", provider: "route53" },
        after: { zone: "ZBBBBBBBBBBBBB" },
      });
    }
    const replaced = plan.diff!.resources.replace.find(
      (r) => r.name === "mta-sts-a.test-dns-sts-txt",
    );
    expect(replaced).toMatchObject({
      type: "aws:route53/record:Record",
      inputs: ["zoneId"],
      domain: "a.test",
    });
    expect(replaced!.reason).toBe(
      "zoneId ZAAAAAAAAAAAAA -> ZBBBBBBBBBBBBB: the provider replaces a Route53 record when zoneId changes",
    );
    expect(text).toContain("~ _mta-sts.a.test TXT: zone ZAAAAAAAAAAAAA -> ZBBBBBBBBBBBBB");
  });

  it("a ttl change is a change, an update in place", () => {
    expect(change("_mta-sts.b.test", "TXT")).toMatchObject({
      fields: ["ttl"],
      before: { ttl: 300 },
      after: { ttl: 900 },
    });
    expect(change("_smtp._tls.b.test", "TXT")!.fields).toEqual(["ttl"]);
    expect(plan.diff!.resources.update).toContainEqual(
      expect.objectContaining({ name: "mta-sts-b.test-dns-sts-txt", inputs: ["ttl"] }),
    );
    expect(text).toContain("~ _mta-sts.b.test TXT: ttl 300 -> 900");
  });

  it("a switch from route53 to cloudflare moves the TXT records and the validation CNAME to the other provider", () => {
    for (const name of ["_mta-sts.c.test", "_smtp._tls.c.test"]) {
      expect(change(name, "TXT")).toMatchObject({
        fields: ["provider", "zone"],
        before: { provider: "route53", zone: "ZCCCCCCCCCCCCC" },
        after: { provider: "cloudflare", zone: "fedcba9876543210fedcba9876543210" },
      });
    }
    const validation = plan.diff!.records.changed.find(
      (c) =>
        c.after.domain === "c.test" &&
        c.type === "CNAME" &&
        c.after.purpose.startsWith("ACM DNS validation"),
    );
    expect(validation).toMatchObject({
      fields: ["provider", "zone"],
      name: "(known after deploy)",
    });
    // The alias records go, a DNS-only CNAME comes.
    expect(
      plan
        .diff!.records.removed.filter((r) => r.domain === "c.test")
        .map((r) => `${r.name} ${r.type}`),
    ).toEqual(["mta-sts.c.test A", "mta-sts.c.test AAAA"]);
    expect(
      plan
        .diff!.records.added.filter((r) => r.domain === "c.test")
        .map((r) => `${r.name} ${r.type} ${r.provider}`),
    ).toEqual(["mta-sts.c.test CNAME cloudflare"]);
    expect(plan.diff!.resources.create.map((r) => r.type)).toContain(
      "cloudflare:index/dnsRecord:DnsRecord",
    );
    expect(plan.diff!.resources.delete.map((r) => r.name)).toContain("mta-sts-c.test-dns-sts-txt");
  });

  it("says the policy change in words: mode, max_age and the mx lines", () => {
    const d = plan.diff!.policies.find((p) => p.domain === "d.test")!;
    expect(d.before).toMatchObject({
      mode: "testing",
      mx: ["mx1.d.test", "mx2.d.test"],
      maxAge: 86400,
    });
    expect(d.after).toMatchObject({
      mode: "enforce",
      mx: ["mx1.d.test", "mx3.d.test"],
      maxAge: 604800,
    });
    expect(text).toMatch(
      / {2}d\.test: mode testing -> enforce, max_age 86400 -> 604800 \(id [0-9a-f]{32} -> [0-9a-f]{32}\)\n {4}- mx: mx2\.d\.test\n {4}\+ mx: mx3\.d\.test\n/,
    );
    // Only domains whose policy differs (plus the new one).
    expect(plan.diff!.policies.map((p) => p.domain)).toEqual(["d.test", "e.test"]);
  });

  it("adding a domain to a group replaces the group's certificate, and says which name it adds", () => {
    const cert = plan.diff!.resources.replace.find(
      (r) => r.type === "aws:acm/certificate:Certificate",
    )!;
    expect(cert).toMatchObject({
      name: "mta-sts-site-group-0-cert",
      group: "mta-sts-site-group-0",
      inputs: ["subjectAlternativeNames"],
    });
    expect(cert.reason).toBe(
      "subjectAlternativeNames + mta-sts.e.test: the provider replaces a certificate when subjectAlternativeNames changes",
    );
    expect(text).toContain(
      "replace aws:acm/certificate:Certificate mta-sts-site-group-0-cert (group mta-sts-site-group-0): subjectAlternativeNames + mta-sts.e.test",
    );
  });

  it("marks the records of manual DNS as a person's job", () => {
    const added = plan.diff!.records.added.filter((r) => r.domain === "e.test");
    expect(added.map((r) => [r.type, r.provider, r.zone])).toEqual([
      ["CNAME", "manual", null],
      ["CNAME", "manual", null],
      ["TXT", "manual", null],
      ["TXT", "manual", null],
    ]);
    expect(text).toContain('+ _mta-sts.e.test. 300 IN TXT "v=STSv1; id=');
    expect(text).toMatch(
      /\+ _mta-sts\.e\.test\. 300 IN TXT "v=STSv1; id=[0-9a-f]{32};" ; MTA-STS policy id; manual DNS: add by hand\n/,
    );
  });

  it("prints the diff first, then the full plan", () => {
    expect(text.indexOf("Changes against HEAD")).toBe(0);
    expect(text.indexOf("Full plan:")).toBeGreaterThan(text.indexOf("DNS records:"));
    expect(text.indexOf("Plan for stack t")).toBeGreaterThan(text.indexOf("Full plan:"));
  });

  it("--detailed-exitcode: 2 with changes, 0 without, 1 on any error (usage errors too)", () => {
    expect(mtasts(dir, "--format", "json", "--diff", "HEAD", "--detailed-exitcode").code).toBe(2);
    const bad = mtasts(dir, "--diff", "no-such-ref", "--detailed-exitcode");
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining("no such git ref")]);
    expect(mtasts(dir, "--diff", "HEAD", "--detailed-exitcode", "--format", "yaml").code).toBe(1);
    expect(mtasts(dir, "--detailed-exitcode").code).toBe(1);
    commit(dir, "the change");
    const same = mtasts(dir, "--diff", "HEAD", "--detailed-exitcode");
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("Changes against HEAD (");
    expect(same.stdout).toContain(
      ": 0 records changed, 0 added, 0 removed; 0 policies changed; resources: 0 to create, 0 to update, 0 to replace, 0 to delete\n",
    );
  });

  it("removing a testing or enforce domain outright is an error naming RFC 8461 8.3 and mtasts retire", () => {
    // HEAD now has d.test in enforce.
    fs.writeFileSync(
      path.join(dir, "Pulumi.t.yaml"),
      CHANGED.replace(/ {4}- domain: d\.test\n(?: {6}.*\n)+/, ""),
    );
    const res = mtasts(dir, "--diff", "HEAD");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("d.test is removed, but at HEAD it publishes mode enforce");
    expect(res.stderr).toContain("(RFC 8461 8.3)");
    expect(res.stderr).toContain("mtasts retire --domain d.test");
    expect(res.stdout).toContain("[mandatory] retire-before-remove on d.test");
    const md = mtasts(dir, "--diff", "HEAD", "--format", "markdown").stdout;
    expect(md.indexOf("retire-before-remove")).toBeLessThan(md.indexOf("### DNS record changes"));
  });
});

describe("mtasts plan --diff: a base that cannot be planned", () => {
  let dir: string;
  beforeAll(() => {
    dir = repo("invalid", {
      "Pulumi.yaml": project,
      "Pulumi.t.yaml": STACK.replace(
        "mx: [mx.a.test]\n      mode: testing",
        "mx: [mx.a.test]\n      mode: testing\n      maxAge: 0",
      ),
    });
    fs.writeFileSync(
      path.join(dir, "Pulumi.t.yaml"),
      "config:\n  mta-sts:domains: [ { domain: a.test\n",
    );
    commit(dir, "broken yaml");
    git(dir, "tag", "broken");
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), STACK);
  });

  it("an invalid config at the ref: one line naming the ref and the problem, exit 1, no stack trace", () => {
    const res = mtasts(dir, "--diff", "HEAD~1");
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(
      /^mtasts plan: --diff HEAD~1: cannot plan the base: invalid stack config \(1 problem\): mta-sts:domains\[0\].*maxAge: must be within 1\.\.31557600 seconds/,
    );
    expect(res.stderr).not.toMatch(/\n\s+at |mtasts-base-/);
  });

  it("invalid YAML at the ref names the ref and the stack file, not a temporary file", () => {
    const res = mtasts(dir, "--diff", "broken");
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^mtasts plan: --diff broken: cannot plan the base: Pulumi\.t\.yaml at broken is not valid YAML: .+\n$/,
    );
    expect(res.stderr).not.toContain(os.tmpdir());
  });
});

describe("mtasts plan --diff: the base planned with the code at the ref", () => {
  let dir: string;
  beforeAll(() => {
    // A copy of this repository (its files as they are here), with the same lockfile:
    // the base's worktree links these node_modules instead of installing its own.
    dir = path.join(work, "toolkit");
    for (const f of execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      { cwd: root, encoding: "utf8" },
    )
      .split("\0")
      .filter(Boolean)) {
      if (!fs.existsSync(path.join(root, f))) continue;
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(root, f), path.join(dir, f));
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), STACK);
    git(dir, "init", "-q");
    commit(dir, "toolkit and stack");
    // A commit that changes how ids are made: the same stack file now announces other ids.
    const protocol = path.join(dir, "protocol", "mta-sts.ts");
    const source = fs.readFileSync(protocol, "utf8");
    expect(source).toContain('.digest("hex").slice(0, 32)');
    fs.writeFileSync(
      protocol,
      source.replace('.digest("hex").slice(0, 32)', '.digest("hex").slice(32, 64)'),
    );
  });

  it("a code change at the ref shows: every policy id, and every _mta-sts record, changes", () => {
    const res = mtasts(dir, "--format", "json", "--diff", "HEAD");
    expect(res.stderr).toBe("");
    const plan: Plan = JSON.parse(res.stdout);
    expect(plan.diff!.notes).toEqual([]);
    expect(plan.diff!.policies.map((p) => p.domain)).toEqual([
      "a.test",
      "b.test",
      "c.test",
      "d.test",
    ]);
    for (const p of plan.diff!.policies) {
      expect(p.before!.id).not.toBe(p.after!.id);
      expect({ ...p.before, id: "" }).toEqual({ ...p.after, id: "" });
    }
    expect(plan.diff!.records.changed.map((c) => `${c.name} ${c.fields.join(",")}`)).toEqual([
      "_mta-sts.a.test values",
      "_mta-sts.b.test values",
      "_mta-sts.c.test values",
      "_mta-sts.d.test values",
    ]);
    // The base's worktree got its dependencies by a link: the lockfile is the same.
    const tree = fs
      .readdirSync(cache)
      .map((d) => path.join(cache, d, "tree"))
      .find((t) => fs.existsSync(path.join(t, "protocol")))!;
    expect(fs.lstatSync(path.join(tree, "node_modules")).isSymbolicLink()).toBe(true);
  });
});

describe("the base's complaint in one line", () => {
  it("starts at the error, drops stack frames and code frames, and names the ref instead of the worktree", async () => {
    const { oneLine } = await import("../cli/plan-base");
    const stderr =
      "/x/node_modules/tsx/dist/register.cjs:22\n`)},\"createLog\"),me=or(jo(...\n\nError: Cannot find module './errors'\nRequire stack:\n- /tmp/c/tree/cli/main.ts\n    at Module._resolveFilename (node:internal)\n{\n  code: 'MODULE_NOT_FOUND'\n}\n";
    expect(oneLine(stderr, "/tmp/c/tree", "origin/main")).toBe(
      "Error: Cannot find module './errors' Require stack: - origin/main:cli/main.ts",
    );
    expect(
      oneLine(
        "mtasts plan: invalid stack config (1 problem):\n  mta-sts:domains[0].maxAge: must be within 1..31557600 seconds\n",
        "/t",
        "HEAD",
      ),
    ).toBe(
      "invalid stack config (1 problem): mta-sts:domains[0].maxAge: must be within 1..31557600 seconds",
    );
  });
});
