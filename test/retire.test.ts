// Removing a domain (RFC 8461 8.3) in three steps, as plans show them: retire (mode none,
// short max_age, retireAfter), the refusal to remove before that day, the removal after it.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";
import { setDomainKeys } from "../cli/stack-edit";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-retire-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "Pulumi.r.yaml");
const STACK = `config:
  mta-sts:domains:
    - domain: keep.test
      dns: { provider: manual }
      mx: [mx.keep.test]
    - domain: gone.test   # being retired
      dns: { provider: manual }
      mx: [mx.gone.test]
      mode: enforce
      rua: ["mailto:tls@gone.test"]
  mta-sts:receiver: { enabled: false }
`;
const run = (args: string[], today: string) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, MTASTS_TODAY: today },
  });
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
    cwd: dir,
    stdio: "pipe",
  });

describe("removing a domain", () => {
  it("step 1: mtasts retire publishes mode none with a short max_age and the date removal is allowed from", () => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
    );
    fs.writeFileSync(file, STACK);
    const res = run(
      ["retire", "--stack", "r", "--dir", dir, "--domain", "gone.test", "--today", "2026-11-20"],
      "2026-11-20",
    );
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(
      "gone.test: mode none, maxAge 86400, retireAfter 2026-11-28 (old max_age 604800 s)",
    );
    const after = fs.readFileSync(file, "utf8");
    expect(after).toBe(
      STACK.replace(
        "    - domain: gone.test   # being retired\n",
        '    - domain: gone.test   # being retired\n      retireAfter: "2026-11-28"\n      maxAge: 86400\n',
      ).replace("mode: enforce", "mode: none"),
    );
    const plan = JSON.parse(
      run(["plan", "--stack", "r", "--dir", dir, "--format", "json"], "2026-11-20").stdout,
    ) as Plan;
    const gone = plan.domains.find((d) => d.domain === "gone.test")!;
    expect(gone).toMatchObject({ mode: "none", retireAfter: "2026-11-28" });
    expect(gone.policy.text).toBe(
      "version: STSv1\r\nmode: none\r\nmx: mx.gone.test\r\nmax_age: 86400\r\n",
    );
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "retire gone.test");
  });

  it("step 2: remove: true before retireAfter is refused, naming the day", () => {
    fs.writeFileSync(
      file,
      setDomainKeys(fs.readFileSync(file, "utf8"), "gone.test", { remove: true }),
    );
    const res = run(["plan", "--stack", "r", "--dir", dir], "2026-11-27");
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      "mta-sts:domains[1] (gone.test).remove: refusing to remove gone.test before 2026-11-28",
    );
    expect(res.stdout).toBe("");
  });

  it("step 3: from retireAfter on, the domain's records, policy and host go, and nothing else", () => {
    const res = run(
      ["plan", "--stack", "r", "--dir", dir, "--format", "json", "--diff", "HEAD"],
      "2026-11-28",
    );
    expect(res.status).toBe(0);
    const plan = JSON.parse(res.stdout) as Plan;
    expect(plan.domains.map((d) => d.domain)).toEqual(["keep.test"]);
    expect(plan.resources.some((r) => r.name.includes("gone.test"))).toBe(false);
    expect(plan.diff!.records.added).toEqual([]);
    expect(plan.diff!.records.changed).toEqual([]);
    expect(plan.diff!.records.removed.map((r) => `${r.name} ${r.type}`).sort()).toEqual(
      [
        "(known after deploy) CNAME",
        "_mta-sts.gone.test TXT",
        "_smtp._tls.gone.test TXT",
        "mta-sts.gone.test CNAME",
      ].sort(),
    );
  });

  it("refuses retireAfter without mode none, and remove without retireAfter", () => {
    const bad = STACK.replace(
      "      mode: enforce\n",
      '      mode: enforce\n      retireAfter: "2026-01-01"\n',
    ).replace("      mx: [mx.keep.test]\n", "      mx: [mx.keep.test]\n      remove: true\n");
    fs.writeFileSync(file, bad);
    const res = run(["plan", "--stack", "r", "--dir", dir], "2026-11-28");
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      "mta-sts:domains[0] (keep.test).remove: needs retireAfter; run mtasts retire first",
    );
    expect(res.stderr).toContain("mta-sts:domains[1] (gone.test).retireAfter: needs mode: none");
  });
});
