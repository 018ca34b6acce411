import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildStsRecord,
  buildTlsRptRecord,
  coveringPattern,
  MAX_POLICY_BYTES,
  mxMatches,
  normaliseMxPattern,
  parsePolicy,
  parseStsRecord,
  parseTlsRptRecord,
  type Policy,
  PolicyError,
  policyId,
  renderPolicy,
  toALabels,
  txtStrings,
  validateRuaUri,
} from "../protocol";

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const hostName = fc.array(label, { minLength: 2, maxLength: 4 }).map((l) => l.join("."));
const pattern = fc.oneof(
  hostName,
  hostName.map((h) => `*.${h}`),
);
const policyArb: fc.Arbitrary<Policy> = fc.record({
  mode: fc.constantFrom("none", "testing", "enforce"),
  mx: fc.array(pattern, { minLength: 1, maxLength: 6 }),
  maxAge: fc.integer({ min: 1, max: 31_557_600 }),
});

describe("policy text", () => {
  it("renders the canonical RFC 8461 text with CRLF line endings", () => {
    const text = renderPolicy({
      mode: "enforce",
      mx: ["mx2.example.com", "*.mail.example.net", "mx2.example.com"],
      maxAge: 604800,
    });
    expect(text).toBe(
      "version: STSv1\r\nmode: enforce\r\nmx: *.mail.example.net\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n",
    );
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  it("round-trips: parse(render(p)) gives the same policy, canonicalised", () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        const parsed = parsePolicy(renderPolicy(p));
        expect(parsed.warnings).toEqual([]);
        expect(parsed.policy.mode).toBe(p.mode);
        expect(parsed.policy.maxAge).toBe(p.maxAge);
        expect(parsed.policy.mx).toEqual([...new Set(p.mx)].sort());
        expect(renderPolicy(parsed.policy)).toBe(renderPolicy(p));
      }),
    );
  });

  it("parses like a sender: LF lines (with a warning), unknown keys ignored, any field order", () => {
    const { policy, warnings } = parsePolicy(
      "mode: testing\nmx: mx.example.com\nfoo: bar\nversion: STSv1\nmax_age: 86400\n",
    );
    expect(policy).toEqual({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 });
    expect(warnings.join(" ")).toMatch(/LF only/);
    expect(warnings.join(" ")).toMatch(/unknown key "foo"/);
  });

  it("rejects invalid policies with every problem named", () => {
    expect(() => parsePolicy("version: STSv2\r\nmode: strict\r\n")).toThrow(
      /version "STSv2".*mode "strict".*max_age is missing/,
    );
    expect(() => parsePolicy("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n")).toThrow(
      /needs at least one mx/,
    );
    expect(() =>
      parsePolicy("version: STSv1\r\nmode: enforce\r\nmx: a.b.c\r\nmax_age: 31557601\r\n"),
    ).toThrow(/max_age 31557601/);
    expect(() => renderPolicy({ mode: "testing", mx: ["*.*.example.com"], maxAge: 1 })).toThrow(
      PolicyError,
    );
  });

  it("refuses a policy over 64 KiB, on render and on parse", () => {
    const mx = Array.from(
      { length: 3000 },
      (_, i) => `mx${i}.a-rather-long-mail-host-name.example.com`,
    );
    expect(() => renderPolicy({ mode: "testing", mx, maxAge: 86400 })).toThrow(/65536/);
    const big = `version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 1\r\n${"x: y\r\n".repeat(MAX_POLICY_BYTES / 6 + 1)}`;
    expect(() => parsePolicy(big)).toThrow(/limit is 65536/);
    const justUnder = renderPolicy({ mode: "testing", mx: mx.slice(0, 1000), maxAge: 86400 });
    expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(MAX_POLICY_BYTES);
  });
});

describe("policy id", () => {
  it("is 1-32 letters/digits, equal for equal bytes, different for different bytes", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ia = policyId(a);
        expect(ia).toMatch(/^[A-Za-z0-9]{1,32}$/);
        expect(policyId(a)).toBe(ia);
        if (a !== b) expect(policyId(b)).not.toBe(ia);
      }),
    );
  });

  it("changes when only the mx list changes, not when it is reordered", () => {
    const a = renderPolicy({
      mode: "testing",
      mx: ["a.example.com", "b.example.com"],
      maxAge: 86400,
    });
    const b = renderPolicy({
      mode: "testing",
      mx: ["b.example.com", "a.example.com"],
      maxAge: 86400,
    });
    const c = renderPolicy({ mode: "testing", mx: ["a.example.com"], maxAge: 86400 });
    expect(policyId(a)).toBe(policyId(b));
    expect(policyId(a)).not.toBe(policyId(c));
  });
});

describe("MX patterns (RFC 8461 4.1)", () => {
  it("a wildcard matches exactly one leftmost label", () => {
    fc.assert(
      fc.property(hostName, label, label, (base, l1, l2) => {
        const p = `*.${base}`;
        expect(mxMatches(p, `${l1}.${base}`)).toBe(true);
        expect(mxMatches(p, `${l1}.${l2}.${base}`)).toBe(false);
        expect(mxMatches(p, base)).toBe(false);
        expect(mxMatches(p, `${l1}.${base}.`.toUpperCase())).toBe(true);
      }),
    );
  });

  it("a plain pattern matches only itself, case-insensitively", () => {
    expect(mxMatches("mx.example.com", "MX.example.com.")).toBe(true);
    expect(mxMatches("mx.example.com", "a.mx.example.com")).toBe(false);
    expect(coveringPattern(["mx.example.com", "*.mail.example.net"], "eu.mail.example.net")).toBe(
      "*.mail.example.net",
    );
    expect(coveringPattern(["mx.example.com"], "mx.example.net")).toBeUndefined();
  });

  it("normalises patterns and rejects wildcards anywhere but the leftmost label", () => {
    expect(normaliseMxPattern("*.Mail.Example.NET.")).toBe("*.mail.example.net");
    expect(normaliseMxPattern("mx.bücher.example")).toBe("mx.xn--bcher-kva.example");
    expect(() => normaliseMxPattern("*.*.example.com")).toThrow(/2 wildcards/);
    expect(() => normaliseMxPattern("mx.*.example.com")).toThrow(/leftmost label/);
    expect(() => normaliseMxPattern("*mx.example.com")).toThrow(/leftmost label/);
  });
});

describe("names", () => {
  it("converts IDNs to A-labels and rejects invalid names with the fix", () => {
    expect(toALabels("Bücher.Example")).toBe("xn--bcher-kva.example");
    expect(toALabels("EXAMPLE.com.")).toBe("example.com");
    expect(() => toALabels("example")).toThrow(/single label/);
    expect(() => toALabels("-bad.example.com")).toThrow(/invalid label "-bad"/);
    expect(() => toALabels("https://example.com")).toThrow(/bare name/);
    expect(() => toALabels(`${"a".repeat(64)}.com`)).toThrow(/1-63/);
  });
});

describe("TXT records", () => {
  it("builds and parses _mta-sts values", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,32}$/), (id) => {
        expect(parseStsRecord(buildStsRecord(id)).id).toBe(id);
      }),
    );
    expect(buildStsRecord("abc123")).toBe("v=STSv1; id=abc123;");
    expect(parseStsRecord("v=STSv1;id=20160831085700Z").id).toBe("20160831085700Z");
    expect(parseStsRecord("v=STSv1; id=a1; ext-1=val").extensions).toEqual({ "ext-1": "val" });
    expect(() => buildStsRecord("2024-01-01")).toThrow(/letters or digits/);
    expect(() => parseStsRecord("v=STSv1; id=" + "a".repeat(33))).toThrow(/1-32/);
    expect(() => parseStsRecord("id=abc; v=STSv1")).toThrow(/start with "v=STSv1"/);
    expect(() => parseStsRecord("v=STSv1;")).toThrow(/id is missing/);
  });

  it("builds and parses _smtp._tls values; rua is mailto:/https: only", () => {
    const v = buildTlsRptRecord(["mailto:tls@example.com", "https://r.example.com/tlsrpt"]);
    expect(v).toBe("v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.com/tlsrpt");
    expect(parseTlsRptRecord(v).rua).toEqual([
      "mailto:tls@example.com",
      "https://r.example.com/tlsrpt",
    ]);
    expect(
      parseTlsRptRecord("v=TLSRPTv1;rua=mailto:a@b.example , mailto:c@d.example;").rua,
    ).toHaveLength(2);
    expect(() => validateRuaUri("http://r.example.com")).toThrow(/mailto: or https:/);
    expect(() => validateRuaUri("mailto:nobody")).toThrow(/mailto:<address>/);
    expect(() => validateRuaUri("https://r.example.com/a,b")).toThrow(/percent-encode/);
    expect(() => buildTlsRptRecord([])).toThrow(/at least one/);
    expect(() => parseTlsRptRecord("v=TLSRPTv1; ruf=mailto:a@b.example")).toThrow(/rua is missing/);
  });

  it("splits long TXT values into 255-byte strings that concatenate back", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 1200 }), (s) => {
        const parts = txtStrings(s);
        expect(parts.join("")).toBe(s);
        for (const p of parts) expect(p.length).toBeLessThanOrEqual(255);
      }),
    );
  });
});
