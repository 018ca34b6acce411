// TLS-RPT report normalisation rule by rule (protocol/tls-rpt.ts): each quirk accepted and
// recorded, each refusal with the reason a sender reads, each bound at its edge. Fixtures are
// built here; the real samples in shared/ are exercised by tls-rpt.test.ts when present.
import { afterEach, describe, expect, it } from "vitest";
import {
  parseReport,
  policyId,
  type Quirk,
  renderPolicy,
  ReportError,
  reportedPolicyId,
  type TlsReport,
} from "../protocol";

const STS_LINES = ["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"];
const STS_ID = policyId(renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 }));

type Json = Record<string, unknown>;

const failedSum = (details: unknown) =>
  Array.isArray(details)
    ? details.reduce(
        (n: number, d) =>
          n +
          (Number.isInteger(d?.["failed-session-count"])
            ? Math.max(0, d["failed-session-count"])
            : 0),
        0,
      )
    : 0;

const detail = (over: Json = {}): Json => ({
  "result-type": "certificate-expired",
  "sending-mta-ip": "192.0.2.1",
  "receiving-mx-hostname": "mx.example.com",
  "failed-session-count": 1,
  ...over,
});

/** A policy whose summary's failure total is the sum of its details unless given. */
const policy = (over: { policy?: Json; summary?: Json; details?: unknown } = {}): Json => ({
  policy: {
    "policy-type": "sts",
    "policy-string": [...STS_LINES],
    "policy-domain": "example.com",
    "mx-host": ["mx.example.com"],
    ...over.policy,
  },
  summary: {
    "total-successful-session-count": 10,
    "total-failure-session-count": failedSum(over.details),
    ...over.summary,
  },
  ...(over.details === undefined ? {} : { "failure-details": over.details }),
});

const report = (over: Json = {}): Json => ({
  "organization-name": "Org",
  "date-range": {
    "start-datetime": "2024-05-01T00:00:00Z",
    "end-datetime": "2024-05-01T23:59:59Z",
  },
  "contact-info": "tlsrpt@org.example",
  "report-id": "r-1",
  policies: [policy()],
  ...over,
});

const dates = (start: string, end: string) =>
  report({ "date-range": { "start-datetime": start, "end-datetime": end } });

/** The reasons parseReport gives for a report it refuses. */
function reasons(input: unknown, limits?: Parameters<typeof parseReport>[1]): readonly string[] {
  try {
    parseReport(input, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportError);
    expect((err as ReportError).message).toBe((err as ReportError).reasons.join("; "));
    return (err as ReportError).reasons;
  }
  throw new Error("expected a ReportError");
}

const quirksOf = (input: unknown): readonly Quirk[] => parseReport(input).quirks;
const withDetails = (...details: unknown[]) => report({ policies: [policy({ details })] });
const firstFailure = (r: TlsReport) => r.policies[0].failures[0];

describe("a well-formed report", () => {
  it("is read as it is, with no quirk", () => {
    const r = parseReport(report({ policies: [policy({ details: [detail()] })] }));
    expect(r.organisation).toBe("Org");
    expect(r.contact).toBe("tlsrpt@org.example");
    expect(r.reportId).toBe("r-1");
    expect([r.start, r.end]).toEqual(["2024-05-01T00:00:00.000Z", "2024-05-01T23:59:59.000Z"]);
    expect(r.days).toEqual(["2024-05-01"]);
    expect(r.quirks).toEqual([]);
    const p = r.policies[0];
    expect(p).toMatchObject({
      type: "sts",
      domain: "example.com",
      successful: 10,
      failed: 1,
      policyId: STS_ID,
    });
    expect(p.policyString).toEqual(STS_LINES);
    expect(p.mxHost).toEqual(["mx.example.com"]);
    expect(p.failures).toEqual([detail()]);
  });

  it("trims the organisation, the contact and the report id", () => {
    const r = parseReport(
      report({
        "organization-name": "  Org Inc. ",
        "contact-info": " a@org.example\t",
        "report-id": " r-9 ",
      }),
    );
    expect([r.organisation, r.contact, r.reportId]).toEqual(["Org Inc.", "a@org.example", "r-9"]);
  });

  it("has no contact when contact-info is absent or empty, and records only a null one", () => {
    const { "contact-info": _, ...noContact } = report();
    const absent = parseReport(noContact);
    expect("contact" in absent).toBe(false);
    expect(absent.quirks).toEqual([]);
    const empty = parseReport(report({ "contact-info": "" }));
    expect("contact" in empty).toBe(false);
    expect(empty.quirks).toEqual([]);
    const nul = parseReport(report({ "contact-info": null }));
    expect("contact" in nul).toBe(false);
    expect(nul.quirks).toEqual(["contact-info-null"]);
  });

  it("writes the policy domain in lower case without surrounding space or a trailing dot", () => {
    const r = parseReport(
      report({ policies: [policy({ policy: { "policy-domain": "  Mail.Example.COM. " } })] }),
    );
    expect(r.policies[0].domain).toBe("mail.example.com");
  });

  it("keeps every policy in order, each with its own counts", () => {
    const r = parseReport(
      report({
        policies: [
          policy({
            summary: { "total-successful-session-count": 7, "total-failure-session-count": 2 },
            details: [detail({ "failed-session-count": 2 })],
          }),
          policy({
            policy: {
              "policy-type": "tlsa",
              "policy-string": ["3 1 1 ABCD"],
              "policy-domain": "example.org",
            },
            summary: { "total-successful-session-count": 3 },
          }),
        ],
      }),
    );
    expect(
      r.policies.map((p) => [p.type, p.domain, p.successful, p.failed, p.failures.length]),
    ).toEqual([
      ["sts", "example.com", 7, 2, 1],
      ["tlsa", "example.org", 3, 0, 0],
    ]);
  });

  it("lists the quirks found once each, sorted", () => {
    const r = parseReport(
      report({
        "date-range": {
          "start-datetime": "2024-05-01T00:00:00",
          "end-datetime": "2024-05-01T12:00:00",
        },
        "contact-info": null,
        policies: [
          policy({ summary: { "total-successful-session-count": "1" } }),
          policy({ summary: { "total-successful-session-count": "2" } }),
        ],
      }),
    );
    expect(r.quirks).toEqual(["contact-info-null", "date-without-timezone", "numeric-strings"]);
  });
});

describe("refusals name the field and say what is wrong", () => {
  it("refuses what is not an object, at the top", () => {
    expect(reasons("a report")).toEqual(["(report): a report is a JSON object"]);
    expect(reasons(null)).toEqual(["(report): a report is a JSON object"]);
  });

  it("refuses missing or empty required fields, naming each", () => {
    const {
      "organization-name": _o,
      "report-id": _r,
      "date-range": _d,
      policies: _p,
      ...rest
    } = report();
    expect(reasons(rest)).toEqual([
      "organization-name: organization-name is required",
      "date-range: date-range is required",
      "report-id: report-id is required",
      "policies: policies is required (a list)",
    ]);
    expect(reasons(report({ "organization-name": "", "report-id": "", policies: [] }))).toEqual([
      "organization-name: organization-name is required",
      "report-id: report-id is required",
      "policies: policies is empty",
    ]);
  });

  it("names the path of a bad field inside a policy, with its index", () => {
    const bad = report({
      policies: [
        policy(),
        {
          policy: { "policy-type": "dane", "policy-domain": 5 },
          summary: { "total-successful-session-count": -1, "total-failure-session-count": 1.5 },
        },
      ],
    });
    expect(reasons(bad)).toEqual([
      'policies[1].policy.policy-type: policy-type must be "sts", "tlsa" or "no-policy-found"',
      "policies[1].policy.policy-domain: policy-domain is required",
      // zod gives its own "Invalid input" for a number or string of the wrong form (see the report)
      expect.stringMatching(/^policies\[1\]\.summary\.total-successful-session-count: /),
      expect.stringMatching(/^policies\[1\]\.summary\.total-failure-session-count: /),
    ]);
    expect(
      reasons(
        report({ policies: [policy({ summary: { "total-failure-session-count": undefined } })] }),
      ),
    ).toEqual([
      "policies[0].summary.total-failure-session-count: must be a non-negative whole number (and is required)",
    ]);
    expect(reasons(report({ policies: [{ summary: {} }] }))).toContain(
      "policies[0].policy: policy is required (an object)",
    );
    expect(reasons(report({ policies: [{ policy: policy().policy }] }))).toEqual([
      "policies[0].summary: summary is required (an object)",
    ]);
    expect(reasons(dates("2024-05-01T00:00:00Z", undefined as unknown as string))).toEqual([
      "date-range.end-datetime: end-datetime is required",
    ]);
  });

  it("accepts counts as whole numbers from 0 up, or as digit strings", () => {
    const r = parseReport(
      report({
        policies: [
          policy({
            summary: { "total-successful-session-count": 0, "total-failure-session-count": "12" },
          }),
        ],
      }),
    );
    expect([r.policies[0].successful, r.policies[0].failed]).toEqual([0, 12]);
    expect(
      reasons(
        report({ policies: [policy({ summary: { "total-failure-session-count": "1.5" } })] }),
      ),
    ).toEqual([expect.stringMatching(/^policies\[0\]\.summary\.total-failure-session-count: /)]);
    expect(
      reasons(report({ policies: [policy({ summary: { "total-failure-session-count": " 1" } })] })),
    ).toHaveLength(1);
  });
});

describe("failure details", () => {
  it("are optional: absent, null or an empty list", () => {
    expect(parseReport(report({ policies: [policy()] })).policies[0].failures).toEqual([]);
    const nul = parseReport(report({ policies: [policy({ details: null })] }));
    expect(nul.policies[0].failures).toEqual([]);
    expect(nul.quirks).toEqual([]);
    const empty = parseReport(withDetails());
    expect(empty.policies[0].failures).toEqual([]);
    expect(empty.quirks).toEqual(["empty-failure-details"]);
  });

  it("must be a list", () => {
    expect(
      reasons(report({ policies: [policy(), policy({ details: { "result-type": "x" } })] })),
    ).toEqual(["policies[1].failure-details: must be a list"]);
    expect(reasons(report({ policies: [policy({ details: "none" })] }))).toEqual([
      "policies[0].failure-details: must be a list",
    ]);
  });

  it("are each an object", () => {
    expect(reasons(withDetails(detail(), 5, null, [detail()]))).toEqual([
      "policies[0].failure-details[1]: must be an object",
      "policies[0].failure-details[2]: must be an object",
      "policies[0].failure-details[3]: must be an object",
    ]);
  });

  it("need a result type", () => {
    const { "result-type": _, ...none } = detail();
    expect(
      reasons(withDetails(none, detail({ "result-type": "" }), detail({ "result-type": 3 }))),
    ).toEqual([
      "policies[0].failure-details[0].result-type: result-type is required",
      "policies[0].failure-details[1].result-type: result-type is required",
      "policies[0].failure-details[2].result-type: result-type is required",
    ]);
  });

  it("keep result types outside the RFC's list (the IANA registry grows)", () => {
    expect(
      firstFailure(parseReport(withDetails(detail({ "result-type": "dane-required-2031" }))))[
        "result-type"
      ],
    ).toBe("dane-required-2031");
  });

  it("need a failed-session-count that is a whole number from 0 up; digit strings become numbers", () => {
    const zero = parseReport(withDetails(detail({ "failed-session-count": 0 })));
    expect(firstFailure(zero)["failed-session-count"]).toBe(0);
    expect(zero.quirks).toEqual([]);
    const text = parseReport(
      report({
        policies: [
          policy({
            summary: { "total-failure-session-count": 7 },
            details: [detail({ "failed-session-count": "7" })],
          }),
        ],
      }),
    );
    expect(firstFailure(text)["failed-session-count"]).toBe(7);
    expect(text.quirks).toEqual(["numeric-strings"]);
    const { "failed-session-count": _, ...none } = detail();
    const message = (j: number) =>
      `policies[0].failure-details[${j}].failed-session-count: must be a non-negative whole number (and is required)`;
    expect(
      reasons(
        withDetails(
          none,
          detail({ "failed-session-count": -1 }),
          detail({ "failed-session-count": 1.5 }),
          detail({ "failed-session-count": "2x" }),
          detail({ "failed-session-count": null }),
        ),
      ),
    ).toEqual([message(0), message(1), message(2), message(3), message(4)]);
  });

  it("report at most 10 reasons, however many details are bad", () => {
    const bad = Array.from({ length: 12 }, () => 0);
    expect(reasons(withDetails(...bad))).toHaveLength(10);
    expect(
      reasons(withDetails(...Array.from({ length: 12 }, () => detail({ "result-type": "" })))),
    ).toHaveLength(10);
    expect(
      reasons(
        withDetails(...Array.from({ length: 12 }, () => detail({ "failed-session-count": -1 }))),
      ),
    ).toHaveLength(10);
    expect(
      reasons(withDetails(...Array.from({ length: 12 }, () => detail({ "receiving-ip": 1 })))),
    ).toHaveLength(10);
    const ten = reasons(
      withDetails(
        ...Array.from({ length: 6 }, () =>
          detail({ "result-type": "", "failed-session-count": -1 }),
        ),
      ),
    );
    expect(ten).toHaveLength(10);
    expect(ten[9]).toBe(
      "policies[0].failure-details[4].failed-session-count: must be a non-negative whole number (and is required)",
    );
  });

  it("need text in the text fields", () => {
    expect(
      reasons(
        withDetails(detail({ "receiving-ip": 198_51_100_1, "additional-information": { a: 1 } })),
      ),
    ).toEqual([
      "policies[0].failure-details[0].receiving-ip: must be text",
      "policies[0].failure-details[0].additional-information: must be text",
    ]);
  });

  it("lose empty strings (recorded) and nulls (not recorded)", () => {
    const fields = [
      "sending-mta-ip",
      "receiving-mx-hostname",
      "receiving-mx-helo",
      "receiving-ip",
      "failure-reason-code",
      "additional-information",
    ];
    const empty = parseReport(withDetails(detail(Object.fromEntries(fields.map((f) => [f, ""])))));
    expect(firstFailure(empty)).toEqual({
      "result-type": "certificate-expired",
      "failed-session-count": 1,
    });
    expect(empty.quirks).toEqual(["empty-string-fields"]);
    const nul = parseReport(
      withDetails(detail({ "receiving-ip": null, "receiving-mx-helo": null })),
    );
    expect(firstFailure(nul)).toEqual(detail());
    expect(nul.quirks).toEqual([]);
  });

  it("keep their text fields as sent, but the receiving MX host name in lower case", () => {
    const d = detail({
      "receiving-mx-hostname": "MX1.Example.COM",
      "receiving-mx-helo": "MX1.Example.COM",
      "additional-information": "See https://Example.COM/Why",
      "failure-reason-code": "X509_V_ERR",
    });
    const f = firstFailure(parseReport(withDetails(d)));
    expect(f["receiving-mx-hostname"]).toBe("mx1.example.com");
    expect(f["receiving-mx-helo"]).toBe("MX1.Example.COM");
    expect(f["additional-information"]).toBe("See https://Example.COM/Why");
    expect(f["failure-reason-code"]).toBe("X509_V_ERR");
  });

  it("record a missing sending-mta-ip or receiving-mx-hostname (Microsoft fetch errors)", () => {
    const { "sending-mta-ip": _ip, ...noIp } = detail();
    const { "receiving-mx-hostname": _mx, ...noMx } = detail();
    expect(quirksOf(withDetails(detail()))).toEqual([]);
    expect(quirksOf(withDetails(noIp))).toEqual(["missing-failure-fields"]);
    expect(quirksOf(withDetails(noMx))).toEqual(["missing-failure-fields"]);
  });

  it("record a failure-reason-code written as prose (Mail.ru), and only there", () => {
    expect(
      quirksOf(withDetails(detail({ "failure-reason-code": "bad https response code: 404" }))),
    ).toEqual(["failure-reason-code-text"]);
    expect(quirksOf(withDetails(detail({ "failure-reason-code": "bad\tcode" })))).toEqual([
      "failure-reason-code-text",
    ]);
    expect(quirksOf(withDetails(detail({ "failure-reason-code": "certificate-expired" })))).toEqual(
      [],
    );
    expect(
      quirksOf(
        withDetails(detail({ "additional-information": "the certificate expired yesterday" })),
      ),
    ).toEqual([]);
  });

  it("may sum above the summary's total (recorded); the summary's total is what counts", () => {
    const over = (sum: number[], total: number) =>
      parseReport(
        report({
          policies: [
            policy({
              summary: { "total-failure-session-count": total },
              details: sum.map((n) => detail({ "failed-session-count": n })),
            }),
          ],
        }),
      );
    const above = over([1, 2], 2);
    expect(above.policies[0].failed).toBe(2);
    expect(above.quirks).toEqual(["failed-sum-exceeds-total"]);
    expect(over([1, 1], 2).quirks).toEqual([]);
    expect(over([3], 5).quirks).toEqual([]);
    expect(over(["1" as unknown as number, 2], 2).quirks).toEqual([
      "failed-sum-exceeds-total",
      "numeric-strings",
    ]);
  });
});

describe("bounds", () => {
  const limits = { maxPolicies: 2, maxFailureDetails: 3 };

  it("accept a report at the limits", () => {
    const r = parseReport(
      report({
        policies: [policy({ details: [detail(), detail()] }), policy({ details: [detail()] })],
      }),
      limits,
    );
    expect(r.policies).toHaveLength(2);
  });

  it("refuse one policy too many, and one failure detail too many across policies", () => {
    expect(reasons(report({ policies: [policy(), policy(), policy()] }), limits)).toEqual([
      "3 policies exceed the limit of 2",
    ]);
    expect(
      reasons(
        report({
          policies: [
            policy({ details: [detail(), detail()] }),
            policy({ details: [detail(), detail()] }),
          ],
        }),
        limits,
      ),
    ).toEqual(["4 failure details exceed the limit of 3"]);
    expect(
      reasons(
        report({
          policies: [
            policy({ details: null }),
            policy({ details: [detail(), detail(), detail(), detail()] }),
          ],
        }),
        limits,
      ),
    ).toEqual(["4 failure details exceed the limit of 3"]);
  });

  it("are all reported together with bad dates", () => {
    const bad = report({
      "date-range": { "start-datetime": "soon", "end-datetime": "later" },
      policies: [
        policy({ details: [detail(), detail()] }),
        policy({ details: [detail(), detail()] }),
        policy(),
      ],
    });
    expect(reasons(bad, limits)).toEqual([
      "3 policies exceed the limit of 2",
      "4 failure details exceed the limit of 3",
      'date-range.start-datetime "soon" is not a date-time',
      'date-range.end-datetime "later" is not a date-time',
    ]);
  });

  it("are checked only once the failure details are well-formed", () => {
    expect(
      reasons(report({ policies: [policy({ details: [5] }), policy(), policy()] }), limits),
    ).toEqual(["policies[0].failure-details[0]: must be an object"]);
  });

  it("default to 1,000 policies and 100,000 failure details", () => {
    expect(
      parseReport(report({ policies: Array.from({ length: 1000 }, () => policy()) })).policies,
    ).toHaveLength(1000);
    expect(reasons(report({ policies: Array.from({ length: 1001 }, () => policy()) }))).toEqual([
      "1001 policies exceed the limit of 1000",
    ]);
    const many = Array.from({ length: 100_001 }, () => ({
      "result-type": "x",
      "failed-session-count": 1,
    }));
    expect(reasons(report({ policies: [policy({ details: many })] }))).toEqual([
      "100001 failure details exceed the limit of 100000",
    ]);
  });
});

describe("dates", () => {
  const TZ = process.env.TZ;
  afterEach(() => {
    if (TZ === undefined) delete process.env.TZ;
    else process.env.TZ = TZ;
  });

  it("read a date-time with Z (either case) or a numeric offset as given", () => {
    expect(parseReport(dates("2024-05-01T10:00:00+02:00", "2024-05-01T12:00:00z")).start).toBe(
      "2024-05-01T08:00:00.000Z",
    );
    const r = parseReport(dates("2024-05-01T10:00:00-0500", "2024-05-01T23:00:00-05:00"));
    expect([r.start, r.end]).toEqual(["2024-05-01T15:00:00.000Z", "2024-05-02T04:00:00.000Z"]);
    expect(r.days).toEqual(["2024-05-01", "2024-05-02"]);
    expect(r.quirks).toEqual([]);
  });

  it("read a date-time without a zone as UTC whatever the machine's zone, and record it (Microsoft, 2023)", () => {
    process.env.TZ = "Asia/Kolkata";
    const r = parseReport(dates("2023-02-01T00:00:00", "2023-02-01T23:59:59Z"));
    expect(r.start).toBe("2023-02-01T00:00:00.000Z");
    expect(r.days).toEqual(["2023-02-01"]);
    expect(r.quirks).toEqual(["date-without-timezone"]);
    expect(parseReport(dates("2023-02-01T00:00:00Z", "2023-02-01T10:00:00")).quirks).toEqual([
      "date-without-timezone",
    ]);
  });

  it("ignore space around a date-time without a zone", () => {
    const r = parseReport(dates("2024-05-01T00:00:00Z", "\t2024-05-01T06:00:00 "));
    expect([r.start, r.end]).toEqual(["2024-05-01T00:00:00.000Z", "2024-05-01T06:00:00.000Z"]);
    expect(r.quirks).toEqual(["date-without-timezone"]);
  });

  it("refuse what is not a date-time, naming the field and the value", () => {
    expect(reasons(dates("2024-05-01T00:00:00Z", "2024-13-01T00:00:00Z"))).toEqual([
      'date-range.end-datetime "2024-13-01T00:00:00Z" is not a date-time',
    ]);
    expect(reasons(dates("2024-05-01T00:00:00+1", "2024-05-01T01:00:00Z"))).toEqual([
      'date-range.start-datetime "2024-05-01T00:00:00+1" is not a date-time',
    ]);
  });

  it("refuse a range that ends before it starts; an empty range is one day", () => {
    expect(reasons(dates("2024-05-01T10:00:00Z", "2024-05-01T09:59:59Z"))).toEqual([
      "date-range ends before it starts",
    ]);
    const point = parseReport(dates("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"));
    expect([point.end, point.days, point.quirks]).toEqual([
      "2024-05-01T00:00:00.000Z",
      ["2024-05-01"],
      [],
    ]);
  });

  it("read an end at the next day's 00:00:00 as the last second of the day before, and record it", () => {
    const r = parseReport(dates("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"));
    expect([r.end, r.days, r.quirks]).toEqual([
      "2024-05-01T23:59:59.000Z",
      ["2024-05-01"],
      ["end-at-next-midnight"],
    ]);
    const half = parseReport(dates("2024-05-01T00:00:00Z", "2024-05-02T00:00:00.500Z"));
    expect([half.end, half.days, half.quirks]).toEqual([
      "2024-05-02T00:00:00.500Z",
      ["2024-05-01", "2024-05-02"],
      [],
    ]);
  });

  it("cover every UTC day the range touches", () => {
    expect(parseReport(dates("2024-05-01T23:00:00Z", "2024-05-02T01:00:00Z")).days).toEqual([
      "2024-05-01",
      "2024-05-02",
    ]);
    expect(parseReport(dates("2024-02-28T12:00:00Z", "2024-03-01T12:00:00Z")).days).toEqual([
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
  });

  it("list at most 366 days", () => {
    const r = parseReport(dates("2020-01-01T00:00:00Z", "2023-01-01T00:00:00Z"));
    expect(r.days).toHaveLength(366);
    expect([r.days[0], r.days[365]]).toEqual(["2020-01-01", "2020-12-31"]);
  });
});

describe("policy strings", () => {
  const withPolicy = (p: Json) => report({ policies: [policy({ policy: p })] });

  it("give the id of the policy the reporter saw, for sts only", () => {
    expect(
      parseReport(
        withPolicy({
          "policy-string": [
            "max_age: 86400",
            "mx: mx.example.com",
            "mode: testing",
            "version: STSv1",
          ],
        }),
      ).policies[0].policyId,
    ).toBe(STS_ID);
    const tlsa = parseReport(withPolicy({ "policy-type": "tlsa", "policy-string": [...STS_LINES] }))
      .policies[0];
    expect("policyId" in tlsa).toBe(false);
    const bad = parseReport(withPolicy({ "policy-string": ["version: STSv1", "mode: sometimes"] }))
      .policies[0];
    expect("policyId" in bad).toBe(false);
    const badTlsa = parseReport(
      withPolicy({ "policy-type": "tlsa", "policy-string": ["3 1 1 AB"] }),
    ).policies[0];
    expect("policyId" in badTlsa).toBe(false);
  });

  it("may be missing: recorded, except for no-policy-found", () => {
    const missing = (type: string, value?: null) => {
      const r = parseReport(withPolicy({ "policy-type": type, "policy-string": value }));
      expect(r.policies[0].policyString).toEqual([]);
      expect("policyId" in r.policies[0]).toBe(false);
      return r.quirks;
    };
    expect(missing("sts")).toEqual(["missing-policy-string"]);
    expect(missing("sts", null)).toEqual(["missing-policy-string"]);
    expect(missing("tlsa")).toEqual(["missing-policy-string"]);
    expect(missing("no-policy-found")).toEqual([]);
    expect(missing("no-policy-found", null)).toEqual([]);
  });

  it("may be one string instead of a list", () => {
    const r = parseReport(withPolicy({ "policy-type": "tlsa", "policy-string": "3 1 1 ABCD" }));
    expect(r.policies[0].policyString).toEqual(["3 1 1 ABCD"]);
    expect(r.quirks).toEqual([]);
  });

  it("for TLSA, may be one string holding a JSON list of strings (Microsoft): read and recorded", () => {
    const json = (s: unknown) =>
      parseReport(withPolicy({ "policy-type": "tlsa", "policy-string": s }));
    const listed = json(' ["3 1 1 AAAA", "3 1 1 BBBB"]');
    expect(listed.policies[0].policyString).toEqual(["3 1 1 AAAA", "3 1 1 BBBB"]);
    expect(listed.quirks).toEqual(["tlsa-policy-string-json"]);
    expect(json(['["3 1 1 CCCC"]']).policies[0].policyString).toEqual(["3 1 1 CCCC"]);
  });

  it("are kept as sent when they only look like JSON", () => {
    const kept = (type: string, s: unknown) => {
      const r = parseReport(withPolicy({ "policy-type": type, "policy-string": s }));
      expect(r.quirks).toEqual([]);
      return r.policies[0].policyString;
    };
    expect(kept("tlsa", "[3 1 1 AAAA")).toEqual(["[3 1 1 AAAA"]);
    expect(kept("tlsa", '["3 1 1 AAAA", 7]')).toEqual(['["3 1 1 AAAA", 7]']);
    expect(kept("tlsa", '{"a": "b"}')).toEqual(['{"a": "b"}']);
    expect(kept("tlsa", ['["a"]', '["b"]'])).toEqual(['["a"]', '["b"]']);
    expect(kept("sts", '["version: STSv1"]')).toEqual(['["version: STSv1"]']);
  });

  it("give no id when there are no lines or they are not a valid policy", () => {
    expect(reportedPolicyId([])).toBeUndefined();
    expect(reportedPolicyId(["version: STSv1", "mode: enforce", "max_age: 86400"])).toBeUndefined();
    expect(reportedPolicyId(STS_LINES)).toBe(STS_ID);
  });
});

describe("mx-host", () => {
  const hosts = (value: unknown) => {
    const r = parseReport(report({ policies: [policy({ policy: { "mx-host": value } })] }));
    return { hosts: r.policies[0].mxHost, quirks: r.quirks };
  };

  it("is a list of host names in lower case, trimmed", () => {
    expect(hosts(["MX1.Example.com", "  mx2.example.com\t"])).toEqual({
      hosts: ["mx1.example.com", "mx2.example.com"],
      quirks: [],
    });
  });

  it("may be absent or null", () => {
    expect(hosts(undefined)).toEqual({ hosts: [], quirks: [] });
    expect(hosts(null)).toEqual({ hosts: [], quirks: [] });
  });

  it("may be one string (RFC 8460's own example): recorded", () => {
    expect(hosts("*.Mail.Example.com")).toEqual({
      hosts: ["*.mail.example.com"],
      quirks: ["mx-host-string"],
    });
  });

  it("may carry the policy's 'mx:' prefix (Stalwart): removed and recorded", () => {
    expect(hosts(["mx: MX.example.com"])).toEqual({
      hosts: ["mx.example.com"],
      quirks: ["mx-host-prefixed"],
    });
    expect(hosts(["mx:mx.example.com "])).toEqual({
      hosts: ["mx.example.com"],
      quirks: ["mx-host-prefixed"],
    });
    expect(hosts(["  mx:\t*.example.com"])).toEqual({
      hosts: ["*.example.com"],
      quirks: ["mx-host-prefixed"],
    });
  });

  it("keeps names that only contain 'mx' elsewhere; leaves out (and records) entries that are no host name", () => {
    expect(hosts(["mx.example.com", "mx1.example.com"])).toEqual({
      hosts: ["mx.example.com", "mx1.example.com"],
      quirks: [],
    });
    expect(hosts(["mx:"])).toEqual({ hosts: [], quirks: ["mx-host-invalid"] });
    expect(hosts(["relay-mx: a", "mx.example.com"])).toEqual({
      hosts: ["mx.example.com"],
      quirks: ["mx-host-invalid"],
    });
  });
});
