// What a plausible report holds (protocol/tls-rpt.ts REPORT_BOUNDS): counts, dates, names,
// domains, MX hosts and result types outside it are refused with a reason naming the field;
// a policy without policy-domain takes the domain of the address it came to, when given.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_REPORT_LIMITS,
  parseReport,
  REPORT_BOUNDS,
  ReportError,
  type TlsReport,
} from "../protocol/tls-rpt";

type Json = Record<string, unknown>;
const NOW = new Date("2026-11-20T10:00:00Z");

const policy = (over: { policy?: Json; summary?: Json; details?: unknown[] } = {}): Json => ({
  policy: {
    "policy-type": "sts",
    "policy-domain": "example.com",
    "policy-string": ["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"],
    "mx-host": ["mx.example.com"],
    ...over.policy,
  },
  summary: {
    "total-successful-session-count": 10,
    "total-failure-session-count": 1,
    ...over.summary,
  },
  "failure-details": over.details ?? [
    { "result-type": "validation-failure", "failed-session-count": 1 },
  ],
});

const report = (over: Json = {}): Json => ({
  "organization-name": "Reporter Inc.",
  "date-range": {
    "start-datetime": "2026-11-19T00:00:00Z",
    "end-datetime": "2026-11-19T23:59:59Z",
  },
  "contact-info": "tls@reporter.example",
  "report-id": "r-1",
  policies: [policy()],
  ...over,
});

const parse = (r: Json, opts: { now?: Date; defaultDomain?: string } = {}) =>
  parseReport(r, DEFAULT_REPORT_LIMITS, { now: NOW, ...opts });

function reasons(r: Json, opts: { now?: Date; defaultDomain?: string } = {}): readonly string[] {
  try {
    parse(r, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportError);
    return (err as ReportError).reasons;
  }
  throw new Error("expected a ReportError");
}

const withDates = (start: string, end: string) =>
  report({ "date-range": { "start-datetime": start, "end-datetime": end } });
const withDetail = (detail: Json) => report({ policies: [policy({ details: [detail] })] });

describe("session counts", () => {
  const MAX = REPORT_BOUNDS.maxSessionsPerPolicy;

  it("have a ceiling of 1e9 sessions per policy", () => {
    expect(MAX).toBe(1_000_000_000);
  });

  it("take the ceiling itself, as a number or a string", () => {
    expect(
      parse(
        report({
          policies: [
            policy({
              summary: { "total-successful-session-count": MAX, "total-failure-session-count": 0 },
              details: [],
            }),
          ],
        }),
      ).policies[0].successful,
    ).toBe(MAX);
    expect(
      parse(
        report({
          policies: [
            policy({
              summary: {
                "total-successful-session-count": "1000000000",
                "total-failure-session-count": "0",
              },
              details: [],
            }),
          ],
        }),
      ).policies[0].successful,
    ).toBe(MAX);
    expect(
      parse(
        withDetail({ "result-type": "validation-failure", "failed-session-count": "1000000000" }),
      ).policies[0].failures[0]["failed-session-count"],
    ).toBe(MAX);
  });

  it("refuse one more, 1e300, and a 400-digit string, naming the field", () => {
    const summary = (v: unknown) =>
      report({ policies: [policy({ summary: { "total-successful-session-count": v } })] });
    expect(reasons(summary(MAX + 1))).toEqual([
      "policies[0].summary.total-successful-session-count: 1000000001 is more than 1000000000 sessions, the most one policy can report",
    ]);
    expect(reasons(summary(1e300))).toEqual([
      "policies[0].summary.total-successful-session-count: 1e+300 is more than 1000000000 sessions, the most one policy can report",
    ]);
    expect(reasons(summary("1".repeat(400)))).toEqual([
      `policies[0].summary.total-successful-session-count: "${"1".repeat(64)}..." (400 characters) is more than 1000000000 sessions, the most one policy can report`,
    ]);
    expect(reasons(summary("1000000001"))).toEqual([
      'policies[0].summary.total-successful-session-count: "1000000001" is more than 1000000000 sessions, the most one policy can report',
    ]);
    const detail = (v: unknown) =>
      withDetail({ "result-type": "validation-failure", "failed-session-count": v });
    expect(reasons(detail(1e300))).toEqual([
      "policies[0].failure-details[0].failed-session-count: 1e+300 is more than 1000000000 sessions, the most one policy can report",
    ]);
    expect(reasons(detail("9".repeat(400)))[0]).toMatch(
      /^policies\[0\]\.failure-details\[0\]\.failed-session-count: "9{64}\.\.\." \(400 characters\) is more than 1000000000 sessions/,
    );
  });

  it("refuse what is not a whole number at all, as before", () => {
    for (const v of [-1, 1.5, "1.5", "-1", "", "0x10", Infinity, null, true, [], {}]) {
      expect(
        reasons(report({ policies: [policy({ summary: { "total-failure-session-count": v } })] })),
      ).toEqual([
        "policies[0].summary.total-failure-session-count: must be a non-negative whole number (and is required)",
      ]);
      expect(reasons(withDetail({ "result-type": "x", "failed-session-count": v }))).toEqual([
        "policies[0].failure-details[0].failed-session-count: must be a non-negative whole number (and is required)",
      ]);
    }
  });

  it("refuse a policy whose successful and failed sessions add up to more than the ceiling", () => {
    const ok = report({
      policies: [
        policy({
          summary: { "total-successful-session-count": MAX - 1, "total-failure-session-count": 1 },
        }),
      ],
    });
    expect(parse(ok).policies[0]).toMatchObject({ successful: MAX - 1, failed: 1 });
    const over = report({
      policies: [
        policy({
          summary: { "total-successful-session-count": MAX, "total-failure-session-count": 1 },
        }),
      ],
    });
    expect(reasons(over)).toEqual([
      "policies[0].summary: 1000000000 successful and 1 failed sessions are more than 1000000000 in all, the most one policy can report",
    ]);
  });

  it("are always safe integers within the ceiling when a report parses", () => {
    const count = fc.oneof(
      fc.integer({ min: -5, max: MAX + 5 }),
      fc.double(),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
      fc.constantFrom(1e300, "1e3", MAX, MAX + 1),
    );
    fc.assert(
      fc.property(count, count, count, (ok, failed, detail) => {
        let r: TlsReport;
        try {
          r = parse(
            report({
              policies: [
                policy({
                  summary: {
                    "total-successful-session-count": ok,
                    "total-failure-session-count": failed,
                  },
                  details: [{ "result-type": "x", "failed-session-count": detail }],
                }),
              ],
            }),
          );
        } catch (err) {
          expect(err).toBeInstanceOf(ReportError);
          return;
        }
        const p = r.policies[0];
        for (const n of [p.successful, p.failed, p.failures[0]["failed-session-count"]]) {
          expect(Number.isSafeInteger(n) && n >= 0 && n <= MAX).toBe(true);
        }
        expect(p.successful + p.failed).toBeLessThanOrEqual(MAX);
      }),
      { numRuns: 300 },
    );
  });
});

describe("dates", () => {
  it("take ranges from 2016-01-01, the year of the first TLS-RPT drafts", () => {
    expect(REPORT_BOUNDS.earliest).toBe("2016-01-01T00:00:00.000Z");
    expect(parse(withDates("2016-01-01T00:00:00Z", "2016-01-01T23:59:59Z")).days).toEqual([
      "2016-01-01",
    ]);
    expect(reasons(withDates("2015-12-31T23:59:59Z", "2016-01-01T23:59:59Z"))).toEqual([
      'date-range.start-datetime "2015-12-31T23:59:59Z" is before 2016-01-01, older than TLS-RPT',
    ]);
    expect(reasons(withDates("1970-01-01T00:00:00Z", "1970-01-01T23:59:59Z"))).toEqual([
      'date-range.start-datetime "1970-01-01T00:00:00Z" is before 2016-01-01, older than TLS-RPT',
      'date-range.end-datetime "1970-01-01T23:59:59Z" is before 2016-01-01, older than TLS-RPT',
    ]);
  });

  it("take an end up to a day after the receiver's clock, and refuse a second more", () => {
    expect(parse(withDates("2026-11-20T00:00:00Z", "2026-11-21T10:00:00Z")).end).toBe(
      "2026-11-21T10:00:00.000Z",
    );
    expect(reasons(withDates("2026-11-20T00:00:00Z", "2026-11-21T10:00:01Z"))).toEqual([
      `date-range.end-datetime "2026-11-21T10:00:01Z" is more than a day after the receiver's clock (2026-11-20T10:00:00.000Z)`,
    ]);
  });

  it("refuse 9999 and +275760 (the largest date JavaScript knows), naming the field", () => {
    expect(reasons(withDates("2026-11-19T00:00:00Z", "9999-12-31T23:59:59Z"))).toEqual([
      `date-range.end-datetime "9999-12-31T23:59:59Z" is more than a day after the receiver's clock (2026-11-20T10:00:00.000Z)`,
    ]);
    expect(reasons(withDates("+275760-09-13T00:00:00Z", "+275760-09-13T00:00:00Z"))).toEqual([
      `date-range.start-datetime "+275760-09-13T00:00:00Z" is more than a day after the receiver's clock (2026-11-20T10:00:00.000Z)`,
      `date-range.end-datetime "+275760-09-13T00:00:00Z" is more than a day after the receiver's clock (2026-11-20T10:00:00.000Z)`,
    ]);
  });

  it("are judged by the real clock when no time is given", () => {
    const soon = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000).toISOString();
    expect(() => parseReport(withDates(soon, soon))).toThrow(
      /is more than a day after the receiver's clock/,
    );
    const today = new Date().toISOString();
    expect(parseReport(withDates(today, today)).start).toBe(today);
  });

  it("refuse date-times longer than 64 characters without parsing them, and quote them shortened", () => {
    const long = `2026-11-19T00:00:00${" ".repeat(60)}Z`;
    expect(reasons(withDates(long, "2026-11-19T23:59:59Z"))).toEqual([
      `date-range.start-datetime "2026-11-19T00:00:00${" ".repeat(45)}..." (80 characters) is not a date-time`,
    ]);
  });
});

describe("names", () => {
  it("take an organisation of 256 characters and refuse 257", () => {
    expect(parse(report({ "organization-name": "o".repeat(256) })).organisation).toHaveLength(256);
    expect(reasons(report({ "organization-name": "o".repeat(257) }))).toEqual([
      "organization-name: is 257 characters; at most 256",
    ]);
  });

  it("refuse line breaks and other control characters in organisation, report-id and contact-info", () => {
    expect(reasons(report({ "organization-name": "Evil\r\nINJECTED" }))).toEqual([
      'organization-name: "Evil\\r\\nINJECTED" holds a control character (a line break, tab or similar)',
    ]);
    expect(reasons(report({ "report-id": "id\u2028x" }))).toEqual([
      'report-id: "id\u2028x" holds a control character (a line break, tab or similar)',
    ]);
    expect(reasons(report({ "contact-info": "a@b.example\u0000" }))).toEqual([
      'contact-info: "a@b.example\\u0000" holds a control character (a line break, tab or similar)',
    ]);
    expect(reasons(report({ "organization-name": "Tab\tInc" }))[0]).toMatch(/^organization-name: /);
    expect(reasons(report({ "organization-name": "C1\u0085" }))[0]).toMatch(/^organization-name: /);
  });

  it("bound report-id to 256 and contact-info to 1,024 characters", () => {
    expect(
      parse(
        report({
          "report-id": "i".repeat(256),
          "contact-info": `${"c".repeat(1_010)}@example.com`.slice(0, 1_024),
        }),
      ).reportId,
    ).toHaveLength(256);
    expect(reasons(report({ "report-id": "i".repeat(257) }))).toEqual([
      "report-id: is 257 characters; at most 256",
    ]);
    expect(reasons(report({ "contact-info": "c".repeat(1_025) }))).toEqual([
      "contact-info: is 1025 characters; at most 1024",
    ]);
  });

  it("measure names after trimming, and keep real-world ids", () => {
    expect(
      parse(report({ "organization-name": `  ${"o".repeat(256)}  ` })).organisation,
    ).toHaveLength(256);
    for (const id of [
      "1234567890+",
      "123_456",
      "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru",
      "2019-04-14T00:00:00Z_example.org",
    ]) {
      expect(parse(report({ "report-id": id })).reportId).toBe(id);
    }
  });
});

describe("policy-domain", () => {
  const domain = (d: unknown, type = "sts") =>
    report({ policies: [policy({ policy: { "policy-type": type, "policy-domain": d } })] });

  it("is a DNS name in lower-case A-labels: IDNs converted, case and a trailing dot dropped", () => {
    expect(parse(domain("Example.COM.")).policies[0].domain).toBe("example.com");
    expect(parse(domain("bücher.example")).policies[0].domain).toBe("xn--bcher-kva.example");
  });

  it("takes 253 characters and refuses more", () => {
    const name = (n: number) =>
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(n - 192)}`;
    expect(name(253)).toHaveLength(253);
    expect(parse(domain(name(253))).policies[0].domain).toBe(name(253));
    expect(reasons(domain(name(254)))).toEqual([
      `policies[0].policy.policy-domain: "${name(254)}" is 254 characters; DNS names are at most 253`,
    ]);
    expect(reasons(domain("x".repeat(300)))).toEqual([
      "policies[0].policy.policy-domain: is 300 characters; a domain name is at most 253",
    ]);
  });

  it("refuses what is not a host name, naming the field", () => {
    expect(reasons(domain("ex ample.com"))[0]).toMatch(
      /^policies\[0\]\.policy\.policy-domain: "ex ample\.com" is not a host name/,
    );
    expect(reasons(domain("-bad.example"))[0]).toMatch(
      /^policies\[0\]\.policy\.policy-domain: "-bad\.example" has an invalid label "-bad"/,
    );
    expect(reasons(domain("localhost"))[0]).toMatch(
      /^policies\[0\]\.policy\.policy-domain: "localhost" has a single label/,
    );
    expect(reasons(domain("a\r\nb.example"))[0]).toMatch(/^policies\[0\]\.policy\.policy-domain: /);
  });

  it("may be empty only for no-policy-found", () => {
    expect(parse(domain("", "no-policy-found")).policies[0].domain).toBe("");
    expect(reasons(domain("", "sts"))).toEqual([
      "policies[0].policy.policy-domain: is empty; a sts policy has a domain",
    ]);
    expect(reasons(domain("  ", "tlsa"))).toEqual([
      "policies[0].policy.policy-domain: is empty; a tlsa policy has a domain",
    ]);
  });
});

describe("a policy without policy-domain (Postfix 3.10)", () => {
  const missing = () => {
    const p = policy();
    delete (p.policy as Json)["policy-domain"];
    return report({ policies: [p, policy({ policy: { "policy-domain": "other.example" } })] });
  };

  it("takes the domain of the address it came to, and records the quirk", () => {
    const r = parse(missing(), { defaultDomain: "Mail.Example" });
    expect(r.policies.map((p) => p.domain)).toEqual(["mail.example", "other.example"]);
    expect(r.quirks).toContain("policy-domain-from-address");
    const nulled = report({ policies: [policy({ policy: { "policy-domain": null } })] });
    expect(parse(nulled, { defaultDomain: "mail.example" }).policies[0].domain).toBe(
      "mail.example",
    );
  });

  it("is refused as before without one", () => {
    expect(reasons(missing())).toEqual([
      "policies[0].policy.policy-domain: policy-domain is required",
    ]);
  });

  it("keeps a domain the report names, without the quirk", () => {
    const r = parse(report(), { defaultDomain: "mail.example" });
    expect(r.policies[0].domain).toBe("example.com");
    expect(r.quirks).not.toContain("policy-domain-from-address");
  });

  it("checks the address's domain like any other", () => {
    expect(reasons(missing(), { defaultDomain: "not a domain" })[0]).toMatch(
      /^policies\[0\]\.policy\.policy-domain: "not a domain" is not a host name/,
    );
  });
});

describe("mx-host", () => {
  const mx = (hosts: unknown) => report({ policies: [policy({ policy: { "mx-host": hosts } })] });

  it("takes host names and RFC 8461 patterns, in lower case without a trailing dot", () => {
    expect(
      parse(
        mx([
          "MX1.Example.com.",
          "*.mail.example.com",
          "mx: mx2.example.com",
          "mx_3.example.com",
          "bücher.example",
        ]),
      ).policies[0].mxHost,
    ).toEqual([
      "mx1.example.com",
      "*.mail.example.com",
      "mx2.example.com",
      "mx_3.example.com",
      "xn--bcher-kva.example",
    ]);
  });

  it("drops empty entries as an empty-string quirk", () => {
    const r = parse(mx(["", "mx.example.com"]));
    expect(r.policies[0].mxHost).toEqual(["mx.example.com"]);
    expect(r.quirks).toContain("empty-string-fields");
  });

  it("leaves out what is not a name or pattern, and records it (mx-host only describes the policy)", () => {
    const dropped = (v: string | string[]) => {
      const r = parse(mx(v));
      return { hosts: r.policies[0].mxHost, invalid: r.quirks.includes("mx-host-invalid") };
    };
    expect(dropped(["mx.example.com", "relay-mx: a"])).toEqual({
      hosts: ["mx.example.com"],
      invalid: true,
    });
    expect(dropped(["*.*.example.com"])).toEqual({ hosts: [], invalid: true });
    expect(dropped("mx.example.com\r\nx")).toEqual({ hosts: [], invalid: true });
    expect(dropped([`${"a".repeat(64)}.example`])).toEqual({ hosts: [], invalid: true });
    const long = `${"a.".repeat(126)}ab`;
    expect(long).toHaveLength(254);
    expect(dropped([long])).toEqual({ hosts: [], invalid: true });
    expect(dropped(["mx.example.com"])).toEqual({ hosts: ["mx.example.com"], invalid: false });
    const longest = `${"a.".repeat(125)}abc`;
    expect(longest).toHaveLength(253);
    expect(parse(mx([longest])).policies[0].mxHost).toEqual([longest]);
  });

  it("takes 256 entries and refuses 257", () => {
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => `mx${i}.example.com`);
    expect(parse(mx(hosts(256))).policies[0].mxHost).toHaveLength(256);
    expect(reasons(mx(hosts(257)))).toEqual([
      "policies[0].policy.mx-host: 257 entries; at most 256",
    ]);
  });
});

describe("result types", () => {
  const types = (...names: unknown[]) =>
    report({
      policies: [
        policy({ details: names.map((t) => ({ "result-type": t, "failed-session-count": 1 })) }),
      ],
    });
  const kept = (r: TlsReport) => r.policies[0].failures.map((f) => f["result-type"]);

  it("are 1-64 of [a-z0-9-] after lower-casing; upper case is a recorded quirk", () => {
    const r = parse(types("Certificate-Expired", "validation-failure", "x".repeat(64)));
    expect(kept(r)).toEqual(["certificate-expired", "validation-failure", "x".repeat(64)]);
    expect(r.quirks).toContain("result-type-case");
    expect(parse(types("validation-failure")).quirks).not.toContain("result-type-case");
  });

  it("keep unknown types (the IANA registry grows), 'constructor' included", () => {
    expect(
      kept(parse(types("future-type-2031", "constructor", "tostring", "hasownproperty"))),
    ).toEqual(["future-type-2031", "constructor", "tostring", "hasownproperty"]);
  });

  it("refuse other characters and more than 64 of them, naming the detail", () => {
    expect(reasons(types("validation-failure", "__proto__"))).toEqual([
      'policies[0].failure-details[1].result-type: "__proto__" is not a result type (1-64 letters, digits and hyphens)',
    ]);
    expect(reasons(types("x".repeat(65)))).toEqual([
      `policies[0].failure-details[0].result-type: "${"x".repeat(64)}..." (65 characters) is not a result type (1-64 letters, digits and hyphens)`,
    ]);
    expect(reasons(types("bad type"))[0]).toBe(
      'policies[0].failure-details[0].result-type: "bad type" is not a result type (1-64 letters, digits and hyphens)',
    );
    expect(reasons(types("a\nb"))[0]).toBe(
      'policies[0].failure-details[0].result-type: "a\\nb" is not a result type (1-64 letters, digits and hyphens)',
    );
  });

  it("take 100 different types in a policy and refuse 101, counting case variants once", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `type-${i}`);
    expect(kept(parse(types(...names(100), "TYPE-0", "type-99")))).toHaveLength(102);
    expect(reasons(types(...names(101)))).toEqual([
      "policies[0].failure-details: more than 100 different result types",
    ]);
    // Per policy: two policies of 100 each are fine.
    const two = report({
      policies: [0, 1].map((k) =>
        policy({
          details: names(100).map((t) => ({
            "result-type": `${t}-${k}`,
            "failed-session-count": 1,
          })),
        }),
      ),
    });
    expect(parse(two).policies).toHaveLength(2);
  });
});
