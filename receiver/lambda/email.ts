// S3 event handler for rua=mailto: reports: SES inbound writes the raw message to the bucket
// (prefix inbound/), S3 notifies this function, which counts it. The raw object is the kept copy.
import type { S3Event } from "aws-lambda";
import { ingestEmail } from "../ingest-email";
import { lambdaDeps, publishMetrics } from "./deps";

export async function handler(event: S3Event): Promise<void> {
  const deps = lambdaDeps();
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const raw = await deps.store.getObject(key);
    const result = await ingestEmail(raw, deps, { rawKey: key });
    console.log(JSON.stringify({ msg: "tlsrpt-email", key, outcome: result.outcome, reason: result.reason, reports: result.reports }));
    publishMetrics("email", result);
  }
}
