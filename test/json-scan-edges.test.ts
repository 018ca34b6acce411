// The one-pass JSON scan (receiver/payload.ts scanJson) at the edges its state machine has:
// where a string ends (runs of backslashes, no closing quote), what counts as a value, what an
// object shape is, and closing brackets that were never opened. Bounds are small here so that
// a wrong step shows as a wrong count or a refusal.
import { describe, expect, it } from "vitest";
import { DEFAULT_JSON_BOUNDS, type JsonBounds } from "../receiver/limits";
import { parseJsonBounded, scanJson } from "../receiver/payload";
import { Rejection } from "../receiver/reject";

const ascii = (s: string) => Buffer.from(s, "utf8");
const bounds = (over: Partial<JsonBounds>): JsonBounds => ({ ...DEFAULT_JSON_BOUNDS, ...over });
const values = (json: string, over: Partial<JsonBounds> = {}) =>
  scanJson(ascii(json), bounds(over));

function refusal(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Rejection);
    return [(err as Rejection).status, (err as Rejection).reason];
  }
  throw new Error("expected a Rejection");
}

describe("where a string ends", () => {
  it("at the first quote after an even run of backslashes (none, or escaped backslashes)", () => {
    // array, string, 1, 2
    expect(values(String.raw`["a", 1, 2]`)).toBe(4);
    expect(values(String.raw`["a\\", 1, 2]`)).toBe(4);
    expect(values(String.raw`["a\\\\", 1, 2]`)).toBe(4);
    expect(values(String.raw`["\\", 1, 2]`)).toBe(4);
  });

  it("not at a quote after an odd run of backslashes (an escaped quote)", () => {
    expect(values(String.raw`["a\", 1, 2"]`)).toBe(2);
    expect(values(String.raw`["a\\\", 1, 2"]`)).toBe(2);
    expect(values(String.raw`["\"", 1]`)).toBe(3);
  });

  it("agrees with JSON.parse on strings full of escapes", () => {
    for (const s of ["\\", '"', '\\"', '"\\', '\\\\""', 'a\\b"c']) {
      const json = JSON.stringify([s, 1, { k: s }, 2]);
      expect(values(json)).toBe(6);
      expect(parseJsonBounded(ascii(json))).toEqual([s, 1, { k: s }, 2]);
    }
  });

  it("at the end of the text when it never closes, still bounded by the string limit", () => {
    expect(values('{"a": "never closed')).toBe(2);
    expect(values('["abc', { maxStringBytes: 3 })).toBe(2);
    expect(refusal(() => values('["abcd', { maxStringBytes: 3 }))).toEqual([
      413,
      "JSON string of more than 3 bytes (at byte 1)",
    ]);
    expect(refusal(() => parseJsonBounded(ascii('{"a": "never closed')))[0]).toBe(400);
  });
});

describe("values", () => {
  it("include a number, true, false or null on its own", () => {
    for (const json of ["123", "true", "null", " -1.5e3 "]) expect(values(json)).toBe(1);
  });

  it("include a string that follows an object or array inside a list", () => {
    expect(values('[{"a":1},"x"]')).toBe(4);
    expect(values('[[1],"x",{"b":"y"},"z"]')).toBe(7);
  });
});

describe("object shapes", () => {
  it("are the key lists of non-empty objects; arrays and empty objects are none", () => {
    expect(values('{"a":[1],"b":[[2]],"c":{},"d":[]}', { maxShapes: 1 })).toBe(8);
    expect(values("[[],{},[{}],{}]", { maxShapes: 0 })).toBe(6);
    expect(refusal(() => values('[{"a":1}]', { maxShapes: 0 }))).toEqual([
      413,
      "JSON has objects of more than 0 different shapes (key lists) (at byte 7)",
    ]);
  });

  it("do not depend on spacing or on the values", () => {
    expect(
      values('[{"abcd":1},{ "abcd" : 2 },{"abcd":"x"},{"abcd":{"abcd":[3]}}]', { maxShapes: 1 }),
    ).toBe(11);
    expect(
      values('[{"a":1,"bcdefgh":2},{"a":"zz","bcdefgh":[]},\n{\t"a" :null , "bcdefgh":true}]', {
        maxShapes: 1,
      }),
    ).toBe(10);
  });

  it("differ by key, and by how keys split the same letters", () => {
    expect(refusal(() => values('[{"abcd":1},{"abce":1}]', { maxShapes: 1 }))[0]).toBe(413);
    expect(refusal(() => values('[{"ab":1,"c":2},{"a":1,"bc":2}]', { maxShapes: 1 }))[0]).toBe(413);
  });
});

describe("closing brackets that were never opened", () => {
  it("do not buy nesting depth", () => {
    expect(refusal(() => values(`${"]".repeat(5)}${"[".repeat(4)}`, { maxDepth: 3 }))).toEqual([
      400,
      "JSON nests deeper than 3 levels (at byte 8)",
    ]);
    expect(refusal(() => values(`}}}}{"a":{"b":{"c":{"d":1}}}}`, { maxDepth: 3 }))[0]).toBe(400);
  });
});
