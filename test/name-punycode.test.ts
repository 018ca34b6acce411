// An "xn--" label is an A-label only when its punycode decodes (RFC 5890 2.3.2.1): a name such
// as "xn--a.com" looks like an IDN but names nothing a browser or an MTA would produce, so it
// is refused where it is given (a policy's mx, a stack's domain, a report's policy-domain).
import { describe, expect, it } from "vitest";
import { parseStackConfig, ConfigError } from "../config";
import { NameError, normaliseMxPattern, toALabels } from "../protocol";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NameError);
    return (err as Error).message;
  }
  throw new Error("expected a NameError");
}

const notPunycode = (input: string, label: string) =>
  `"${input}" has a label "${label}" that is not valid punycode; an "xn--" label must decode to a Unicode name (give the name in Unicode, e.g. "bücher.example", or check the spelling)`;

describe("xn-- labels", () => {
  it("refuses a label whose punycode does not decode, naming it", () => {
    expect(refusal(() => toALabels("xn--a.com"))).toBe(notPunycode("xn--a.com", "xn--a"));
    expect(refusal(() => toALabels("mx.xn--zz.example"))).toBe(
      notPunycode("mx.xn--zz.example", "xn--zz"),
    );
    expect(refusal(() => toALabels("XN--A.com"))).toBe(notPunycode("XN--A.com", "xn--a"));
    expect(refusal(() => toALabels("mail.example.xn--999999"))).toBe(
      notPunycode("mail.example.xn--999999", "xn--999999"),
    );
  });

  it("takes labels that decode, in any case, and names where xn-- is not the start", () => {
    expect(toALabels("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
    expect(toALabels("XN--Mnchen-3ya.de")).toBe("xn--mnchen-3ya.de");
    expect(toALabels("mx.xn--55qx5d.xn--fiqs8s")).toBe("mx.xn--55qx5d.xn--fiqs8s");
    expect(toALabels("axn--a.com")).toBe("axn--a.com");
  });

  it("refuses it in an mx pattern, after the wildcard too", () => {
    expect(refusal(() => normaliseMxPattern("*.xn--a.com"))).toBe(
      notPunycode("xn--a.com", "xn--a"),
    );
  });

  it("is named with its key in the stack config", () => {
    const ok = {
      domain: "example.com",
      dns: { provider: "route53", zoneId: "Z0123456789ABC" },
      mx: ["mx.example.com"],
      rua: ["mailto:t@example.com"],
    };
    let problems: readonly string[] = [];
    try {
      parseStackConfig({
        domains: [
          { ...ok, domain: "xn--a.com" },
          { ...ok, domain: "example.org", mx: ["mx.xn--a.org"] },
        ],
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      `mta-sts:domains[0] (xn--a.com).domain: ${notPunycode("xn--a.com", "xn--a")}`,
      `mta-sts:domains[1] (example.org).mx[0]: ${notPunycode("mx.xn--a.org", "xn--a")}`,
    ]);
  });
});
