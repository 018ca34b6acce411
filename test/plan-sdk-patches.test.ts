// The offline plan runs the SDK without its per-resource diagnostics (cli/program-runner.ts:
// stack traces, debuggable promises, an Output for every property up front). The plan must be
// the same as with the SDK as shipped (MTASTS_PLAN_UNPATCHED=1), byte for byte, in both modes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function project(hosting: Record<string, unknown>, domains: unknown[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-sdk-patches-"));
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
  return dir;
}

function plan(dir: string, format: string, unpatched: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, MTASTS_TODAY: "2026-01-10" };
  if (unpatched) env.MTASTS_PLAN_UNPATCHED = "1";
  else delete env.MTASTS_PLAN_UNPATCHED;
  const res = spawnSync(
    process.execPath,
    [bin, "plan", "--stack", "s", "--dir", dir, "--format", format],
    { encoding: "utf8", env },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const domains = [
  {
    domain: "a.example",
    dns: { provider: "route53", zoneId: "Z0123456789ABC" },
    mx: ["mx.a.example"],
    mode: "enforce",
    rua: ["mailto:r@a.example"],
  },
  {
    domain: "b.example",
    dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
    mx: ["*.mail.b.example"],
    mode: "testing",
  },
  {
    domain: "c.example",
    dns: { provider: "manual" },
    mx: ["mx.c.example"],
    mode: "testing",
    maxAge: 3600,
  },
];

describe("withoutSdkDiagnostics", () => {
  it("finds the three SDK internals it replaces, and puts them back", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { withoutSdkDiagnostics } = await import("../cli/program-runner");
    const callsites = (pulumi.Resource as unknown as { callsites: unknown }).callsites;
    const limit = Error.stackTraceLimit;
    const sdk = withoutSdkDiagnostics();
    try {
      expect([...sdk.replaced].sort()).toEqual([
        "callsites",
        "debuggablePromise",
        "transferProperties",
      ]);
      expect(Error.stackTraceLimit).toBe(0);
      expect((pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites()).toEqual(
        [],
      );
    } finally {
      sdk.restore();
    }
    expect(Error.stackTraceLimit).toBe(limit);
    expect((pulumi.Resource as unknown as { callsites: unknown }).callsites).toBe(callsites);
  });
});

describe("the plan under the lighter SDK is the plan under the SDK as shipped", () => {
  for (const [mode, hosting] of [
    ["tenants", { mode: "tenants" }],
    ["grouped", { domainsPerDistribution: 2 }],
  ] as const) {
    it(`mode ${mode}: the same JSON and text`, () => {
      const dir = project(hosting, domains);
      for (const format of ["json", "text"]) {
        const shipped = plan(dir, format, true);
        const light = plan(dir, format, false);
        expect(light.code).toBe(shipped.code);
        expect(light.stdout.length).toBeGreaterThan(1000);
        expect(light.stdout).toBe(shipped.stdout);
      }
    }, 120_000);
  }

  it("a program that fails says the same, with the SDK's diagnostics off", () => {
    const dir = project({ mode: "tenants", domainsPerDistribution: 5 }, domains);
    const shipped = plan(dir, "json", true);
    const light = plan(dir, "json", false);
    expect(shipped.code).toBe(1);
    expect(light.code).toBe(1);
    expect(light.stderr).toBe(shipped.stderr);
    expect(light.stderr).toMatch(/domainsPerDistribution/);
  }, 120_000);
});
