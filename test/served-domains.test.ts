// Reports about domains the stack does not serve are not counted: policies of other domains
// are left out, and a report with none of ours is kept aside with the reason.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestHttp } from "../receiver/ingest";
import { servedDomainsFrom } from "../receiver/lambda/deps";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
beforeAll(async () => {
  aws = await startAwsLocal();
  await ensureTable(aws.dynamodb, "served");
});
afterAll(async () => {
  await aws?.close();
});

const policy = (domain: string, ok: number) => ({
  policy: { "policy-type": "sts", "policy-domain": domain },
  summary: { "total-successful-session-count": ok, "total-failure-session-count": 0 },
});
const report = (id: string, ...policies: ReturnType<typeof policy>[]) =>
  Buffer.from(
    JSON.stringify({
      "organization-name": "R",
      "date-range": {
        "start-datetime": "2026-11-18T00:00:00Z",
        "end-datetime": "2026-11-18T23:59:59Z",
      },
      "report-id": id,
      policies,
    }),
  );

it("counts only the served domains' policies, and keeps a report about none of them aside", async () => {
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: "served",
  });
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.bucket,
      Key: "config/domains.json",
      Body: JSON.stringify(["ours.test"]),
    }),
  );
  let clock = 0;
  const served = servedDomainsFrom(store, "config/domains.json", () => clock);
  const deps = { store, limits: DEFAULT_LIMITS, served };
  const mixed = await ingestHttp(
    { method: "POST", body: report("m", policy("ours.test", 10), policy("theirs.test", 99)) },
    deps,
  );
  expect(mixed).toMatchObject({
    outcome: "counted",
    reports: [{ domains: ["ours.test"], quirks: ["missing-policy-string", "policies-not-served"] }],
  });
  expect(await store.aggregates("theirs.test")).toEqual([]);
  const foreign = await ingestHttp(
    { method: "POST", body: report("f", policy("theirs.test", 5), policy("other.test", 1)) },
    deps,
  );
  expect(foreign).toMatchObject({
    outcome: "rejected",
    status: 400,
    reason: "the report is about theirs.test, other.test, which this receiver does not serve",
  });
  // the list is read again after five minutes, not on every report
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.bucket,
      Key: "config/domains.json",
      Body: JSON.stringify(["ours.test", "theirs.test"]),
    }),
  );
  expect((await served())?.has("theirs.test")).toBe(false);
  clock = 5 * 60 * 1000 + 1;
  expect((await served())?.has("theirs.test")).toBe(true);
  expect(await servedDomainsFrom(store, undefined)()).toBeUndefined();
});

it("attributes a report without policy-domain (Postfix 3.10) to the domain of the address it was POSTed to", async () => {
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: "served",
  });
  const body = Buffer.from(
    JSON.stringify({
      "organization-name": "Postfix",
      "date-range": {
        "start-datetime": "2026-11-18T00:00:00Z",
        "end-datetime": "2026-11-18T23:59:59Z",
      },
      "report-id": "pf",
      policies: [
        {
          policy: { "policy-type": "sts" },
          summary: { "total-successful-session-count": 9, "total-failure-session-count": 0 },
        },
      ],
    }),
  );
  const { reportDomain } = await import("../cli/receive-command");
  expect([
    reportDomain("MTA-STS.Ours.TEST:8025"),
    reportDomain("ours.test"),
    reportDomain(undefined),
  ]).toEqual(["ours.test", undefined, undefined]);
  const r = await ingestHttp(
    { method: "POST", body, domain: reportDomain("mta-sts.ours.test") },
    { store, limits: DEFAULT_LIMITS },
  );
  expect(r).toMatchObject({
    outcome: "counted",
    reports: [
      { domains: ["ours.test"], quirks: expect.arrayContaining(["policy-domain-from-address"]) },
    ],
  });
  expect(
    (await ingestHttp({ method: "POST", body }, { store, limits: DEFAULT_LIMITS })).status,
  ).toBe(400);
});
