// `mtasts plan` on a program that is not ours: the README's component snippet in a user's own
// project (no mta-sts:* config, no `domains` export), and a program named with --program.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";
import { policyId, renderPolicy } from "../protocol";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function mtasts(args: string[], cwd: string) {
  const res = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The README's "Using the components in your own program" snippet, importing this checkout. */
function readmeSnippet(): string {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Using the components in your own program"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code?.includes('from "pulumi-mta-sts"'))
    throw new Error("README: the component snippet importing pulumi-mta-sts is gone");
  return code.replace('from "pulumi-mta-sts"', `from ${JSON.stringify(path.join(root, "lib.ts"))}`);
}

/** A user's project: Pulumi.yaml (main as given), a stack file with no mta-sts:* keys, the program. */
function userProject(files: Record<string, string>, main?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-user-"));
  dirs.push(dir);
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mail-platform\nruntime: nodejs\n${main ? `main: ${main}\n` : ""}`,
  );
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: eu-west-1\n");
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("mtasts plan on the README's component snippet in a user's project", () => {
  let plan: Plan;
  let res: ReturnType<typeof mtasts>;
  beforeAll(() => {
    const dir = userProject({ "index.ts": readmeSnippet() });
    res = mtasts(["plan", "-s", "dev", "--format", "json"], dir);
    plan = JSON.parse(res.stdout);
  });

  it("plans the domain the program declares, with exit 0 and nothing on stderr", () => {
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(plan.domains.map((d) => d.domain)).toEqual(["example.com"]);
    const d = plan.domains[0];
    expect(d.mode).toBe("testing");
    expect(d.dnsProvider).toBe("route53");
    expect(d.group).toBe(0);
    const text = renderPolicy({
      mode: "testing",
      mx: ["mx1.example.com", "*.mail.example.net"],
      maxAge: 86400,
    });
    expect(d.policy).toEqual({
      id: policyId(text),
      text,
      url: "https://mta-sts.example.com/.well-known/mta-sts.txt",
    });
  });

  it("shows both TXT records with their values and the zone they go to", () => {
    const records = plan.domains[0].records;
    const sts = records.find((r) => r.name === "_mta-sts.example.com");
    expect(sts).toMatchObject({
      type: "TXT",
      values: [`v=STSv1; id=${plan.domains[0].policy.id};`],
      managedBy: "route53",
      zone: "Z0123456789ABC",
    });
    expect(records.find((r) => r.name === "_smtp._tls.example.com")).toMatchObject({
      values: ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"],
      zone: "Z0123456789ABC",
    });
  });

  it("attributes the domain's resources and its DNS adapter's records to it", () => {
    const mine = plan.resources.filter((r) => r.custom && r.domain === "example.com");
    expect(plan.domains[0].resourceCount).toBe(mine.length);
    expect(mine.map((r) => r.type)).toEqual(
      expect.arrayContaining(["aws:s3/bucketObjectv2:BucketObjectv2", "aws:route53/record:Record"]),
    );
    // The TXT records are declared by the zone adapter (a top-level component in the snippet).
    expect(
      mine.filter((r) => r.type === "aws:route53/record:Record").map((r) => r.inputs?.name),
    ).toEqual(expect.arrayContaining(["_mta-sts.example.com", "_smtp._tls.example.com"]));
  });
});

describe("mtasts plan --program", () => {
  it("runs the named program instead of Pulumi.yaml's main", () => {
    const dir = userProject({
      "index.ts": "export const nothing = 1;\n",
      "infra/mail.ts": readmeSnippet(),
    });
    const res = mtasts(
      ["plan", "-s", "dev", "--format", "json", "--program", "infra/mail.ts"],
      dir,
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Plan).domains.map((d) => d.domain)).toEqual(["example.com"]);
  });

  it("says on stderr when the program declares no domain, naming both ways to point at the right one", () => {
    const dir = userProject({ "index.ts": "export const nothing = 1;\n" });
    const res = mtasts(["plan", "-s", "dev"], dir);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(
      "index.ts declared no MtaStsDomain (directly or through MtaStsFleet)",
    );
    expect(res.stderr).toContain("--program PATH or main: in Pulumi.yaml");
  });

  it("is a usage error (exit 2) to name a program that does not exist, or to combine it with --diff", () => {
    const dir = userProject({ "index.ts": readmeSnippet() });
    const missing = mtasts(["plan", "-s", "dev", "--program", "infra/nope.ts"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--program infra/nope.ts: no such file");
    const diff = mtasts(["plan", "-s", "dev", "--program", "index.ts", "--diff", "HEAD"], dir);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain("--program cannot go with --diff");
  });

  it("says which file is missing when Pulumi.yaml's main does not exist", () => {
    const dir = userProject({}, "src/index.ts");
    const res = mtasts(["plan", "-s", "dev"], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      "src/index.ts does not exist: set main: in Pulumi.yaml to your program, or pass --program PATH",
    );
  });
});
