// The receiver end to end against s3rver + dynalite through the real AWS SDK clients: HTTPS
// and email, duplicates, crashes, bombs, garbage, DKIM. Nothing is lost; each report counts once.
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import fc from "fast-check";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCounterName } from "../receiver/aggregate";
import type { DnsResolver } from "../receiver/email";
import { ingestHttp, type IngestDeps } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS, type IngestLimits } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";
import { FIXTURES } from "./helpers/fixtures";

const fixtures = FIXTURES;
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name));
let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let tableN = 0;

/** A fresh table per test (same S3 bucket; keys are content-addressed). */
async function deps(over: Partial<IngestDeps> & { limits?: IngestLimits; beforeApply?: (i: number) => void } = {}): Promise<IngestDeps> {
  const table = `table-${++tableN}`;
  await ensureTable(aws.dynamodb, table);
  const store = new ReceiverStore({ s3: aws.s3, dynamodb: aws.dynamodb, bucket: aws.bucket, table, beforeApply: over.beforeApply });
  return { store, limits: over.limits ?? DEFAULT_LIMITS, dkim: over.dkim ?? "on", resolver: over.resolver, now: () => new Date("2026-11-20T10:00:00Z") };
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

async function keys(prefix: string) {
  const res = await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

const rfc = fixture("domainaware-parsedmarc__rfc8460.json");
const post = (body: Uint8Array, contentType = "application/tlsrpt+gzip", method = "POST") => ({ method, contentType, body });

beforeAll(async () => {
  aws = await startAwsLocal();
});
afterAll(async () => {
  await aws?.close();
});

describe("HTTPS reports", () => {
  it("counts a gzip report, stores raw and normalised copies", async () => {
    const d = await deps();
    const r = await ingestHttp(post(gzipSync(rfc)), d);
    expect(r).toMatchObject({ outcome: "counted", status: 200 });
    expect(await totals(d, "company-y.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 5326,
      "sts:failed": 303,
      "sts:result:certificate-expired": 100,
      "sts:result:starttls-not-supported": 200,
      "sts:result:validation-failure": 3,
    });
    expect(await keys(r.rawKey)).toEqual([r.rawKey]);
    expect((await d.store.getObject(r.rawKey)).equals(gzipSync(rfc))).toBe(true);
  });

  it("counts plain JSON, and bytes whose label is wrong (sniffed, not trusted)", async () => {
    const d = await deps();
    expect((await ingestHttp(post(fixture("domainaware-parsedmarc__smtp_tls.json"), "application/tlsrpt+json"), d)).outcome).toBe("counted");
    expect((await ingestHttp(post(gzipSync(fixture("stalwartlabs-mail-auth__resources_tlsrpt_rpt02.json")), "application/json"), d)).outcome).toBe("counted");
    expect((await ingestHttp(post(fixture("domainaware-parsedmarc__mail.ru.json"), "text/html"), d)).outcome).toBe("counted");
    expect(await totals(d, "example.com")).toMatchObject({ "sts:successful": 23, "sts:failed": 3 + 1 + 1 });
  });

  it("counts the same sessions under sts and tlsa separately, never summed", async () => {
    const d = await deps();
    await ingestHttp(post(fixture("cry-inc-dmarc-report-viewer__testdata_smtp-tls-reports_microsoft.json"), "application/tlsrpt+json"), d);
    expect(await totals(d, "random.net")).toEqual({ "sts:reports": 1, "sts:successful": 2, "tlsa:reports": 1, "tlsa:successful": 2 });
  });

  it("counts a report delivered twice only once, sequentially and concurrently", async () => {
    const d = await deps();
    const body = gzipSync(rfc);
    expect((await ingestHttp(post(body), d)).outcome).toBe("counted");
    expect((await ingestHttp(post(body), d)).outcome).toBe("duplicate");
    const d2 = await deps();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ingestHttp(post(body), d2)));
    expect(outcomes.filter((o) => o.outcome === "counted")).toHaveLength(1);
    expect((await totals(d2, "company-y.example"))["sts:successful"]).toBe(5326);
    expect((await d2.store.stats()).duplicates).toBe(7);
  });

  it("counts once when the first attempt crashed between aggregate writes and was retried", async () => {
    const twoDomains = JSON.parse(rfc.toString());
    twoDomains.policies.push({ ...twoDomains.policies[0], policy: { ...twoDomains.policies[0].policy, "policy-domain": "other.example" } });
    const body = Buffer.from(JSON.stringify(twoDomains));
    let crash = true;
    const d = await deps({
      beforeApply: (i) => {
        if (i === 1 && crash) {
          crash = false;
          throw new Error("simulated crash after the first row");
        }
      },
    });
    await expect(ingestHttp(post(body, "application/tlsrpt+json"), d)).rejects.toThrow(/simulated crash/);
    expect((await totals(d, "company-y.example"))["sts:successful"]).toBe(5326); // first row landed
    expect(await totals(d, "other.example")).toEqual({}); // second did not
    const retry = await ingestHttp(post(body, "application/tlsrpt+json"), d);
    expect(retry.status).toBe(200);
    expect((await totals(d, "company-y.example"))["sts:successful"]).toBe(5326);
    expect((await totals(d, "other.example"))["sts:successful"]).toBe(5326);
    expect((await ingestHttp(post(body, "application/tlsrpt+json"), d)).outcome).toBe("duplicate");
    expect((await totals(d, "other.example"))["sts:successful"]).toBe(5326);
  });

  it.each([
    ["GET", () => post(Buffer.alloc(0), "", "GET"), 405, /method GET not allowed/],
    ["garbage", () => post(Buffer.from("hello world"), "application/tlsrpt+json"), 400, /neither gzip nor JSON/],
    ["wrong type", () => post(Buffer.from("<html></html>"), "text/html"), 415, /Content-Type text\/html/],
    ["truncated gzip", () => post(gzipSync(rfc).subarray(0, 100)), 400, /gzip is damaged/],
    ["JSON that is not a report", () => post(Buffer.from('{"hello":1}'), "application/tlsrpt+json"), 400, /organization-name/],
    ["the malformed Stalwart sample", () => post(fixture("stalwartlabs-mail-auth__resources_tlsrpt_rpt03.json"), "application/tlsrpt+json"), 400, /policy-domain is required/],
  ])("rejects %s with a reason and keeps the bytes", async (_, make, status, reason) => {
    const d = await deps();
    const req = make();
    const r = await ingestHttp(req, d);
    expect(r).toMatchObject({ outcome: "rejected", status });
    expect(r.reason).toMatch(reason);
    const kept = await keys("rejected/2026-11-20/");
    const sidecars = await Promise.all(kept.filter((k) => k.endsWith(".json")).map(async (k) => JSON.parse((await d.store.getObject(k)).toString())));
    expect(sidecars.some((s) => s.reason.startsWith(`${status} `) && s.rawKey === r.rawKey)).toBe(true);
    expect((await d.store.stats()).rejected).toBe(1);
  });

  it("refuses a gzip bomb at the decompression limit, and an oversized body", async () => {
    const limits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 1024 * 1024, maxBodyBytes: 512 * 1024 };
    const d = await deps({ limits });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(limits.maxBodyBytes);
    const r = await ingestHttp(post(bomb), d);
    expect(r).toMatchObject({ outcome: "rejected", status: 413, reason: "gzip inflates to more than 1048576 bytes (the limit)" });
    const big = await ingestHttp(post(Buffer.alloc(600 * 1024, 0x7b), "application/tlsrpt+json"), d);
    expect(big).toMatchObject({ outcome: "rejected", status: 413 });
  });

  it("turns arbitrary bytes into a counted report or a kept rejection, never a crash", async () => {
    const d = await deps();
    let rejectedCount = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)))), async (bytes) => {
        const r = await ingestHttp(post(bytes, "application/octet-stream"), d);
        expect(["counted", "duplicate", "rejected"]).toContain(r.outcome);
        if (r.outcome === "rejected") {
          rejectedCount++;
          expect(r.reason).toBeTruthy();
        }
      }),
      { numRuns: 60 },
    );
    expect((await d.store.stats()).rejected).toBe(rejectedCount);
  });
});

// A DKIM key of our own, published through an injected resolver.
const dkimKey = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
const resolver: DnsResolver = async (name, rrtype) => {
  if (rrtype === "TXT" && name === "sel._domainkey.reporter.example") return [[`v=DKIM1; k=rsa; p=${dkimKey.publicKey.toString("base64")}`]];
  const err = new Error(`no ${rrtype} for ${name}`) as NodeJS.ErrnoException;
  err.code = "ENOTFOUND";
  throw err;
};

const report = (org: string, contact: string, id: string) =>
  JSON.stringify({
    "organization-name": org,
    "date-range": { "start-datetime": "2026-11-19T00:00:00Z", "end-datetime": "2026-11-19T23:59:59Z" },
    "contact-info": contact,
    "report-id": id,
    policies: [{ policy: { "policy-type": "sts", "policy-domain": "mail.example", "policy-string": ["version: STSv1", "mode: testing", "mx: mx.mail.example", "max_age: 86400"] }, summary: { "total-successful-session-count": 40, "total-failure-session-count": 2 }, "failure-details": [{ "result-type": "certificate-expired", "failed-session-count": 2 }] }],
  });

async function email(opts: { signAs?: string; contact?: string; submitter?: string; id?: string; attachment?: { contentType?: string; filename?: string } }) {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    ...(opts.signAs ? { dkim: { domainName: opts.signAs, keySelector: "sel", privateKey: dkimKey.privateKey } } : {}),
  });
  const info = await transport.sendMail({
    from: "noreply@reporter.example",
    to: "tlsrpt@mail.example",
    subject: "Report Domain: mail.example Submitter: reporter.example Report-ID: <r1@reporter.example>",
    headers: { "TLS-Report-Domain": "mail.example", "TLS-Report-Submitter": opts.submitter ?? "reporter.example" },
    text: "This is an aggregate TLS report from reporter.example",
    attachments: [{ filename: "reporter.example!mail.example!1763510400!1763596799.json.gz", content: gzipSync(report("Reporter", opts.contact ?? "tls@reporter.example", opts.id ?? "r1")), contentType: "application/tlsrpt+gzip", ...opts.attachment }],
  });
  return info.message as Buffer;
}

describe("email reports", () => {
  it("counts a message DKIM-signed by the reporting organisation", async () => {
    const d = await deps({ resolver });
    const r = await ingestEmail(await email({ signAs: "reporter.example" }), d);
    expect(r).toMatchObject({ outcome: "counted", status: 200 });
    expect(await totals(d, "mail.example")).toEqual({ "sts:reports": 1, "sts:successful": 40, "sts:failed": 2, "sts:result:certificate-expired": 2 });
  });

  it("accepts a signer that is a parent or child of the organisation's domain", async () => {
    const d = await deps({ resolver });
    expect((await ingestEmail(await email({ signAs: "reporter.example", contact: "tls@reports.reporter.example", id: "r2" }), d)).outcome).toBe("counted");
  });

  it.each([
    ["unsigned", {}, /no valid DKIM signature/],
    ["signed by someone else", { signAs: "reporter.example", contact: "tls@elsewhere.example", submitter: "elsewhere.example" }, /DKIM signer reporter.example is not the reporting organisation \(elsewhere.example\)/],
  ])("keeps aside, uncounted, a message %s", async (_, opts, reason) => {
    const d = await deps({ resolver });
    const raw = await email(opts);
    const r = await ingestEmail(raw, d);
    expect(r).toMatchObject({ outcome: "rejected", status: 403 });
    expect(r.reason).toMatch(reason);
    expect(await totals(d, "mail.example")).toEqual({});
    expect((await d.store.stats()).rejected).toBe(1);
  });

  it("fails DKIM when the message was altered after signing", async () => {
    const d = await deps({ resolver });
    const raw = (await email({ signAs: "reporter.example" })).toString().replace("This is an aggregate", "This is an altered");
    expect(await ingestEmail(Buffer.from(raw), d)).toMatchObject({ outcome: "rejected", status: 403 });
  });

  it("finds reports labelled octet-stream with an RFC 2231 split filename", async () => {
    const d = await deps({ resolver });
    const raw = await email({ signAs: "reporter.example", id: "r3", attachment: { contentType: "application/octet-stream", filename: `${"x".repeat(120)}.json.gz` } });
    expect(raw.toString()).toMatch(/filename\*0\*?=/);
    expect((await ingestEmail(raw, d)).outcome).toBe("counted");
  });

  it("extracts the real Google and Microsoft messages (DKIM off), and keeps them aside when their keys cannot be fetched", async () => {
    const off = await deps({ dkim: "off" });
    for (const name of ["mjl-mox__testdata_tlsreports_example.eml", "mjl-mox__testdata_tlsreports_microsoft.eml", "domainaware-parsedmarc__google.com_smtp_tls_report.eml"]) {
      expect((await ingestEmail(fixture(name), off)).outcome).toBe("counted");
    }
    // hand counts: Google 3 successful (test.xmox.nl 2022-09-15), Microsoft 2 (2023-01-10, no timezone in its dates)
    expect(await totals(off, "test.xmox.nl")).toEqual({ "sts:reports": 2, "sts:successful": 5 });
    expect(await totals(off, "cardinalhealth.ca")).toEqual({ "no-policy-found:reports": 1, "no-policy-found:successful": 48 });
    const on = await deps({ resolver });
    expect(await ingestEmail(fixture("mjl-mox__testdata_tlsreports_example.eml"), on)).toMatchObject({ outcome: "rejected", status: 403 });
  });

  it("rejects deep MIME and messages without a report, keeping them", async () => {
    const d = await deps({ dkim: "off", limits: { ...DEFAULT_LIMITS, maxMimeDepth: 5 } });
    let body = "Content-Type: application/tlsrpt+json\r\n\r\n{}\r\n";
    for (let i = 0; i < 8; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    const deep = Buffer.from(`From: a@b.example\r\nTo: c@d.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`);
    expect(await ingestEmail(deep, d)).toMatchObject({ outcome: "rejected", status: 400, reason: "MIME nesting is deeper than 5" });
    const plain = Buffer.from("From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nno report here\r\n");
    expect((await ingestEmail(plain, d)).reason).toMatch(/no TLS-RPT report in the message/);
    expect((await d.store.stats()).rejected).toBe(2);
  });
});
