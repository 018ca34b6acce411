// The order of the "by MX" counters (receiver/aggregate.ts) whatever order the details come in:
// largest first, ties by name, and which hosts make the cut into the MAX_MX_NAMES kept.
import { describe, expect, it } from "vitest";
import type { FailureDetail } from "../protocol";
import { failuresByMx, MAX_MX_NAMES, OTHER_MX } from "../receiver/aggregate";

const at = (mx: string, n: number): FailureDetail => ({
  "result-type": "certificate-expired",
  "failed-session-count": n,
  "receiving-mx-hostname": mx,
});

describe("failures by receiving MX, in order", () => {
  it("puts the largest first whatever order the details come in", () => {
    expect(failuresByMx([at("a.example", 1), at("b.example", 3), at("c.example", 2)])).toEqual([
      ["b.example", 3],
      ["c.example", 2],
      ["a.example", 1],
    ]);
  });

  it("orders equal counts by name, given in any order", () => {
    expect(
      failuresByMx([
        at("c.example", 2),
        at("a.example", 2),
        at("b.example", 2),
        at("z.example", 5),
      ]),
    ).toEqual([
      ["z.example", 5],
      ["a.example", 2],
      ["b.example", 2],
      ["c.example", 2],
    ]);
  });

  it("keeps the largest hosts at the cut, not the first listed, and the rest under other hosts", () => {
    const small = Array.from({ length: MAX_MX_NAMES }, (_, i) =>
      at(`small${String(i).padStart(2, "0")}.example`, 1),
    );
    const out = failuresByMx([...small, at("big.example", 50), at("mid.example", 7)]);
    expect(out).toHaveLength(MAX_MX_NAMES + 1);
    expect(out.slice(0, 3)).toEqual([
      ["big.example", 50],
      ["mid.example", 7],
      ["small00.example", 1],
    ]);
    expect(out.at(-2)).toEqual([`small${String(MAX_MX_NAMES - 3).padStart(2, "0")}.example`, 1]);
    expect(out.at(-1)).toEqual([OTHER_MX, 2]);
  });

  it("adds the same host written two ways (white space) before ranking it", () => {
    expect(failuresByMx([at("a.example", 3), at("b.example", 2), at(" b.example", 2)])).toEqual([
      ["b.example", 4],
      ["a.example", 3],
    ]);
  });
});
