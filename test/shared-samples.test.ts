// The extra suite: public real-world TLS-RPT samples (shared/fixtures/tlsrpt, when it is beside
// the repository or MTASTS_FIXTURES names it) parse and count to the figures worked out by hand.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReport, policyId, renderPolicy, ReportError, type TlsReport } from "../protocol";
import { decodeCounter as parseCounterName } from "../receiver/counters";
import type { DnsResolver } from "../receiver/email";
import { ingestHttp, type IngestDeps } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";
import { SHARED } from "./helpers/fixtures";

// Read lazily: when SHARED is undefined the suite is collected but never run.
const raw = (name: string) => fs.readFileSync(path.join(SHARED ?? "", name));
const load = (name: string): unknown => JSON.parse(raw(name).toString("utf8"));
const summary = (r: TlsReport) =>
  r.policies.map((p) => ({
    type: p.type,
    domain: p.domain,
    ok: p.successful,
    failed: p.failed,
    details: p.failures.map((f) => `${f["result-type"]}=${f["failed-session-count"]}`),
  }));

describe.runIf(SHARED !== undefined)("public samples: parsing (shared/fixtures/tlsrpt)", () => {
  it("RFC 8460 appendix B: mx-host as a string", () => {
    const r = parseReport(load("domainaware-parsedmarc__rfc8460.json"));
    expect(r).toMatchObject({
      organisation: "Company-X",
      reportId: "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
      days: ["2016-04-01"],
      contact: "sts-reporting@company-x.example",
    });
    // 100 + 200 + 3 = 303 failed, as the summary says
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "company-y.example",
        ok: 5326,
        failed: 303,
        details: ["certificate-expired=100", "starttls-not-supported=200", "validation-failure=3"],
      },
    ]);
    expect(r.policies[0].mxHost).toEqual(["*.mail.company-y.example"]);
    expect(r.quirks).toEqual(["mx-host-string"]);
  });

  it("Google-shaped: valid, two validation-failure rows", () => {
    const r = parseReport(load("domainaware-parsedmarc__smtp_tls.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "example.com",
        ok: 0,
        failed: 3,
        details: ["validation-failure=2", "validation-failure=1"],
      },
    ]);
    expect(r.quirks).toEqual([]);
    expect(r.policies[0].policyId).toBe(
      policyId(renderPolicy({ mode: "testing", mx: ["example.com"], maxAge: 86400 })),
    );
  });

  it("Mail.ru: no policy-string, prose reason codes, details summing above the total, end at next midnight", () => {
    const r = parseReport(load("domainaware-parsedmarc__mail.ru.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "example.com",
        ok: 0,
        failed: 1,
        details: ["sts-policy-fetch-error=1", "sts-policy-fetch-error=1"],
      },
    ]);
    expect(r.days).toEqual(["2024-02-22"]);
    expect(r.end).toBe("2024-02-22T23:59:59.000Z");
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
    const r = parseReport(load("domainaware-parsedmarc__empty_failure_detail_fields.json"));
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "example.com",
        ok: 0,
        failed: 1,
        details: ["sts-policy-fetch-error=1"],
      },
    ]);
    expect(r.policies[0].failures[0]).toEqual({
      "result-type": "sts-policy-fetch-error",
      "failed-session-count": 1,
      "failure-reason-code": "no-policy-served",
    });
    expect(r.quirks).toEqual(["empty-string-fields"]);
  });

  it("Microsoft: the same 2 sessions under sts and tlsa, TLSA policy-string as JSON in a string", () => {
    const r = parseReport(
      load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_microsoft.json"),
    );
    expect(summary(r)).toEqual([
      { type: "sts", domain: "random.net", ok: 2, failed: 0, details: [] },
      { type: "tlsa", domain: "random.net", ok: 2, failed: 0, details: [] },
    ]);
    expect(r.policies[1].policyString).toHaveLength(2);
    expect(r.policies[1].policyString[0]).toMatch(/^3 1 1 6007EEE5/);
    expect(r.quirks).toEqual(["tlsa-policy-string-json"]);
  });

  it("Microsoft fetch errors: no policy-string, no IP or MX in the details", () => {
    const r = parseReport(
      load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_no_ip_and_mx.json"),
    );
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "xxxxxxxx.xx",
        ok: 0,
        failed: 3,
        details: ["sts-policy-fetch-error=3"],
      },
    ]);
    expect(r.reportId).toBe("1234567890+");
    expect(r.quirks).toEqual(["missing-failure-fields", "missing-policy-string"]);
  });

  it("Stalwart: contact-info null, 'mx: host' entries, empty details, end at next midnight", () => {
    const r = parseReport(
      load("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_no-contact.json"),
    );
    expect(summary(r)).toEqual([
      { type: "sts", domain: "server.com", ok: 1, failed: 0, details: [] },
    ]);
    expect(r.contact).toBeUndefined();
    expect(r.policies[0].mxHost).toEqual(["mx.server.com"]);
    expect(r.days).toEqual(["2026-01-11"]);
    // the policy lines come in another order than ours; the id is of the canonical rendering
    expect(r.policies[0].policyId).toBe(
      policyId(renderPolicy({ mode: "enforce", mx: ["mx.server.com"], maxAge: 86400 })),
    );
    expect(r.quirks).toEqual([
      "contact-info-null",
      "empty-failure-details",
      "end-at-next-midnight",
      "mx-host-prefixed",
    ]);
  });

  it("a seven-day range covers seven days", () => {
    const r = parseReport(load("stalwartlabs-mail-auth__resources_tlsrpt_rpt02.json"));
    expect(r.days).toEqual([
      "2020-01-01",
      "2020-01-02",
      "2020-01-03",
      "2020-01-04",
      "2020-01-05",
      "2020-01-06",
      "2020-01-07",
    ]);
    expect(summary(r)).toEqual([
      {
        type: "sts",
        domain: "example.com",
        ok: 23,
        failed: 1,
        details: ["certificate-host-mismatch=1"],
      },
    ]);
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

describe.runIf(SHARED !== undefined)("public samples: the receiver (s3rver + dynalite)", () => {
  let aws: Awaited<ReturnType<typeof startAwsLocal>>;
  let tableN = 0;
  beforeAll(async () => {
    aws = await startAwsLocal();
  });
  afterAll(async () => {
    await aws?.close();
  });

  /** A fresh table per test (same S3 bucket; keys are content-addressed). */
  async function deps(over: Partial<IngestDeps> = {}): Promise<IngestDeps> {
    const table = `shared-${++tableN}`;
    await ensureTable(aws.dynamodb, table);
    const store = new ReceiverStore({
      s3: aws.s3,
      dynamodb: aws.dynamodb,
      bucket: aws.bucket,
      table,
    });
    return {
      store,
      limits: DEFAULT_LIMITS,
      dkim: over.dkim ?? "on",
      resolver: over.resolver,
      now: () => new Date("2026-11-20T10:00:00Z"),
    };
  }

  /** Sessions per metric for one domain, summed over organisations and policy ids. */
  async function totals(d: IngestDeps, domain: string) {
    const out: Record<string, number> = {};
    for (const row of await d.store.aggregates(domain)) {
      for (const [name, n] of Object.entries(row.counters)) {
        const { type, metric } = parseCounterName(name);
        out[`${type}:${metric}`] = (out[`${type}:${metric}`] ?? 0) + n;
      }
    }
    return out;
  }

  const post = (body: Uint8Array, contentType: string) => ({ method: "POST", contentType, body });

  it("counts the RFC 8460 example sent gzipped", async () => {
    const d = await deps();
    expect(
      (
        await ingestHttp(
          post(gzipSync(raw("domainaware-parsedmarc__rfc8460.json")), "application/tlsrpt+gzip"),
          d,
        )
      ).outcome,
    ).toBe("counted");
    expect(await totals(d, "company-y.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 5326,
      "sts:failed": 303,
      "sts:result:certificate-expired": 100,
      "sts:result:starttls-not-supported": 200,
      "sts:result:validation-failure": 3,
      // the same failures by the receiving MX the RFC's details name
      "sts:mx:mx1.mail.company-y.example": 100,
      "sts:mx:mx2.mail.company-y.example": 200,
      "sts:mx:mx-backup.mail.company-y.example": 3,
    });
  });

  it("counts plain JSON, and bytes whose label is wrong (sniffed, not trusted)", async () => {
    const d = await deps();
    expect(
      (
        await ingestHttp(
          post(raw("domainaware-parsedmarc__smtp_tls.json"), "application/tlsrpt+json"),
          d,
        )
      ).outcome,
    ).toBe("counted");
    expect(
      (
        await ingestHttp(
          post(
            gzipSync(raw("stalwartlabs-mail-auth__resources_tlsrpt_rpt02.json")),
            "application/json",
          ),
          d,
        )
      ).outcome,
    ).toBe("counted");
    expect(
      (await ingestHttp(post(raw("domainaware-parsedmarc__mail.ru.json"), "text/html"), d)).outcome,
    ).toBe("counted");
    expect(await totals(d, "example.com")).toMatchObject({
      "sts:successful": 23,
      "sts:failed": 3 + 1 + 1,
    });
  });

  it("counts the same sessions under sts and tlsa separately, never summed", async () => {
    const d = await deps();
    await ingestHttp(
      post(
        raw("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_microsoft.json"),
        "application/tlsrpt+json",
      ),
      d,
    );
    expect(await totals(d, "random.net")).toEqual({
      "sts:reports": 1,
      "sts:successful": 2,
      "tlsa:reports": 1,
      "tlsa:successful": 2,
    });
  });

  it("rejects the malformed Stalwart sample with a reason", async () => {
    const d = await deps();
    const r = await ingestHttp(
      post(raw("stalwartlabs-mail-auth__resources_tlsrpt_rpt03.json"), "application/tlsrpt+json"),
      d,
    );
    expect(r).toMatchObject({ outcome: "rejected", status: 400 });
    expect(r.reason).toMatch(/policy-domain is required/);
  });

  it("extracts the real Google and Microsoft messages (DKIM off), and keeps them aside when their keys cannot be fetched", async () => {
    const off = await deps({ dkim: "off" });
    for (const name of [
      "mjl-mox__testdata_tlsreports_example.eml",
      "mjl-mox__testdata_tlsreports_microsoft.eml",
      "domainaware-parsedmarc__google.com_smtp_tls_report.eml",
    ]) {
      expect((await ingestEmail(raw(name), off)).outcome).toBe("counted");
    }
    // hand counts: Google 3 successful (test.xmox.nl 2022-09-15), Microsoft 2 (2023-01-10, no timezone in its dates)
    expect(await totals(off, "test.xmox.nl")).toEqual({ "sts:reports": 2, "sts:successful": 5 });
    expect(await totals(off, "cardinalhealth.ca")).toEqual({
      "no-policy-found:reports": 1,
      "no-policy-found:successful": 48,
    });
    // a resolver that knows no key: no lookup leaves this machine
    const resolver: DnsResolver = async (name, rrtype) => {
      const err = new Error(`no ${rrtype} for ${name}`) as NodeJS.ErrnoException;
      err.code = "ENOTFOUND";
      throw err;
    };
    const on = await deps({ resolver });
    expect(await ingestEmail(raw("mjl-mox__testdata_tlsreports_example.eml"), on)).toMatchObject({
      outcome: "rejected",
      status: 403,
    });
  });
});
