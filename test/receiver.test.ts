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
import { decodeCounter as parseCounterName } from "../receiver/counters";
import { type DnsResolver, extractReports } from "../receiver/email";
import { ingestHttp, type IngestDeps } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { DEFAULT_LIMITS, type IngestLimits } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";
import { FIXTURES } from "./helpers/fixtures";

const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let tableN = 0;

/** A fresh table per test (same S3 bucket; keys are content-addressed). */
async function deps(
  over: Partial<IngestDeps> & { limits?: IngestLimits; beforeApply?: (i: number) => void } = {},
): Promise<IngestDeps> {
  const table = `table-${++tableN}`;
  await ensureTable(aws.dynamodb, table);
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table,
    beforeApply: over.beforeApply,
  });
  return {
    store,
    limits: over.limits ?? DEFAULT_LIMITS,
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

async function keys(prefix: string) {
  const res = await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

const rfc = fixture("rfc-mx-host-string.json");
const post = (body: Uint8Array, contentType = "application/tlsrpt+gzip", method = "POST") => ({
  method,
  contentType,
  body,
});

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
    // hand counts from rfc-mx-host-string.json: 1200 successful, 40 + 15 + 5 = 60 failed
    expect(await totals(d, "alpha.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 1200,
      "sts:failed": 60,
      "sts:result:certificate-expired": 40,
      "sts:result:starttls-not-supported": 15,
      "sts:result:validation-failure": 5,
      // the same failures by the receiving MX each detail names
      "sts:mx:mx1.mail.alpha.example": 40,
      "sts:mx:mx2.mail.alpha.example": 15,
      "sts:mx:mx3.mail.alpha.example": 5,
    });
    expect(await keys(r.rawKey)).toEqual([r.rawKey]);
    expect((await d.store.getObject(r.rawKey)).equals(gzipSync(rfc))).toBe(true);
  });

  it("counts plain JSON, and bytes whose label is wrong (sniffed, not trusted)", async () => {
    const d = await deps();
    expect(
      (
        await ingestHttp(
          post(fixture("google-two-validation-failures.json"), "application/tlsrpt+json"),
          d,
        )
      ).outcome,
    ).toBe("counted");
    expect(
      (await ingestHttp(post(gzipSync(fixture("seven-day-range.json")), "application/json"), d))
        .outcome,
    ).toBe("counted");
    expect(
      (await ingestHttp(post(fixture("mailru-prose-reasons.json"), "text/html"), d)).outcome,
    ).toBe("counted");
    // three reports on bravo.example; failed is each reporter's own total (Mail.ru-shaped: 2, not its details' 3)
    expect(await totals(d, "bravo.example")).toEqual({
      "sts:reports": 3,
      "sts:successful": 57 + 410 + 9,
      "sts:failed": 7 + 2 + 2,
      "sts:result:validation-failure": 4 + 3,
      "sts:result:certificate-host-mismatch": 2,
      "sts:result:sts-policy-fetch-error": 2 + 1,
      // by receiving MX: Mail.ru's details name none, so its 3 are not here
      "sts:mx:mx.bravo.example": 4 + 3 + 2,
    });
  });

  it("counts the same sessions under sts and tlsa separately, never summed", async () => {
    const d = await deps();
    await ingestHttp(post(fixture("microsoft-sts-and-tlsa.json"), "application/tlsrpt+json"), d);
    expect(await totals(d, "delta.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 14,
      "sts:failed": 1,
      "sts:result:certificate-expired": 1,
      "tlsa:reports": 1,
      "tlsa:successful": 14,
      "tlsa:failed": 1,
      "tlsa:result:tlsa-invalid": 1,
      "sts:mx:mx2.delta.example": 1,
      "tlsa:mx:mx2.delta.example": 1,
    });
  });

  it("counts a report delivered twice only once, sequentially and concurrently", async () => {
    const d = await deps();
    const body = gzipSync(rfc);
    expect((await ingestHttp(post(body), d)).outcome).toBe("counted");
    expect((await ingestHttp(post(body), d)).outcome).toBe("duplicate");
    const d2 = await deps();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ingestHttp(post(body), d2)));
    expect(outcomes.filter((o) => o.outcome === "counted")).toHaveLength(1);
    expect((await totals(d2, "alpha.example"))["sts:successful"]).toBe(1200);
    expect((await d2.store.stats()).duplicates).toBe(7);
  });

  it("counts a report id reused across days and reporters once per organisation and range", async () => {
    const d = await deps();
    for (const name of ["reused-id-day1.json", "reused-id-day2.json", "reused-id-other-org.json"]) {
      expect((await ingestHttp(post(fixture(name), "application/tlsrpt+json"), d)).outcome).toBe(
        "counted",
      );
    }
    expect(
      (await ingestHttp(post(fixture("reused-id-day2.json"), "application/tlsrpt+json"), d))
        .outcome,
    ).toBe("duplicate");
    const rows = await d.store.aggregates("india.example");
    const byDay = Object.fromEntries(
      rows.map((r) => [
        r.day,
        Object.entries(r.counters)
          .filter(([k]) => k.endsWith("|successful"))
          .map(([k, n]) => `${parseCounterName(k).org}=${n}`)
          .sort(),
      ]),
    );
    expect(byDay).toEqual({
      "2025-05-01": ["Reporter Hotel=5", "Reporter Juliet=11"],
      "2025-05-02": ["Reporter Hotel=7"],
    });
  });

  it("counts once when the first attempt crashed between aggregate writes and was retried", async () => {
    const twoDomains = JSON.parse(rfc.toString());
    twoDomains.policies.push({
      ...twoDomains.policies[0],
      policy: { ...twoDomains.policies[0].policy, "policy-domain": "other.example" },
    });
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
    await expect(ingestHttp(post(body, "application/tlsrpt+json"), d)).rejects.toThrow(
      /simulated crash/,
    );
    expect((await totals(d, "alpha.example"))["sts:successful"]).toBe(1200); // first row landed
    expect(await totals(d, "other.example")).toEqual({}); // second did not
    const normalisedBefore = (await keys("reports/")).length;
    const retry = await ingestHttp(post(body, "application/tlsrpt+json"), d);
    // The retry that completes the crashed attempt is the one that counted: it writes the
    // normalised copy and its metrics (sessions), and is no duplicate.
    expect(retry).toMatchObject({ status: 200, outcome: "counted" });
    expect(retry.reports[0].sessions?.length).toBeGreaterThan(0);
    expect((await keys("reports/")).length).toBe(normalisedBefore + 1);
    expect((await d.store.stats()).duplicates).toBe(0);
    expect((await totals(d, "alpha.example"))["sts:successful"]).toBe(1200);
    expect((await totals(d, "other.example"))["sts:successful"]).toBe(1200);
    expect((await ingestHttp(post(body, "application/tlsrpt+json"), d)).outcome).toBe("duplicate");
    expect((await totals(d, "other.example"))["sts:successful"]).toBe(1200);
  });

  it.each([
    ["GET", () => post(Buffer.alloc(0), "", "GET"), 405, /method GET not allowed/],
    [
      "garbage",
      () => post(Buffer.from("hello world"), "application/tlsrpt+json"),
      400,
      /neither gzip nor JSON/,
    ],
    [
      "wrong type",
      () => post(Buffer.from("<html></html>"), "text/html"),
      415,
      /Content-Type text\/html/,
    ],
    ["truncated gzip", () => post(gzipSync(rfc).subarray(0, 100)), 400, /gzip is damaged/],
    [
      "JSON that is not a report",
      () => post(Buffer.from('{"hello":1}'), "application/tlsrpt+json"),
      400,
      /organization-name/,
    ],
    [
      "the malformed fixture",
      () => post(fixture("malformed.json"), "application/tlsrpt+json"),
      400,
      /policy-domain is required/,
    ],
  ])("rejects %s with a reason and keeps the bytes", async (_, make, status, reason) => {
    const d = await deps();
    const req = make();
    const r = await ingestHttp(req, d);
    expect(r).toMatchObject({ outcome: "rejected", status });
    expect(r.reason).toMatch(reason);
    const kept = await keys("rejected/2026-11-20/");
    const sidecars = await Promise.all(
      kept
        .filter((k) => k.endsWith(".json"))
        .map(async (k) => JSON.parse((await d.store.getObject(k)).toString())),
    );
    expect(sidecars.some((s) => s.reason.startsWith(`${status} `) && s.rawKey === r.rawKey)).toBe(
      true,
    );
    expect((await d.store.stats()).rejected).toBe(1);
  });

  it("refuses a gzip bomb at the decompression limit, and an oversized body", async () => {
    const limits = {
      ...DEFAULT_LIMITS,
      maxDecompressedBytes: 1024 * 1024,
      maxBodyBytes: 512 * 1024,
    };
    const d = await deps({ limits });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(limits.maxBodyBytes);
    const r = await ingestHttp(post(bomb), d);
    expect(r).toMatchObject({
      outcome: "rejected",
      status: 413,
      reason: "gzip inflates to more than 1048576 bytes (the limit)",
    });
    const big = await ingestHttp(
      post(Buffer.alloc(600 * 1024, 0x7b), "application/tlsrpt+json"),
      d,
    );
    expect(big).toMatchObject({ outcome: "rejected", status: 413 });
  });

  it("turns arbitrary bytes into a counted report or a kept rejection, never a crash", async () => {
    const d = await deps();
    let rejectedCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
        ),
        async (bytes) => {
          const r = await ingestHttp(post(bytes, "application/octet-stream"), d);
          expect(["counted", "duplicate", "rejected"]).toContain(r.outcome);
          if (r.outcome === "rejected") {
            rejectedCount++;
            expect(r.reason).toBeTruthy();
          }
        },
      ),
      { numRuns: 60 },
    );
    expect((await d.store.stats()).rejected).toBe(rejectedCount);
  });
});

// A DKIM key of our own, published through an injected resolver.
const dkimKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const resolver: DnsResolver = async (name, rrtype) => {
  if (rrtype === "TXT" && name === "sel._domainkey.reporter.example")
    return [[`v=DKIM1; k=rsa; p=${dkimKey.publicKey.toString("base64")}`]];
  const err = new Error(`no ${rrtype} for ${name}`) as NodeJS.ErrnoException;
  err.code = "ENOTFOUND";
  throw err;
};

const report = (org: string, contact: string, id: string) =>
  JSON.stringify({
    "organization-name": org,
    "date-range": {
      "start-datetime": "2026-11-19T00:00:00Z",
      "end-datetime": "2026-11-19T23:59:59Z",
    },
    "contact-info": contact,
    "report-id": id,
    policies: [
      {
        policy: {
          "policy-type": "sts",
          "policy-domain": "mail.example",
          "policy-string": [
            "version: STSv1",
            "mode: testing",
            "mx: mx.mail.example",
            "max_age: 86400",
          ],
        },
        summary: { "total-successful-session-count": 40, "total-failure-session-count": 2 },
        "failure-details": [{ "result-type": "certificate-expired", "failed-session-count": 2 }],
      },
    ],
  });

async function email(opts: {
  signAs?: string;
  contact?: string;
  submitter?: string;
  id?: string;
  attachment?: { contentType?: string; filename?: string };
}) {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    ...(opts.signAs
      ? { dkim: { domainName: opts.signAs, keySelector: "sel", privateKey: dkimKey.privateKey } }
      : {}),
  });
  const info = await transport.sendMail({
    from: "noreply@reporter.example",
    to: "tlsrpt@mail.example",
    subject:
      "Report Domain: mail.example Submitter: reporter.example Report-ID: <r1@reporter.example>",
    headers: {
      "TLS-Report-Domain": "mail.example",
      "TLS-Report-Submitter": opts.submitter ?? "reporter.example",
    },
    text: "This is an aggregate TLS report from reporter.example",
    attachments: [
      {
        filename: "reporter.example!mail.example!1763510400!1763596799.json.gz",
        content: gzipSync(
          report("Reporter", opts.contact ?? "tls@reporter.example", opts.id ?? "r1"),
        ),
        contentType: "application/tlsrpt+gzip",
        ...opts.attachment,
      },
    ],
  });
  return info.message as Buffer;
}

describe("email reports", () => {
  it("counts a message DKIM-signed by the reporting organisation", async () => {
    const d = await deps({ resolver });
    const r = await ingestEmail(await email({ signAs: "reporter.example" }), d);
    expect(r).toMatchObject({ outcome: "counted", status: 200 });
    expect(await totals(d, "mail.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 40,
      "sts:failed": 2,
      "sts:result:certificate-expired": 2,
    });
  });

  it("accepts a signer that is a parent or child of the organisation's domain", async () => {
    const d = await deps({ resolver });
    expect(
      (
        await ingestEmail(
          await email({
            signAs: "reporter.example",
            contact: "tls@reports.reporter.example",
            id: "r2",
          }),
          d,
        )
      ).outcome,
    ).toBe("counted");
  });

  it.each([
    ["unsigned", {}, /no valid DKIM signature/],
    [
      "signed by someone else",
      {
        signAs: "reporter.example",
        contact: "tls@elsewhere.example",
        submitter: "elsewhere.example",
      },
      /DKIM signer reporter.example is not the reporting organisation \(elsewhere.example\)/,
    ],
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
    const raw = (await email({ signAs: "reporter.example" }))
      .toString()
      .replace("This is an aggregate", "This is an altered");
    expect(await ingestEmail(Buffer.from(raw), d)).toMatchObject({
      outcome: "rejected",
      status: 403,
    });
  });

  it("finds reports labelled octet-stream with an RFC 2231 split filename", async () => {
    const d = await deps({ resolver });
    const raw = await email({
      signAs: "reporter.example",
      id: "r3",
      attachment: {
        contentType: "application/octet-stream",
        filename: `${"x".repeat(120)}.json.gz`,
      },
    });
    expect(raw.toString()).toMatch(/filename\*0\*?=/);
    expect((await ingestEmail(raw, d)).outcome).toBe("counted");
  });

  it("finds the report in a Microsoft-shaped message: text/html first, folded Subject, octet-stream with a split filename", async () => {
    const raw = fixture("microsoft-html-first.eml");
    const found = await extractReports(raw, DEFAULT_LIMITS);
    expect(found.subject).toBe(
      "Report Domain: juliet.example Submitter: reporter-delta.test Report-ID: 638844192000000004+juliet.example",
    );
    expect(found.submitter).toBe("reporter-delta.test");
    expect(found.reports.map((r) => [r.filename, r.kind])).toEqual([
      [
        "reporter-delta.test!juliet.example!1748822400!1748908799!638844192000000004.json.gz",
        "gzip",
      ],
    ]);
    const d = await deps({ dkim: "off" });
    const r = await ingestEmail(raw, d);
    expect(r).toMatchObject({ outcome: "counted", status: 200 });
    expect(r.reports[0].quirks).toEqual(["date-without-timezone"]);
    // hand counts: 21 successful on 2025-06-02 (its dates carry no timezone: read as UTC)
    expect((await d.store.aggregates("juliet.example")).map((row) => row.day)).toEqual([
      "2025-06-02",
    ]);
    expect(await totals(d, "juliet.example")).toEqual({ "sts:reports": 1, "sts:successful": 21 });
  });

  it("counts the Google-shaped and DKIM-signed fixtures with DKIM off, and keeps aside the one whose key no resolver knows", async () => {
    const off = await deps({ dkim: "off" });
    for (const name of ["google-report.eml", "dkim-unknown-key.eml"]) {
      expect((await ingestEmail(fixture(name), off)).outcome).toBe("counted");
    }
    // hand counts: Google-shaped 88 successful + 2 certificate-host-mismatch; DKIM-signed 5 + 1 starttls-not-supported
    expect(await totals(off, "kilo.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 88,
      "sts:failed": 2,
      "sts:result:certificate-host-mismatch": 2,
      "sts:mx:mx2.kilo.example": 2,
    });
    expect(await totals(off, "lima.example")).toEqual({
      "sts:reports": 1,
      "sts:successful": 5,
      "sts:failed": 1,
      "sts:result:starttls-not-supported": 1,
      "sts:mx:mx.lima.example": 1,
    });

    const on = await deps({ resolver });
    const kept = await ingestEmail(fixture("dkim-unknown-key.eml"), on);
    expect(kept).toMatchObject({ outcome: "rejected", status: 403 });
    expect(kept.reason).toMatch(/no valid DKIM signature/);
    expect(await totals(on, "lima.example")).toEqual({});
    expect((await on.store.stats()).rejected).toBe(1);

    // the signature itself is sound: with its public key published, the same bytes count
    const published = fixture("dkim-unknown-key.txt").toString().trim();
    const knows: DnsResolver = async (name, rrtype) => {
      if (rrtype === "TXT" && name === "tlsrpt2025._domainkey.reporter-foxtrot.test")
        return [[published]];
      return resolver(name, rrtype);
    };
    expect(
      await ingestEmail(fixture("dkim-unknown-key.eml"), await deps({ resolver: knows })),
    ).toMatchObject({ outcome: "counted", status: 200 });
  });

  it("rejects deep MIME and messages without a report, keeping them", async () => {
    const d = await deps({ dkim: "off", limits: { ...DEFAULT_LIMITS, maxMimeDepth: 5 } });
    let body = "Content-Type: application/tlsrpt+json\r\n\r\n{}\r\n";
    for (let i = 0; i < 8; i++)
      body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    const deep = Buffer.from(
      `From: a@b.example\r\nTo: c@d.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`,
    );
    expect(await ingestEmail(deep, d)).toMatchObject({
      outcome: "rejected",
      status: 400,
      reason: "MIME nesting is deeper than 5",
    });
    const plain = Buffer.from(
      "From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nno report here\r\n",
    );
    expect((await ingestEmail(plain, d)).reason).toMatch(/no TLS-RPT report in the message/);
    expect((await d.store.stats()).rejected).toBe(2);
  });
});
