// The self-check's core as plain TypeScript: what a domain's checks mean as metric values, the
// finding kept for it (bounded), and a run over many domains (order, deadline, store failures).
import { describe, expect, it } from "vitest";
import type { DomainFacts, DomainReport } from "../check/check";
import { boundFinding, FINDING_LIMITS, type Finding } from "../receiver/findings";
import { findingOf, metricValues, runWatch, withSmtpBreaker } from "../watch/run";

const report = (
  domain: string,
  failing: string[] = [],
  extra: { id: string; status: "pass" | "warn" | "fail" }[] = [],
): DomainReport => {
  const ids = [
    "sts-record",
    "policy-fetch",
    "policy-valid",
    "policy-id",
    "mx-coverage",
    "tlsrpt-record",
  ];
  const checks = [
    ...ids.map((id) => ({
      id,
      status: failing.includes(id) ? ("fail" as const) : ("pass" as const),
      message: id,
    })),
    ...extra.map((e) => ({ ...e, message: e.id })),
  ];
  return { domain, ok: checks.every((c) => c.status !== "fail"), checks };
};
const facts = (over: Partial<DomainFacts> = {}): DomainFacts => ({
  policy: { mode: "enforce", mx: ["mx.example"] },
  policyCertificateDaysLeft: 60,
  uncoveredMx: [],
  starttls: [],
  ...over,
});

describe("metricValues", () => {
  it("is all clear for a healthy domain, with the certificate's days", () => {
    expect(metricValues(report("a.example"), facts())).toEqual({
      policy: 0,
      mxNotCovered: 0,
      starttls: 0,
      certificateDays: 60,
    });
  });

  it.each(["sts-record", "policy-fetch", "policy-valid", "policy-id"])(
    "counts a failing %s as no usable policy",
    (id) => {
      expect(metricValues(report("a.example", [id]), facts()).policy).toBe(1);
    },
  );

  it("does not count the TLS-RPT record or MX coverage as a policy failure", () => {
    expect(
      metricValues(report("a.example", ["tlsrpt-record", "mx-coverage"]), facts()).policy,
    ).toBe(0);
  });

  it("counts uncovered MX hosts only in enforce", () => {
    expect(
      metricValues(
        report("a.example", ["mx-coverage"]),
        facts({ uncoveredMx: ["mx2.a.example", "mx3.a.example"] }),
      ).mxNotCovered,
    ).toBe(2);
    expect(
      metricValues(
        report("a.example", ["mx-coverage"]),
        facts({ policy: { mode: "testing", mx: [] }, uncoveredMx: ["mx2.a.example"] }),
      ).mxNotCovered,
    ).toBe(0);
    expect(
      metricValues(
        report("a.example", ["policy-fetch"]),
        facts({ policy: undefined, uncoveredMx: [] }),
      ).mxNotCovered,
    ).toBe(0);
  });

  it("counts STARTTLS failures of MX hosts that answered, never the unreachable ones", () => {
    const starttls = [
      { host: "mx1", outcome: "failed" as const },
      { host: "mx2", outcome: "unreachable" as const },
      { host: "mx3", outcome: "ok" as const },
      { host: "mx4", outcome: "failed" as const },
    ];
    expect(metricValues(report("a.example"), facts({ starttls })).starttls).toBe(2);
  });

  it("leaves the certificate's days out when the policy host did not answer", () => {
    expect(
      "certificateDays" in
        metricValues(
          report("a.example", ["policy-fetch"]),
          facts({ policyCertificateDaysLeft: undefined }),
        ),
    ).toBe(false);
    expect(
      metricValues(report("a.example"), facts({ policyCertificateDaysLeft: 0 })).certificateDays,
    ).toBe(0);
  });
});

describe("findingOf and boundFinding", () => {
  it("keeps the day of the run (UTC), the mode, the certificate and the checks", () => {
    const f = findingOf(
      report("a.example", ["mx-coverage"]),
      facts({ uncoveredMx: ["mx2.a.example"] }),
      new Date("2026-03-01T23:59:00Z"),
    );
    expect(f).toMatchObject({
      domain: "a.example",
      day: "2026-03-01",
      at: "2026-03-01T23:59:00.000Z",
      ok: false,
      mode: "enforce",
      certificateDaysLeft: 60,
      uncoveredMx: ["mx2.a.example"],
    });
    expect(f.checks.find((c) => c.id === "mx-coverage")!.status).toBe("fail");
  });

  it("bounds checks, messages and MX hosts, failures first", () => {
    const many: Finding = {
      domain: "a.example",
      day: "2026-03-01",
      at: "2026-03-01T00:00:00.000Z",
      ok: false,
      uncoveredMx: Array.from({ length: 50 }, (_, i) => `mx${i}.a.example`),
      checks: [
        ...Array.from({ length: 60 }, (_, i) => ({
          id: `starttls:mx${i}`,
          status: "pass" as const,
          message: "x".repeat(1000),
        })),
        { id: "mx-coverage", status: "fail" as const, message: "the one that matters" },
      ],
    };
    const b = boundFinding(many);
    expect(b.checks).toHaveLength(FINDING_LIMITS.checks);
    expect(b.checks[0]).toEqual({
      id: "mx-coverage",
      status: "fail",
      message: "the one that matters",
    });
    expect(b.checks[1].message).toHaveLength(FINDING_LIMITS.message);
    expect(b.checks[1].message.endsWith("…")).toBe(true);
    expect(b.uncoveredMx).toHaveLength(FINDING_LIMITS.mx);
    expect(JSON.stringify(b).length).toBeLessThan(400_000);
  });
});

describe("runWatch", () => {
  const deps = (over: Partial<Parameters<typeof runWatch>[1]> = {}) => {
    const emitted: string[] = [];
    const stored: string[] = [];
    return {
      emitted,
      stored,
      deps: {
        check: async (d: string) => ({
          report: report(d, d.startsWith("bad") ? ["policy-id"] : []),
          facts: facts(),
        }),
        putFinding: async (f: Finding) => void stored.push(f.domain),
        emit: (d: string) => void emitted.push(d),
        now: () => new Date("2026-03-01T06:00:00Z"),
        concurrency: 3,
        ...over,
      },
    };
  };

  it("checks every domain, emits and stores each, and lists the failing in the given order", async () => {
    const { deps: d, emitted, stored } = deps();
    const run = await runWatch(["z.example", "bad1.example", "a.example", "bad0.example"], d);
    expect(run).toEqual({
      checked: 4,
      failing: ["bad1.example", "bad0.example"],
      skipped: [],
      unstored: [],
    });
    expect(emitted.sort()).toEqual(["a.example", "bad0.example", "bad1.example", "z.example"]);
    expect(stored.sort()).toEqual(emitted);
  });

  it("starts no domain once stop says so", async () => {
    let started = 0;
    const { deps: d } = deps({
      concurrency: 1,
      stop: () => started >= 2,
      check: async (x: string) => (started++, { report: report(x), facts: facts() }),
    });
    const run = await runWatch(["a", "b", "c", "d"], d);
    expect(run.checked).toBe(2);
    expect(run.skipped).toEqual(["c", "d"]);
  });

  it("names the domains whose finding could not be stored, and goes on", async () => {
    const { deps: d, emitted } = deps({
      putFinding: async (f: Finding) => {
        if (f.domain === "b") throw new Error("ProvisionedThroughputExceededException");
      },
    });
    const run = await runWatch(["a", "b", "c"], d);
    expect(run.unstored).toEqual(["b: ProvisionedThroughputExceededException"]);
    expect(emitted.sort()).toEqual(["a", "b", "c"]);
  });
});

describe("withSmtpBreaker (port 25 blocked from Lambda)", () => {
  const base = (answer: (host: string) => boolean) => {
    const tried: string[] = [];
    return {
      tried,
      deps: {
        resolver: { txt: async () => [], mx: async () => [], addresses: async () => [] },
        smtpEnabled: true,
        fetch: async () => {
          throw new Error("not used");
        },
        smtp: async (host: string) => {
          tried.push(host);
          if (!answer(host)) throw new Error("connect ETIMEDOUT");
          return { starttlsOffered: true };
        },
      },
    };
  };

  it("stops trying once 20 connections failed and none answered, saying why", async () => {
    const { tried, deps } = base(() => false);
    const guarded = withSmtpBreaker(deps, 20);
    for (let i = 0; i < 25; i++) await guarded.smtp(`mx${i}`, "192.0.2.1").catch(() => undefined);
    expect(tried).toHaveLength(20);
    expect(guarded.tripped()).toBe(true);
    await expect(guarded.smtp("mx99", "192.0.2.1")).rejects.toThrow(
      "port 25 looks blocked from here",
    );
  });

  it("never trips once an MX has answered (dead hosts are then the hosts' fault)", async () => {
    const { tried, deps } = base((h) => h === "mx0");
    const guarded = withSmtpBreaker(deps, 3);
    for (let i = 0; i < 10; i++) await guarded.smtp(`mx${i}`, "192.0.2.1").catch(() => undefined);
    expect(tried).toHaveLength(10);
    expect(guarded.tripped()).toBe(false);
  });
});

describe("withSmtpBreaker: refusals are answers", () => {
  it("counts an MX that connected and then refused (554, a close) as answered, so refusals never trip it", async () => {
    const { SmtpExchangeError } = await import("../check/smtp-probe");
    const tried: string[] = [];
    const guarded = withSmtpBreaker(
      {
        resolver: { txt: async () => [], mx: async () => [], addresses: async () => [] },
        smtpEnabled: true,
        fetch: async () => {
          throw new Error("not used");
        },
        smtp: async (host: string) => {
          tried.push(host);
          throw new SmtpExchangeError("greeting was 554 no mail from cloud ranges");
        },
      },
      3,
    );
    for (let i = 0; i < 10; i++) await guarded.smtp(`mx${i}`, "192.0.2.1").catch(() => undefined);
    expect(tried).toHaveLength(10);
    expect(guarded.tripped()).toBe(false);
  });
});

describe("findingOf: an MX the self-check cannot reach", () => {
  it("is a warning in the stored finding, not a failure, and leaves the domain ok", () => {
    const r = report("a.example", [], [{ id: "starttls:mx.a.example", status: "fail" }]);
    expect(r.ok).toBe(false);
    const f = findingOf(
      r,
      facts({ starttls: [{ host: "mx.a.example", outcome: "unreachable" }] }),
      new Date("2026-03-01T06:00:00Z"),
    );
    expect(f.ok).toBe(true);
    expect(f.checks.find((c) => c.id === "starttls:mx.a.example")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("not reachable from the self-check"),
    });
  });

  it("keeps a STARTTLS failure of an MX that answered a failure", () => {
    const r = report("a.example", [], [{ id: "starttls:mx.a.example", status: "fail" }]);
    const f = findingOf(
      r,
      facts({ starttls: [{ host: "mx.a.example", outcome: "failed" }] }),
      new Date("2026-03-01T06:00:00Z"),
    );
    expect(f.ok).toBe(false);
    expect(f.checks.find((c) => c.id === "starttls:mx.a.example")!.status).toBe("fail");
  });

  it("runWatch lists as failing only domains whose stored finding failed", async () => {
    const unreachable = {
      report: report("a.example", [], [{ id: "starttls:mx.a.example", status: "fail" }]),
      facts: facts({ starttls: [{ host: "mx.a.example", outcome: "unreachable" as const }] }),
    };
    const broken = { report: report("b.example", ["policy-id"]), facts: facts() };
    const run = await runWatch(["a.example", "b.example"], {
      check: async (d) => (d === "a.example" ? unreachable : broken),
      putFinding: async () => undefined,
      emit: () => undefined,
      now: () => new Date("2026-03-01T06:00:00Z"),
      concurrency: 2,
    });
    expect(run.failing).toEqual(["b.example"]);
  });
});
