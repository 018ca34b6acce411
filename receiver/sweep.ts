// Re-drives reports whose counting was started and never finished (a crash or a timeout
// after the claim, and a sender that never retried): from the raw copy, through the same
// path, so the claim completes exactly once. Run on a schedule by each channel's function.
import type { IngestDeps, IngestResult } from "./ingest";

export interface SweepResult {
  /** Pending claims found for this channel. */
  readonly found: number;
  readonly counted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Re-drives that failed again (left pending for the next sweep), with the error. */
  readonly failed: { claim: string; error: string }[];
}

/**
 * Claims of `channel` pending since before `olderThan` are re-driven with `redrive` (ingestHttp
 * or ingestEmail with the stored raw key). Leave attempts in flight alone: olderThan should be
 * well past the function's timeout.
 */
export async function sweepPending(
  deps: IngestDeps,
  channel: "https" | "email",
  olderThan: Date,
  redrive: (raw: Buffer, rawKey: string) => Promise<IngestResult>,
): Promise<SweepResult> {
  const claims = (await deps.store.pendingClaims(olderThan)).filter((c) => c.channel === channel);
  let counted = 0;
  let duplicates = 0;
  let rejected = 0;
  const failed: SweepResult["failed"] = [];
  for (const c of claims) {
    try {
      const result = await redrive(await deps.store.getObject(c.rawKey), c.rawKey);
      if (result.outcome === "counted") counted++;
      else if (result.outcome === "duplicate") duplicates++;
      else rejected++;
    } catch (err) {
      failed.push({
        claim: c.claim,
        error: `${(err as Error).name}: ${(err as Error).message}`.slice(0, 300),
      });
    }
  }
  return { found: claims.length, counted, duplicates, rejected, failed };
}

/** A claim is left alone this long before it counts as abandoned (the functions time out at 30 s). */
export const SWEEP_AFTER_MS = 15 * 60 * 1000;
