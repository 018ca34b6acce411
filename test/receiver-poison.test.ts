// A report the store refuses for good (DynamoDB's ValidationException: an item too large, a key
// too long) becomes a rejection with the reason and its raw copy, not a claim that answers 500
// to every retry forever; a refusal that may pass (throttling) stays a 500 the sender retries.
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestHttp } from "../receiver/ingest";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
beforeAll(async () => {
  aws = await startAwsLocal();
  await ensureTable(aws.dynamodb, "poison");
});
afterAll(async () => {
  await aws?.close();
});

const body = (domain: string) =>
  Buffer.from(
    JSON.stringify({
      "organization-name": "R",
      "date-range": {
        "start-datetime": "2026-11-18T00:00:00Z",
        "end-datetime": "2026-11-18T23:59:59Z",
      },
      "report-id": `p-${domain}`,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-domain": domain },
          summary: { "total-successful-session-count": 5, "total-failure-session-count": 0 },
        },
      ],
    }),
  );

/** The real client, refusing contribution items of one domain with the given error. */
function refusing(domain: string, name: string) {
  const send = aws.dynamodb.send.bind(aws.dynamodb);
  const client = Object.create(aws.dynamodb) as typeof aws.dynamodb;
  client.send = (async (cmd: unknown) => {
    if (cmd instanceof PutItemCommand && cmd.input.Item?.pk?.S === `agg#${domain}`)
      throw Object.assign(new Error("Item size has exceeded the maximum allowed size"), { name });
    return send(cmd as never);
  }) as typeof aws.dynamodb.send;
  return new ReceiverStore({ s3: aws.s3, dynamodb: client, bucket: aws.bucket, table: "poison" });
}

it("turns a permanent refusal into a kept rejection, and answers a retry the same, never 500", async () => {
  const deps = { store: refusing("poison.test", "ValidationException"), limits: DEFAULT_LIMITS };
  const first = await ingestHttp({ method: "POST", body: body("poison.test") }, deps);
  expect(first).toMatchObject({
    outcome: "rejected",
    status: 400,
    reason:
      "the store refused the report for good (ValidationException: Item size has exceeded the maximum allowed size)",
  });
  const again = await ingestHttp({ method: "POST", body: body("poison.test") }, deps);
  expect(again).toMatchObject({ outcome: "rejected", status: 400, reason: first.reason });
  expect((await deps.store.stats()).rejected).toBe(2);
  // other reports are not held up
  expect((await ingestHttp({ method: "POST", body: body("fine.test") }, deps)).outcome).toBe(
    "counted",
  );
});

it("leaves a refusal that may pass (throttling) to the sender's retry: 500 now, counted later", async () => {
  const throttled = {
    store: refusing("busy.test", "ProvisionedThroughputExceededException"),
    limits: DEFAULT_LIMITS,
  };
  await expect(ingestHttp({ method: "POST", body: body("busy.test") }, throttled)).rejects.toThrow(
    /maximum allowed size/,
  );
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: "poison",
  });
  expect(
    (
      await ingestHttp(
        { method: "POST", body: body("busy.test") },
        { store, limits: DEFAULT_LIMITS },
      )
    ).outcome,
  ).toBe("counted");
});
