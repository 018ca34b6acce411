// The IAM contract: every AWS call a receiver Lambda makes while ingesting is allowed by the
// role policy the ReportReceiver declares for that function, on the resource it touches. The
// handlers run against s3rver + dynalite through SDK clients that record each command; the
// policies come from the component under the mock runtime. A call the policy does not allow
// works in every local test and fails with AccessDenied on a real account.
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionsForCommand, policyAllows } from "../policies/rules/iam";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./helpers/aws-local";
import { recordingMocks, type Registered, settled } from "./helpers/pulumi";
import { captureEmf, reportMail, s3Event, tlsReport, urlEvent } from "./helpers/receiver-events";

interface Call {
  readonly fn: "http" | "email";
  readonly service: "s3" | "dynamodb";
  readonly command: string;
  readonly input: Record<string, any>;
}

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
let registered: Registered[];
const calls: Call[] = [];
/** Which function's calls are being recorded (undefined: the test's own setup calls). */
let recording: "http" | "email" | undefined;
/** Makes the next aggregate write throw, as a Lambda that dies mid-way would. */
let crashNext = false;

/** Records every command a client sends (the SDK's middleware stack, before serialisation). */
function record(client: S3Client | DynamoDBClient, service: "s3" | "dynamodb") {
  (client.middlewareStack as { add: (mw: unknown, opts: unknown) => void }).add(
    (
      next: (a: { input: Record<string, any> }) => Promise<unknown>,
      context: { commandName: string },
    ) =>
      async (args: { input: Record<string, any> }) => {
        if (recording)
          calls.push({ fn: recording, service, command: context.commandName, input: args.input });
        return next(args);
      },
    { step: "initialize", name: `iamContract-${service}` },
  );
}

/** Runs a handler as function `fn` (its calls recorded); returns the error it died with, if any. */
async function during(
  fn: "http" | "email",
  run: () => Promise<unknown>,
): Promise<Error | undefined> {
  recording = fn;
  try {
    await captureEmf(run);
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    recording = undefined;
  }
}

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  new MtaStsFleet("iam", {
    ...parseStackConfig({
      domains: [
        {
          domain: "alpha.example",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
          mx: ["mx.alpha.example"],
          mode: "enforce",
        },
      ],
      receiver: {
        email: {
          domain: "tlsrpt.example.com",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
        },
      },
    }),
    region: "eu-west-1",
    mxResolver: "offline",
  });
  await settled();

  aws = await startAwsLocal();
  record(aws.s3, "s3");
  record(aws.dynamodb, "dynamodb");
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: aws.table,
    beforeApply: () => {
      if (crashNext) {
        crashNext = false;
        throw new Error("simulated crash before an aggregate write");
      }
    },
  });
  const { setLambdaDeps } = await import("../receiver/lambda/deps");
  setLambdaDeps({ store, limits: DEFAULT_LIMITS, dkim: "off" });
  const http = await import("../receiver/lambda/http");
  const email = await import("../receiver/lambda/email");

  // HTTPS: counted, duplicate, rejected, and a crash then the sender's retry.
  const counted = gzipSync(
    tlsReport({ id: "iam-http-1", domain: "alpha.example", successful: 90, failed: 10 }),
  );
  await during("http", () => http.handler(urlEvent(counted)));
  await during("http", () => http.handler(urlEvent(counted)));
  await during("http", () =>
    http.handler(urlEvent(Buffer.from("<html>no</html>"), { contentType: "text/html" })),
  );
  const crashed = gzipSync(
    tlsReport({ id: "iam-http-2", domain: "alpha.example", successful: 5, failed: 1 }),
  );
  crashNext = true;
  const died = await during("http", () => http.handler(urlEvent(crashed)));
  expect(died, "the crash reached the handler").toBeInstanceOf(Error);
  await during("http", () => http.handler(urlEvent(crashed)));

  // Email: counted, duplicate (the same report delivered again), rejected, crash then S3's retry.
  const put = async (key: string, body: Buffer) =>
    aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
  const mail = await reportMail(
    tlsReport({ id: "iam-mail-1", domain: "alpha.example", successful: 50, failed: 5 }),
  );
  await put("inbound/iam/one", mail);
  await put("inbound/iam/two", mail);
  await put("inbound/iam/not a report", Buffer.from("Subject: hello\r\n\r\nno attachment\r\n"));
  await during("email", () => email.handler(s3Event("inbound/iam/one")));
  await during("email", () => email.handler(s3Event("inbound/iam/two")));
  await during("email", () => email.handler(s3Event("inbound/iam/not a report")));
  await put(
    "inbound/iam/three",
    await reportMail(
      tlsReport({ id: "iam-mail-2", domain: "alpha.example", successful: 7, failed: 2 }),
    ),
  );
  crashNext = true;
  expect(await during("email", () => email.handler(s3Event("inbound/iam/three")))).toBeInstanceOf(
    Error,
  );
  await during("email", () => email.handler(s3Event("inbound/iam/three")));
});
afterAll(async () => {
  await aws?.close();
});

const declared = (type: string, suffix: string) => {
  const found = registered.filter((r) => r.type === type && r.name.endsWith(suffix));
  expect(found, `${type} *${suffix}`).toHaveLength(1);
  return found[0];
};

/**
 * The ARN a call touches, in the declared names: the local bucket and table stand for the
 * declared ones, whose ARNs the mocks make (helpers/pulumi.ts: `<name>-bucket`, `<type>:<region>:<account>:<name>`).
 */
function resourceOf(call: Call): string {
  const bucketArn = `arn:aws:s3:::${declared("aws:s3/bucket:Bucket", "-reports").name}-bucket`;
  const tableArn = `arn:aws:dynamodb:eu-west-1:123456789012:${declared("aws:dynamodb/table:Table", "-aggregates").name}`;
  if (call.service === "s3") {
    expect(call.input.Bucket).toBe(aws.bucket);
    return call.input.Key === undefined ? bucketArn : `${bucketArn}/${call.input.Key}`;
  }
  const tables = [
    call.input.TableName,
    ...(call.input.TransactItems ?? []).map(
      (i: Record<string, any>) => Object.values(i)[0]?.TableName,
    ),
  ].filter(Boolean);
  for (const t of tables) expect(t).toBe(aws.table);
  return tableArn;
}

describe("IAM contract (every call the handlers make is allowed by the role the component declares)", () => {
  it("recorded the calls of every ingest path", () => {
    const seen = (fn: "http" | "email") =>
      [...new Set(calls.filter((c) => c.fn === fn).map((c) => c.command))].sort();
    // counted and rejected write objects and items; the retry after a crash reads the claim back
    expect(seen("http")).toEqual(
      expect.arrayContaining([
        "PutObjectCommand",
        "PutItemCommand",
        "UpdateItemCommand",
        "GetItemCommand",
      ]),
    );
    expect(seen("email")).toEqual(
      expect.arrayContaining([
        "GetObjectCommand",
        "PutObjectCommand",
        "PutItemCommand",
        "UpdateItemCommand",
        "GetItemCommand",
      ]),
    );
  });

  for (const fn of ["http", "email"] as const) {
    it(`the ${fn} function's role policy allows each of its calls on the resource it touches`, () => {
      const policy = declared("aws:iam/rolePolicy:RolePolicy", `-${fn}-policy`).inputs
        .policy as string;
      expect(typeof policy, "the policy document is known under the mocks").toBe("string");
      const denied = new Set<string>();
      for (const call of calls.filter((c) => c.fn === fn)) {
        const resource = resourceOf(call);
        for (const action of actionsForCommand(call.service, call.command, call.input)) {
          if (!policyAllows(policy, action, resource))
            denied.add(`${call.command} needs ${action} on ${resource}`);
        }
      }
      expect([...denied].sort()).toEqual([]);
    });
  }
});
