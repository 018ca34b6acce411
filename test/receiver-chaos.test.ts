// Nothing lost, nothing counted twice, under repeated, reordered and killed deliveries and the
// sweep that follows (test/helpers/chaos.ts; bench/receiver-chaos.ts runs it bigger).
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureTable, startAwsLocal } from "./helpers/aws-local";
import { chaos } from "./helpers/chaos";

let aws: Awaited<ReturnType<typeof startAwsLocal>>;
beforeAll(async () => {
  aws = await startAwsLocal();
});
afterAll(async () => {
  await aws?.close();
});

it("counts every report exactly once and keeps every piece of garbage aside once", async () => {
  await ensureTable(aws.dynamodb, "chaos");
  const f = await chaos(aws, "chaos", { reports: 40, garbage: 10, seed: 7 });
  expect(f.crashed).toBeGreaterThan(5); // the run really killed attempts
  expect(f).toMatchObject({
    lost: 0,
    doubleCounted: 0,
    pendingLeft: 0,
    errors: 0,
    rejectedKept: 10,
    normalisedCopies: 40,
  });
  expect(f.deliveries).toBeGreaterThan(f.reports + f.garbage); // and delivered reports more than once
}, 60_000);
