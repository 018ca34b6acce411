// Fetches the policy the way RFC 8461 3.3 tells a sender to: HTTPS with SNI, no redirects
// followed, a bounded body, and a certificate checked by us so we can say what is wrong.
import * as https from "node:https";
import type { TLSSocket } from "node:tls";
import { type CertificateReport, inspectCertificate } from "./certificate";

export interface FetchResult {
  readonly status: number;
  readonly contentType?: string;
  readonly location?: string;
  readonly body: Buffer;
  /** More than maxBytes were sent; body holds the first maxBytes + 1. */
  readonly oversized: boolean;
  readonly certificate: CertificateReport;
}

export async function fetchPolicy(opts: {
  host: string;
  address: string;
  port: number;
  path: string;
  ca?: Buffer;
  timeoutMs: number;
  maxBytes: number;
}): Promise<FetchResult> {
  return new Promise((resolve, reject) => {
    let certificate: CertificateReport | undefined;
    const req = https.request(
      {
        host: opts.address,
        port: opts.port,
        path: opts.path,
        method: "GET",
        servername: opts.host,
        headers: {
          host: opts.host,
          "user-agent": "mtasts-check (RFC 8461 policy fetch)",
          accept: "text/plain",
        },
        ca: opts.ca,
        // Verified below (inspectCertificate), so a bad certificate becomes a reason, not a crash.
        rejectUnauthorized: false,
        agent: false,
        timeout: opts.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let oversized = false;
        res.on("data", (chunk: Buffer) => {
          if (oversized) return;
          size += chunk.length;
          chunks.push(chunk);
          if (size > opts.maxBytes) {
            oversized = true;
            res.destroy();
            finish();
          }
        });
        res.on("end", finish);
        res.on("error", (err) => (oversized ? undefined : reject(err)));
        let done = false;
        function finish() {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            location: res.headers.location,
            body: Buffer.concat(chunks).subarray(0, opts.maxBytes + 1),
            oversized,
            certificate: certificate ?? inspectCertificate(res.socket as TLSSocket, opts.host),
          });
        }
      },
    );
    req.on("socket", (socket) => {
      socket.once("secureConnect", () => {
        certificate = inspectCertificate(socket as TLSSocket, opts.host);
      });
    });
    // A whole-request deadline: a server that trickles bytes must not hold the check.
    const timer = setTimeout(
      () => req.destroy(new Error(`no complete answer within ${opts.timeoutMs / 1000} s`)),
      opts.timeoutMs,
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs / 1000} s`)));
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
