// The promotion decision: a table of reasons, and laws that must hold for any evidence.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DayEvidence, decidePromotion, type PromotionRule } from "../protocol/promotion";

const rule: PromotionRule = { minDays: 3, minSessions: 100, maxFailureRate: 0.01, minReporters: 2 };
const ID = "a".repeat(32);
const OLD = "b".repeat(32);
const entry = (
  org: string,
  successful: number,
  failures: Record<string, number> = {},
  policyId = ID,
  policyType = "sts",
) => ({
  org,
  policyType,
  policyId,
  successful,
  failed: Object.values(failures).reduce((a, b) => a + b, 0),
  byResultType: failures,
});
const day = (d: string, ...entries: DayEvidence["entries"][number][]): DayEvidence => ({
  day: d,
  entries,
});
const good = [
  day("2026-11-01", entry("Google", 50), entry("Microsoft", 10)),
  day("2026-11-02", entry("Google", 50)),
  day("2026-11-03", entry("Google", 40)),
];
const TODAY = "2026-11-10";

describe("decidePromotion", () => {
  it("is ready when every condition holds, with the window and figures", () => {
    const d = decidePromotion(rule, ID, good, TODAY);
    expect(d.ready).toBe(true);
    expect(d.reasons).toEqual(["every condition holds"]);
    expect(d.window).toEqual({ from: "2026-11-01", to: "2026-11-03", days: 3 });
    expect(d.figures).toMatchObject({
      sessions: 150,
      successful: 150,
      stsFailures: 0,
      failureRate: 0,
      reporters: ["Google", "Microsoft"],
    });
  });

  it.each([
    ["too few days", good.slice(0, 2), "2 of 3 days with reports under policy"],
    [
      "too few sessions",
      [
        day("2026-11-01", entry("Google", 5), entry("Yahoo", 5)),
        day("2026-11-02", entry("Google", 5)),
        day("2026-11-03", entry("Google", 5)),
      ],
      "20 of 100 sessions",
    ],
    [
      "too many failures",
      [...good.slice(0, 2), day("2026-11-03", entry("Google", 40, { "certificate-expired": 3 }))],
      "failure rate 1.961% above 1% (3 STS failures)",
    ],
    [
      "too few reporters",
      good.map((g) => ({ ...g, entries: g.entries.filter((e) => e.org === "Google") })),
      "1 of 2 reporting organisations",
    ],
  ])("is not ready with %s", (_, evidence, reason) => {
    const d = decidePromotion(rule, ID, evidence, TODAY);
    expect(d.ready).toBe(false);
    expect(d.reasons).toContainEqual(expect.stringContaining(reason));
  });

  it("restarts the window when reporters saw another policy (the MX list changed)", () => {
    const evidence = [
      day("2026-10-28", entry("Google", 500), entry("Microsoft", 500)),
      day("2026-10-29", entry("Google", 100, {}, OLD)),
      ...good,
    ];
    const d = decidePromotion(rule, ID, evidence, TODAY);
    expect(d.window).toMatchObject({ from: "2026-11-01", days: 3, restartedOn: "2026-10-29" });
    expect(d.figures.sessions).toBe(150);
    expect(d.ready).toBe(true);
    const mid = decidePromotion(
      rule,
      ID,
      [
        ...good.slice(0, 2),
        day("2026-11-02", entry("Yahoo", 10, {}, OLD)),
        day("2026-11-03", entry("Google", 40)),
      ],
      TODAY,
    );
    expect(mid.ready).toBe(false);
    expect(mid.reasons).toContainEqual(
      "reporters saw another policy on 2026-11-02; evidence counts from the day after",
    );
  });

  it("does not count a partial day (today)", () => {
    const d = decidePromotion(
      rule,
      ID,
      [...good.slice(0, 2), day("2026-11-03", entry("Google", 40))],
      "2026-11-03",
    );
    expect(d.ready).toBe(false);
    expect(d.reasons).toContainEqual("today (2026-11-03) is not counted until it is over");
    expect(d.window.days).toBe(2);
  });

  it("counts STS failure types only; TLSA and unknown types are recorded, not counted", () => {
    const evidence = [
      ...good.slice(0, 2),
      day(
        "2026-11-03",
        entry("Google", 40, {
          "starttls-not-supported": 1,
          "dane-required": 7,
          "some-new-type": 2,
        }),
        entry("Google", 40, { "tlsa-invalid": 9 }, "-", "tlsa"),
      ),
    ];
    const d = decidePromotion(rule, ID, evidence, TODAY);
    expect(d.figures).toMatchObject({
      stsFailures: 1,
      byResultType: { "starttls-not-supported": 1 },
      ignoredResultTypes: ["dane-required", "some-new-type"],
    });
  });
});

describe("laws", () => {
  const dayArb = fc.integer({ min: 1, max: 9 }).map((n) => `2026-11-0${n}`);
  const entryArb = fc.record({
    org: fc.constantFrom("A", "B", "C"),
    policyType: fc.constant("sts"),
    policyId: fc.constantFrom(ID, ID, ID, OLD),
    successful: fc.nat({ max: 200 }),
    failed: fc.constant(0),
    byResultType: fc.dictionary(
      fc.constantFrom("certificate-expired", "validation-failure", "tlsa-invalid"),
      fc.nat({ max: 5 }),
      { maxKeys: 2 },
    ),
  });
  const evidenceArb = fc.uniqueArray(
    fc.record({ day: dayArb, entries: fc.array(entryArb, { minLength: 1, maxLength: 3 }) }),
    { selector: (d) => d.day, maxLength: 8 },
  );
  const ruleArb = fc.record({
    minDays: fc.integer({ min: 1, max: 5 }),
    minSessions: fc.integer({ min: 0, max: 500 }),
    maxFailureRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
    minReporters: fc.integer({ min: 1, max: 3 }),
  });

  // A failed session is a session: failures can bring a domain short only of sessions up to the
  // minimum (within the failure cap), as successes would. Past that minimum they never help.
  it("adding failures never makes a not-ready domain ready, once it had the sessions", () => {
    fc.assert(
      fc.property(ruleArb, evidenceArb, fc.nat({ max: 50 }), (r, evidence, extra) => {
        const before = decidePromotion(r, ID, evidence, "2026-11-20");
        const more = evidence.map((d, i) =>
          i === 0
            ? {
                ...d,
                entries: [
                  ...d.entries,
                  {
                    org: d.entries[0].org,
                    policyType: "sts",
                    policyId: ID,
                    successful: 0,
                    failed: extra,
                    byResultType: { "certificate-expired": extra },
                  },
                ],
              }
            : d,
        );
        const after = decidePromotion(r, ID, more, "2026-11-20");
        if (!before.ready && evidence.length > 0 && before.figures.sessions >= r.minSessions)
          expect(after.ready).toBe(false);
      }),
    );
  });

  it("counts failed sessions toward the minimum, within the failure cap (the case fast-check found)", () => {
    const rule = { minDays: 1, minSessions: 107, maxFailureRate: 1 / 107, minReporters: 1 };
    const entry = (successful: number, failed: number) => {
      const byResultType: Record<string, number> = failed ? { "certificate-expired": failed } : {};
      return { org: "A", policyType: "sts", policyId: ID, successful, failed, byResultType };
    };
    const evidence = [
      { day: "2026-11-01", entries: [entry(26, 0)] },
      { day: "2026-11-02", entries: [entry(80, 0)] },
    ];
    expect(decidePromotion(rule, ID, evidence, "2026-11-20").ready).toBe(false);
    const withFailure = [{ day: "2026-11-01", entries: [entry(26, 0), entry(0, 1)] }, evidence[1]];
    const after = decidePromotion(rule, ID, withFailure, "2026-11-20");
    expect(after.figures.sessions).toBe(107);
    expect(after.ready).toBe(true);
  });

  it("adding successful days never makes a ready domain not ready (failures unchanged)", () => {
    fc.assert(
      fc.property(ruleArb, evidenceArb, fc.integer({ min: 1, max: 1000 }), (r, evidence, ok) => {
        const before = decidePromotion(r, ID, evidence, "2026-11-20");
        const more = [
          ...evidence,
          {
            day: "2026-11-15",
            entries: [
              {
                org: "A",
                policyType: "sts",
                policyId: ID,
                successful: ok,
                failed: 0,
                byResultType: {},
              },
            ],
          },
        ];
        if (before.ready) expect(decidePromotion(r, ID, more, "2026-11-20").ready).toBe(true);
      }),
    );
  });
});
