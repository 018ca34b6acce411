// Failed sessions by receiving MX (receiver/aggregate.ts): the counters behind the report's
// "failures by receiving MX" chart, bounded per policy whatever a sender lists.
import { describe, expect, it } from "vitest";
import type { FailureDetail, ReportPolicy, TlsReport } from "../protocol";
import { aggregateRows, failuresByMx, MAX_MX_NAMES, OTHER_MX } from "../receiver/aggregate";
import { encodeCounter } from "../receiver/counters";

const ID = "a".repeat(32);
const at = (mx: string | undefined, n: number, type = "certificate-expired"): FailureDetail => ({
  "result-type": type,
  "failed-session-count": n,
  ...(mx === undefined ? {} : { "receiving-mx-hostname": mx }),
});
const pol = (failures: FailureDetail[], over: Partial<ReportPolicy> = {}): ReportPolicy => ({
  type: "sts",
  domain: "example.com",
  policyString: [],
  mxHost: [],
  policyId: ID,
  successful: 1,
  failed: 9,
  failures,
  ...over,
});
const rep = (policies: ReportPolicy[]): TlsReport => ({
  organisation: "Org",
  reportId: "r",
  start: "2024-05-01T00:00:00Z",
  end: "2024-05-01T23:59:59Z",
  days: ["2024-05-01"],
  policies,
  quirks: [],
});

describe("failures by receiving MX", () => {
  it("adds up the details per host, across result types, largest first", () => {
    expect(
      failuresByMx([
        at("mx1.example.com", 2),
        at("mx2.example.com", 5, "validation-failure"),
        at("mx1.example.com", 4, "starttls-not-supported"),
      ]),
    ).toEqual([
      ["mx1.example.com", 6],
      ["mx2.example.com", 5],
    ]);
  });

  it("leaves out details that name no MX and details with no failed sessions", () => {
    expect(
      failuresByMx([
        at(undefined, 3),
        at("mx.example.com", 0),
        at("  ", 2),
        at("mx2.example.com", 1),
      ]),
    ).toEqual([["mx2.example.com", 1]]);
  });

  it("folds white space and cuts a name at 253 characters", () => {
    expect(failuresByMx([at("a \t\n b", 1)])).toEqual([["a b", 1]]);
    expect(failuresByMx([at("x".repeat(300), 1)])[0][0]).toHaveLength(253);
  });

  it(`keeps the ${MAX_MX_NAMES} largest hosts (ties by name) and adds up the rest under ${OTHER_MX}`, () => {
    const many = Array.from({ length: MAX_MX_NAMES + 5 }, (_, i) =>
      at(`mx${String(i).padStart(2, "0")}.example`, i < 2 ? 100 : 1),
    );
    const out = failuresByMx(many);
    expect(out).toHaveLength(MAX_MX_NAMES + 1);
    expect(out.slice(0, 3)).toEqual([
      ["mx00.example", 100],
      ["mx01.example", 100],
      ["mx02.example", 1],
    ]);
    expect(out.at(-2)).toEqual([`mx${MAX_MX_NAMES - 1}.example`, 1]);
    expect(out.at(-1)).toEqual([OTHER_MX, 5]);
    // Nothing lost: the hosts and the rest add up to every named failure.
    expect(out.reduce((n, [, v]) => n + v, 0)).toBe(200 + MAX_MX_NAMES + 3);
  });

  it("keeps 20 names and calls the rest (other hosts), as the README says", () => {
    expect([MAX_MX_NAMES, OTHER_MX]).toEqual([20, "(other hosts)"]);
  });

  it("with exactly the limit, no other-hosts counter", () => {
    const out = failuresByMx(Array.from({ length: MAX_MX_NAMES }, (_, i) => at(`h${i}`, 1)));
    expect(out).toHaveLength(MAX_MX_NAMES);
    expect(out.map(([h]) => h)).not.toContain(OTHER_MX);
  });

  it("are counters mx:<host> of the policy's type and id in the daily row", () => {
    const [row] = aggregateRows(
      rep([
        pol([
          at("mx1.example.com", 4),
          at("mx1.example.com", 1, "validation-failure"),
          at(undefined, 4),
        ]),
        pol([at("mx1.example.com", 2)], { type: "tlsa", policyId: undefined }),
      ]),
    );
    expect(
      row.counters[
        encodeCounter({ org: "Org", type: "sts", policyId: ID, metric: "mx:mx1.example.com" })
      ],
    ).toBe(5);
    expect(
      row.counters[encodeCounter({ org: "Org", type: "tlsa", metric: "mx:mx1.example.com" })],
    ).toBe(2);
    expect(Object.keys(row.counters).filter((k) => k.includes("|mx:"))).toHaveLength(2);
  });
});
