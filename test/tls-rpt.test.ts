// Every JSON fixture in test/fixtures/tlsrpt (our own, one per real-world quirk) parses to the
// counts worked out by hand from the file (written down below and in its README), with the
// quirks it shows; the malformed one is rejected with every reason.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseReport,
  policyId,
  renderPolicy,
  ReportError,
  reportedPolicyId,
  type TlsReport,
} from "../protocol";
import { FIXTURES } from "./helpers/fixtures";

const load = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
const summary = (r: TlsReport) =>
  r.policies.map((p) => ({
    type: p.type,
    domain: p.domain,
    ok: p.successful,
    failed: p.failed,
    details: p.failures.map((f) => `${f["result-type"]}=${f["failed-session-count"]}`),
  }));

describe("report fixtures (test/fixtures/tlsrpt)", () => {
  it("RFC-shaped: mx-host as a string, MX host names in lower case", () => {
    const r = parseReport(load("rfc-mx-host-string.json"));
    expect(r).toMatchObject({
      organisation: "Relay Alpha",
      reportId: "3f1c2a90-alpha-0001",
      contact: "tls-reports@relay-alpha.test",
      start: "2025-03-10T00:00:00.000Z",
      end: "2025-03-10T23:59:59.000Z",
      days: ["2025-03-10"],
    });
    // 40 + 15 + 5 = 60 failed, as the summary says; 1200 successful
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "alpha.example",
        ok: 1200,
        failed: 60,
        details: ["certificate-expired=40", "starttls-not-supported=15", "validation-failure=5"],
      },
    ]);
    expect(r.policies[0].mxHost).toEqual(["*.mail.alpha.example"]);
    expect(r.policies[0].failures.map((f) => f["receiving-mx-hostname"])).toEqual([
      "mx1.mail.alpha.example",
      "mx2.mail.alpha.example",
      "mx3.mail.alpha.example",
    ]);
    expect(r.policies[0].policyId).toBe(
      policyId(renderPolicy({ mode: "testing", mx: ["*.mail.alpha.example"], maxAge: 86400 })),
    );
    expect(r.quirks).toEqual(["mx-host-string"]);
  });

  it("Google-shaped: valid, two validation-failure rows (4 + 3 = 7)", () => {
    const r = parseReport(load("google-two-validation-failures.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "bravo.example",
        ok: 57,
        failed: 7,
        details: ["validation-failure=4", "validation-failure=3"],
      },
    ]);
    expect(r.policies[0].mxHost).toEqual([]);
    expect(r.quirks).toEqual([]);
    expect(r.policies[0].policyId).toBe(
      policyId(renderPolicy({ mode: "testing", mx: ["mx.bravo.example"], maxAge: 86400 })),
    );
  });

  it("Mail.ru-shaped: no policy-string, prose reason codes, details (2 + 1 = 3) above the total of 2, end at next midnight", () => {
    const r = parseReport(load("mailru-prose-reasons.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "bravo.example",
        ok: 9,
        failed: 2,
        details: ["sts-policy-fetch-error=2", "sts-policy-fetch-error=1"],
      },
    ]);
    expect(r.policies[0].failures.map((f) => f["failure-reason-code"])).toEqual([
      "bad https response code: 404",
      "connect to mta-sts.bravo.example:443 timed out",
    ]);
    expect([r.start, r.end, r.days]).toEqual([
      "2025-03-05T00:00:00.000Z",
      "2025-03-05T23:59:59.000Z",
      ["2025-03-05"],
    ]);
    expect(r.policies[0].policyString).toEqual([]);
    expect(r.policies[0].policyId).toBeUndefined();
    expect(r.quirks).toEqual([
      "end-at-next-midnight",
      "failed-sum-exceeds-total",
      "failure-reason-code-text",
      "missing-failure-fields",
      "missing-policy-string",
    ]);
  });

  it("empty-string IPs and host names become absent", () => {
    const r = parseReport(load("empty-string-fields.json"));
    // 1 + 2 = 3 failed
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "charlie.example",
        ok: 12,
        failed: 3,
        details: ["sts-policy-invalid=1", "sts-policy-invalid=2"],
      },
    ]);
    // toStrictEqual: a field set to undefined is not a field removed
    expect(r.policies[0].failures).toStrictEqual([
      {
        "result-type": "sts-policy-invalid",
        "failed-session-count": 1,
        "failure-reason-code": "policy-syntax-error",
      },
      {
        "result-type": "sts-policy-invalid",
        "sending-mta-ip": "198.51.100.90",
        "receiving-ip": "192.0.2.70",
        "receiving-mx-hostname": "mx.charlie.example",
        "failed-session-count": 2,
      },
    ]);
    expect(r.quirks).toEqual(["empty-string-fields"]);
  });

  it("Microsoft-shaped: the same 14 + 1 sessions under sts and tlsa, TLSA policy-string as JSON in a string", () => {
    const r = parseReport(load("microsoft-sts-and-tlsa.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "delta.example",
        ok: 14,
        failed: 1,
        details: ["certificate-expired=1"],
      },
      { type: "tlsa", domain: "delta.example", ok: 14, failed: 1, details: ["tlsa-invalid=1"] },
    ]);
    expect(r.policies[1].policyString).toEqual([
      "3 1 1 6C8AD2BAFC7FB172A938C3E04845B6EA96360DDB846E408DDED8C08D78151A39",
      "3 1 1 163DA759D1B79FDE2921674BC4421DEBA17A76E6D98957DF9082CA073A2AF607",
    ]);
    expect(r.policies[0].policyId).toBe(
      policyId(renderPolicy({ mode: "enforce", mx: ["*.delta.example"], maxAge: 2592000 })),
    );
    expect(r.policies[1].policyId).toBeUndefined();
    expect(r.quirks).toEqual(["tlsa-policy-string-json"]);
  });

  it("Microsoft fetch errors: no policy-string, no IP or MX in the details (3 + 1 = 4)", () => {
    const r = parseReport(load("microsoft-fetch-error.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "echo.example",
        ok: 0,
        failed: 4,
        details: ["sts-policy-fetch-error=3", "sts-webpki-invalid=1"],
      },
    ]);
    expect(r.reportId).toBe("638775864000000002+");
    expect(r.policies[0].failures).toEqual([
      { "result-type": "sts-policy-fetch-error", "failed-session-count": 3 },
      { "result-type": "sts-webpki-invalid", "failed-session-count": 1 },
    ]);
    expect(r.quirks).toEqual(["missing-failure-fields", "missing-policy-string"]);
  });

  it("Stalwart-shaped: contact-info null, 'mx: host' entries, empty details, end at next midnight", () => {
    const r = parseReport(load("stalwart-null-contact.json"));
    expect(summary(r)).toEqual([
      { type: "sts", domain: "foxtrot.example", ok: 31, failed: 0, details: [] },
    ]);
    expect(r.contact).toBeUndefined();
    expect(r.policies[0].mxHost).toEqual(["mx2.foxtrot.example", "mx1.foxtrot.example"]);
    expect([r.end, r.days]).toEqual(["2025-04-10T23:59:59.000Z", ["2025-04-10"]]);
    // the policy lines come in another order than ours; the id is of the canonical rendering
    expect(r.policies[0].policyId).toBe(
      policyId(
        renderPolicy({
          mode: "enforce",
          mx: ["mx1.foxtrot.example", "mx2.foxtrot.example"],
          maxAge: 604800,
        }),
      ),
    );
    expect(r.quirks).toEqual([
      "contact-info-null",
      "empty-failure-details",
      "end-at-next-midnight",
      "mx-host-prefixed",
    ]);
  });

  it("a seven-day range (across the end of February) covers seven days", () => {
    const r = parseReport(load("seven-day-range.json"));
    expect(r.days).toEqual([
      "2025-02-24",
      "2025-02-25",
      "2025-02-26",
      "2025-02-27",
      "2025-02-28",
      "2025-03-01",
      "2025-03-02",
    ]);
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "bravo.example",
        ok: 410,
        failed: 2,
        details: ["certificate-host-mismatch=2"],
      },
    ]);
    expect(r.quirks).toEqual([]);
  });

  it("dates without a timezone are read as UTC", () => {
    const r = parseReport(load("date-without-timezone.json"));
    expect([r.start, r.end, r.days]).toEqual([
      "2025-01-14T00:00:00.000Z",
      "2025-01-14T23:59:59.000Z",
      ["2025-01-14"],
    ]);
    expect(summary(r)).toEqual([
      { type: "sts", domain: "hotel.example", ok: 6, failed: 0, details: [] },
    ]);
    expect(r.quirks).toEqual(["date-without-timezone"]);
  });

  it("counts written as strings become numbers", () => {
    const r = parseReport(load("numeric-strings.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "november.example",
        ok: 17,
        failed: 2,
        details: ["starttls-not-supported=2"],
      },
    ]);
    expect(typeof r.policies[0].failures[0]["failed-session-count"]).toBe("number");
    expect(r.quirks).toEqual(["numeric-strings"]);
  });

  it("a report id reused across days and reporters parses to distinct ranges and organisations", () => {
    const reports = ["reused-id-day1.json", "reused-id-day2.json", "reused-id-other-org.json"].map(
      (f) => parseReport(load(f)),
    );
    expect(
      reports.map((r) => [r.organisation, r.reportId, r.days[0], r.policies[0].successful]),
    ).toEqual([
      ["Reporter Hotel", "1", "2025-05-01", 5],
      ["Reporter Hotel", "1", "2025-05-02", 7],
      ["Reporter Juliet", "1", "2025-05-01", 11],
    ]);
  });

  it("rejects the malformed one with every reason", () => {
    let err: unknown;
    try {
      parseReport(load("malformed.json"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportError);
    expect((err as ReportError).reasons).toEqual([
      "policies[0].policy.policy-domain: policy-domain is required",
      "policies[0].summary.total-failure-session-count: must be a non-negative whole number (and is required)",
      'policies[1].policy.policy-type: policy-type must be "sts", "tlsa" or "no-policy-found"',
      "policies[1].policy.policy-domain: policy-domain is required",
      "policies[1].summary.total-failure-session-count: must be a non-negative whole number (and is required)",
    ]);
  });
});

describe("normalisation", () => {
  const base = () => ({
    "organization-name": "Org",
    "date-range": {
      "start-datetime": "2024-05-01T00:00:00Z",
      "end-datetime": "2024-05-01T23:59:59Z",
    },
    "contact-info": "a@org.example",
    "report-id": "r1",
    policies: [
      {
        policy: {
          "policy-type": "sts",
          "policy-domain": "Example.COM.",
          "policy-string": [
            "version: STSv1",
            "mode: testing",
            "mx: mx.example.com",
            "max_age: 86400",
          ],
        },
        summary: { "total-successful-session-count": 5, "total-failure-session-count": 0 },
      },
    ],
  });

  it("reads a date without a timezone as UTC and records it", () => {
    const r = parseReport({
      ...base(),
      "date-range": {
        "start-datetime": "2023-02-01T00:00:00",
        "end-datetime": "2023-02-01T23:59:59",
      },
    });
    expect([r.start, r.quirks]).toEqual(["2023-02-01T00:00:00.000Z", ["date-without-timezone"]]);
    expect(r.policies[0].domain).toBe("example.com");
  });

  it("removes null fields from a failure detail without recording a quirk", () => {
    const detail = {
      "result-type": "validation-failure",
      "failed-session-count": 1,
      "sending-mta-ip": "198.51.100.1",
      "receiving-mx-hostname": "mx.example.com",
      "receiving-ip": null,
      "additional-information": null,
    };
    const r = parseReport({
      ...base(),
      policies: [
        {
          ...base().policies[0],
          summary: { "total-successful-session-count": 5, "total-failure-session-count": 1 },
          "failure-details": [detail],
        },
      ],
    });
    expect(r.policies[0].failures).toStrictEqual([
      {
        "result-type": "validation-failure",
        "failed-session-count": 1,
        "sending-mta-ip": "198.51.100.1",
        "receiving-mx-hostname": "mx.example.com",
      },
    ]);
    expect(r.quirks).toEqual([]);
  });

  it("rejects unusable dates, ranges and reports over the limits", () => {
    expect(() =>
      parseReport({
        ...base(),
        "date-range": { "start-datetime": "yesterday", "end-datetime": "2024-05-01T00:00:00Z" },
      }),
    ).toThrow(/start-datetime "yesterday" is not a date-time/);
    expect(() =>
      parseReport({
        ...base(),
        "date-range": {
          "start-datetime": "2024-05-02T00:00:00Z",
          "end-datetime": "2024-05-01T00:00:00Z",
        },
      }),
    ).toThrow(/ends before it starts/);
    const many = { ...base(), policies: Array.from({ length: 3 }, () => base().policies[0]) };
    expect(() => parseReport(many, { maxPolicies: 2, maxFailureDetails: 10 })).toThrow(
      /3 policies exceed the limit of 2/,
    );
    expect(() => parseReport({ ...base(), policies: [] })).toThrow(/policies/);
    expect(() => parseReport("not an object")).toThrow(ReportError);
  });

  it("recomputes the id a reporter saw from its policy-string", () => {
    expect(
      reportedPolicyId(["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"]),
    ).toBe(policyId(renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 })));
    expect(reportedPolicyId(["garbage"])).toBeUndefined();
  });

  it("never throws anything but ReportError on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseReport(value);
        } catch (err) {
          expect(err).toBeInstanceOf(ReportError);
        }
      }),
    );
  });
});
