// promotion.apply: auto under the Pulumi mock runtime: the program reads the receiver's
// evidence (dynalite, filled through the receiver) and checks the live MX (dns2) itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import { renderPolicy } from "../protocol";
import { ingestHttp } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";
import { startDns } from "./helpers/servers";
import { dkimResolver, signedReportEmail } from "./helpers/signed-reports";

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let dns: Awaited<ReturnType<typeof startDns>>;
let registered: Registered[];
let fleet: MtaStsFleet;
const rule = { minDays: 2, minSessions: 50, maxFailureRate: 0.01, minReporters: 1, apply: "auto" };

function report(domain: string, day: string, successful: number) {
  return Buffer.from(
    JSON.stringify({
      "organization-name": "Google",
      "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
      "report-id": `${domain}-${day}`,
      "contact-info": "smtp-tls-reporting@google.com",
      policies: [
        {
          policy: {
            "policy-type": "sts",
            "policy-string": renderPolicy({ mode: "testing", mx: [`mx.${domain}`], maxAge: 86400 })
              .split("\r\n")
              .filter(Boolean),
            "policy-domain": domain,
          },
          summary: {
            "total-successful-session-count": successful,
            "total-failure-session-count": 0,
          },
        },
      ],
    }),
  );
}

beforeAll(async () => {
  aws = await startAwsLocal();
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: aws.table,
  });
  // Evidence from a known reporter: email DKIM-signed by google.com (a key the test publishes).
  const deps = { store, limits: DEFAULT_LIMITS, resolver: dkimResolver };
  for (const day of ["2026-11-17", "2026-11-18"])
    await ingestEmail(await signedReportEmail("google.com", report("ready.test", day, 40)), deps);
  await ingestEmail(
    await signedReportEmail("google.com", report("young.test", "2026-11-18", 400)),
    deps,
  );
  // A forged HTTPS report for young.test, a day earlier, would make it ready if it counted.
  await ingestHttp(
    {
      method: "POST",
      contentType: "application/json",
      body: report("young.test", "2026-11-17", 400),
    },
    deps,
  );
  dns = await startDns({
    "ready.test": { MX: ["mx.ready.test"] },
    "young.test": { MX: ["mx.young.test"] },
  });

  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const domain = (name: string) => ({
    domain: name,
    dns: { provider: "manual" },
    mx: [`mx.${name}`],
    promotion: rule,
  });
  fleet = new MtaStsFleet("auto", {
    ...parseStackConfig({
      domains: [domain("ready.test"), domain("young.test")],
      receiver: { https: true },
    }),
    region: "eu-west-1",
    mxResolver: dns.address,
    today: "2026-11-20",
    openStore: () => store,
  });
  await Promise.all(fleet.domains.map((d) => promiseOf(d.stsRecord)));
  await settled();
});
afterAll(async () => {
  await Promise.all([aws?.close(), dns?.close()]);
});

describe("promotion.apply: auto", () => {
  it("publishes a ready domain in enforce, with the enforce max_age, and says why", async () => {
    const decision = await promiseOf(fleet.summary[0].promotion);
    expect(decision).toMatchObject({
      outcome: "promote",
      reasons: ["every condition holds"],
      mxCheck: { status: "pass" },
    });
    expect(registered.find((r) => r.name === "auto-ready.test-policy")!.inputs.content).toBe(
      "version: STSv1\r\nmode: enforce\r\nmx: mx.ready.test\r\nmax_age: 604800\r\n",
    );
  });

  it("keeps counting after promotion: reports of the enforce policy continue the window", async () => {
    const { decidePromotion } = await import("../protocol/promotion");
    const { policyId } = await import("../protocol/mta-sts");
    const testing = policyId(
      renderPolicy({ mode: "testing", mx: ["mx.ready.test"], maxAge: 86400 }),
    );
    const enforce = policyId(
      renderPolicy({ mode: "enforce", mx: ["mx.ready.test"], maxAge: 604800 }),
    );
    const entry = (policyId: string, successful: number) => ({
      org: "Google",
      policyType: "sts",
      policyId,
      successful,
      failed: 0,
      byResultType: {},
    });
    const evidence = [
      { day: "2026-11-17", entries: [entry(testing, 40)] },
      { day: "2026-11-18", entries: [entry(testing, 40)] },
      { day: "2026-11-19", entries: [entry(enforce, 40)] },
    ];
    const r = { minDays: 2, minSessions: 50, maxFailureRate: 0.01, minReporters: 1 };
    expect(decidePromotion(r, [testing, enforce], evidence, "2026-11-20")).toMatchObject({
      ready: true,
      window: { days: 3 },
    });
    // with only the testing id, the enforce reports would restart the clock (and demote)
    expect(decidePromotion(r, testing, evidence, "2026-11-20").ready).toBe(false);
  });

  it("keeps a domain without enough evidence in testing, with the reasons", async () => {
    const decision = await promiseOf(fleet.summary[1].promotion);
    expect(decision.outcome).toBe("stay");
    // the forged HTTPS day is shown as set aside, and neither adds a day nor sessions
    expect(decision.setAside).toEqual({ known: 0, signed: 0, unsigned: 400 });
    expect(decision.decision?.figures.sessions).toBe(400);
    expect(decision.reasons).toContainEqual(
      expect.stringMatching(/^1 of 2 days with reports under policy/),
    );
    expect(registered.find((r) => r.name === "auto-young.test-policy")!.inputs.content).toContain(
      "mode: testing",
    );
  });
});

describe("promotion.apply: auto when the evidence cannot be read", () => {
  it("fails the update with the table, the error and the fix, instead of guessing a mode", async () => {
    const { decideAuto } = await import("../world/promotion");
    const { parseStackConfig } = await import("../config");
    const [d] = parseStackConfig({
      domains: [
        {
          domain: "denied.test",
          dns: { provider: "manual" },
          mx: ["mx.denied.test"],
          promotion: rule,
        },
      ],
    }).domains;
    const denied = Object.assign(new Error("User is not authorized to perform: dynamodb:Query"), {
      name: "AccessDeniedException",
    });
    const openStore = () =>
      ({ aggregates: () => Promise.reject(denied) }) as unknown as ReceiverStore;
    const err = await decideAuto(d, "reports-table", {
      openStore,
      resolver: {} as never,
      today: "2026-11-20",
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(
      "promotion of denied.test: could not read the receiver's evidence from table reports-table (AccessDeniedException: User is not authorized to perform: dynamodb:Query). Check the stack's AWS credentials (aws:profile, aws:assumeRoles) can read it, or set promotion.apply: propose for this domain",
    );
  });
});
