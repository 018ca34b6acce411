// Daily aggregates (receiver/aggregate.ts): which row a policy lands in, which counters it adds,
// and the counter names' format with its escaping.
import { describe, expect, it } from "vitest";
import type { FailureDetail, ReportPolicy, TlsReport } from "../protocol";
import { aggregateRows } from "../receiver/aggregate";
import { decodeCounter, encodeCounter, SEP } from "../receiver/counters";

/** An unsigned report's counter (auth "-"). */
const counterName = (org: string, type: string, policyId: string | undefined, metric: string) =>
  encodeCounter({ org, type, policyId, metric });

const ID = "a".repeat(32);

const failure = (type: string, n: number): FailureDetail => ({
  "result-type": type,
  "failed-session-count": n,
});

const pol = (over: Partial<ReportPolicy> = {}): ReportPolicy => ({
  type: "sts",
  domain: "example.com",
  policyString: [],
  mxHost: [],
  policyId: ID,
  successful: 10,
  failed: 0,
  failures: [],
  ...over,
});

const rep = (policies: ReportPolicy[], over: Partial<TlsReport> = {}): TlsReport => ({
  organisation: "Org",
  reportId: "r1",
  start: "2024-05-01T00:00:00.000Z",
  end: "2024-05-02T23:59:59.000Z",
  days: ["2024-05-01", "2024-05-02"],
  policies,
  quirks: [],
  ...over,
});

describe("counter names", () => {
  it("are auth|org|type|policyId|metric, with '-' for unsigned and for no policy id", () => {
    expect(
      encodeCounter({
        auth: "google.com",
        org: "Google",
        type: "sts",
        policyId: ID,
        metric: "reports",
      }),
    ).toBe(`google.com|Google|sts|${ID}|reports`);
    expect(encodeCounter({ auth: "a|b c", org: "O", type: "sts", metric: "reports" })).toBe(
      "a b c|O|sts|-|reports",
    );
    expect(SEP).toBe("|");
    expect(counterName("Org", "sts", ID, "successful")).toBe(`-|Org|sts|${ID}|successful`);
    expect(counterName("Org", "no-policy-found", undefined, "failed")).toBe(
      "-|Org|no-policy-found|-|failed",
    );
  });

  it("write the organisation without '|' or runs of white space, and '-' when nothing is left", () => {
    expect(counterName("A|B", "sts", ID, "reports")).toBe(`-|A B|sts|${ID}|reports`);
    expect(counterName("  Big \t\n Mail | Inc  ", "sts", ID, "reports")).toBe(
      `-|Big Mail Inc|sts|${ID}|reports`,
    );
    expect(counterName("a||b", "sts", ID, "reports")).toBe(`-|a b|sts|${ID}|reports`);
    expect(counterName("", "sts", ID, "reports")).toBe(`-|-|sts|${ID}|reports`);
    expect(counterName(" | \t", "sts", ID, "reports")).toBe(`-|-|sts|${ID}|reports`);
  });

  it("parse back, a metric holding '|' included", () => {
    expect(decodeCounter(counterName("Big | Mail", "tlsa", undefined, "result:dane|x"))).toEqual({
      auth: "-",
      org: "Big Mail",
      type: "tlsa",
      policyId: "-",
      metric: "result:dane|x",
    });
    expect(decodeCounter(`google.com|Org|sts|${ID}|successful`)).toEqual({
      auth: "google.com",
      org: "Org",
      type: "sts",
      policyId: ID,
      metric: "successful",
    });
  });
});

describe("aggregateRows", () => {
  /** A counter of organisation "Org"; `null` for no policy id. */
  const c = (metric: string, type = "sts", id: string | null = ID) =>
    counterName("Org", type, id ?? undefined, metric);

  it("counts a report once, its successful and failed sessions, and each result type's sessions", () => {
    const rows = aggregateRows(
      rep([
        pol({
          successful: 5,
          failed: 3,
          failures: [failure("certificate-expired", 2), failure("starttls-not-supported", 1)],
        }),
      ]),
    );
    expect(rows).toEqual([
      {
        domain: "example.com",
        day: "2024-05-01",
        counters: {
          [c("reports")]: 1,
          [c("successful")]: 5,
          [c("failed")]: 3,
          [c("result:certificate-expired")]: 2,
          [c("result:starttls-not-supported")]: 1,
        },
      },
    ]);
  });

  it("counts on the report's first day", () => {
    expect(aggregateRows(rep([pol()], { days: ["2024-06-30", "2024-07-01"] }))[0].day).toBe(
      "2024-06-30",
    );
  });

  it("leaves out counters of zero, but always counts the report", () => {
    const [row] = aggregateRows(
      rep([pol({ successful: 0, failed: 0, failures: [failure("validation-failure", 0)] })]),
    );
    expect(row.counters).toEqual({ [c("reports")]: 1 });
    const [one] = aggregateRows(
      rep([pol({ successful: 1, failed: 1, failures: [failure("validation-failure", 1)] })]),
    );
    expect(one.counters).toEqual({
      [c("reports")]: 1,
      [c("successful")]: 1,
      [c("failed")]: 1,
      [c("result:validation-failure")]: 1,
    });
  });

  it("sums details of one result type, and takes failed from the summary, not from the details", () => {
    const [row] = aggregateRows(
      rep([
        pol({
          failed: 2,
          failures: [
            failure("validation-failure", 2),
            failure("validation-failure", 1),
            failure("certificate-expired", 4),
          ],
        }),
      ]),
    );
    expect(row.counters[c("result:validation-failure")]).toBe(3);
    expect(row.counters[c("result:certificate-expired")]).toBe(4);
    expect(row.counters[c("failed")]).toBe(2);
  });

  it("keeps policy types and policy ids apart, and adds up policies that share them", () => {
    const [row] = aggregateRows(
      rep([
        pol({ successful: 2 }),
        pol({ successful: 3 }),
        pol({ type: "tlsa", policyId: undefined, successful: 2 }),
        pol({ policyId: "b".repeat(32), successful: 7 }),
      ]),
    );
    expect(row.counters).toEqual({
      [c("reports")]: 2,
      [c("successful")]: 5,
      [c("reports", "tlsa", null)]: 1,
      [c("successful", "tlsa", null)]: 2,
      [c("reports", "sts", "b".repeat(32))]: 1,
      [c("successful", "sts", "b".repeat(32))]: 7,
    });
  });

  it("gives one row per policy domain, '-' for none, in the order first seen", () => {
    const rows = aggregateRows(
      rep([
        pol({ domain: "b.example" }),
        pol({ domain: "", type: "no-policy-found", policyId: undefined }),
        pol({ domain: "a.example" }),
        pol({ domain: "b.example" }),
      ]),
    );
    expect(
      rows.map((r) => [
        r.domain,
        r.day,
        r.counters[c("reports")] ?? r.counters[c("reports", "no-policy-found", null)],
      ]),
    ).toEqual([
      ["b.example", "2024-05-01", 2],
      ["-", "2024-05-01", 1],
      ["a.example", "2024-05-01", 1],
    ]);
  });

  it("names the counters after the cleaned organisation", () => {
    const [row] = aggregateRows(rep([pol({ successful: 0 })], { organisation: "Mail | Co" }));
    expect(Object.keys(row.counters)).toEqual([`-|Mail Co|sts|${ID}|reports`]);
  });

  it("gives no rows for a report without policies", () => {
    expect(aggregateRows(rep([]))).toEqual([]);
  });
});
