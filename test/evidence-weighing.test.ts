// The receiver's daily counters as promotion evidence (receiver/evidence.ts): grouped by day,
// reporter, policy type and id; weighed by who vouches for each report; what does not count
// is set aside by level (STS sessions only), never entered as evidence.
import { describe, expect, it } from "vitest";
import { evidenceFromAggregates } from "../receiver/evidence";
import { encodeCounter } from "../receiver/counters";

const KNOWN = { accept: "known" } as const;

const ID = "a".repeat(32);
const c = (auth: string, org: string, metric: string, type = "sts", policyId = ID) =>
  encodeCounter({ auth, org, type, policyId, metric });

describe("evidenceFromAggregates", () => {
  it("groups a day's counters into one entry per reporter, policy type and id", () => {
    const { days, setAside } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("google.com", "Google Inc.", "successful")]: 10,
            [c("google.com", "Google Inc.", "failed")]: 3,
            [c("google.com", "Google Inc.", "result:certificate-expired")]: 2,
            [c("mail.google.com", "Google LLC", "result:certificate-expired")]: 1,
            [c("google.com", "Google Inc.", "reports")]: 4,
            [c("google.com", "Google Inc.", "successful", "tlsa", "-")]: 7,
            [c("microsoft.com", "Microsoft", "successful", "sts", "b".repeat(32))]: 5,
          },
        },
      ],
      KNOWN,
    );
    expect(setAside).toEqual({ signed: 0, unsigned: 0, known: 0 });
    expect(days).toEqual([
      {
        day: "2026-11-01",
        entries: [
          {
            org: "Google",
            policyType: "sts",
            policyId: ID,
            successful: 10,
            failed: 3,
            byResultType: { "certificate-expired": 3 },
          },
          {
            org: "Google",
            policyType: "tlsa",
            policyId: "-",
            successful: 7,
            failed: 0,
            byResultType: {},
          },
          {
            org: "Microsoft",
            policyType: "sts",
            policyId: "b".repeat(32),
            successful: 5,
            failed: 0,
            byResultType: {},
          },
        ],
      },
    ]);
  });

  it("keeps days apart, in the order the rows come, and adds rows of the same day", () => {
    const { days } = evidenceFromAggregates(
      [
        { day: "2026-11-02", counters: { [c("google.com", "G", "successful")]: 1 } },
        { day: "2026-11-01", counters: { [c("google.com", "G", "successful")]: 2 } },
        {
          day: "2026-11-02",
          counters: {
            [c("google.com", "G", "successful")]: 4,
            [c("google.com", "G", "failed")]: 1,
          },
        },
      ],
      KNOWN,
    );
    expect(days.map((d) => [d.day, d.entries.map((e) => [e.successful, e.failed])])).toEqual([
      ["2026-11-02", [[5, 1]]],
      ["2026-11-01", [[2, 0]]],
    ]);
  });

  it("under accept: known counts known reporters only and sets the rest aside by level, STS sessions only", () => {
    const { days, setAside } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("google.com", "Google", "successful")]: 10,
            [c("example.org", "Google", "successful")]: 100,
            [c("example.org", "Google", "failed")]: 20,
            [c("example.org", "Google", "result:validation-failure")]: 20,
            [c("example.org", "Google", "reports")]: 9,
            [c("example.org", "Google", "successful", "tlsa", "-")]: 300,
            [c("-", "Google", "successful")]: 1000,
            [c("-", "Google", "failed")]: 7,
          },
        },
        // A day with only uncounted evidence is no day at all (it cannot restart a window).
        {
          day: "2026-11-02",
          counters: { [c("-", "Google", "successful", "sts", "c".repeat(32))]: 50 },
        },
      ],
      KNOWN,
    );
    expect(days).toEqual([
      {
        day: "2026-11-01",
        entries: [
          {
            org: "Google",
            policyType: "sts",
            policyId: ID,
            successful: 10,
            failed: 0,
            byResultType: {},
          },
        ],
      },
    ]);
    expect(setAside).toEqual({ signed: 120, unsigned: 1057, known: 0 });
  });

  it("under accept: signed counts other signers by their domain, and sets aside unsigned reports", () => {
    const { days, setAside } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("Reports.Example.org", "Claims Google", "successful")]: 3,
            [c("-", "Google", "successful")]: 5,
          },
        },
      ],
      { accept: "signed" },
    );
    expect(days[0].entries.map((e) => [e.org, e.successful])).toEqual([["reports.example.org", 3]]);
    expect(setAside).toEqual({ signed: 0, unsigned: 5, known: 0 });
  });

  it("under accept: any counts unsigned reports by the organisation they claim, marked unsigned", () => {
    const { days, setAside } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("-", "Google", "successful")]: 5,
            [c("google.com", "Whoever", "successful")]: 1,
          },
        },
      ],
      { accept: "any" },
    );
    expect(days[0].entries.map((e) => [e.org, e.successful])).toEqual([
      ["Google (unsigned)", 5],
      ["Google", 1],
    ]);
    expect(setAside).toEqual({ signed: 0, unsigned: 0, known: 0 });
  });

  it("reads the reporters it is given", () => {
    const { days, setAside } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("acme.example", "Acme", "successful")]: 2,
            [c("google.com", "Google", "successful")]: 3,
          },
        },
      ],
      { accept: "known", reporters: [{ name: "Acme Mail", domains: ["acme.example"] }] },
    );
    expect(days[0].entries.map((e) => [e.org, e.successful])).toEqual([["Acme Mail", 2]]);
    expect(setAside).toEqual({ signed: 3, unsigned: 0, known: 0 });
  });

  it("takes result types as plain keys (no prototype) and ignores metrics it does not know", () => {
    const { days } = evidenceFromAggregates(
      [
        {
          day: "2026-11-01",
          counters: {
            [c("google.com", "G", "result:__proto__")]: 2,
            [c("google.com", "G", "result:constructor")]: 1,
            [c("google.com", "G", "bytes")]: 99,
          },
        },
      ],
      KNOWN,
    );
    const e = days[0].entries[0];
    expect(Object.getPrototypeOf(e.byResultType)).toBeNull();
    expect(Object.entries(e.byResultType)).toEqual([
      ["__proto__", 2],
      ["constructor", 1],
    ]);
    expect([e.successful, e.failed]).toEqual([0, 0]);
  });

  it("gives no days for no rows", () => {
    expect(evidenceFromAggregates([], KNOWN)).toEqual({
      days: [],
      setAside: { signed: 0, unsigned: 0, known: 0 },
    });
  });
});
