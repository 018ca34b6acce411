// parseReport (protocol/tls-rpt.ts) at the edges of its bounds: how a sender's value is quoted
// in a reason, counts that are not numbers, result types, the date-time length cap, the cap on
// reasons, and policies filled from the address's domain whatever shape the input has.
import { describe, expect, it } from "vitest";
import { parseReport, ReportError } from "../protocol/tls-rpt";

type Json = Record<string, unknown>;
const NOW = new Date("2026-11-20T10:00:00Z");

const detail = (type: string, n = 1): Json => ({
  "result-type": type,
  "failed-session-count": n,
  "sending-mta-ip": "192.0.2.1",
  "receiving-mx-hostname": "mx.example.com",
});

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
    "total-failure-session-count": over.details?.length ?? 0,
    ...over.summary,
  },
  ...(over.details ? { "failure-details": over.details } : {}),
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

function reasons(
  input: unknown,
  options: Parameters<typeof parseReport>[2] = { now: NOW },
): readonly string[] {
  try {
    parseReport(input, undefined, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportError);
    return (err as ReportError).reasons;
  }
  throw new Error("expected a ReportError");
}

const withDetails = (...details: unknown[]) => report({ policies: [policy({ details })] });
const RESULT_TYPE_HELP = "is not a result type (1-64 letters, digits and hyphens)";

describe("ReportError", () => {
  it("is named so in logs and stack traces", () => {
    let err: unknown;
    try {
      parseReport({});
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe("ReportError");
    expect(String(err)).toMatch(/^ReportError: /);
  });
});

describe("a sender's value in a reason", () => {
  it("is quoted whole up to 64 characters, and cut there with its length beyond", () => {
    const at64 = "_".repeat(64);
    expect(reasons(withDetails(detail(at64)))).toEqual([
      `policies[0].failure-details[0].result-type: "${at64}" ${RESULT_TYPE_HELP}`,
    ]);
    const at65 = "_".repeat(65);
    expect(reasons(withDetails(detail(at65)))).toEqual([
      `policies[0].failure-details[0].result-type: "${"_".repeat(64)}..." (65 characters) ${RESULT_TYPE_HELP}`,
    ]);
  });
});

describe("session counts", () => {
  it("are refused when they are lists, even of one number", () => {
    const whole = "must be a non-negative whole number (and is required)";
    expect(
      reasons(
        report({ policies: [policy({ summary: { "total-successful-session-count": [5] } })] }),
      ),
    ).toEqual([`policies[0].summary.total-successful-session-count: ${whole}`]);
    expect(
      reasons(
        report({
          policies: [policy({ summary: { "total-failure-session-count": [12_345_678_901] } })],
        }),
      ),
    ).toEqual([`policies[0].summary.total-failure-session-count: ${whole}`]);
    expect(reasons(withDetails({ ...detail("x"), "failed-session-count": [3] }))).toEqual([
      `policies[0].failure-details[0].failed-session-count: ${whole}`,
    ]);
  });
});

describe("result types", () => {
  it("are read trimmed and in lower case, and the change recorded", () => {
    const r = parseReport(withDetails(detail(" Validation-Failure\t")), undefined, { now: NOW });
    expect(r.policies[0].failures[0]["result-type"]).toBe("validation-failure");
    expect(r.quirks).toContain("result-type-case");
  });

  it("number at most 100 different ones per policy, said once however many more follow", () => {
    const types = Array.from({ length: 100 }, (_, i) => detail(`type-${i}`));
    expect(
      parseReport(withDetails(...types), undefined, { now: NOW }).policies[0].failures,
    ).toHaveLength(100);
    expect(reasons(withDetails(...types, detail("type-100")))).toEqual([
      "policies[0].failure-details: more than 100 different result types",
    ]);
    expect(
      reasons(
        withDetails(
          ...types,
          detail("type-100"),
          detail("TYPE-100"),
          detail("type-5"),
          detail("Type-0"),
        ),
      ),
    ).toEqual(["policies[0].failure-details: more than 100 different result types"]);
  });

  it("do not count an invalid one among the 100", () => {
    const types = Array.from({ length: 100 }, (_, i) => detail(`type-${i}`));
    expect(reasons(withDetails(...types, detail("not a type")))).toEqual([
      `policies[0].failure-details[100].result-type: "not a type" ${RESULT_TYPE_HELP}`,
    ]);
  });

  it("are judged once per spelling, every detail that uses an invalid one named", () => {
    expect(reasons(withDetails(detail("bad type"), detail("ok"), detail("bad type")))).toEqual([
      `policies[0].failure-details[0].result-type: "bad type" ${RESULT_TYPE_HELP}`,
      `policies[0].failure-details[2].result-type: "bad type" ${RESULT_TYPE_HELP}`,
    ]);
  });
});

describe("date-times", () => {
  // V8 reads fractions of any length; a date-time over 64 characters is refused before it gets there.
  const at = (length: number) => `2026-11-19T10:00:00.${"0".repeat(length - 21)}Z`;

  it("are read up to 64 characters and refused beyond", () => {
    expect(at(64)).toHaveLength(64);
    expect(
      parseReport(
        report({
          "date-range": { "start-datetime": at(64), "end-datetime": "2026-11-19T23:59:59Z" },
        }),
        undefined,
        { now: NOW },
      ).start,
    ).toBe("2026-11-19T10:00:00.000Z");
    expect(
      reasons(
        report({
          "date-range": { "start-datetime": at(65), "end-datetime": "2026-11-19T23:59:59Z" },
        }),
      ),
    ).toEqual([
      `date-range.start-datetime "${at(65).slice(0, 64)}..." (65 characters) is not a date-time`,
    ]);
  });
});

describe("the list of reasons", () => {
  const badDomains = (n: number) =>
    report({
      policies: Array.from({ length: n }, () =>
        policy({ policy: { "policy-domain": "-bad.example" } }),
      ),
    });

  it("is given whole up to 20 reasons", () => {
    const twenty = reasons(badDomains(20));
    expect(twenty).toHaveLength(20);
    expect(twenty[19]).toMatch(/^policies\[19\]\.policy\.policy-domain: /);
  });

  it("is cut to 20 with a count of the rest", () => {
    const cut = reasons(badDomains(23));
    expect(cut).toHaveLength(21);
    expect(cut[19]).toMatch(/^policies\[19\]\.policy\.policy-domain: /);
    expect(cut[20]).toBe("and 3 more");
  });
});

describe("mx-host entries", () => {
  it("lose an 'mx:' prefix only when the rest of the entry is one line", () => {
    const r = parseReport(
      report({
        policies: [
          policy({ policy: { "mx-host": ["mx: a.example.com", "mx: b.example.com\nc"] } }),
        ],
      }),
      undefined,
      { now: NOW },
    );
    expect(r.policies[0].mxHost).toEqual(["a.example.com"]);
    expect(r.quirks).toEqual(["mx-host-invalid", "mx-host-prefixed"]);
  });
});

describe("a default domain (the address's) for policies without one", () => {
  const options = { now: NOW, defaultDomain: "example.org" };

  it("changes nothing for input that is no report, or policies of the wrong shape", () => {
    for (const input of [
      "report",
      7,
      null,
      [],
      {},
      { policies: "x" },
      { policies: [null, 5, "x", [], { policy: null }, { policy: [] }, { policy: "sts" }] },
    ]) {
      expect(reasons(input, options)).toEqual(reasons(input));
    }
  });

  it("fills a missing or null policy-domain, and records it", () => {
    const { "policy-domain": _, ...noDomain } = policy().policy as Json;
    const r = parseReport(
      report({
        policies: [
          { ...policy(), policy: noDomain },
          { ...policy(), policy: { ...noDomain, "policy-domain": null } },
          policy(),
        ],
      }),
      undefined,
      options,
    );
    expect(r.policies.map((p) => p.domain)).toEqual(["example.org", "example.org", "example.com"]);
    expect(r.quirks).toContain("policy-domain-from-address");
  });

  it("records nothing when every policy names its domain", () => {
    expect(parseReport(report(), undefined, options).quirks).toEqual([]);
  });
});
