// "Did you mean": the edit distance (optimal string alignment, case-insensitive) and which
// known key is near enough to suggest (config.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance, nearestKey } from "../config";

/** Optimal string alignment distance, written out plainly as the reference. */
function osa(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    d.push([]);
    for (let j = 0; j <= t.length; j++) {
      if (i === 0) d[i].push(j);
      else if (j === 0) d[i].push(i);
      else {
        let v = Math.min(
          d[i - 1][j] + 1,
          d[i][j - 1] + 1,
          d[i - 1][j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1),
        );
        if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
          v = Math.min(v, d[i - 2][j - 2] + 1);
        d[i].push(v);
      }
    }
  }
  return d[s.length][t.length];
}

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions, one each", () => {
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("", "ab")).toBe(2);
    expect(editDistance("mode", "mdoe")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("abc", "ca")).toBe(3);
    expect(editDistance("zoneId", "ZONEID")).toBe(0);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("agrees with the plain definition on any short strings", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "A"), maxLength: 6 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, b)).toBe(osa(a, b));
      }),
      { numRuns: 500 },
    );
  });
});

describe("nearestKey", () => {
  it("suggests within one edit for keys of up to 3 letters, two above", () => {
    expect(nearestKey("tt", ["ttl"])).toBe("ttl");
    expect(nearestKey("t", ["ttl"])).toBeUndefined();
    expect(nearestKey("mo", ["mode"])).toBe("mode");
    expect(nearestKey("m", ["mode"])).toBeUndefined();
  });

  it("takes the nearest, and the first of equally near ones", () => {
    expect(nearestKey("abcd", ["abcd", "abce"])).toBe("abcd");
    expect(nearestKey("abce", ["abcd", "abce"])).toBe("abce");
    expect(nearestKey("abcx", ["abcd", "abce"])).toBe("abcd");
    expect(nearestKey("zzzz", ["abcd", "abce"])).toBeUndefined();
  });
});
