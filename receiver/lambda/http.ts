// Lambda Function URL handler for rua=https: reports. Thin: event -> ingestHttp -> response.
// On its hourly schedule it re-drives HTTPS reports whose counting never finished.
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult, ScheduledEvent } from "aws-lambda";
import { ingestHttp } from "../ingest";
import { SWEEP_AFTER_MS, sweepPending } from "../sweep";
import { isScheduled, lambdaDeps, publishMetrics } from "./deps";

export async function handler(
  event: LambdaFunctionURLEvent | ScheduledEvent,
): Promise<LambdaFunctionURLResult | undefined> {
  const deps = lambdaDeps();
  if (isScheduled(event)) {
    const swept = await sweepPending(
      deps,
      "https",
      new Date(Date.now() - SWEEP_AFTER_MS),
      async (raw, rawKey) => {
        const result = await ingestHttp({ method: "POST", body: raw }, deps, { rawKey });
        publishMetrics("https", result);
        return result;
      },
    );
    console.log(JSON.stringify({ msg: "tlsrpt-sweep", channel: "https", ...swept }));
    return undefined;
  }
  const e = event as LambdaFunctionURLEvent;
  const body = e.body
    ? Buffer.from(e.body, e.isBase64Encoded ? "base64" : "utf8")
    : Buffer.alloc(0);
  // Set by the CloudFront Function on the report path from the address the report was sent to.
  const domain = e.headers?.["x-tlsrpt-domain"]?.toLowerCase() || undefined;
  const result = await ingestHttp(
    {
      method: e.requestContext.http.method,
      contentType: e.headers?.["content-type"],
      body,
      domain,
    },
    deps,
  );
  console.log(
    JSON.stringify({
      msg: "tlsrpt-https",
      outcome: result.outcome,
      status: result.status,
      reason: result.reason,
      rawKey: result.rawKey,
      reports: result.reports,
    }),
  );
  publishMetrics("https", result);
  return {
    statusCode: result.status,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: `${result.reason ?? result.outcome}\n`,
  };
}
