// The automatic promotion's decision (world/promotion.ts) on evidence and DNS it is handed:
// the ids reporters may have seen, the trust the rule accepts, the live MX check before
// enforce, and a store that cannot be read failing the update instead of guessing.
import { describe, expect, it } from "vitest";
import { parseStackConfig, type DomainConfig } from "../config";
import { policyId, renderPolicy } from "../protocol/mta-sts";
import { encodeCounter } from "../receiver/counters";
import {
  autoPromotion,
  currentPolicyIds,
  decideAuto,
  today,
  weighedEvidence,
} from "../world/promotion";
import type { CheckResolver } from "../net/resolver";
import { promiseOf } from "./helpers/pulumi";

const TODAY = "2026-11-20";
const base = { domain: "example.com", dns: { provider: "manual" }, mx: ["mx.example.com"] };
const rule = { minDays: 2, minSessions: 10, maxFailureRate: 0.01, minReporters: 1, apply: "auto" };
const domain = (over: Record<string, unknown> = {}): DomainConfig =>
  parseStackConfig({ domains: [{ ...base, promotion: rule, ...over }] }).domains[0];
const TESTING_ID = policyId(
  renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 }),
);
const ENFORCE_ID = policyId(
  renderPolicy({ mode: "enforce", mx: ["mx.example.com"], maxAge: 604800 }),
);

const resolver = (mx: string[] | Error): CheckResolver => ({
  txt: async () => [],
  addresses: async () => [],
  mx: async () => {
    if (mx instanceof Error) throw mx;
    return mx;
  },
});
const counter = (auth: string, id: string, n: number) => ({
  [encodeCounter({ auth, org: "Google", type: "sts", policyId: id, metric: "successful" })]: n,
});
const store = (rows: { day: string; counters: Record<string, number> }[]) => ({
  aggregates: async (d: string) =>
    d === "example.com" ? rows.map((r) => ({ domain: d, ...r })) : [],
});
const twoDays = (auth = "google.com", id = TESTING_ID) => [
  { day: "2026-11-18", counters: counter(auth, id, 10) },
  { day: "2026-11-19", counters: counter(auth, id, 10) },
];
const deps = (rows: ReturnType<typeof twoDays>, mx: string[] | Error = ["mx.example.com"]) => ({
  openStore: () => store(rows),
  resolver: resolver(mx),
  today: TODAY,
});

describe("today", () => {
  it("is MTASTS_TODAY when set, else the UTC date", () => {
    expect(today({ MTASTS_TODAY: "2030-01-02" })).toBe("2030-01-02");
    expect(today({})).toBe(new Date().toISOString().slice(0, 10));
  });
});

describe("currentPolicyIds", () => {
  it("are the testing policy's id and the enforce policy it becomes (the enforce default max_age unless one was chosen)", () => {
    expect(currentPolicyIds(domain())).toEqual({ testing: TESTING_ID, enforce: ENFORCE_ID });
    expect(currentPolicyIds(domain({ maxAge: 3600 }))).toEqual({
      testing: policyId(renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 3600 })),
      enforce: policyId(renderPolicy({ mode: "enforce", mx: ["mx.example.com"], maxAge: 3600 })),
    });
  });
});

describe("weighedEvidence", () => {
  it("reads the domain's rows and weighs them by the rule's trust, known reporters by default", async () => {
    const rows = [
      {
        day: "2026-11-18",
        counters: {
          ...counter("google.com", TESTING_ID, 5),
          ...counter("-", TESTING_ID, 7),
          ...counter("acme.example", TESTING_ID, 3),
        },
      },
    ];
    const known = await weighedEvidence(store(rows), domain());
    expect(known.days[0].entries.map((e) => [e.org, e.successful])).toEqual([["Google", 5]]);
    expect(known.setAside).toEqual({ signed: 3, unsigned: 7, known: 0 });
    const any = await weighedEvidence(
      store(rows),
      domain({ promotion: { ...rule, evidence: "any" } }),
    );
    expect(any.days[0].entries).toHaveLength(3);
    const mine = await weighedEvidence(store(rows), domain(), [
      { name: "Acme", domains: ["acme.example"] },
    ]);
    expect(mine.days[0].entries.map((e) => [e.org, e.successful])).toEqual([
      ["Google", 5],
      ["Acme", 3],
    ]);
  });

  it("for a domain without a rule, still counts known reporters only", async () => {
    const rows = [{ day: "2026-11-18", counters: { ...counter("-", TESTING_ID, 7) } }];
    expect((await weighedEvidence(store(rows), domain({ promotion: undefined }))).setAside).toEqual(
      { signed: 0, unsigned: 7, known: 0 },
    );
  });
});

describe("decideAuto", () => {
  it("promotes when the evidence is ready and every live MX is covered", async () => {
    const d = await decideAuto(domain(), "table", deps(twoDays()));
    expect(d.outcome).toBe("promote");
    expect(d.reasons).toEqual(["every condition holds"]);
    expect(d.mxCheck).toEqual({ status: "pass", message: "every MX (mx.example.com) is covered" });
    expect(d.setAside).toEqual({ signed: 0, unsigned: 0, known: 0 });
  });

  it("counts the enforce policy's days too (after a promotion the window goes on)", async () => {
    const rows = [
      { day: "2026-11-18", counters: counter("google.com", TESTING_ID, 10) },
      { day: "2026-11-19", counters: counter("google.com", ENFORCE_ID, 10) },
    ];
    expect((await decideAuto(domain(), "table", deps(rows))).outcome).toBe("promote");
  });

  it("stays, with the decision's reasons, when the evidence is not ready (unsigned reports do not count)", async () => {
    const d = await decideAuto(domain(), "table", deps(twoDays("-")));
    expect(d.outcome).toBe("stay");
    expect(d.reasons).toContain(
      "0 of 2 days with reports under policy " + `${TESTING_ID} or ${ENFORCE_ID}`,
    );
    expect(d.mxCheck).toBeUndefined();
    expect(d.setAside).toEqual({ signed: 0, unsigned: 20, known: 0 });
  });

  it("stays when a live MX is not covered, saying which", async () => {
    const d = await decideAuto(
      domain(),
      "table",
      deps(twoDays(), ["mx.example.com", "mx2.other.net"]),
    );
    expect(d.outcome).toBe("stay");
    expect(d.reasons).toEqual([
      "live MX: MX not covered by any mx pattern: mx2.other.net; add them to mx before enforcing",
    ]);
    expect(d.decision?.ready).toBe(true);
  });

  it("stays when the MX cannot be looked up", async () => {
    const d = await decideAuto(domain(), "table", deps(twoDays(), new Error("SERVFAIL")));
    expect(d.outcome).toBe("stay");
    expect(d.reasons).toEqual([
      "live MX: could not look up the MX records of example.com: SERVFAIL",
    ]);
  });

  it("fails the update when the table cannot be read, naming the table, the error and the ways out", async () => {
    const failing = {
      openStore: () => ({
        aggregates: async () =>
          Promise.reject(
            Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }),
          ),
      }),
      resolver: resolver([]),
      today: TODAY,
    };
    await expect(decideAuto(domain(), "mta-sts-reports", failing)).rejects.toThrow(
      "promotion of example.com: could not read the receiver's evidence from table mta-sts-reports (AccessDeniedException: not authorized). Check the stack's AWS credentials (aws:profile, aws:assumeRoles) can read it, or set promotion.apply: propose for this domain",
    );
  });

  it("does not run for a domain without a rule", async () => {
    expect(await decideAuto(domain({ promotion: undefined }), "table", deps(twoDays()))).toEqual({
      outcome: "not-run",
      reasons: ["no automatic promotion for this domain"],
    });
  });
});

describe("autoPromotion", () => {
  it("does not run unless the domain is in testing with apply: auto", async () => {
    const full = { tableName: "t", ...deps(twoDays()) };
    for (const d of [
      domain({ promotion: undefined }),
      domain({ promotion: { ...rule, apply: "propose" } }),
      domain({ mode: "enforce" }),
    ]) {
      expect(await promiseOf(autoPromotion(d, full))).toEqual({
        outcome: "not-run",
        reasons: ["no automatic promotion for this domain"],
      });
    }
  });

  it("does not run offline: without the table, the store or DNS", async () => {
    const offline = {
      outcome: "not-run",
      reasons: ["not run: needs the receiver's table and DNS (offline plans do not read them)"],
    };
    const { openStore, resolver: r } = deps(twoDays());
    expect(
      await promiseOf(autoPromotion(domain(), { openStore, resolver: r, today: TODAY })),
    ).toEqual(offline);
    expect(
      await promiseOf(autoPromotion(domain(), { tableName: "t", resolver: r, today: TODAY })),
    ).toEqual(offline);
    expect(
      await promiseOf(autoPromotion(domain(), { tableName: "t", openStore, today: TODAY })),
    ).toEqual(offline);
  });

  it("decides on the table it is given, with the reporters it is given", async () => {
    let opened = "";
    const rows = twoDays("acme.example");
    const d = await promiseOf(
      autoPromotion(domain(), {
        tableName: "mta-sts-reports",
        openStore: (t) => ((opened = t), store(rows)),
        resolver: resolver(["mx.example.com"]),
        today: TODAY,
        reporters: [{ name: "Acme", domains: ["acme.example"] }],
      }),
    );
    expect(opened).toBe("mta-sts-reports");
    expect(d.outcome).toBe("promote");
  });
});
