// Lambda Function URL handler for rua=https: reports. Thin: event -> ingestHttp -> response.
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { ingestHttp } from "../ingest";
import { lambdaDeps, publishMetrics } from "./deps";

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);
  const deps = lambdaDeps();
  const result = await ingestHttp({ method: event.requestContext.http.method, contentType: event.headers?.["content-type"], body }, deps);
  console.log(JSON.stringify({ msg: "tlsrpt-https", outcome: result.outcome, status: result.status, reason: result.reason, rawKey: result.rawKey, reports: result.reports }));
  publishMetrics("https", result);
  return { statusCode: result.status, headers: { "content-type": "text/plain; charset=utf-8" }, body: `${result.reason ?? result.outcome}\n` };
}
