// The receiver's full pure pipeline (sniff, bounded gunzip, schema + normalisation,
// aggregation) against bare gunzip + JSON.parse on the same reports, in one run; then the
// Lambda bundles: bytes and cold import time; and what a gzip bomb costs.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { buildSync } from "esbuild";
import { bundleHandler } from "../components/receiver-bundle";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { gunzipBounded } from "../receiver/payload";
import { FIXTURES } from "../test/helpers/fixtures";

const root = path.resolve(__dirname, "..");
const fixtures = FIXTURES;

function generated(details: number): Buffer {
  const failures = Array.from({ length: details }, (_, i) => ({
    "result-type": [
      "certificate-expired",
      "validation-failure",
      "starttls-not-supported",
      "sts-webpki-invalid",
    ][i % 4],
    "sending-mta-ip": `198.51.${(i >> 8) & 255}.${i & 255}`,
    "receiving-mx-hostname": `mx${i % 7}.example.com`,
    "receiving-ip": `203.0.113.${i % 250}`,
    "failed-session-count": 1 + (i % 5),
  }));
  return Buffer.from(
    JSON.stringify({
      "organization-name": "Bench Inc.",
      "date-range": {
        "start-datetime": "2026-11-01T00:00:00Z",
        "end-datetime": "2026-11-01T23:59:59Z",
      },
      "contact-info": "tlsrpt@bench.example",
      "report-id": `bench-${details}`,
      policies: [
        {
          policy: {
            "policy-type": "sts",
            "policy-string": [
              "version: STSv1",
              "mode: testing",
              "mx: *.example.com",
              "max_age: 86400",
            ],
            "policy-domain": "example.com",
          },
          summary: {
            "total-successful-session-count": 1_000_000,
            "total-failure-session-count": failures.reduce(
              (n, f) => n + f["failed-session-count"],
              0,
            ),
          },
          "failure-details": failures,
        },
      ],
    }),
  );
}

const reports = [
  ...fs
    .readdirSync(fixtures)
    .filter((f) => f.endsWith(".json") && f !== "malformed.json")
    .map((f) => fs.readFileSync(path.join(fixtures, f))),
  ...[100, 1_000, 10_000, 50_000].map(generated),
].map((json) => gzipSync(json));

// The pipeline as the Lambda runs it: bundled and minified by esbuild (the TypeScript loader
// used for everything else here wraps every closure, which would bill us for the loader).
const dir = fs.mkdtempSync(path.join(root, "bench", ".bundles-"));
const entry = path.join(dir, "pipeline-entry.ts");
fs.writeFileSync(
  entry,
  `import { parseReport } from "../../protocol/tls-rpt";
import { aggregateRows } from "../../receiver/aggregate";
import { decodePayload } from "../../receiver/payload";
export const pipeline = (gz: Uint8Array, max: number) => aggregateRows(parseReport(decodePayload(gz, max).value));`,
);
const built = buildSync({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  write: false,
  outfile: "p.js",
});
const pipelineFile = path.join(dir, "pipeline.js");
fs.writeFileSync(pipelineFile, built.outputFiles[0].text);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundled = require(pipelineFile) as { pipeline(gz: Uint8Array, max: number): unknown };
const pipeline = (gz: Buffer) => bundled.pipeline(gz, DEFAULT_LIMITS.maxDecompressedBytes);
const baseline = (gz: Buffer) => JSON.parse(gunzipSync(gz).toString("utf8"));

function time(fn: (gz: Buffer) => unknown, rounds: number): number {
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const gz of reports) fn(gz);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
time(pipeline, 3);
time(baseline, 3); // warm both
let tPipe = 0;
let tBase = 0;
for (let i = 0; i < 5; i++) {
  // interleaved, so both see the same machine
  tBase += time(baseline, rounds / 5);
  tPipe += time(pipeline, rounds / 5);
}
const n = reports.length * rounds;
const bytes = reports.reduce((s, r) => s + r.length, 0);
console.log(
  `${reports.length} reports (${bytes} gzip bytes, largest 50,000 failure details) x ${rounds} rounds`,
);
console.log(
  `pipeline ${tPipe.toFixed(0)} ms, gunzip+JSON.parse ${tBase.toFixed(0)} ms: ratio ${(tPipe / tBase).toFixed(2)} (target <= 2); ${(n / (tPipe / 1000)).toFixed(0)} reports/s through the pipeline`,
);

// The Lambda bundles: size, and the median cold import time of 5 fresh processes.
try {
  for (const name of ["http", "email"] as const) {
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, bundleHandler(name));
    const times = Array.from({ length: 5 }, () =>
      Number(
        execFileSync(
          process.execPath,
          [
            "-e",
            `process.env.REPORT_BUCKET="b";process.env.REPORT_TABLE="t";const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
          ],
          { encoding: "utf8" },
        ).trim(),
      ),
    ).sort((a, b) => a - b);
    console.log(
      `bundle ${name}: ${fs.statSync(file).size} bytes, cold import ${times[2].toFixed(1)} ms (median of 5; AWS SDK from node_modules, as the runtime provides it)`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

// A gzip bomb: 1 GiB of zeros in about 1 MB; refused once the output reaches the limit.
const bomb = gzipSync(Buffer.alloc(1024 * 1024 * 1024));
const limit = DEFAULT_LIMITS.maxDecompressedBytes;
const start = process.hrtime.bigint();
try {
  gunzipBounded(bomb, limit);
  console.log("gzip bomb: NOT refused");
} catch (err) {
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `gzip bomb: ${bomb.length} bytes inflating to 1 GiB refused at the ${limit}-byte limit in ${ms.toFixed(0)} ms: ${(err as Error).message}`,
  );
}
