// What the inputs anyone can send cost the receiver: each one goes through the ingest path
// (ingestHttp or ingestEmail, bundled by esbuild as for Lambda, the store stubbed out) in a
// fresh child process, which prints its peak RSS (process.resourceUsage().maxRSS) and the
// longest event-loop block (perf_hooks.monitorEventLoopDelay). Targets: under 256 MB (the
// HTTPS function's memory) and no block over 1 s. Two accepted reports show what legitimate
// work costs beside them.
//
//   npm run bench:attacks              every input
//   npm run bench:attacks -- nested    the inputs whose name contains "nested"
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";
import nodemailer from "nodemailer";
import { DEFAULT_LIMITS } from "../receiver/limits";

const root = path.resolve(__dirname, "..");
const MiB = 1024 * 1024;
const TARGET_RSS_MB = 256;
const TARGET_BLOCK_MS = 1_000;
const limit = DEFAULT_LIMITS.maxDecompressedBytes;

// The child: the ingest path with a store that keeps nothing (a Proxy, so a redesigned store
// with other method names still works), limits from the defaults, DKIM off (every input here
// is refused before DKIM would be asked, or is plain JSON over HTTPS).
const CHILD = `
import * as fs from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ingestHttp } from "../../receiver/ingest";
import { ingestEmail } from "../../receiver/ingest-email";
import { DEFAULT_LIMITS } from "../../receiver/limits";

const store = new Proxy({}, { get: (_t, name) => (name === "then" ? undefined : async () => (name === "countOnce" ? "counted" : "stub/" + String(name))) });
const deps = { store, limits: DEFAULT_LIMITS, dkim: "off" };

async function main() {
  const [channel, file] = process.argv.slice(2);
  const body = fs.readFileSync(file);
  const before = process.memoryUsage().rss;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  await new Promise((r) => setTimeout(r, 50));
  const start = process.hrtime.bigint();
  const result = channel === "email"
    ? await ingestEmail(body, deps, { rawKey: "inbound/bench" })
    : await ingestHttp({ method: "POST", contentType: "application/tlsrpt+gzip", body }, deps);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  await new Promise((r) => setTimeout(r, 50)); // let the delayed timer report the block
  delay.disable();
  process.stdout.write(JSON.stringify({
    status: result.status,
    outcome: result.outcome,
    reason: result.reason,
    beforeMb: before / 1e6,
    peakMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    blockMs: Math.max(delay.max / 1e6 - 10, 0),
    wallMs,
  }));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

interface Input {
  name: string;
  channel: "https" | "email";
  /** Builds the bytes a sender would send. */
  make(): Buffer | Promise<Buffer>;
  /** A report that must be counted (the others must be refused). */
  accepted?: boolean;
}

const gz = (text: string | Buffer) => gzipSync(text, { level: 9 });

async function email(
  attachments: { filename: string; content: Buffer }[],
  extra: { text?: string } = {},
): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: "r@reporter.example",
    to: "tlsrpt@example.com",
    subject: "Report",
    text: extra.text ?? "report attached",
    attachments: attachments.map((a) => ({ ...a, contentType: "application/tlsrpt+gzip" })),
  });
  return info.message as Buffer;
}

/** MIME by hand: nodemailer takes minutes to build 20,000 parts. */
function manyParts(parts: number, bytes: number): Buffer {
  const head =
    'From: r@reporter.example\r\nTo: tlsrpt@example.com\r\nSubject: Report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n';
  const each = Math.max(1, Math.floor(bytes / parts) - 90);
  const part = (i: number) =>
    `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}"\r\n\r\n${"x".repeat(each)}\r\n`;
  return Buffer.from(
    head + Array.from({ length: parts }, (_, i) => part(i)).join("") + "--b--\r\n",
  );
}

function report(details: number, id = `bench-${details}`): string {
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
  return JSON.stringify({
    "organization-name": "Bench Inc.",
    "date-range": {
      "start-datetime": "2026-11-01T00:00:00Z",
      "end-datetime": "2026-11-01T23:59:59Z",
    },
    "contact-info": "tlsrpt@bench.example",
    "report-id": id,
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
  });
}

/** Objects whose keys come in random orders: each order is a hidden class to V8. */
function shuffledObjects(count: number): string {
  const keys = Array.from({ length: 10 }, (_, i) => `"k${i}":0`);
  let seed = 1;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const one = () => {
    const k = [...keys];
    for (let i = k.length - 1; i > 0; i--) {
      const j = random(i + 1);
      [k[i], k[j]] = [k[j], k[i]];
    }
    return `{${k.join(",")}}`;
  };
  return `{"a":[${Array.from({ length: count }, one).join(",")}]}`;
}

const nestedUnderLimit = () => gz(`{"a":${"[".repeat(limit - 16)}`);

const INPUTS: Input[] = [
  {
    name: "nested '[' gzip, 50 MB inflated (the 48 KB original)",
    channel: "https",
    make: () => gz(`{"a":${"[".repeat(50 * 1000 * 1000)}`),
  },
  {
    name: "nested '[' gzip, just under the inflate limit",
    channel: "https",
    make: nestedUnderLimit,
  },
  {
    name: "email: 10 attachments of nested '['",
    channel: "email",
    make: () =>
      email(
        Array.from({ length: 10 }, (_, i) => ({
          filename: `r${i}.json.gz`,
          content: nestedUnderLimit(),
        })),
      ),
  },
  {
    name: "flat array of 0s, just under the inflate limit",
    channel: "https",
    make: () => gz(`{"a":[${"0,".repeat(Math.floor(limit / 2) - 8)}0]}`),
  },
  {
    name: "flat array of {}s, just under the inflate limit",
    channel: "https",
    make: () => gz(`{"a":[${"{},".repeat(Math.floor(limit / 3) - 8)}{}]}`),
  },
  {
    name: "one string just under the inflate limit",
    channel: "https",
    make: () => gz(`{"a":"${"x".repeat(limit - 16)}"}`),
  },
  {
    name: "one object of 1,000,000 keys",
    channel: "https",
    make: () => gz(`{${Array.from({ length: 1_000_000 }, (_, i) => `"k${i}":0`).join(",")}}`),
  },
  {
    name: "100,000 objects, keys in random orders",
    channel: "https",
    make: () => gz(shuffledObjects(100_000)),
  },
  {
    name: "email: 10 attachments of flat arrays",
    channel: "email",
    make: () =>
      email(
        Array.from({ length: 10 }, (_, i) => ({
          filename: `r${i}.json.gz`,
          content: gz(`{"a":[${"0,".repeat(Math.floor(limit / 2) - 8)}0]}`),
        })),
      ),
  },
  {
    name: "email: 20,000 MIME parts in 10 MB",
    channel: "email",
    make: () => manyParts(20_000, 10 * 1000 * 1000),
  },
  { name: "gzip bomb: 1 GiB of zeros", channel: "https", make: () => gz(Buffer.alloc(1024 * MiB)) },
  {
    name: "64 KiB strings up to the inflate limit (inside every bound)",
    channel: "https",
    make: () =>
      gz(
        `{"a":[${Array.from({ length: Math.floor((limit - 16) / 65_540) }, (_, i) => `"${String(i).padStart(8, "0")}${"x".repeat(65_528)}"`).join(",")}]}`,
      ),
  },
  {
    name: "1,000,000 distinct short strings (inside every bound)",
    channel: "https",
    make: () => gz(`{"a":[${Array.from({ length: 1_000_000 }, (_, i) => `"s${i}"`).join(",")}]}`),
  },
  {
    name: "accepted: report of 100,000 failure details",
    channel: "https",
    make: () => gz(report(100_000)),
    accepted: true,
  },
  {
    name: "accepted: email of 1 report of 10,000 details",
    channel: "email",
    make: () => email([{ filename: "r.json.gz", content: gz(report(10_000)) }]),
    accepted: true,
  },
];

async function main() {
  const only = process.argv[3]; // argv[2] is this file (bin/run-ts.cjs)
  const dir = fs.mkdtempSync(path.join(root, "bench", ".bundles-attacks-"));
  try {
    const entry = path.join(dir, "child.ts");
    fs.writeFileSync(entry, CHILD);
    const built = buildSync({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      external: ["@aws-sdk/*"],
      write: false,
      outfile: "child.js",
      logLevel: "silent",
    });
    const child = path.join(dir, "child.js");
    fs.writeFileSync(child, built.outputFiles[0].text);

    console.log(
      `limits: body ${DEFAULT_LIMITS.maxBodyBytes} bytes, inflated ${limit} bytes; targets: peak RSS < ${TARGET_RSS_MB} MB, longest block < ${TARGET_BLOCK_MS} ms`,
    );
    console.log(
      [
        "input".padEnd(56),
        "sent".padStart(10),
        "answer".padEnd(44),
        "before".padStart(7),
        "peak".padStart(7),
        "block".padStart(8),
        "wall".padStart(8),
        "",
      ].join("  "),
    );
    let failures = 0;
    for (const input of INPUTS.filter((i) => !only || i.name.includes(only))) {
      const body = await input.make();
      const file = path.join(dir, "input.bin");
      fs.writeFileSync(file, body);
      let line: string;
      try {
        // A ceiling on the child's heap, so a regression fails here instead of taking the machine.
        const out = execFileSync(
          process.execPath,
          ["--max-old-space-size=2048", child, input.channel, file],
          { encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 20 },
        );
        const r = JSON.parse(out) as {
          status: number;
          outcome: string;
          reason?: string;
          beforeMb: number;
          peakMb: number;
          blockMs: number;
          wallMs: number;
        };
        const right = input.accepted ? r.status === 200 : r.status >= 400 && r.status < 500;
        const ok = right && r.peakMb < TARGET_RSS_MB && r.blockMs < TARGET_BLOCK_MS;
        if (!ok) failures++;
        const answer = `${r.status} ${r.reason ?? r.outcome}`;
        line = [
          input.name.padEnd(56),
          String(body.length).padStart(10),
          (answer.length > 44 ? `${answer.slice(0, 41)}...` : answer).padEnd(44),
          `${r.beforeMb.toFixed(0)} MB`.padStart(7),
          `${r.peakMb.toFixed(0)} MB`.padStart(7),
          `${r.blockMs.toFixed(0)} ms`.padStart(8),
          `${r.wallMs.toFixed(0)} ms`.padStart(8),
          ok ? "ok" : "OVER",
        ].join("  ");
      } catch (err) {
        failures++;
        line = `${input.name.padEnd(56)}  ${String(body.length).padStart(10)}  child failed: ${(err as Error).message.split("\n")[0]}`;
      }
      console.log(line);
    }
    console.log(
      failures === 0
        ? "every input within the targets"
        : `${failures} input(s) over a target or answered wrongly`,
    );
    process.exitCode = failures === 0 ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
