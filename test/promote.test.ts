// `mtasts promote` end to end: evidence put into dynalite by really ingesting reports through
// the receiver, live MX answered by a local dns2 server, the stack file rewritten (or not).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPolicy } from "../protocol";
import { ingestHttp } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";
import { startDns } from "./helpers/servers";
import { dkimResolver, signedReportEmail } from "./helpers/signed-reports";

const root = path.resolve(__dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-promote-"));
const data = path.join(work, "data");
const stackFile = path.join(work, "Pulumi.test.yaml");
let dns: Awaited<ReturnType<typeof startDns>>;

const STACK = `# Our mail domains. Reviewed in pull requests.
config:
  aws:region: eu-west-1
  mta-sts:domains:
    # the main domain
    - domain: ready.test
      dns: { provider: manual }
      mx: [mx.ready.test]
      mode: testing   # promoted by mtasts promote when the reports say so
      rua: ["mailto:tls@ready.test"]
      promotion: { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 }
    - domain: young.test
      dns: { provider: manual }
      mx: [mx.young.test]
      mode: testing
      promotion: { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 }
    - domain: uncovered.test
      dns: { provider: manual }
      mx: [mx1.uncovered.test]
      promotion: { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 }
  mta-sts:receiver: { enabled: false }
`;

function report(domain: string, mx: string[], org: string, day: string, successful: number) {
  const lines = renderPolicy({ mode: "testing", mx, maxAge: 86400 }).split("\r\n").filter(Boolean);
  return Buffer.from(
    JSON.stringify({
      "organization-name": org,
      "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
      "contact-info": `tls@${org.toLowerCase()}.com`,
      "report-id": `${org}-${domain}-${day}`,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-string": lines, "policy-domain": domain },
          summary: {
            "total-successful-session-count": successful,
            "total-failure-session-count": 0,
          },
        },
      ],
    }),
  );
}

function promote(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [
        path.join(root, "bin", "mtasts.cjs"),
        "promote",
        "--stack",
        "test",
        "--dir",
        work,
        "--local",
        "--data",
        data,
        "--resolver",
        dns.address,
        "--today",
        "2026-11-20",
        ...args,
      ],
      { encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  fs.writeFileSync(
    path.join(work, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  fs.writeFileSync(stackFile, STACK);
  const aws = await startAwsLocal({ dataDir: data });
  const deps = {
    store: new ReceiverStore({
      s3: aws.s3,
      dynamodb: aws.dynamodb,
      bucket: aws.bucket,
      table: aws.table,
    }),
    limits: DEFAULT_LIMITS,
    resolver: dkimResolver,
  };
  // Evidence as known reporters send it: email DKIM-signed by their domains (protocol/trust.ts).
  const send = async (body: Buffer) => {
    const org = JSON.parse(body.toString())["organization-name"] as string;
    expect(
      (await ingestEmail(await signedReportEmail(`${org.toLowerCase()}.com`, body), deps)).outcome,
    ).toBe("counted");
  };
  // What anyone can POST is kept and shown, never counted: 10^6 forged sessions change nothing.
  const forged = report("young.test", ["mx.young.test"], "Microsoft", "2026-11-18", 1_000_000);
  expect(
    (
      await ingestHttp(
        { method: "POST", contentType: "application/tlsrpt+json", body: forged },
        deps,
      )
    ).outcome,
  ).toBe("counted");
  for (const day of ["2026-11-15", "2026-11-16", "2026-11-17"]) {
    await send(report("ready.test", ["mx.ready.test"], "Google", day, 60));
    await send(report("uncovered.test", ["mx1.uncovered.test"], "Google", day, 60));
  }
  await send(report("ready.test", ["mx.ready.test"], "Microsoft", "2026-11-16", 30));
  await send(report("uncovered.test", ["mx1.uncovered.test"], "Microsoft", "2026-11-16", 30));
  await send(report("young.test", ["mx.young.test"], "Google", "2026-11-19", 500));
  await aws.close();
  dns = await startDns({
    "ready.test": { MX: ["mx.ready.test"] },
    "young.test": { MX: ["mx.young.test"] },
    "uncovered.test": { MX: ["mx1.uncovered.test", "mx2.uncovered.test"] },
  });
});

afterAll(async () => {
  await dns?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("setEnforce", () => {
  it("adds mode: enforce under the domain line when the entry has no mode", async () => {
    const { setEnforce } = await import("../cli/stack-edit");
    const text =
      "config:\n  mta-sts:domains:\n    - domain: a.test # main\n      mx: [mx.a.test]\n";
    expect(setEnforce(text, "a.test")).toBe(
      "config:\n  mta-sts:domains:\n    - domain: a.test # main\n      mode: enforce\n      mx: [mx.a.test]\n",
    );
  });
});

describe("mtasts promote", () => {
  it("decides per domain with reasons and figures; a dry run writes nothing", async () => {
    const res = await promote(["--dry-run", "--format", "json"]);
    expect(res.stderr).not.toMatch(/error/i);
    const out = JSON.parse(res.stdout) as {
      domains: {
        domain: string;
        promote: boolean;
        decision: {
          ready: boolean;
          reasons: string[];
          figures: { sessions: number; reporters: string[] };
        };
        mxCheck: { status: string; message: string };
      }[];
    };
    const by = Object.fromEntries(out.domains.map((d) => [d.domain, d]));
    expect(by["ready.test"]).toMatchObject({
      promote: true,
      decision: { ready: true, figures: { sessions: 210, reporters: ["Google", "Microsoft"] } },
      mxCheck: { status: "pass" },
    });
    expect(by["young.test"].promote).toBe(false);
    expect(by["young.test"].decision.reasons).toEqual([
      expect.stringMatching(/^1 of 3 days with reports under policy [0-9a-f]{32}$/),
      "1 of 2 reporting organisations",
    ]);
    expect(by["young.test"]).toMatchObject({
      setAside: { unsigned: 1_000_000, signed: 0 },
      decision: { figures: { sessions: 500 } },
    });
    expect(by["uncovered.test"]).toMatchObject({
      promote: false,
      decision: { ready: true },
      mxCheck: { status: "fail", message: expect.stringContaining("mx2.uncovered.test") },
    });
    expect(fs.readFileSync(stackFile, "utf8")).toBe(STACK);
  });

  it("rewrites only the ready domain's mode, keeping comments and layout", async () => {
    const res = await promote([]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("ready.test: READY -> enforce");
    expect(res.stdout).toContain("Pulumi.test.yaml: ready.test set to mode: enforce");
    const after = fs.readFileSync(stackFile, "utf8");
    const before = STACK.split("\n");
    const changed = after
      .split("\n")
      .map((line, i) => [before[i], line])
      .filter(([a, b]) => a !== b);
    expect(changed).toEqual([
      [
        "      mode: testing   # promoted by mtasts promote when the reports say so",
        "      mode: enforce   # promoted by mtasts promote when the reports say so",
      ],
    ]);
    // a second run finds nothing left to promote for it
    const again = await promote(["--format", "json"]);
    expect(JSON.parse(again.stdout).domains.map((d: { domain: string }) => d.domain)).toEqual([
      "young.test",
      "uncovered.test",
    ]);
  });
});
