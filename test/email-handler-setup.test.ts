// SES writes a test object under the rule's prefix when the rule is created: the email
// handler leaves it alone (no rejection counted, no metric), and still counts real mail.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";

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

it("ignores SES's setup notification object: not a report, not a rejection", async () => {
  const key = "inbound/AMAZON_SES_SETUP_NOTIFICATION";
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: "Amazon SES setup notification" }),
  );
  const { handler } = await import("../receiver/lambda/email");
  const lines: string[] = [];
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    await handler({ Records: [{ s3: { object: { key } } }] } as unknown as S3Event);
    // a message that is not a report is still kept aside as a rejection
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: "inbound/x/plain",
        Body: "From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n",
      }),
    );
    await handler({
      Records: [{ s3: { object: { key: "inbound/x/plain" } } }],
    } as unknown as S3Event);
  } finally {
    log.mockRestore();
    out.mockRestore();
  }
  expect(lines.filter((l) => l.includes('"outcome":"ignored"'))).toHaveLength(1);
  expect((await store.stats()).rejected).toBe(1);
  // metrics only for the real message
  expect(lines.filter((l) => l.includes('"_aws"') && l.includes('"Reports"'))).toHaveLength(1);
});
