// The zone-file lines of the plan (text, markdown, diff): what a person pastes into a DNS console
// for a `manual` domain, so a TXT value over 255 bytes must be split as zone files require.
import { describe, expect, it } from "vitest";
import { zoneLine } from "../cli/plan-words";
import { UNKNOWN } from "../cli/program-runner";

const rua = Array.from({ length: 8 }, (_, i) => `mailto:tls-reports-${i}@reports.example.net`);
const long = `v=TLSRPTv1; rua=${rua.join(",")}`;

describe("zoneLine", () => {
  it("splits a TXT value over 255 bytes into quoted 255-byte character-strings (RFC 1035 5.1)", () => {
    expect(long.length).toBeGreaterThan(255);
    const line = zoneLine({
      name: "_smtp._tls.example.net",
      type: "TXT",
      ttl: 300,
      values: [long],
      alias: false,
    });
    const strings = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(strings.map((s) => s.length)).toEqual([255, long.length - 255]);
    expect(strings.join("")).toBe(long);
    expect(line).toBe(
      `_smtp._tls.example.net. 300 IN TXT "${long.slice(0, 255)}" "${long.slice(255)}"`,
    );
  });

  it("escapes quotes and backslashes in TXT values, and leaves other types unquoted with a final dot", () => {
    expect(
      zoneLine({ name: "t.example.com", type: "TXT", ttl: 60, values: ['a"b\\c'], alias: false }),
    ).toBe('t.example.com. 60 IN TXT "a\\"b\\\\c"');
    expect(
      zoneLine({
        name: "mta-sts.example.com",
        type: "CNAME",
        ttl: 300,
        values: ["d1.cloudfront.net"],
        alias: false,
      }),
    ).toBe("mta-sts.example.com. 300 IN CNAME d1.cloudfront.net.");
    expect(
      zoneLine({
        name: "mta-sts.example.com",
        type: "A",
        ttl: 60,
        values: ["d1.cloudfront.net"],
        alias: true,
      }),
    ).toBe("mta-sts.example.com. 60 IN A ALIAS d1.cloudfront.net.");
  });

  it("says unknown names and values as such, never quoted or dotted", () => {
    expect(
      zoneLine({ name: UNKNOWN, type: "TXT", ttl: 300, values: [UNKNOWN], alias: false }),
    ).toBe(`${UNKNOWN} 300 IN TXT ${UNKNOWN}`);
  });
});
