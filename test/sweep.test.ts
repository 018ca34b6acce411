// Pending claims (an attempt that crashed after claiming, and a sender that never retried)
// are re-driven from the raw copy by the sweeper, and count exactly once.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestHttp } from "../receiver/ingest";
import { DEFAULT_LIMITS } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { sweepPending } from "../receiver/sweep";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
beforeAll(async () => {
  aws = await startAwsLocal();
});
afterAll(async () => {
  await aws?.close();
});

const report = (domain: string) =>
  Buffer.from(
    JSON.stringify({
      "organization-name": "Reporter",
      "date-range": {
        "start-datetime": "2026-11-18T00:00:00Z",
        "end-datetime": "2026-11-18T23:59:59Z",
      },
      "contact-info": "tls@reporter.example",
      "report-id": `r-${domain}`,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-domain": domain },
          summary: { "total-successful-session-count": 70, "total-failure-session-count": 3 },
        },
      ],
    }),
  );

it("re-drives an abandoned claim from its raw copy once; a second sweep finds nothing", async () => {
  await ensureTable(aws.dynamodb, "sweep");
  let crash = true;
  const crashing = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: "sweep",
    beforeApply: () => {
      if (crash) {
        crash = false;
        throw new Error("killed after the claim");
      }
    },
  });
  const at = new Date("2026-11-20T10:00:00Z");
  await expect(
    ingestHttp(
      { method: "POST", contentType: "application/json", body: report("a.test") },
      { store: crashing, limits: DEFAULT_LIMITS, now: () => at },
    ),
  ).rejects.toThrow(/killed/);
  const store = new ReceiverStore({
    s3: aws.s3,
    dynamodb: aws.dynamodb,
    bucket: aws.bucket,
    table: "sweep",
  });
  const deps = { store, limits: DEFAULT_LIMITS, now: () => at };
  expect(await store.aggregates("a.test")).toEqual([]);
  // not yet abandoned: left alone
  expect(
    (
      await sweepPending(deps, "https", new Date("2026-11-20T09:00:00Z"), async () =>
        Promise.reject(new Error("must not run")),
      )
    ).found,
  ).toBe(0);
  const redrive = (raw: Buffer, rawKey: string) =>
    ingestHttp({ method: "POST", body: raw }, deps, { rawKey });
  const first = await sweepPending(deps, "https", new Date("2026-11-20T11:00:00Z"), redrive);
  expect(first).toEqual({ found: 1, counted: 1, duplicates: 0, rejected: 0, failed: [] });
  const [row] = await store.aggregates("a.test");
  expect(Object.entries(row.counters).filter(([k]) => k.endsWith("|successful"))).toEqual([
    [expect.stringMatching(/^-\|Reporter\|sts\|-\|successful$/), 70],
  ]);
  // the email sweeper leaves HTTPS claims alone, and nothing is pending any more
  expect((await sweepPending(deps, "email", new Date("2026-11-20T11:00:00Z"), redrive)).found).toBe(
    0,
  );
  expect((await sweepPending(deps, "https", new Date("2026-11-20T11:00:00Z"), redrive)).found).toBe(
    0,
  );
  // the sender's own late retry is now a duplicate: still one count
  expect((await ingestHttp({ method: "POST", body: report("a.test") }, deps)).outcome).toBe(
    "duplicate",
  );
  expect(
    Object.entries((await store.aggregates("a.test"))[0].counters).find(([k]) =>
      k.endsWith("|successful"),
    )?.[1],
  ).toBe(70);
});
