// `mtasts receive --local`: the receiver's handlers on this machine. HTTP for POSTed reports,
// an SMTP listener that plays SES inbound (raw message to S3 under inbound/, then the email
// handler), storage in s3rver + dynalite under the data directory (kept across restarts).
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SMTPServer } from "smtp-server";
import { ingestHttp, type IngestDeps, type IngestResult } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { limitsFromEnv } from "../receiver/limits";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./local-aws";

export interface ReceiveOptions {
  port: string;
  smtpPort: string;
  data: string;
  dkim: "on" | "off";
  host: string;
}

export async function startLocalReceiver(opts: ReceiveOptions, log: (line: string) => void) {
  const aws = await startAwsLocal({ dataDir: path.resolve(opts.data) });
  const deps: IngestDeps = {
    store: new ReceiverStore({ s3: aws.s3, dynamodb: aws.dynamodb, bucket: aws.bucket, table: aws.table }),
    limits: limitsFromEnv(),
    dkim: opts.dkim,
  };
  const report = (channel: string, r: IngestResult) =>
    log(`${new Date().toISOString()} ${channel} ${r.outcome} ${r.status}${r.reason ? ` ${r.reason}` : ""} ${r.reports.flatMap((x) => x.domains).join(",")} (raw ${r.rawKey})`);

  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      // Keep reading up to one byte past the limit, so the handler can say 413 with the bytes kept.
      if (size <= deps.limits.maxBodyBytes + 1) chunks.push(c);
    });
    req.on("end", async () => {
      try {
        const r = await ingestHttp({ method: req.method ?? "GET", contentType: req.headers["content-type"], body: Buffer.concat(chunks) }, deps);
        report("https", r);
        res.writeHead(r.status, { "content-type": "text/plain; charset=utf-8" }).end(`${r.reason ?? r.outcome}\n`);
      } catch (err) {
        log(`https error ${(err as Error).message}`);
        res.writeHead(500).end("internal error; retry later\n");
      }
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(Number(opts.port), opts.host, resolve));

  const smtp = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    disabledCommands: ["AUTH"],
    logger: false,
    size: deps.limits.maxBodyBytes,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
        const raw = Buffer.concat(chunks);
        try {
          // What SES does: the raw message to the bucket first, then the handler.
          const rawKey = `inbound/${new Date().toISOString().slice(0, 10)}/${createHash("sha256").update(raw).digest("hex")}`;
          await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: rawKey, Body: raw }));
          const r = await ingestEmail(raw, deps, { rawKey });
          report("email", r);
          callback();
        } catch (err) {
          log(`email error ${(err as Error).message}`);
          callback(Object.assign(new Error("temporary failure; retry later"), { responseCode: 451 }));
        }
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(Number(opts.smtpPort), opts.host, () => resolve()));

  const httpPort = (httpServer.address() as import("node:net").AddressInfo).port;
  const smtpPort = (smtp.server.address() as import("node:net").AddressInfo).port;
  return {
    httpPort,
    smtpPort,
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await aws.close();
    },
  };
}

export async function receiveCommand(opts: ReceiveOptions & { local?: boolean }): Promise<number> {
  if (!opts.local) {
    process.stderr.write("mtasts receive: only --local is supported here; in AWS the ReportReceiver component runs the same handlers on Lambda\n");
    return 2;
  }
  if (opts.dkim === "off") {
    process.stderr.write("WARNING: --dkim=off: email reports are counted WITHOUT checking DKIM. For local experiments only; RFC 8460 requires signed reports.\n");
  }
  const receiver = await startLocalReceiver(opts, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`listening: http://${opts.host}:${receiver.httpPort}/ (POST reports) and smtp://${opts.host}:${receiver.smtpPort} (mail to any address); data in ${path.resolve(opts.data)}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await receiver.close();
  return 0;
}
