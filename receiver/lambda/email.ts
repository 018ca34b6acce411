// S3 event handler for rua=mailto: reports: SES inbound writes the raw message to the bucket
// (prefix inbound/), S3 notifies this function, which counts it. The raw object is the kept copy.
import type { S3Event, ScheduledEvent } from "aws-lambda";
import { ingestEmail } from "../ingest-email";
import { SWEEP_AFTER_MS, sweepPending } from "../sweep";
import { isScheduled, lambdaDeps, publishMetrics } from "./deps";

/** SES writes this object under the action's prefix when the rule is created, to test access. */
export const SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION";

export async function handler(event: S3Event | ScheduledEvent): Promise<void> {
  const deps = lambdaDeps();
  if (isScheduled(event)) {
    // Hourly: messages whose counting never finished (S3 retries twice, then the failure queue).
    const swept = await sweepPending(
      deps,
      "email",
      new Date(Date.now() - SWEEP_AFTER_MS),
      async (raw, rawKey) => {
        const result = await ingestEmail(raw, deps, { rawKey });
        publishMetrics("email", result);
        return result;
      },
    );
    console.log(JSON.stringify({ msg: "tlsrpt-sweep", channel: "email", ...swept }));
    return;
  }
  for (const record of (event as S3Event).Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    if (key.split("/").pop() === SES_SETUP_OBJECT) {
      // Not a report and not a rejection: SES checking that it may write to the bucket.
      console.log(
        JSON.stringify({
          msg: "tlsrpt-email",
          key,
          outcome: "ignored",
          reason: "SES setup notification",
        }),
      );
      continue;
    }
    const raw = await deps.store.getObject(key);
    const result = await ingestEmail(raw, deps, { rawKey: key });
    console.log(
      JSON.stringify({
        msg: "tlsrpt-email",
        key,
        outcome: result.outcome,
        reason: result.reason,
        reports: result.reports,
      }),
    );
    publishMetrics("email", result);
  }
}
