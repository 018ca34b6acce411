// A data set with figures known by hand, put into a receiver's store by really ingesting
// reports (HTTPS path: sniff, parse, normalise, aggregate, count once): for the report tests
// and for scripts/report-screenshot.ts, which draws the README's picture from it.
import * as fs from "node:fs";
import * as path from "node:path";
import { renderPolicy } from "../../protocol/mta-sts";
import type { Finding } from "../../receiver/findings";
import { ingestHttp } from "../../receiver/ingest";
import { DEFAULT_LIMITS } from "../../receiver/limits";
import { ReceiverStore } from "../../receiver/store";
import { startAwsLocal } from "../../cli/local-aws";

export const ALPHA_MX = ["mx1.alpha.example", "mx2.alpha.example"];
export const BRAVO_MX = ["mx.bravo.example"];

/** alpha in testing with a rule it does not meet yet; bravo in enforce; charlie in testing, no reports. */
export const EXAMPLE_STACK = `config:
  aws:region: eu-west-1
  mta-sts:domains:
    - domain: alpha.example
      dns: { provider: manual }
      mx: [${ALPHA_MX.join(", ")}]
      mode: testing
      rua: ["https://mta-sts.alpha.example/tlsrpt"]
      promotion: { minDays: 14, minSessions: 10000, maxFailureRate: 0.001, minReporters: 2, evidence: any }
    - domain: bravo.example
      dns: { provider: manual }
      mx: [${BRAVO_MX.join(", ")}]
      mode: enforce
      rua: ["https://mta-sts.bravo.example/tlsrpt"]
    - domain: charlie.example
      dns: { provider: manual }
      mx: [mx.charlie.example]
      mode: testing
      promotion: { minDays: 7, minSessions: 100, maxFailureRate: 0.01, minReporters: 1, evidence: any }
  mta-sts:receiver: { enabled: false }
`;

/** The day the example is looked at (promotion counts the days before it). */
export const EXAMPLE_TODAY = "2026-11-11";

interface Failure {
  type: string;
  n: number;
  mx?: string;
}

export function reportJson(o: {
  org: string;
  domain: string;
  mx: string[];
  mode: "testing" | "enforce";
  day: string;
  successful: number;
  failures?: Failure[];
  id?: string;
}): Buffer {
  const lines = renderPolicy({
    mode: o.mode,
    mx: o.mx,
    maxAge: o.mode === "testing" ? 86400 : 604800,
  })
    .split("\r\n")
    .filter(Boolean);
  const failures = o.failures ?? [];
  return Buffer.from(
    JSON.stringify({
      "organization-name": o.org,
      "date-range": {
        "start-datetime": `${o.day}T00:00:00Z`,
        "end-datetime": `${o.day}T23:59:59Z`,
      },
      "contact-info": "tls-reports@reporter.example",
      "report-id": o.id ?? `${o.org}-${o.domain}-${o.day}`,
      policies: [
        {
          policy: {
            "policy-type": "sts",
            "policy-string": lines,
            "policy-domain": o.domain,
            "mx-host": o.mx,
          },
          summary: {
            "total-successful-session-count": o.successful,
            "total-failure-session-count": failures.reduce((n, f) => n + f.n, 0),
          },
          ...(failures.length
            ? {
                "failure-details": failures.map((f) => ({
                  "result-type": f.type,
                  "sending-mta-ip": "192.0.2.1",
                  ...(f.mx ? { "receiving-mx-hostname": f.mx } : {}),
                  "failed-session-count": f.n,
                })),
              }
            : {}),
        },
      ],
    }),
  );
}

const day = (i: number) => `2026-11-${String(i).padStart(2, "0")}`;

/**
 * alpha.example, 2026-11-01..10: Google 1,000 successful a day, and 30 certificate-expired at
 * mx2 on 11-05; Microsoft 500 a day, and 5 starttls-not-supported at mx1 every day.
 * bravo.example, 2026-11-08..10: Google 200 a day, and 20 sts-policy-fetch-error (no MX named) on 11-09.
 */
export function exampleReports(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 1; i <= 10; i++) {
    out.push(
      reportJson({
        org: "Google Inc.",
        domain: "alpha.example",
        mx: ALPHA_MX,
        mode: "testing",
        day: day(i),
        successful: 1000,
        failures: i === 5 ? [{ type: "certificate-expired", n: 30, mx: "mx2.alpha.example" }] : [],
      }),
    );
    out.push(
      reportJson({
        org: "Microsoft Corporation",
        domain: "alpha.example",
        mx: ALPHA_MX,
        mode: "testing",
        day: day(i),
        successful: 500,
        failures: [{ type: "starttls-not-supported", n: 5, mx: "mx1.alpha.example" }],
      }),
    );
  }
  for (let i = 8; i <= 10; i++) {
    out.push(
      reportJson({
        org: "Google Inc.",
        domain: "bravo.example",
        mx: BRAVO_MX,
        mode: "enforce",
        day: day(i),
        successful: 200,
        failures: i === 9 ? [{ type: "sts-policy-fetch-error", n: 20 }] : [],
      }),
    );
  }
  return out;
}

/** The example's figures, added up by hand from the comment above. */
export const EXAMPLE_FIGURES = {
  alpha: {
    days: 10,
    successful: 15_000,
    failed: 80,
    sessions: 15_080,
    rate: "0.53%",
    byType: { "starttls-not-supported": 50, "certificate-expired": 30 },
    byMx: { "mx1.alpha.example": 50, "mx2.alpha.example": 30 },
  },
  bravo: { days: 3, successful: 600, failed: 20, sessions: 620, rate: "3.23%", mxNotNamed: 20 },
};

const run = (
  domain: string,
  d: string,
  checks: [string, "pass" | "warn" | "fail", string][],
  extra: Partial<Finding> = {},
): Finding => ({
  domain,
  day: d,
  at: `${d}T06:00:00.000Z`,
  ok: checks.every(([, status]) => status !== "fail"),
  uncoveredMx: [],
  checks: checks.map(([id, status, message]) => ({ id, status, message })),
  ...extra,
});

const ALPHA_OK: [string, "pass" | "warn" | "fail", string][] = [
  ["sts-record", "pass", "_mta-sts.alpha.example: one v=STSv1 record"],
  ["tlsrpt-record", "pass", "_smtp._tls.alpha.example: one v=TLSRPTv1 record"],
  [
    "policy-fetch",
    "pass",
    "https://mta-sts.alpha.example/.well-known/mta-sts.txt: 200 text/plain, certificate valid for 61 days",
  ],
  ["policy-id", "pass", "the served policy matches id 0540885f5ea8225edf655cbc60685668"],
  ["mx-coverage", "pass", "every MX is covered: mx1.alpha.example, mx2.alpha.example"],
];

/**
 * The self-check's runs: alpha on 11-08..10, failing on 11-09 (the policy host did not answer);
 * bravo on 11-10, an MX its enforce policy does not cover.
 */
export function exampleFindings(): Finding[] {
  return [
    run("alpha.example", "2026-11-08", ALPHA_OK, { mode: "testing", certificateDaysLeft: 63 }),
    run(
      "alpha.example",
      "2026-11-09",
      [
        ...ALPHA_OK.slice(0, 2),
        [
          "policy-fetch",
          "fail",
          "https://mta-sts.alpha.example/.well-known/mta-sts.txt: connect ETIMEDOUT; fix: check the distribution and the mta-sts host record",
        ],
      ],
      { mode: "testing" },
    ),
    run("alpha.example", "2026-11-10", ALPHA_OK, { mode: "testing", certificateDaysLeft: 61 }),
    run(
      "bravo.example",
      "2026-11-10",
      [
        ["sts-record", "pass", "_mta-sts.bravo.example: one v=STSv1 record"],
        [
          "mx-coverage",
          "fail",
          "mx2.bravo.example is not covered by the enforce policy: mail to it fails; fix: add it to mx and pulumi up",
        ],
      ],
      { mode: "enforce", uncoveredMx: ["mx2.bravo.example"] },
    ),
  ];
}

/**
 * Ingests `reports` (default: the example) into a local store at `dataDir`, as `mtasts receive
 * --local` would keep them, and stores the self-check's `findings` there.
 */
export async function seedReports(
  dataDir: string,
  reports: readonly Buffer[] = exampleReports(),
  findings: readonly Finding[] = exampleFindings(),
): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const aws = await startAwsLocal({ dataDir });
  try {
    const deps = {
      store: new ReceiverStore({
        s3: aws.s3,
        dynamodb: aws.dynamodb,
        bucket: aws.bucket,
        table: aws.table,
      }),
      limits: DEFAULT_LIMITS,
      now: () => new Date(`${EXAMPLE_TODAY}T12:00:00Z`),
    };
    for (const body of reports) {
      const r = await ingestHttp(
        { method: "POST", contentType: "application/tlsrpt+json", body },
        deps,
      );
      if (r.outcome !== "counted")
        throw new Error(
          `example report not counted: ${r.outcome} ${JSON.stringify(r).slice(0, 300)}`,
        );
    }
    for (const f of findings) await deps.store.putFinding(f);
  } finally {
    await aws.close();
  }
}

/** A project directory holding Pulumi.yaml and Pulumi.<stack>.yaml with EXAMPLE_STACK. */
export function writeExampleProject(
  dir: string,
  stack = "example",
  root = path.resolve(__dirname, "..", ".."),
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), EXAMPLE_STACK);
}
