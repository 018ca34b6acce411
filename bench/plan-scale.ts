// Plans generated stacks offline, each in a fresh process as a user would run `mtasts plan`, in
// both hosting modes at 100, 1,000 and 10,000 domains (grouped by 10 a distribution, by 100 at
// 10,000). Prints
// wall time, CPU time, peak memory, resources per domain (the domain's own: hosting, DNS, policy;
// and everything / domains), and the ratios the targets are stated in (DESIGN.md, issue 14).
//
//   npm run bench:plan                                  every size of both modes
//   BENCH_SIZES="tenants:100,1000" npm run bench:plan   a subset
//   BENCH_NODE_OPTIONS="--stack-trace-limit=0" ...      the same runs under other node flags
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
type Mode = "grouped" | "tenants";

function stackFile(n: number, mode: Mode): string {
  const domains = Array.from({ length: n }, (_, i) => ({
    domain: `d${i}.example.com`,
    dns: providers[i % providers.length],
    mx: [`mx1.d${i}.example.com`, `*.mail.d${i}.example.com`],
    mode: i % 2 === 0 ? "testing" : "enforce",
    rua: [`mailto:tlsrpt@d${i}.example.com`],
  }));
  // Grouped at 10,000 domains by 10 would be 1,000 distributions, twice the account quota and ten
  // times what one origin access control serves: 100 a distribution (the most) keeps it at 100.
  const hosting =
    mode === "tenants" ? { mode: "tenants" } : { domainsPerDistribution: n >= 10000 ? 100 : 10 };
  return YAML.stringify(
    {
      config: { "aws:region": "eu-west-1", "mta-sts:domains": domains, "mta-sts:hosting": hosting },
    },
    { aliasDuplicateObjects: false },
  );
}

interface Run {
  ok: boolean;
  ms: number;
  /** user + system CPU seconds, when /usr/bin/time is there. */
  cpu?: number;
  /** Peak resident memory, MB, when /usr/bin/time is there. */
  rssMb?: number;
  cloud?: number;
  perDomain?: number;
  /** Cloud resources for hosting, DNS and the policy (everything but the report receiver), per domain. */
  ownPerDomain?: number;
  error?: string;
}

const TIME = "/usr/bin/time";
const hasTime = fs.existsSync(TIME);

function planOnce(dir: string): Run {
  const nodeArgs = (process.env.BENCH_NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
  const args = [...nodeArgs, bin, "plan", "--stack", "bench", "--dir", dir, "--format", "json"];
  const start = process.hrtime.bigint();
  const res = hasTime
    ? spawnSync(TIME, ["-f", "BENCH %e %U %S %M", process.execPath, ...args], {
        encoding: "utf8",
        maxBuffer: 1 << 30,
      })
    : spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const measured = /BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(res.stderr ?? "");
  const usage = measured
    ? { cpu: Number(measured[2]) + Number(measured[3]), rssMb: Number(measured[4]) / 1024 }
    : {};
  // Exit 1 with a plan on stdout is a plan with mandatory violations: still a plan, timed as one.
  if ((res.status !== 0 && res.status !== 1) || !res.stdout.startsWith("{")) {
    const tail = (res.stderr ?? "")
      .split("\n")
      .filter((l) => l && !l.startsWith("BENCH") && !/^\s+at |^\s*\d+: 0x/.test(l))
      .slice(-3)
      .join(" | ");
    return {
      ok: false,
      ms,
      ...usage,
      error: `exit ${res.status ?? res.signal}: ${tail.slice(0, 300)}`,
    };
  }
  const plan = JSON.parse(res.stdout) as {
    totals: { cloudResources: number; perDomain: number; domains: number };
    resources: { name: string; custom: boolean }[];
  };
  // The receiver (the watch, with its per-domain alarms) is counted apart.
  const own =
    plan.resources.filter((r) => r.custom && !r.name.startsWith("mta-sts-receiver")).length /
    Math.max(1, plan.totals.domains);
  return {
    ok: true,
    ms,
    ...usage,
    cloud: plan.totals.cloudResources,
    perDomain: plan.totals.perDomain,
    ownPerDomain: Math.round(own * 100) / 100,
  };
}

function parseSizes(spec: string | undefined): [Mode, number[]][] {
  if (!spec) {
    return [
      ["grouped", [100, 1000, 10000]],
      ["tenants", [100, 1000, 10000]],
    ];
  }
  return spec.split(";").map((part) => {
    const [mode, list] = part.split(":");
    if (mode !== "grouped" && mode !== "tenants")
      throw new Error(`BENCH_SIZES: "${mode}" is not grouped or tenants`);
    return [mode, list.split(",").map(Number)];
  });
}

const fmt = (r: Run) =>
  [
    `${(r.ms / 1000).toFixed(1).padStart(7)} s wall`,
    r.cpu !== undefined ? `${r.cpu.toFixed(1).padStart(6)} s CPU` : "",
    r.rssMb !== undefined ? `${r.rssMb.toFixed(0).padStart(6)} MB peak` : "",
    r.ok
      ? `${r.cloud} cloud resources, ${r.ownPerDomain} per domain for hosting, DNS and policy, ${r.perDomain} per domain with the receiver`
      : `FAILED ${r.error}`,
  ]
    .filter(Boolean)
    .join(", ");

function main() {
  const repeats = Number(process.env.BENCH_REPEATS ?? 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-bench-"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  console.log(
    `mtasts plan, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}${process.env.BENCH_NODE_OPTIONS ? `, node options ${process.env.BENCH_NODE_OPTIONS}` : ""}`,
  );
  try {
    for (const [mode, sizes] of parseSizes(process.env.BENCH_SIZES)) {
      const results = new Map<number, Run>();
      // 10 domains measure the fixed cost (loading the SDKs), taken out of the per-domain figures.
      for (const n of [10, ...sizes]) {
        fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stackFile(n, mode));
        const runs = Array.from({ length: n >= 10000 ? 1 : repeats }, () => planOnce(dir));
        const best = runs.reduce((a, b) => (a.ok && (!b.ok || a.ms <= b.ms) ? a : b));
        results.set(n, best);
        console.log(`${mode.padEnd(7)} ${String(n).padStart(6)} domains: ${fmt(best)}`);
      }
      const base = results.get(10)!;
      for (const n of sizes) {
        const r = results.get(n)!;
        if (!r.ok || !base.ok) continue;
        const cpu =
          r.cpu !== undefined && base.cpu !== undefined
            ? `, ${(((r.cpu - base.cpu) * 1000) / (n - 10)).toFixed(1)} ms CPU per domain`
            : "";
        const perResource =
          r.cpu !== undefined && base.cpu !== undefined && r.cloud && base.cloud
            ? `, ${(((r.cpu - base.cpu) * 1000) / (r.cloud - base.cloud)).toFixed(2)} ms CPU per cloud resource`
            : "";
        console.log(
          `  ${mode} ${n}: marginal ${((r.ms - base.ms) / (n - 10)).toFixed(1)} ms wall per domain${cpu}${perResource}`,
        );
      }
      const pairs: [number, number][] = [
        [100, 1000],
        [1000, 10000],
      ];
      for (const [a, b] of pairs) {
        const ra = results.get(a);
        const rb = results.get(b);
        if (!ra?.ok || !rb?.ok) continue;
        const cpu =
          ra.cpu !== undefined && rb.cpu !== undefined
            ? `, CPU ${(rb.cpu / ra.cpu).toFixed(2)}`
            : "";
        console.log(
          `  ${mode} t(${b})/t(${a}) = ${(rb.ms / ra.ms).toFixed(2)} wall${cpu} (target <= 11)`,
        );
      }
      const big = results.get(10000);
      if (mode === "tenants" && big) {
        const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
        console.log(
          `  tenants 10000 against the targets: time <= 90 s ${verdict(big.ok && big.ms <= 90_000)}, peak <= 4 GB ${verdict(big.ok && (big.rssMb ?? Infinity) <= 4096)}, <= 5 own resources per domain ${verdict(big.ok && (big.ownPerDomain ?? Infinity) <= 5)}`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
