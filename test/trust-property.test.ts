// The property the trust model exists for: no sequence of requests an outsider can send
// changes a promotion decision. Genuine evidence arrives as email DKIM-signed by known
// reporters; the outsider POSTs anything to the public HTTPS endpoint (forged organisations,
// other policies, huge counts, guessed report ids sent first) and mails reports signed by
// domains of its own while claiming to be Google. Decisions with and without the attack are equal.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../config";
import { renderPolicy } from "../protocol";
import { ingestHttp, type IngestDeps } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { currentPolicyIds, weighedEvidence } from "../world/promotion";
import { decidePromotion } from "../protocol/promotion";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";
import { dkimResolver, signedReportEmail } from "./helpers/signed-reports";

const DOMAIN = "victim.test";
const TODAY = "2026-11-20";
const [domain] = parseStackConfig({
  domains: [
    {
      domain: DOMAIN,
      dns: { provider: "manual" },
      mx: ["mx.victim.test"],
      promotion: { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 },
    },
  ],
}).domains;
const testingLines = renderPolicy({ mode: "testing", mx: ["mx.victim.test"], maxAge: 86400 })
  .split("\r\n")
  .filter(Boolean);
const otherLines = renderPolicy({ mode: "testing", mx: ["mx.elsewhere.test"], maxAge: 86400 })
  .split("\r\n")
  .filter(Boolean);

function report(o: {
  org: string;
  contact: string;
  id: string;
  day: string;
  ok: number;
  failed: number;
  lines?: string[];
}): string {
  return JSON.stringify({
    "organization-name": o.org,
    "date-range": { "start-datetime": `${o.day}T00:00:00Z`, "end-datetime": `${o.day}T23:59:59Z` },
    "contact-info": o.contact,
    "report-id": o.id,
    policies: [
      {
        policy: {
          "policy-type": "sts",
          "policy-string": o.lines ?? testingLines,
          "policy-domain": DOMAIN,
        },
        summary: {
          "total-successful-session-count": o.ok,
          "total-failure-session-count": o.failed,
        },
        ...(o.failed > 0
          ? {
              "failure-details": [
                { "result-type": "certificate-expired", "failed-session-count": o.failed },
              ],
            }
          : {}),
      },
    ],
  });
}

/** The genuine evidence: Google and Microsoft, 3 days, 5% failures from Microsoft on one day. */
const genuine = [
  {
    signAs: "google.com",
    org: "Google Inc.",
    contact: "smtp-tls-reporting@google.com",
    id: "g-1",
    day: "2026-11-16",
    ok: 100,
    failed: 0,
  },
  {
    signAs: "google.com",
    org: "Google Inc.",
    contact: "smtp-tls-reporting@google.com",
    id: "g-2",
    day: "2026-11-17",
    ok: 100,
    failed: 0,
  },
  {
    signAs: "microsoft.com",
    org: "Microsoft Corporation",
    contact: "tlsrpt-noreply@microsoft.com",
    id: "m-1",
    day: "2026-11-18",
    ok: 95,
    failed: 5,
  },
];

const DAYS = [
  "2026-11-14",
  "2026-11-15",
  "2026-11-16",
  "2026-11-17",
  "2026-11-18",
  "2026-11-19",
  "2026-11-20",
];
const attack = fc.oneof(
  // a forged HTTPS report: any organisation (the genuine names included), any day, this or another policy, huge counts
  fc.record({
    kind: fc.constant("https" as const),
    org: fc.constantFrom("Google Inc.", "Microsoft Corporation", "Yahoo", "evil"),
    contact: fc.constantFrom("smtp-tls-reporting@google.com", "a@evil.example"),
    id: fc.constantFrom("g-1", "g-2", "m-1", "x"),
    day: fc.constantFrom(...DAYS),
    ok: fc.constantFrom(0, 1, 10_000_000),
    failed: fc.constantFrom(0, 50),
    other: fc.boolean(),
  }),
  // mail DKIM-signed by the outsider's own domain, claiming to be Google in the report
  fc.record({
    kind: fc.constant("email" as const),
    signAs: fc.constantFrom("evil.example", "google.com.evil.example"),
    org: fc.constantFrom("Google Inc.", "Microsoft Corporation"),
    id: fc.constantFrom("g-1", "m-1", "y"),
    day: fc.constantFrom(...DAYS),
    ok: fc.constantFrom(1, 10_000_000),
    failed: fc.constantFrom(0, 50),
    other: fc.boolean(),
  }),
);

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let n = 0;
async function freshDeps(): Promise<IngestDeps> {
  const table = `trust-${++n}`;
  await ensureTable(aws.dynamodb, table);
  return {
    store: new ReceiverStore({ s3: aws.s3, dynamodb: aws.dynamodb, bucket: aws.bucket, table }),
    limits: DEFAULT_LIMITS,
    resolver: dkimResolver,
    now: () => new Date(`${TODAY}T10:00:00Z`),
  };
}
async function decide(deps: IngestDeps) {
  const evidence = await weighedEvidence(deps.store, domain);
  return decidePromotion(domain.promotion!, currentPolicyIds(domain).testing, evidence.days, TODAY);
}
async function sendGenuine(deps: IngestDeps) {
  for (const g of genuine)
    expect(
      (await ingestEmail(await signedReportEmail(g.signAs, report(g), { id: g.id }), deps)).outcome,
    ).toBe("counted");
}

beforeAll(async () => {
  aws = await startAwsLocal();
});
afterAll(async () => {
  await aws?.close();
});

describe("trust: what an outsider can send", () => {
  it("changes no promotion decision, whatever it sends and whenever", async () => {
    const clean = await freshDeps();
    await sendGenuine(clean);
    const expected = await decide(clean);
    // The genuine evidence alone: not ready (5% failures from Microsoft), for a reason an attacker would like to remove.
    expect(expected.ready).toBe(false);
    expect(expected.figures).toMatchObject({
      sessions: 300,
      stsFailures: 5,
      reporters: ["Google", "Microsoft"],
    });

    await fc.assert(
      fc.asyncProperty(
        fc.array(attack, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 6 }),
        async (attacks, at) => {
          const deps = await freshDeps();
          const send = async (a: (typeof attacks)[number]) => {
            const body = report({
              org: a.org,
              contact: a.kind === "https" ? a.contact : `tls@${a.signAs}`,
              id: a.id,
              day: a.day,
              ok: a.ok,
              failed: a.failed,
              lines: a.other ? otherLines : undefined,
            });
            const r =
              a.kind === "https"
                ? await ingestHttp(
                    {
                      method: "POST",
                      contentType: "application/tlsrpt+json",
                      body: Buffer.from(body),
                    },
                    deps,
                  )
                : await ingestEmail(await signedReportEmail(a.signAs, body), deps);
            expect(["counted", "duplicate", "rejected"]).toContain(r.outcome);
          };
          // attacks before (guessed report ids first), then the genuine reports, then the rest
          for (const a of attacks.slice(0, at)) await send(a);
          await sendGenuine(deps);
          for (const a of attacks.slice(at)) await send(a);
          expect(await decide(deps)).toEqual(expected);
        },
      ),
      { numRuns: Number(process.env.TRUST_RUNS ?? 12) },
    );
  }, 120_000);

  it("lets the user opt in to unsigned evidence, and then a forgery does move it (why the default is known)", async () => {
    const deps = await freshDeps();
    await sendGenuine(deps);
    const forged = report({
      org: "Microsoft Corporation",
      contact: "x@evil.example",
      id: "f",
      day: "2026-11-19",
      ok: 10_000_000,
      failed: 0,
    });
    await ingestHttp(
      { method: "POST", contentType: "application/tlsrpt+json", body: Buffer.from(forged) },
      deps,
    );
    const any = { ...domain, promotion: { ...domain.promotion!, evidence: "any" as const } };
    const evidence = await weighedEvidence(deps.store, any);
    expect(
      decidePromotion(any.promotion, currentPolicyIds(any).testing, evidence.days, TODAY).ready,
    ).toBe(true);
    expect((await decide(deps)).ready).toBe(false);
  });
});
