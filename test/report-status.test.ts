// Each domain's status in `mtasts report --stack` (cli/report-status.ts): the mode and the id of
// the policy it publishes, and for a domain in testing with a rule the decision promotion would
// make on the same evidence: the testing id for `promote`, the enforce id too for apply: auto.
import { describe, expect, it } from "vitest";
import { type DomainConfig, parseStackConfig } from "../config";
import { domainStatuses } from "../cli/report-status";
import { policyId, renderPolicy } from "../protocol/mta-sts";
import { encodeCounter } from "../receiver/counters";

const TODAY = "2026-11-20";
const MX = ["mx.example.com"];
const TESTING_ID = policyId(renderPolicy({ mode: "testing", mx: MX, maxAge: 86400 }));
const ENFORCE_ID = policyId(renderPolicy({ mode: "enforce", mx: MX, maxAge: 604800 }));
const rule = {
  minDays: 2,
  minSessions: 100,
  maxFailureRate: 0.01,
  minReporters: 1,
  evidence: "any",
};
const domain = (name: string, over: Record<string, unknown> = {}): DomainConfig =>
  parseStackConfig({ domains: [{ domain: name, dns: { provider: "manual" }, mx: MX, ...over }] })
    .domains[0];

/** Unsigned reports (evidence: any counts them) under `id`, `sessions` a day on each day. */
const store = (id: string, days: string[], sessions: number) => ({
  aggregates: async (d?: string) =>
    days.map((day) => ({
      domain: d ?? "x",
      day,
      counters: {
        [encodeCounter({ org: "Google", type: "sts", policyId: id, metric: "successful" })]:
          sessions,
      },
    })),
});

describe("domain status", () => {
  it("a domain in enforce, in none, retiring, and in testing without a rule: the mode and the published id, no decision", async () => {
    const out = await domainStatuses(
      [
        domain("a.example", { mode: "enforce" }),
        domain("b.example", { mode: "none" }),
        domain("c.example", { mode: "none", retireAfter: "2026-12-01" }),
        domain("d.example"),
      ],
      store(TESTING_ID, [], 0),
      { today: TODAY },
    );
    expect([...out].map(([d, s]) => [d, s.mode, s.summary, s.promotion])).toEqual([
      ["a.example", "enforce", "in enforce", undefined],
      ["b.example", "none", "mode none", undefined],
      ["c.example", "none", "mode none, retiring (removable from 2026-12-01)", undefined],
      ["d.example", "testing", "testing, no promotion rule", undefined],
    ]);
    expect(out.get("a.example")!.policyId).toBe(ENFORCE_ID);
    expect(out.get("d.example")!.policyId).toBe(TESTING_ID);
  });

  it("testing with a rule met: ready, with the decision's figures", async () => {
    const out = await domainStatuses(
      [domain("e.example", { promotion: rule })],
      store(TESTING_ID, ["2026-11-18", "2026-11-19"], 60),
      { today: TODAY },
    );
    const s = out.get("e.example")!;
    expect(s.summary).toBe("ready for enforce (once the live MX check passes)");
    expect(s.promotion!.decision.ready).toBe(true);
    expect(s.promotion!.decision.figures).toMatchObject({
      sessions: 120,
      stsFailures: 0,
      reporters: ["Google (unsigned)"],
    });
    expect(s.promotion!.rule).toMatchObject({ minDays: 2, evidence: "any" });
  });

  it("weighs the enforce id's days only for apply: auto, as each way of promoting does", async () => {
    const days = ["2026-11-18", "2026-11-19"];
    const propose = await domainStatuses(
      [domain("f.example", { promotion: rule })],
      store(ENFORCE_ID, days, 60),
      { today: TODAY },
    );
    // Reporters saw another policy (the enforce one): for promote, the window restarts after it.
    expect(propose.get("f.example")!.promotion!.decision.ready).toBe(false);
    expect(propose.get("f.example")!.summary).toBe("not ready for enforce");
    const auto = await domainStatuses(
      [domain("f.example", { promotion: { ...rule, apply: "auto" } })],
      store(ENFORCE_ID, days, 60),
      { today: TODAY },
    );
    expect(auto.get("f.example")!.promotion!.decision.ready).toBe(true);
  });

  it("counts nothing below the rule's trust level, and says how much was set aside", async () => {
    const out = await domainStatuses(
      [domain("g.example", { promotion: { ...rule, evidence: "known" } })],
      store(TESTING_ID, ["2026-11-18", "2026-11-19"], 60),
      { today: TODAY },
    );
    const p = out.get("g.example")!.promotion!;
    expect(p.decision.ready).toBe(false);
    expect(p.decision.figures.sessions).toBe(0);
    expect(p.setAside).toEqual({ known: 0, signed: 0, unsigned: 120 });
  });
});
