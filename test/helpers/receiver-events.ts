// What the receiver's Lambdas are handed in production, built in the test: a TLS-RPT report
// (RFC 8460 4), the Function URL event that carries it, the email SES stores, the S3 event that
// announces it; and the EMF documents the handlers print.
import { gzipSync } from "node:zlib";
import type { LambdaFunctionURLEvent, S3Event } from "aws-lambda";
import nodemailer from "nodemailer";
import { vi } from "vitest";

/** A report with one STS policy: `successful` sessions and one failure type with `failed` sessions. */
export function tlsReport(o: {
  org?: string;
  id: string;
  domain: string;
  successful: number;
  failed: number;
  day?: string;
}): Buffer {
  const day = o.day ?? "2025-03-10";
  const report = {
    "organization-name": o.org ?? "Reporter Inc.",
    "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
    "contact-info": "tls-reports@reporter.test",
    "report-id": o.id,
    policies: [
      {
        policy: {
          "policy-type": "sts",
          "policy-string": [
            "version: STSv1",
            "mode: testing",
            `mx: mx.${o.domain}`,
            "max_age: 86400",
          ],
          "policy-domain": o.domain,
          "mx-host": [`mx.${o.domain}`],
        },
        summary: {
          "total-successful-session-count": o.successful,
          "total-failure-session-count": o.failed,
        },
        "failure-details":
          o.failed > 0
            ? [
                {
                  "result-type": "certificate-expired",
                  "sending-mta-ip": "192.0.2.1",
                  "receiving-mx-hostname": `mx.${o.domain}`,
                  "failed-session-count": o.failed,
                },
              ]
            : [],
      },
    ],
  };
  return Buffer.from(JSON.stringify(report));
}

/** The Function URL event for a POST of `body` (gzip unless told otherwise). */
export function urlEvent(
  body: Buffer,
  opts: { method?: string; contentType?: string } = {},
): LambdaFunctionURLEvent {
  return {
    body: body.toString("base64"),
    isBase64Encoded: true,
    headers: { "content-type": opts.contentType ?? "application/tlsrpt+gzip" },
    requestContext: { http: { method: opts.method ?? "POST" } },
  } as unknown as LambdaFunctionURLEvent;
}

/** A report mail as a reporter sends it (gzip attachment labelled application/octet-stream). */
export async function reportMail(json: Buffer, to = "tlsrpt@tlsrpt.example.com"): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: "noreply@reporter.test",
    to,
    subject: "Report Domain: example Submitter: reporter.test",
    text: "attached",
    attachments: [
      {
        filename: "report.json.gz",
        contentType: "application/octet-stream",
        content: gzipSync(json),
      },
    ],
  });
  return info.message as Buffer;
}

/** The S3 event for an object SES wrote (keys arrive URL-encoded, spaces as +). */
export const s3Event = (key: string): S3Event =>
  ({
    Records: [{ s3: { object: { key: encodeURIComponent(key).replace(/%20/g, "+") } } }],
  }) as unknown as S3Event;

/** EMF documents printed while `fn` runs (Powertools writes them to stdout, one JSON per line). */
export async function captureEmf(fn: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  const write = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  try {
    await fn();
  } finally {
    write.mockRestore();
    log.mockRestore();
  }
  return lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}
