// The Lambda adapters (Function URL and S3 event) against s3rver + dynalite: the event is
// decoded, the report counted, and the metrics written in embedded metric format.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { LambdaFunctionURLEvent, S3Event } from "aws-lambda";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";
import { FIXTURES } from "./helpers/fixtures";

const fixtures = FIXTURES;
let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let store: ReceiverStore;

beforeAll(async () => {
  aws = await startAwsLocal();
  store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: aws.table,
  });
  const { setLambdaDeps } = await import("../receiver/lambda/deps");
  setLambdaDeps({ store, limits: DEFAULT_LIMITS, dkim: "off" });
});
afterAll(async () => {
  await aws?.close();
});

/** EMF documents written while `fn` runs. */
async function emf(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  try {
    await fn();
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l));
}

const event = (body: Buffer, method = "POST"): LambdaFunctionURLEvent =>
  ({
    body: body.toString("base64"),
    isBase64Encoded: true,
    headers: { "content-type": "application/tlsrpt+gzip" },
    requestContext: { http: { method } },
  }) as unknown as LambdaFunctionURLEvent;

it("the HTTPS handler counts a report, answers 200, and emits sessions and failure totals", async () => {
  const { handler } = await import("../receiver/lambda/http");
  let response: Awaited<ReturnType<typeof handler>> | undefined;
  const docs = await emf(async () => {
    response = await handler(
      event(gzipSync(fs.readFileSync(path.join(fixtures, "rfc-mx-host-string.json")))),
    );
  });
  expect(response).toMatchObject({ statusCode: 200, body: "counted\n" });
  const metric = (name: string, dims: Record<string, string>) =>
    docs.find(
      (d) =>
        name in d &&
        Object.entries(dims).every(([k, v]) => d[k] === v) &&
        Object.keys(dims).every((k) => k in d),
    );
  expect(
    metric("Sessions", { Domain: "alpha.example", ResultType: "certificate-expired" })?.Sessions,
  ).toBe(40);
  expect(metric("Sessions", { Domain: "alpha.example", ResultType: "successful" })?.Sessions).toBe(
    1200,
  );
  expect(metric("FailedSessions", { Domain: "alpha.example" })?.FailedSessions).toBe(60);
  expect(metric("TotalSessions", { Domain: "alpha.example" })?.TotalSessions).toBe(1260);
  // the all-domains totals the alarm divides: no dimensions
  expect(docs.find((d) => "TotalSessions" in d && !("Domain" in d))?.TotalSessions).toBe(1260);
  expect(metric("Reports", { Channel: "https", Outcome: "counted" })?.Reports).toBe(1);

  const again = await handler(event(Buffer.alloc(0), "GET"));
  expect(again).toMatchObject({ statusCode: 405 });
});

it("the email handler reads the message SES stored and counts it", async () => {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: "noreply@google.com",
    to: "tlsrpt@reports.example",
    subject: "report",
    text: "attached",
    attachments: [
      {
        filename: "r.json.gz",
        contentType: "application/octet-stream",
        content: gzipSync(
          fs.readFileSync(path.join(fixtures, "google-two-validation-failures.json")),
        ),
      },
    ],
  });
  const key = "inbound/2026-11-20/message one";
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: info.message as Buffer }),
  );
  const { handler } = await import("../receiver/lambda/email");
  const s3event = {
    Records: [{ s3: { object: { key: "inbound/2026-11-20/message+one" } } }],
  } as unknown as S3Event;
  await emf(() => handler(s3event));
  const rows = await store.aggregates("bravo.example");
  expect(rows.map((r) => r.day)).toEqual(["2025-03-04"]);
  expect(Object.entries(rows[0].counters).filter(([k]) => k.endsWith("|failed"))).toEqual([
    [expect.stringContaining("Reporter Bravo Inc.|sts|"), 7],
  ]);
});
