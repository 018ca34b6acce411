// Deliveries as the outside world makes them: each report once or several times, in any
// order, some attempts killed between writes (and retried by the sender, or not), garbage in
// between; then the hourly sweep. What must hold: each report counted exactly once, each piece
// of garbage kept aside once, nothing pending, a normalised copy per report.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { ingestHttp, type IngestDeps } from "../../receiver/ingest";
import { DEFAULT_LIMITS } from "../../receiver/limits";
import { ReceiverStore } from "../../receiver/store";
import { sweepPending } from "../../receiver/sweep";
import { decodeCounter } from "../../receiver/counters";

export interface ChaosFigures {
  reports: number;
  garbage: number;
  deliveries: number;
  crashed: number;
  retriedBySender: number;
  sweptCounted: number;
  /** Reports whose sessions are not in the aggregates. */
  lost: number;
  /** Reports whose sessions are in the aggregates more than once. */
  doubleCounted: number;
  pendingLeft: number;
  rejectedKept: number;
  normalisedCopies: number;
  /** Deliveries answered with an error the sender sees as 5xx (a crash is one; nothing else may be). */
  errors: number;
}

/** A small deterministic PRNG, so a failing run can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function chaos(
  aws: { s3: S3Client; dynamodb: DynamoDBClient; bucket: string },
  table: string,
  opts: { reports: number; garbage: number; seed: number },
): Promise<ChaosFigures> {
  const rnd = prng(opts.seed);
  const at = new Date("2026-11-20T10:00:00Z");
  let crashNext = false;
  const store = new ReceiverStore({
    ...aws,
    table,
    beforeApply: () => {
      if (crashNext) {
        crashNext = false;
        throw new Error("killed between writes");
      }
    },
  });
  const deps: IngestDeps = { store, limits: DEFAULT_LIMITS, now: () => at };
  // Each report: a unique id and its own session count on one of 5 domains, 2 policies (one shared).
  const reports = Array.from({ length: opts.reports }, (_, i) => {
    const domain = `d${i % 5}.test`;
    const ok = 1 + Math.floor(rnd() * 1000);
    const body = JSON.stringify({
      "organization-name": `Org ${i % 7}`,
      "date-range": {
        "start-datetime": "2026-11-18T00:00:00Z",
        "end-datetime": "2026-11-18T23:59:59Z",
      },
      "report-id": `r${i}`,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-domain": domain },
          summary: { "total-successful-session-count": ok, "total-failure-session-count": 0 },
        },
        {
          policy: { "policy-type": "sts", "policy-domain": "shared.test" },
          summary: { "total-successful-session-count": 1, "total-failure-session-count": 0 },
        },
      ],
    });
    return { domain, ok, body: Buffer.from(body) };
  });
  const garbage = Array.from({ length: opts.garbage }, (_, i) =>
    Buffer.from(i % 2 ? `{"organization-name": ${i}}` : `[[[[${"[".repeat(i)}`),
  );
  type Delivery = { kind: "report"; i: number } | { kind: "garbage"; i: number };
  const queue: Delivery[] = [
    ...reports.flatMap((_, i) =>
      Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ kind: "report" as const, i })),
    ),
    ...garbage.map((_, i) => ({ kind: "garbage" as const, i })),
  ];
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [queue[i], queue[j]] = [queue[j], queue[i]];
  }
  const f: ChaosFigures = {
    reports: reports.length,
    garbage: garbage.length,
    deliveries: 0,
    crashed: 0,
    retriedBySender: 0,
    sweptCounted: 0,
    lost: 0,
    doubleCounted: 0,
    pendingLeft: 0,
    rejectedKept: 0,
    normalisedCopies: 0,
    errors: 0,
  };
  const post = (body: Buffer) =>
    ingestHttp({ method: "POST", contentType: "application/json", body }, deps);
  for (const d of queue) {
    f.deliveries++;
    const body = d.kind === "report" ? reports[d.i].body : garbage[d.i];
    crashNext = d.kind === "report" && rnd() < 0.25;
    try {
      await post(body);
    } catch (err) {
      if ((err as Error).message !== "killed between writes") f.errors++;
      f.crashed++;
      if (rnd() < 0.5) {
        f.retriedBySender++;
        await post(body);
      }
    }
  }
  const swept = await sweepPending(
    deps,
    "https",
    new Date(at.getTime() + 3_600_000),
    (raw, rawKey) => ingestHttp({ method: "POST", body: raw }, deps, { rawKey }),
  );
  f.sweptCounted = swept.counted;
  f.errors += swept.failed.length;
  f.pendingLeft = (await store.pendingClaims(new Date(at.getTime() + 3_600_000))).length;
  // Each report's sessions are unique per (org, domain): compare what is stored with what was sent.
  const expected = new Map<string, number>();
  for (const r of reports) {
    const k = `${r.domain}`;
    expected.set(k, (expected.get(k) ?? 0) + r.ok);
  }
  for (const [domain, want] of expected) {
    const rows = await store.aggregates(domain);
    const got = rows
      .flatMap((row) => Object.entries(row.counters))
      .filter(([k]) => decodeCounter(k).metric === "successful")
      .reduce((a, [, n]) => a + n, 0);
    if (got < want) f.lost += 1;
    if (got > want) f.doubleCounted += 1;
  }
  const shared = (await store.aggregates("shared.test"))
    .flatMap((row) => Object.entries(row.counters))
    .filter(([k]) => decodeCounter(k).metric === "successful")
    .reduce((a, [, n]) => a + n, 0);
  if (shared < reports.length) f.lost += reports.length - shared;
  if (shared > reports.length) f.doubleCounted += shared - reports.length;
  f.rejectedKept = (await store.stats()).rejected;
  let token: string | undefined;
  do {
    const res = await aws.s3.send(
      new ListObjectsV2Command({
        Bucket: aws.bucket,
        Prefix: "reports/2026-11-18/",
        ContinuationToken: token,
      }),
    );
    f.normalisedCopies += res.KeyCount ?? 0;
    token = res.NextContinuationToken;
  } while (token);
  return f;
}
