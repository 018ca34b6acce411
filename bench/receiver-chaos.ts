// Nothing lost under chaos, bigger than the test: 600 reports delivered 1-3 times in random
// order, a quarter of the attempts killed between writes (half retried by the sender), 100
// pieces of garbage, then the sweep. Prints the figures (no timings).
import { ensureTable, startAwsLocal } from "../cli/local-aws";
import { chaos } from "../test/helpers/chaos";

async function main() {
  const aws = await startAwsLocal();
  try {
    await ensureTable(aws.dynamodb, "chaos");
    const f = await chaos(aws, "chaos", {
      reports: 600,
      garbage: 100,
      seed: Number(process.env.SEED ?? 1),
    });
    console.log(JSON.stringify(f, null, 2));
    if (f.lost || f.doubleCounted || f.pendingLeft || f.errors) process.exitCode = 1;
  } finally {
    await aws.close();
  }
}
void main();
