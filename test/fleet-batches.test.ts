// MtaStsFleet.create declares the domains in batches (a turn of the event loop after each), so a
// large program holds one batch's pending registrations at a time. It must declare exactly what
// `new MtaStsFleet(...)` declares: the same plan, byte for byte, in both hosting modes, whatever
// the batch size. index.ts uses it (as an async program, which the plan's runner must call).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const providers = [
  { provider: "route53", zoneId: "Z0123456789ABC" },
  { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
  { provider: "manual" },
];
/** Seven domains over the three DNS providers and three modes, the fourth one removed. */
function stack(hosting: Record<string, unknown>): string {
  const domains = Array.from({ length: 7 }, (_, i) => ({
    domain: `d${i}.example.com`,
    dns: providers[i % 3],
    mx: [`mx.d${i}.example.com`],
    mode: ["none", "testing", "enforce"][i % 3],
    rua: [`mailto:tlsrpt@d${i}.example.com`],
    ...(i === 3 ? { remove: true, retireAfter: "2026-01-01" } : {}),
  }));
  return YAML.stringify({
    config: {
      "aws:region": "eu-west-1",
      "mta-sts:domains": domains,
      "mta-sts:hosting": hosting,
    },
  });
}

/** index.ts with the fleet declared another way (`declaration` replaces `await MtaStsFleet.create(`). */
function variant(declaration: string): string {
  const source = fs.readFileSync(path.join(root, "index.ts"), "utf8");
  if (!source.includes("await MtaStsFleet.create("))
    throw new Error("index.ts no longer declares its fleet with MtaStsFleet.create");
  return source
    .replace("await MtaStsFleet.create(", declaration)
    .replace(/from "\.\/([^"]+)"/g, (_, p: string) => `from ${JSON.stringify(path.join(root, p))}`)
    .replace(
      /from "(@?[a-z][^".][^"]*)"/g,
      (_, p: string) => `from ${JSON.stringify(require.resolve(p, { paths: [root] }))}`,
    );
}

/** `mtasts plan -s batch --format json` on the program and stack file, in a project of its own. */
function runPlan(program: string, stackFile: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-batches-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: mta-sts\nruntime: nodejs\n");
  fs.writeFileSync(path.join(dir, "Pulumi.batch.yaml"), stackFile);
  fs.writeFileSync(path.join(dir, "index.ts"), program);
  const res = spawnSync(process.execPath, [bin, "plan", "-s", "batch", "--format", "json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true", MTASTS_TODAY: "2026-06-01" },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function planOf(program: string, stackFile: string): { code: number | null; plan: Plan } {
  const res = runPlan(program, stackFile);
  if (!res.stdout.startsWith("{")) throw new Error(`plan failed: ${res.stderr}`);
  return { code: res.code, plan: JSON.parse(res.stdout) as Plan };
}

describe.each([
  ["tenants", { mode: "tenants" }],
  ["grouped", { domainsPerDistribution: 2 }],
])("MtaStsFleet.create in mode %s", (_, hosting) => {
  let byConstructor: ReturnType<typeof planOf>;
  let inPairs: ReturnType<typeof planOf>;
  let byDefault: ReturnType<typeof planOf>;
  beforeAll(() => {
    const file = stack(hosting);
    byConstructor = planOf(variant("new MtaStsFleet("), file);
    // A batch of 2 ends inside the list (and next to the removed domain's slot).
    inPairs = planOf(
      variant("await MtaStsFleet.create(").replace(
        /today: process\.env\.MTASTS_TODAY,\n(\s*)\}\);/,
        "today: process.env.MTASTS_TODAY,\n$1}, {}, { batchSize: 2 });",
      ),
      file,
    );
    byDefault = planOf(variant("await MtaStsFleet.create("), file);
  }, 120_000);

  it("plans six domains with their resources (the removed one left out)", () => {
    expect(byConstructor.code).toBe(0);
    expect(byConstructor.plan.domains.map((d) => d.domain)).toEqual([
      "d0.example.com",
      "d1.example.com",
      "d2.example.com",
      "d4.example.com",
      "d5.example.com",
      "d6.example.com",
    ]);
    expect(byConstructor.plan.totals.cloudResources).toBeGreaterThan(6 * 2);
  });

  it("declares what the constructor declares, batch by batch or all at once", () => {
    expect(inPairs.code).toBe(byConstructor.code);
    expect(JSON.stringify(inPairs.plan)).toBe(JSON.stringify(byConstructor.plan));
    expect(JSON.stringify(byDefault.plan)).toBe(JSON.stringify(byConstructor.plan));
  });
});

describe("MtaStsFleet.create's batch size", () => {
  it("is refused unless a whole number of at least 1, naming the value", async () => {
    const { MtaStsFleet } = await import("../components/mta-sts-fleet");
    for (const batchSize of [0, 2.5, Number.NaN]) {
      await expect(
        MtaStsFleet.create("x", { domains: [], hosting: { mode: "tenants" } } as never, undefined, {
          batchSize,
        }),
      ).rejects.toThrow(`MtaStsFleet.create: batchSize ${batchSize} must be a whole number >= 1`);
    }
  });
});

describe("programs the plan refuses rather than plan what pulumi up would not do", () => {
  it("a fleet still declaring when the program returned (create not awaited): exit 1, one line", () => {
    const program = variant("await MtaStsFleet.create(")
      .replace(
        'const fleet = await MtaStsFleet.create("mta-sts", {',
        'const fleet = { summary: [], site: {}, receiverRecords: [] } as any;\n  void MtaStsFleet.create("mta-sts", {',
      )
      .replace(
        /today: process\.env\.MTASTS_TODAY,\n(\s*)\}\);/,
        "today: process.env.MTASTS_TODAY,\n$1}, {}, { batchSize: 1 });",
      );
    expect(program).toContain("void MtaStsFleet.create(");
    expect(program).toContain("{ batchSize: 1 }");
    const res = runPlan(program, stack({ mode: "tenants" }));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      "mtasts plan: MtaStsFleet mta-sts: the program returned while the fleet was still declaring its domains (1 so far): await MtaStsFleet.create(...) before the program returns\n",
    );
  });

  it("a default-exported function in a CommonJS program, which Pulumi would not call: exit 1, with the fix", () => {
    const program = variant("await MtaStsFleet.create(").replace(
      "export = async () => {",
      "export default async () => {",
    );
    expect(program).toContain("export default async");
    const res = runPlan(program, stack({ mode: "tenants" }));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /^mtasts plan: \S+index\.ts exports a default function, which Pulumi does not call in a CommonJS program .*: pulumi up would declare nothing\. Write export = async \(\) => \{ \.\.\. \} instead of export default\n$/,
    );
  });
});
