// Plans 10, 100 and 1,000 generated domains offline (each in a fresh process, as a user
// would run it) and prints the time of each, t(1000)/t(100) (target <= 11) and resources per domain.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const providers = [
  { provider: "route53", zoneId: "Z0123456789ABC" },
  { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
  { provider: "manual" },
];

function stackFile(n: number): string {
  const domains = Array.from({ length: n }, (_, i) => ({
    domain: `d${i}.example.com`,
    dns: providers[i % providers.length],
    mx: [`mx1.d${i}.example.com`, `*.mail.d${i}.example.com`],
    mode: i % 2 === 0 ? "testing" : "enforce",
    rua: [`mailto:tlsrpt@d${i}.example.com`],
  }));
  return YAML.stringify({ config: { "aws:region": "eu-west-1", "mta-sts:domains": domains, "mta-sts:hosting": { domainsPerDistribution: 10 } } }, { aliasDuplicateObjects: false });
}

function planOnce(dir: string): { ms: number; plan: { totals: { cloudResources: number; perDomain: number } } } {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [bin, "plan", "--stack", "bench", "--dir", dir, "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(res.stderr);
  return { ms, plan: JSON.parse(res.stdout) };
}

const sizes = [10, 100, 1000];
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-bench-"));
fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`);
const results = new Map<number, { ms: number; resources: number; perDomain: number }>();
try {
  for (const n of sizes) {
    fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stackFile(n));
    const runs = Array.from({ length: repeats }, () => planOnce(dir));
    const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
    results.set(n, { ms: best.ms, resources: best.plan.totals.cloudResources, perDomain: best.plan.totals.perDomain });
    console.log(`${String(n).padStart(5)} domains: ${best.ms.toFixed(0).padStart(6)} ms (best of ${repeats}), ${best.plan.totals.cloudResources} cloud resources, ${best.plan.totals.perDomain} per domain`);
  }
  const t100 = results.get(100)!.ms;
  const t1000 = results.get(1000)!.ms;
  const t10 = results.get(10)!.ms;
  // The marginal ratio removes the fixed start-up cost (loading the SDKs) that flatters the plain one.
  const marginal = (t1000 - t10) / (t100 - t10);
  console.log(`t(1000)/t(100) = ${(t1000 / t100).toFixed(2)} (target <= 11); marginal (t(1000)-t(10))/(t(100)-t(10)) = ${marginal.toFixed(2)} (linear = 11)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
