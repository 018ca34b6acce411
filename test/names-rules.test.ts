// Host names and MX patterns (protocol/dns-name.ts, protocol/mx.ts) at their edges: what is
// accepted and normalised, what is refused with which message, and RFC 8461 4.1 matching.
import { describe, expect, it } from "vitest";
import {
  coveringPattern,
  isHostName,
  mxMatches,
  NameError,
  normaliseMxPattern,
  toALabels,
} from "../protocol";

/** The message of the NameError that `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NameError);
    return (err as Error).message;
  }
  throw new Error("expected a NameError");
}

const label = (n: number, c = "a") => c.repeat(n);

describe("toALabels", () => {
  it("lower-cases, trims and drops one trailing dot", () => {
    expect(toALabels("  Mail.EXAMPLE.com.\t")).toBe("mail.example.com");
    expect(toALabels("a-b.x1.example")).toBe("a-b.x1.example");
    expect(toALabels("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
  });

  it("converts U-labels to A-labels", () => {
    expect(toALabels("mx.Bücher.example")).toBe("mx.xn--bcher-kva.example");
    expect(toALabels("ｅxample.com")).toBe("example.com");
  });

  it("refuses empty names, with an example", () => {
    for (const input of ["", "  ", "."])
      expect(refusal(() => toALabels(input))).toBe(
        `"${input}" is empty; give a host name such as "example.com"`,
      );
  });

  it("refuses URLs, ports, addresses and names with spaces", () => {
    for (const input of [
      "https://example.com",
      "example.com/path",
      "example.com:443",
      "postmaster@example.com",
      "exa mple.com",
      "example.com\tx",
    ]) {
      expect(refusal(() => toALabels(input))).toBe(
        `"${input}" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)`,
      );
    }
  });

  it("refuses names IDNA cannot convert", () => {
    for (const input of ["a\u0080.com", "\uffff.com", "\ud800.example.com"]) {
      expect(refusal(() => toALabels(input))).toBe(
        `"${input}" cannot be converted to an A-label (IDNA) name; check the spelling`,
      );
    }
  });

  it("takes names up to 253 characters", () => {
    const name253 = [label(63), label(63, "b"), label(63, "c"), label(61, "d")].join(".");
    expect(name253).toHaveLength(253);
    expect(toALabels(name253)).toBe(name253);
    expect(toALabels(`${name253}.`)).toBe(name253);
    const name254 = [label(63), label(63, "b"), label(63, "c"), label(62, "d")].join(".");
    expect(refusal(() => toALabels(name254))).toBe(
      `"${name254}" is 254 characters; DNS names are at most 253`,
    );
  });

  it("needs two labels or more", () => {
    expect(refusal(() => toALabels("localhost"))).toBe(
      '"localhost" has a single label; give a fully qualified name such as "example.com"',
    );
    expect(refusal(() => toALabels("com."))).toBe(
      '"com." has a single label; give a fully qualified name such as "example.com"',
    );
  });

  it("takes labels of 1-63 letters, digits or inner hyphens", () => {
    expect(toALabels(`${label(63)}.com`)).toBe(`${label(63)}.com`);
    expect(toALabels("a.b")).toBe("a.b");
    const message = (input: string, bad: string) =>
      `"${input}" has an invalid label "${bad}"; labels are 1-63 letters, digits or hyphens and do not start or end with a hyphen`;
    for (const [input, bad] of [
      [`${label(64)}.com`, label(64)],
      ["-a.example.com", "-a"],
      ["a-.example.com", "a-"],
      ["a..example.com", ""],
      ["example.com..", ""],
      ["a_b.example.com", "a_b"],
      ["*.example.com", "*"],
      ["a.b!.com", "b!"],
    ]) {
      expect(refusal(() => toALabels(input))).toBe(message(input, bad));
    }
  });

  it("isHostName says whether toALabels would accept a name", () => {
    expect(isHostName("Example.COM.")).toBe(true);
    expect(isHostName("example")).toBe(false);
    expect(isHostName("https://example.com")).toBe(false);
  });
});

describe("normaliseMxPattern", () => {
  it("normalises host names and wildcards", () => {
    expect(normaliseMxPattern(" MX.Example.com. ")).toBe("mx.example.com");
    expect(normaliseMxPattern("*.Mail.Example.com.")).toBe("*.mail.example.com");
    expect(normaliseMxPattern("\t*.example.com. ")).toBe("*.example.com");
    expect(normaliseMxPattern("*.bücher.example")).toBe("*.xn--bcher-kva.example");
  });

  it("refuses more than one wildcard, counting them", () => {
    expect(refusal(() => normaliseMxPattern("*.*.example.com"))).toBe(
      '"*.*.example.com" has 2 wildcards; RFC 8461 allows one, as the leftmost label ("*.example.com")',
    );
    expect(refusal(() => normaliseMxPattern("*.a*.*.example.com"))).toMatch(
      /^"\*\.a\*\.\*\.example\.com" has 3 wildcards/,
    );
  });

  it("refuses a wildcard that is not the whole leftmost label", () => {
    for (const p of ["*", "*example.com", "mx*.example.com", "mx.*.example.com", "example.com.*"]) {
      expect(refusal(() => normaliseMxPattern(p))).toBe(
        `"${p}" has a wildcard that is not the whole leftmost label; RFC 8461 allows only "*." at the start ("*.example.com")`,
      );
    }
  });

  it("checks the name after the wildcard like any host name", () => {
    expect(refusal(() => normaliseMxPattern("*.com"))).toBe(
      '"com" has a single label; give a fully qualified name such as "example.com"',
    );
    expect(refusal(() => normaliseMxPattern("mail"))).toBe(
      '"mail" has a single label; give a fully qualified name such as "example.com"',
    );
  });
});

describe("mxMatches (RFC 8461 4.1)", () => {
  it("matches a host name exactly, ignoring case and a trailing dot on either side", () => {
    expect(mxMatches("mx.example.com", "mx.example.com")).toBe(true);
    expect(mxMatches("MX.example.com.", "mx.EXAMPLE.com")).toBe(true);
    expect(mxMatches("mx.example.com", "mx.example.com.")).toBe(true);
    expect(mxMatches("mx.example.com", "mx.example.co")).toBe(false);
    expect(mxMatches("mx.example.com", "mxexample.com")).toBe(false);
    expect(mxMatches("mx.example.com", "a.mx.example.com")).toBe(false);
  });

  it("matches a wildcard to exactly one more leftmost label", () => {
    expect(mxMatches("*.example.com", "mx.example.com")).toBe(true);
    expect(mxMatches("*.Example.com.", "MX.example.com.")).toBe(true);
    expect(mxMatches("*.example.com", "a.b.example.com")).toBe(false);
    expect(mxMatches("*.example.com", "example.com")).toBe(false);
    expect(mxMatches("*.example.com", ".example.com")).toBe(false);
    expect(mxMatches("*.example.com", "mxexample.com")).toBe(false);
    expect(mxMatches("*.example.com", "mx.example.org")).toBe(false);
  });

  it("takes a '*' that does not start the pattern literally", () => {
    expect(mxMatches("mx*.example.com", "mx1.example.com")).toBe(false);
    expect(mxMatches("mx*.example.com", "mx*.example.com")).toBe(true);
  });
});

describe("coveringPattern", () => {
  it("gives the first pattern that covers the host, or undefined", () => {
    expect(coveringPattern(["*.example.com", "mx.example.com"], "mx.example.com")).toBe(
      "*.example.com",
    );
    expect(coveringPattern(["mx.example.com", "*.example.com"], "mx.example.com")).toBe(
      "mx.example.com",
    );
    expect(coveringPattern(["a.example.com", "*.example.com"], "b.example.com")).toBe(
      "*.example.com",
    );
    expect(coveringPattern(["*.example.com"], "a.b.example.com")).toBeUndefined();
    expect(coveringPattern([], "mx.example.com")).toBeUndefined();
  });
});
