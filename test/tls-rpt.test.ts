// Every JSON fixture in shared/fixtures/tlsrpt parses to the counts worked out by hand from
// the file (written down below), with the quirks it shows; the malformed one is rejected.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReport, policyId, renderPolicy, ReportError, reportedPolicyId, type TlsReport } from "../protocol";
import { FIXTURES } from "./helpers/fixtures";

const dir = FIXTURES;
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
const summary = (r: TlsReport) =>
  r.policies.map((p) => ({ type: p.type, domain: p.domain, ok: p.successful, failed: p.failed, details: p.failures.map((f) => `${f["result-type"]}=${f["failed-session-count"]}`) }));

describe("real reports (shared/fixtures/tlsrpt)", () => {
  it("RFC 8460 appendix B: mx-host as a string", () => {
    const r = parseReport(load("domainaware-parsedmarc__rfc8460.json"));
    expect(r).toMatchObject({ organisation: "Company-X", reportId: "5065427c-23d3-47ca-b6e0-946ea0e8c4be", days: ["2016-04-01"], contact: "sts-reporting@company-x.example" });
    // 100 + 200 + 3 = 303 failed, as the summary says
    expect(summary(r)).toEqual([{ type: "sts", domain: "company-y.example", ok: 5326, failed: 303, details: ["certificate-expired=100", "starttls-not-supported=200", "validation-failure=3"] }]);
    expect(r.policies[0].mxHost).toEqual(["*.mail.company-y.example"]);
    expect(r.quirks).toEqual(["mx-host-string"]);
  });

  it("Google-shaped: valid, two validation-failure rows", () => {
    const r = parseReport(load("domainaware-parsedmarc__smtp_tls.json"));
    expect(summary(r)).toEqual([{ type: "sts", domain: "example.com", ok: 0, failed: 3, details: ["validation-failure=2", "validation-failure=1"] }]);
    expect(r.quirks).toEqual([]);
    expect(r.policies[0].policyId).toBe(policyId(renderPolicy({ mode: "testing", mx: ["example.com"], maxAge: 86400 })));
  });

  it("Mail.ru: no policy-string, prose reason codes, details summing above the total, end at next midnight", () => {
    const r = parseReport(load("domainaware-parsedmarc__mail.ru.json"));
    expect(summary(r)).toEqual([{ type: "sts", domain: "example.com", ok: 0, failed: 1, details: ["sts-policy-fetch-error=1", "sts-policy-fetch-error=1"] }]);
    expect(r.days).toEqual(["2024-02-22"]);
    expect(r.end).toBe("2024-02-22T23:59:59.000Z");
    expect(r.policies[0].policyId).toBeUndefined();
    expect(r.quirks).toEqual(["end-at-next-midnight", "failed-sum-exceeds-total", "failure-reason-code-text", "missing-failure-fields", "missing-policy-string"]);
  });

  it("empty-string IPs and host names become absent", () => {
    const r = parseReport(load("domainaware-parsedmarc__empty_failure_detail_fields.json"));
    expect(summary(r)).toEqual([{ type: "sts", domain: "example.com", ok: 0, failed: 1, details: ["sts-policy-fetch-error=1"] }]);
    expect(r.policies[0].failures[0]).toEqual({ "result-type": "sts-policy-fetch-error", "failed-session-count": 1, "failure-reason-code": "no-policy-served" });
    expect(r.quirks).toEqual(["empty-string-fields"]);
  });

  it("Microsoft: the same 2 sessions under sts and tlsa, TLSA policy-string as JSON in a string", () => {
    const r = parseReport(load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_microsoft.json"));
    expect(summary(r)).toEqual([
      { type: "sts", domain: "random.net", ok: 2, failed: 0, details: [] },
      { type: "tlsa", domain: "random.net", ok: 2, failed: 0, details: [] },
    ]);
    expect(r.policies[1].policyString).toHaveLength(2);
    expect(r.policies[1].policyString[0]).toMatch(/^3 1 1 6007EEE5/);
    expect(r.quirks).toEqual(["tlsa-policy-string-json"]);
  });

  it("Microsoft fetch errors: no policy-string, no IP or MX in the details", () => {
    const r = parseReport(load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_no_ip_and_mx.json"));
    expect(summary(r)).toEqual([{ type: "sts", domain: "xxxxxxxx.xx", ok: 0, failed: 3, details: ["sts-policy-fetch-error=3"] }]);
    expect(r.reportId).toBe("1234567890+");
    expect(r.quirks).toEqual(["missing-failure-fields", "missing-policy-string"]);
  });

  it("Stalwart: contact-info null, 'mx: host' entries, empty details, end at next midnight", () => {
    const r = parseReport(load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_no-contact.json"));
    expect(summary(r)).toEqual([{ type: "sts", domain: "server.com", ok: 1, failed: 0, details: [] }]);
    expect(r.contact).toBeUndefined();
    expect(r.policies[0].mxHost).toEqual(["mx.server.com"]);
    expect(r.days).toEqual(["2026-01-11"]);
    // the policy lines come in another order than ours; the id is of the canonical rendering
    expect(r.policies[0].policyId).toBe(policyId(renderPolicy({ mode: "enforce", mx: ["mx.server.com"], maxAge: 86400 })));
    expect(r.quirks).toEqual(["contact-info-null", "empty-failure-details", "end-at-next-midnight", "mx-host-prefixed"]);
  });

  it("a seven-day range covers seven days", () => {
    const r = parseReport(load("stalwartlabs-mail-auth__resources_tlsrpt_rpt02.json"));
    expect(r.days).toEqual(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05", "2020-01-06", "2020-01-07"]);
    expect(summary(r)).toEqual([{ type: "sts", domain: "example.com", ok: 23, failed: 1, details: ["certificate-host-mismatch=1"] }]);
  });

  it("rejects the malformed Stalwart sample with every reason", () => {
    let err: unknown;
    try {
      parseReport(load("stalwartlabs-mail-auth__resources_tlsrpt_rpt03.json"));
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
    "date-range": { "start-datetime": "2024-05-01T00:00:00Z", "end-datetime": "2024-05-01T23:59:59Z" },
    "contact-info": "a@org.example",
    "report-id": "r1",
    policies: [{ policy: { "policy-type": "sts", "policy-domain": "Example.COM.", "policy-string": ["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"] }, summary: { "total-successful-session-count": 5, "total-failure-session-count": 0 } }],
  });

  it("reads a date without a timezone as UTC and records it", () => {
    const r = parseReport({ ...base(), "date-range": { "start-datetime": "2023-02-01T00:00:00", "end-datetime": "2023-02-01T23:59:59" } });
    expect([r.start, r.quirks]).toEqual(["2023-02-01T00:00:00.000Z", ["date-without-timezone"]]);
    expect(r.policies[0].domain).toBe("example.com");
  });

  it("rejects unusable dates, ranges and reports over the limits", () => {
    expect(() => parseReport({ ...base(), "date-range": { "start-datetime": "yesterday", "end-datetime": "2024-05-01T00:00:00Z" } })).toThrow(/start-datetime "yesterday" is not a date-time/);
    expect(() => parseReport({ ...base(), "date-range": { "start-datetime": "2024-05-02T00:00:00Z", "end-datetime": "2024-05-01T00:00:00Z" } })).toThrow(/ends before it starts/);
    const many = { ...base(), policies: Array.from({ length: 3 }, () => base().policies[0]) };
    expect(() => parseReport(many, { maxPolicies: 2, maxFailureDetails: 10 })).toThrow(/3 policies exceed the limit of 2/);
    expect(() => parseReport({ ...base(), policies: [] })).toThrow(/policies/);
    expect(() => parseReport("not an object")).toThrow(ReportError);
  });

  it("recomputes the id a reporter saw from its policy-string", () => {
    expect(reportedPolicyId(["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"])).toBe(
      policyId(renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 })),
    );
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
