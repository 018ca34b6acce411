// The promotion decision (protocol/promotion.ts) rule by rule: which days count (before today,
// after the last day reporters saw another STS policy, with a report under the current id),
// which entries count (STS, the current ids), how failures are counted, each condition at its
// boundary, and each reason a user reads.
import { describe, expect, it } from "vitest";
import { type DayEvidence, decidePromotion, type PromotionRule } from "../protocol/promotion";

const ID = "a".repeat(32);
const ENFORCE_ID = "e".repeat(32);
const OLD = "b".repeat(32);
const TODAY = "2026-11-10";
const rule: PromotionRule = { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 };

type Entry = DayEvidence["entries"][number];
const entry = (org: string, successful: number, over: Partial<Entry> = {}): Entry => {
  const byResultType = over.byResultType ?? {};
  return {
    org,
    policyType: "sts",
    policyId: ID,
    successful,
    failed: Object.values(byResultType).reduce((a, b) => a + b, 0),
    byResultType,
    ...over,
  };
};
const day = (d: string, ...entries: Entry[]): DayEvidence => ({ day: d, entries });
/** Three days of 50 sessions from two reporters: ready under `rule` (150 sessions). */
const good = () => [
  day("2026-11-01", entry("Google", 25), entry("Microsoft", 25)),
  day("2026-11-02", entry("Google", 50)),
  day("2026-11-03", entry("Google", 50)),
];
const decide = (
  evidence: DayEvidence[],
  r: PromotionRule = rule,
  id: string | string[] = ID,
  today = TODAY,
) => decidePromotion(r, id, evidence, today);

describe("the days that count", () => {
  it("are the days before today, sorted, with a report under the current id", () => {
    const d = decide([
      day("2026-11-03", entry("Google", 50)),
      day("2026-11-01", entry("Google", 25), entry("Microsoft", 25)),
      day("2026-11-02", entry("Google", 50)),
    ]);
    expect(d.window).toStrictEqual({ from: "2026-11-01", to: "2026-11-03", days: 3 });
    expect(d.ready).toBe(true);
  });

  it("leave out today and later days, saying so", () => {
    const d = decide([
      ...good(),
      day("2026-11-10", entry("Google", 1000)),
      day("2026-11-11", entry("Yahoo", 1000)),
    ]);
    expect(d.window.days).toBe(3);
    expect(d.figures.sessions).toBe(150);
    expect(d.figures.reporters).toEqual(["Google", "Microsoft"]);
    expect(d.ready).toBe(true);
    expect(d.reasons).toEqual([
      "every condition holds",
      "today (2026-11-10) is not counted until it is over",
    ]);
  });

  it("leave out days with only other policy types (even under the same id) or reports without a policy id", () => {
    const d = decide([
      ...good(),
      day("2026-11-04", entry("Google", 10, { policyType: "tlsa", policyId: "-" })),
      day("2026-11-05", entry("Google", 10, { policyId: "-" })),
      day("2026-11-06", entry("Google", 10, { policyType: "tlsa", policyId: ID })),
    ]);
    expect(d.window).toStrictEqual({ from: "2026-11-01", to: "2026-11-03", days: 3 });
    expect(d.figures.sessions).toBe(150);
  });

  it("count a day that has the current id beside other entries", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Tlsa Org", 5, { policyType: "tlsa", policyId: "-" }),
        entry("Google", 100),
        entry("Microsoft", 1),
      ),
    ]);
    expect(d.window.days).toBe(1);
  });

  it("start after the last day reporters saw another STS policy, even when that day also saw this one", () => {
    const d = decide([
      day("2026-10-30", entry("Google", 500), entry("Microsoft", 500)),
      day("2026-10-31", entry("Google", 100), entry("Yahoo", 1, { policyId: OLD })),
      ...good(),
    ]);
    expect(d.window).toStrictEqual({
      from: "2026-11-01",
      to: "2026-11-03",
      days: 3,
      restartedOn: "2026-10-31",
    });
    expect(d.figures.sessions).toBe(150);
    expect(d.ready).toBe(true);
    expect(d.reasons).toEqual([
      "every condition holds",
      "reporters saw another policy on 2026-10-31; evidence counts from the day after",
    ]);
  });

  it("restart on the latest of several days with another policy, in date order", () => {
    const d = decide([
      day("2026-11-03", entry("Google", 50)),
      day("2026-11-02", entry("Google", 1, { policyId: OLD })),
      day("2026-10-20", entry("Google", 1, { policyId: OLD })),
      day("2026-11-01", entry("Google", 50)),
    ]);
    expect(d.window).toStrictEqual({
      from: "2026-11-03",
      to: "2026-11-03",
      days: 1,
      restartedOn: "2026-11-02",
    });
  });

  it("are not restarted by another policy type's id, or an STS report without an id", () => {
    const d = decide([
      ...good(),
      day(
        "2026-11-04",
        entry("Google", 1, { policyType: "tlsa", policyId: OLD }),
        entry("Google", 1, { policyId: "-" }),
      ),
    ]);
    expect(d.window).toStrictEqual({ from: "2026-11-01", to: "2026-11-03", days: 3 });
    expect(d.reasons).toEqual(["every condition holds"]);
  });

  it("take every id given as current: the testing and the enforce policy of one domain", () => {
    const evidence = [
      day("2026-11-01", entry("Google", 60), entry("Microsoft", 10, { policyId: ENFORCE_ID })),
      day("2026-11-02", entry("Google", 50, { policyId: ENFORCE_ID })),
      day("2026-11-03", entry("Google", 50)),
    ];
    const both = decide(evidence, rule, [ID, ENFORCE_ID]);
    expect(both.window).toStrictEqual({ from: "2026-11-01", to: "2026-11-03", days: 3 });
    expect(both.figures.sessions).toBe(170);
    expect(both.ready).toBe(true);
    const one = decide(evidence, rule, ID);
    expect(one.window.restartedOn).toBe("2026-11-02");
    expect(one.ready).toBe(false);
  });
});

describe("the entries that count", () => {
  it("are STS entries under a current id: their sessions, failures and reporters", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Google", 100),
        entry("Dane Org", 1000, {
          policyType: "tlsa",
          policyId: ID,
          byResultType: { "certificate-expired": 500 },
        }),
        entry("Old Org", 1000, { policyId: "-", byResultType: { "certificate-expired": 500 } }),
      ),
    ]);
    expect(d.figures).toEqual({
      sessions: 100,
      successful: 100,
      stsFailures: 0,
      failureRate: 0,
      reporters: ["Google"],
      byResultType: {},
      ignoredResultTypes: [],
    });
  });

  it("count each STS failure type once, summed over entries and days, and keep the others aside", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Zeta", 40, { byResultType: { "certificate-expired": 2, "dane-required": 3 } }),
        entry("Alpha", 40, { byResultType: { "certificate-expired": 1, "sts-policy-invalid": 1 } }),
      ),
      day(
        "2026-11-02",
        entry("Alpha", 10, { byResultType: { "starttls-not-supported": 4, "a-new-type": 1 } }),
      ),
    ]);
    expect(d.figures).toEqual({
      sessions: 98,
      successful: 90,
      stsFailures: 8,
      failureRate: 8 / 98,
      reporters: ["Alpha", "Zeta"],
      byResultType: {
        "certificate-expired": 3,
        "sts-policy-invalid": 1,
        "starttls-not-supported": 4,
      },
      ignoredResultTypes: ["a-new-type", "dane-required"],
    });
  });

  it("count every STS failure type", () => {
    const types = [
      "starttls-not-supported",
      "certificate-host-mismatch",
      "certificate-expired",
      "certificate-not-trusted",
      "validation-failure",
      "sts-webpki-invalid",
      "sts-policy-fetch-error",
      "sts-policy-invalid",
    ];
    const d = decide([
      day(
        "2026-11-01",
        entry("Google", 0, { byResultType: Object.fromEntries(types.map((t) => [t, 1])) }),
      ),
    ]);
    expect(d.figures.stsFailures).toBe(8);
    expect(Object.keys(d.figures.byResultType)).toEqual(types);
    expect(d.figures.ignoredResultTypes).toEqual([]);
  });

  it("count failures that carry no result type as unspecified (the safe side), summed", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Google", 90, { failed: 6 }),
        entry("Microsoft", 0, { failed: 4 }),
        entry("Yahoo", 5, { failed: 0 }),
      ),
    ]);
    expect(d.figures).toMatchObject({
      sessions: 105,
      stsFailures: 10,
      byResultType: { unspecified: 10 },
    });
  });

  it("do not count a failure with result types twice, nor an entry without failures as unspecified", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Google", 97, { failed: 3, byResultType: { "certificate-expired": 3 } }),
        entry("Microsoft", 5),
      ),
    ]);
    expect(d.figures).toMatchObject({
      sessions: 105,
      stsFailures: 3,
      byResultType: { "certificate-expired": 3 },
    });
    expect(Object.keys(d.figures.byResultType)).toEqual(["certificate-expired"]);
  });

  it("weigh sessions as successful plus STS failures: other failures are not sessions that failed", () => {
    const d = decide([
      day(
        "2026-11-01",
        entry("Google", 99, {
          failed: 5,
          byResultType: { "dane-required": 4, "certificate-expired": 1 },
        }),
      ),
    ]);
    expect(d.figures).toMatchObject({ sessions: 100, stsFailures: 1, failureRate: 0.01 });
  });
});

describe("each condition at its boundary", () => {
  const days = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      day(`2026-11-0${i + 1}`, entry("Google", 50), entry("Microsoft", 50)),
    );

  it("minDays: enough at exactly the minimum", () => {
    expect(decide(days(3)).ready).toBe(true);
    const d = decide(days(2), { ...rule, minDays: 3 });
    expect(d.ready).toBe(false);
    expect(d.reasons).toEqual([`2 of 3 days with reports under policy ${ID}`]);
  });

  it("minDays names every current id", () => {
    expect(
      decide([], { ...rule, minDays: 1, minSessions: 0, minReporters: 0, maxFailureRate: 1 }, [
        ID,
        ENFORCE_ID,
      ]).reasons,
    ).toEqual([`0 of 1 days with reports under policy ${ID} or ${ENFORCE_ID}`]);
  });

  it("minSessions: enough at exactly the minimum", () => {
    expect(decide(days(1), { ...rule, minDays: 1, minSessions: 100 }).ready).toBe(true);
    const d = decide(days(1), { ...rule, minDays: 1, minSessions: 101 });
    expect(d.reasons).toEqual(["100 of 101 sessions"]);
  });

  it("maxFailureRate: a rate equal to the maximum passes; above it, the reason gives both rates and the count", () => {
    const at = [
      day(
        "2026-11-01",
        entry("Google", 50),
        entry("Microsoft", 49, { byResultType: { "validation-failure": 1 } }),
      ),
    ];
    expect(decide(at, { ...rule, minDays: 1 }).ready).toBe(true);
    const above = [
      day(
        "2026-11-01",
        entry("Google", 50),
        entry("Microsoft", 48, { byResultType: { "validation-failure": 2 } }),
      ),
    ];
    expect(decide(above, { ...rule, minDays: 1 }).reasons).toEqual([
      "failure rate 2% above 1% (2 STS failures)",
    ]);
  });

  it("maxFailureRate: rates print with up to three decimals, trailing zeros dropped", () => {
    const failing = (failures: number, sessions: number, max: number) =>
      decide(
        [
          day(
            "2026-11-01",
            entry("Google", sessions - failures, {
              byResultType: { "certificate-expired": failures },
            }),
            entry("Microsoft", 0),
          ),
        ],
        { ...rule, minDays: 1, minSessions: 0, maxFailureRate: max },
      ).reasons;
    expect(failing(21, 200, 0.105)).toEqual(["every condition holds"]);
    expect(failing(22, 200, 0.105)).toEqual(["failure rate 11% above 10.5% (22 STS failures)"]);
    expect(failing(1, 3, 0)).toEqual(["failure rate 33.333% above 0% (1 STS failures)"]);
    expect(failing(3, 7, 0.4)).toEqual(["failure rate 42.857% above 40% (3 STS failures)"]);
    // Never "0% above 0%": a rate that rounds to nothing is said to be under the least it can print.
    expect(failing(1, 10_000_000, 0)).toEqual([
      "failure rate under 0.001% above 0% (1 STS failures)",
    ]);
    expect(failing(1, 100_000, 0)).toEqual(["failure rate 0.001% above 0% (1 STS failures)"]);
  });

  it("maxFailureRate: no sessions is an unknown rate unless any rate is accepted", () => {
    const none = { minDays: 0, minSessions: 0, minReporters: 0 };
    const unknown = decide([], { ...none, maxFailureRate: 0.999 });
    expect(unknown.ready).toBe(false);
    expect(unknown.reasons).toEqual(["no sessions: the failure rate is unknown"]);
    expect(unknown.figures.failureRate).toBe(0);
    expect(unknown.window).toStrictEqual({ from: undefined, to: undefined, days: 0 });
    const any = decide([], { ...none, maxFailureRate: 1 });
    expect(any.ready).toBe(true);
    expect(any.reasons).toEqual(["every condition holds"]);
  });

  it("minReporters: enough at exactly the minimum, counted once each across days", () => {
    expect(decide(days(3), { ...rule, minReporters: 2 }).ready).toBe(true);
    expect(decide(days(3), { ...rule, minReporters: 3 }).reasons).toEqual([
      "2 of 3 reporting organisations",
    ]);
  });

  it("gives every reason that blocks, in order, with the notes after the restart and today", () => {
    const d = decide([
      day("2026-11-01", entry("Google", 1, { policyId: OLD })),
      day("2026-11-02", entry("Google", 8, { byResultType: { "certificate-expired": 2 } })),
      day(TODAY, entry("Google", 1)),
    ]);
    expect(d.ready).toBe(false);
    expect(d.reasons).toEqual([
      "reporters saw another policy on 2026-11-01; evidence counts from the day after",
      `today (${TODAY}) is not counted until it is over`,
      `1 of 3 days with reports under policy ${ID}`,
      "10 of 100 sessions",
      "failure rate 20% above 1% (2 STS failures)",
      "1 of 2 reporting organisations",
    ]);
  });
});
