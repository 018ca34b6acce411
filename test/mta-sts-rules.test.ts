// The MTA-STS policy file (protocol/mta-sts.ts) rule by rule: each bound at its edge, how a
// sender reads lines and keys, every problem message, and the id's definition.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_AGE,
  MAX_AGE_LIMIT,
  MAX_POLICY_BYTES,
  parsePolicy,
  type Policy,
  PolicyError,
  policyId,
  policyUrl,
  renderPolicy,
  validatePolicy,
} from "../protocol";

const ok: Policy = { mode: "testing", mx: ["mx.example.com"], maxAge: 86400 };
const CANONICAL = "version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 86400\r\n";

/** The problems of the PolicyError that `fn` throws. */
function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).message).toBe((err as PolicyError).problems.join("; "));
    return (err as PolicyError).problems;
  }
  throw new Error("expected a PolicyError");
}

/** A valid testing policy whose canonical text is exactly `bytes` long (lines of 80 bytes, the last longer). */
function policyOfSize(bytes: number): Policy {
  const fixed = Buffer.byteLength("version: STSv1\r\nmode: testing\r\nmax_age: 1\r\n");
  const n = Math.floor((bytes - fixed) / 80);
  const last = bytes - fixed - (n - 1) * 80;
  const mx = Array.from({ length: n }, (_, i) =>
    hostOfLength(i, (i === n - 1 ? last : 80) - "mx: \r\n".length),
  );
  return { mode: "testing", mx, maxAge: 1 };
}

/** A distinct host name of exactly `length` characters. */
function hostOfLength(i: number, length: number): string {
  const prefix = `h${String(i).padStart(5, "0")}.`;
  const suffix = ".example.com";
  let pad = "x".repeat(length - prefix.length - suffix.length);
  pad = pad.replace(/x{50}(?=x)/g, (m) => `${m.slice(1)}.`);
  return `${prefix}${pad}${suffix}`;
}

describe("validatePolicy", () => {
  it("finds nothing wrong with a valid policy", () => {
    expect(validatePolicy(ok)).toEqual([]);
    expect(validatePolicy({ mode: "none", mx: [], maxAge: 1 })).toEqual([]);
  });

  it("takes max_age from 1 to 31557600 whole seconds", () => {
    expect(MAX_AGE_LIMIT).toBe(31_557_600);
    expect(validatePolicy({ ...ok, maxAge: 1 })).toEqual([]);
    expect(validatePolicy({ ...ok, maxAge: 31_557_600 })).toEqual([]);
    for (const maxAge of [0, -1, 31_557_601, 1.5, Number.NaN]) {
      expect(validatePolicy({ ...ok, maxAge })).toEqual([
        `max_age ${maxAge} is outside 1..31557600 seconds`,
      ]);
    }
  });

  it("knows the three modes only", () => {
    expect(validatePolicy({ ...ok, mode: "enforce" })).toEqual([]);
    expect(validatePolicy({ ...ok, mode: "strict" as Policy["mode"] })).toEqual([
      'mode "strict" is not one of none, testing, enforce',
    ]);
  });

  it("needs an mx pattern unless the mode is none", () => {
    expect(validatePolicy({ mode: "testing", mx: [], maxAge: 1 })).toEqual([
      'mode "testing" needs at least one mx pattern',
    ]);
    expect(validatePolicy({ mode: "enforce", mx: [], maxAge: 1 })).toEqual([
      'mode "enforce" needs at least one mx pattern',
    ]);
  });

  it("names each bad mx pattern", () => {
    expect(validatePolicy({ ...ok, mx: ["mx.example.com", "*.*.example.com", "mail"] })).toEqual([
      'mx "*.*.example.com" has 2 wildcards; RFC 8461 allows one, as the leftmost label ("*.example.com")',
      'mx "mail" has a single label; give a fully qualified name such as "example.com"',
    ]);
  });

  it("lists every problem at once", () => {
    expect(validatePolicy({ mode: "sometimes" as Policy["mode"], mx: [], maxAge: 0 })).toEqual([
      'mode "sometimes" is not one of none, testing, enforce',
      "max_age 0 is outside 1..31557600 seconds",
      'mode "sometimes" needs at least one mx pattern',
    ]);
  });
});

describe("renderPolicy", () => {
  it("writes version first, then mode, the mx lines, max_age, each ending in CRLF", () => {
    expect(renderPolicy(ok)).toBe(CANONICAL);
    expect(renderPolicy({ mode: "none", mx: [], maxAge: 86400 })).toBe(
      "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n",
    );
  });

  it("writes the mx patterns normalised, sorted and once each", () => {
    expect(
      renderPolicy({
        mode: "enforce",
        mx: ["MX2.Example.com.", "*.b.example.com", "mx2.example.com", "a.example.com"],
        maxAge: 604800,
      }),
    ).toBe(
      "version: STSv1\r\nmode: enforce\r\nmx: *.b.example.com\r\nmx: a.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n",
    );
  });

  it("refuses an invalid policy with every problem", () => {
    expect(problems(() => renderPolicy({ mode: "testing", mx: [], maxAge: 0 }))).toEqual([
      "max_age 0 is outside 1..31557600 seconds",
      'mode "testing" needs at least one mx pattern',
    ]);
  });

  it("writes a policy of exactly 64 KiB and refuses one byte more, saying what to do", () => {
    expect(MAX_POLICY_BYTES).toBe(65_536);
    const full = policyOfSize(65_536);
    expect(Buffer.byteLength(renderPolicy(full))).toBe(65_536);
    const over = policyOfSize(65_537);
    expect(problems(() => renderPolicy(over))).toEqual([
      "policy is 65537 bytes; senders read at most 65536 (64 KiB): use wildcard mx patterns",
    ]);
  });

  it("uses the default max_age of a day while testing and a week once enforced", () => {
    expect(DEFAULT_MAX_AGE).toEqual({ none: 86_400, testing: 86_400, enforce: 604_800 });
  });
});

describe("parsePolicy", () => {
  it("reads the canonical text without warnings, from a string or from bytes", () => {
    expect(parsePolicy(CANONICAL)).toEqual({ policy: ok, warnings: [] });
    expect(parsePolicy(new TextEncoder().encode(CANONICAL))).toEqual({ policy: ok, warnings: [] });
  });

  it("reads LF lines with one warning, and warns of a first line that is empty", () => {
    expect(
      parsePolicy("version: STSv1\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 86400\r\n")
        .warnings,
    ).toEqual(["lines end in LF only; RFC 8461 specifies CRLF"]);
    expect(parsePolicy(`\n${CANONICAL}`).warnings).toEqual([
      "lines end in LF only; RFC 8461 specifies CRLF",
    ]);
    expect(parsePolicy(`\r\n${CANONICAL}\r\n`).warnings).toEqual([]);
  });

  it("skips empty and blank lines", () => {
    expect(
      parsePolicy(
        "version: STSv1\r\n\r\n  \t\r\nmode: testing\r\nmx: mx.example.com\r\n\r\nmax_age: 86400",
      ).policy,
    ).toEqual(ok);
  });

  it("reads fields in any order, any number of mx lines, and trims spaces and tabs around values", () => {
    const { policy } = parsePolicy(
      "max_age:\t86400 \r\nmx:b.example.com\r\nmode:  enforce\t\r\nmx: *.a.example.com\r\nversion: STSv1\r\n",
    );
    expect(policy).toEqual({
      mode: "enforce",
      mx: ["b.example.com", "*.a.example.com"],
      maxAge: 86400,
    });
  });

  it("ignores unknown keys with a warning naming the line; keys are case-sensitive", () => {
    const { policy, warnings } = parsePolicy(`${CANONICAL}future_key: 1\r\nMode: enforce\r\n`);
    expect(policy).toEqual(ok);
    expect(warnings).toEqual([
      'line 5: unknown key "future_key" ignored',
      'line 6: unknown key "Mode" ignored',
    ]);
  });

  it("takes keys of 1-32 letters, digits or '_', at the start of the line", () => {
    const key32 = `k${"_".repeat(31)}`;
    expect(parsePolicy(`${CANONICAL}${key32}: x\r\n`).warnings).toEqual([
      `line 5: unknown key "${key32}" ignored`,
    ]);
    for (const line of [
      `k${"_".repeat(32)}: x`,
      "x-y: 1",
      " mode: testing",
      ": x",
      "mode testing",
    ]) {
      expect(problems(() => parsePolicy(`${CANONICAL}${line}\r\n`))).toEqual([
        `line 5 "${line}" is not "key: value"`,
      ]);
    }
  });

  it("quotes at most 60 characters of a line it cannot read", () => {
    const line = `${"y".repeat(80)}`;
    expect(problems(() => parsePolicy(`${line}\r\n${CANONICAL}`))).toEqual([
      `line 1 "${"y".repeat(60)}" is not "key: value"`,
    ]);
  });

  it("refuses a key given twice, except mx", () => {
    expect(problems(() => parsePolicy(`${CANONICAL}mode: enforce\r\n`))).toEqual([
      'line 5: "mode" appears more than once',
    ]);
    expect(problems(() => parsePolicy(`${CANONICAL}version: STSv1\r\nmax_age: 1\r\n`))).toEqual([
      'line 5: "version" appears more than once',
      'line 6: "max_age" appears more than once',
    ]);
    expect(problems(() => parsePolicy(`${CANONICAL}x: 1\r\nx: 2\r\n`))).toEqual([
      'line 6: "x" appears more than once',
    ]);
  });

  it("refuses a missing or wrong version, mode or max_age, all at once", () => {
    expect(problems(() => parsePolicy(""))).toEqual([
      "version is missing",
      "mode is missing",
      "max_age is missing",
    ]);
    expect(
      problems(() => parsePolicy("version: STSv2\r\nmode: strict\r\nmax_age: soon\r\n")),
    ).toEqual([
      'version "STSv2" is not STSv1',
      'mode "strict" is not one of none, testing, enforce',
      'max_age "soon" is not a number of seconds',
    ]);
  });

  it("reads max_age as 1 to 10 digits, then checks its range", () => {
    const age = (v: string) =>
      parsePolicy(`version: STSv1\r\nmode: none\r\nmax_age: ${v}\r\n`).policy.maxAge;
    expect(age("0086400")).toBe(86400);
    expect(age("31557600")).toBe(31_557_600);
    expect(problems(() => age("9999999999"))).toEqual([
      "max_age 9999999999 is outside 1..31557600 seconds",
    ]);
    for (const v of ["99999999999", "86400s", "+86400", "-1", "8.5", "1e5", "0x10"]) {
      expect(problems(() => age(v))).toEqual([`max_age "${v}" is not a number of seconds`]);
    }
    expect(problems(() => age(""))).toEqual(['max_age "" is not a number of seconds']);
  });

  it("validates the policy it read once the keys are right", () => {
    expect(
      problems(() => parsePolicy("version: STSv1\r\nmode: enforce\r\nmax_age: 0\r\n")),
    ).toEqual([
      "max_age 0 is outside 1..31557600 seconds",
      'mode "enforce" needs at least one mx pattern',
    ]);
    expect(problems(() => parsePolicy("version: STSv1\r\nmode: bad\r\nmax_age: 0\r\n"))).toEqual([
      'mode "bad" is not one of none, testing, enforce',
    ]);
  });

  it("reads a policy of exactly 64 KiB and refuses one byte more", () => {
    const text = renderPolicy(policyOfSize(65_536));
    expect(parsePolicy(text).policy.mx.length).toBeGreaterThan(500);
    expect(problems(() => parsePolicy(`${text} `))).toEqual([
      "policy is 65537 bytes; the limit is 65536",
    ]);
    // bytes, not characters: "é" is two
    const short = renderPolicy(policyOfSize(65_536 - 7));
    expect(parsePolicy(`${short}x: \u00e9\r\n`).warnings).toEqual([
      expect.stringMatching(/unknown key "x"/),
    ]);
    expect(problems(() => parsePolicy(`${short}x: \u00e9\u00e9\r\n`))).toEqual([
      "policy is 65538 bytes; the limit is 65536",
    ]);
  });
});

describe("policyId and policyUrl", () => {
  it("is the first 32 hex digits of SHA-256 over the bytes", () => {
    expect(policyId("")).toBe("e3b0c44298fc1c149afbf4c8996fb924");
    expect(policyId(CANONICAL)).toBe(
      createHash("sha256").update(CANONICAL).digest("hex").slice(0, 32),
    );
    expect(policyId(new TextEncoder().encode(CANONICAL))).toBe(policyId(CANONICAL));
  });

  it("points at the well-known path on mta-sts.<domain>", () => {
    expect(policyUrl("example.com")).toBe("https://mta-sts.example.com/.well-known/mta-sts.txt");
  });
});
