// `mtasts receive --local`: the receiver's handlers on this machine. HTTP for POSTed reports,
// an SMTP listener that plays SES inbound (raw message to S3 under inbound/, then the email
// handler), storage in s3rver + dynalite under the data directory (kept across restarts).
import { createHash } from "node:crypto";
import { Resolver } from "node:dns/promises";
import * as http from "node:http";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SMTPServer } from "smtp-server";
import { parseResolverAddress } from "../net/resolver";
import type { DnsResolver } from "../receiver/email";
import { ingestHttp, type IngestDeps, type IngestResult, rejected } from "../receiver/ingest";
import { ingestEmail } from "../receiver/ingest-email";
import { limitsFromEnv } from "../receiver/limits";
import { oneLine, Rejection } from "../receiver/reject";
import { ReceiverStore } from "../receiver/store";
import { withDataDir } from "./data-dir";
import { CommandFailure } from "./errors";
import { startAwsLocal } from "./local-aws";

export interface ReceiveOptions {
  port: string;
  smtpPort: string;
  data: string;
  dkim: "on" | "off";
  host: string;
  /** DNS server (HOST:PORT) for DKIM keys instead of the system resolver. */
  resolver?: string;
}

/** DKIM key lookups (mailauth's resolver shape) against one DNS server. */
export function dnsResolverAt(address: string): DnsResolver {
  const r = new Resolver({ timeout: 5_000, tries: 2 });
  r.setServers([parseResolverAddress(address)]);
  return (name, rrtype) => r.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

/** Collects a body up to `max` bytes; past that, counts and drops the rest (memory stays bounded). */
function boundedSink(max: number) {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  return {
    push(c: Buffer) {
      seen += c.length;
      if (kept < max) {
        const part = c.length <= max - kept ? c : c.subarray(0, max - kept);
        chunks.push(part);
        kept += part.length;
      }
    },
    get over() {
      return seen > max;
    },
    get seen() {
      return seen;
    },
    bytes: () => Buffer.concat(chunks, kept),
  };
}

export async function startLocalReceiver(opts: ReceiveOptions, log: (line: string) => void) {
  const aws = await startAwsLocal({ dataDir: path.resolve(opts.data) });
  const deps: IngestDeps = {
    store: new ReceiverStore({
      s3: aws.s3,
      dynamodb: aws.dynamodb,
      bucket: aws.bucket,
      table: aws.table,
    }),
    limits: limitsFromEnv(),
    dkim: opts.dkim,
    ...(opts.resolver ? { resolver: dnsResolverAt(opts.resolver) } : {}),
  };
  const max = deps.limits.maxBodyBytes;
  const report = (channel: string, r: IngestResult) =>
    log(
      oneLine(
        `${new Date().toISOString()} ${channel} ${r.outcome} ${r.status}${r.reason ? ` ${r.reason}` : ""} ${r.reports.flatMap((x) => x.domains).join(",")} (raw ${r.rawKey})`,
      ),
    );

  /** A body over the limit: the first `max` bytes are kept (raw and rejected) with a reason that says so. */
  async function tooLarge(
    channel: "https" | "email",
    what: string,
    body: Buffer,
    seen: number,
  ): Promise<IngestResult> {
    const at = new Date();
    const rawKey = await deps.store.putRaw(channel, body, at);
    const reason = `${what} is ${seen} bytes; the limit is ${max} (the copy kept is truncated at ${max} bytes)`;
    return rejected(deps, rawKey, body, new Rejection(413, reason), at);
  }

  const httpServer = http.createServer((req, res) => {
    const body = boundedSink(max);
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", async () => {
      try {
        const r = body.over
          ? await tooLarge("https", "body", body.bytes(), body.seen)
          : await ingestHttp(
              {
                method: req.method ?? "GET",
                contentType: req.headers["content-type"],
                body: body.bytes(),
                domain: reportDomain(req.headers.host),
              },
              deps,
            );
        report("https", r);
        res
          .writeHead(r.status, { "content-type": "text/plain; charset=utf-8" })
          .end(`${r.reason ?? r.outcome}\n`);
      } catch (err) {
        log(`https error ${oneLine((err as Error).message)}`);
        res.writeHead(500).end("internal error; retry later\n");
      }
    });
  });
  try {
    await listening(httpServer, (done) => httpServer.listen(Number(opts.port), opts.host, done));
  } catch (err) {
    await aws.close();
    throw listenFailure(err, "--port", opts);
  }

  const smtp = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    disabledCommands: ["AUTH"],
    logger: false,
    size: max,
    onData(stream, _session, callback) {
      const message = boundedSink(max);
      stream.on("data", (c: Buffer) => message.push(c));
      stream.on("end", async () => {
        const raw = message.bytes();
        try {
          if (message.over || (stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            const r = await tooLarge("email", "message", raw, message.seen);
            report("email", r);
            return callback(
              Object.assign(new Error(`message too large: ${r.reason}`), { responseCode: 552 }),
            );
          }
          // What SES does: the raw message to the bucket first, then the handler.
          const rawKey = `inbound/${new Date().toISOString().slice(0, 10)}/${createHash("sha256").update(raw).digest("hex")}`;
          await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: rawKey, Body: raw }));
          const r = await ingestEmail(raw, deps, { rawKey });
          report("email", r);
          callback();
        } catch (err) {
          log(`email error ${oneLine((err as Error).message)}`);
          callback(
            Object.assign(new Error("temporary failure; retry later"), { responseCode: 451 }),
          );
        }
      });
    },
  });
  try {
    await listening(smtp, (done) => smtp.listen(Number(opts.smtpPort), opts.host, done));
  } catch (err) {
    httpServer.close();
    await aws.close();
    throw listenFailure(err, "--smtp-port", opts);
  }

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
    process.stderr.write(
      "mtasts receive: only --local is supported here; in AWS the ReportReceiver component runs the same handlers on Lambda\n",
    );
    return 2;
  }
  if (opts.resolver !== undefined) {
    try {
      parseResolverAddress(opts.resolver);
    } catch (err) {
      process.stderr.write(`mtasts receive: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (opts.dkim === "off") {
    process.stderr.write(
      "WARNING: --dkim=off: email reports are counted WITHOUT checking DKIM. For local experiments only; RFC 8460 requires signed reports.\n",
    );
  }
  const data = path.resolve(opts.data);
  const receiver = await withDataDir(data, "receive", () =>
    startLocalReceiver(opts, (line) => process.stderr.write(`${line}\n`)),
  );
  process.stdout.write(
    `listening: http://${opts.host}:${receiver.httpPort}/ (POST reports) and smtp://${opts.host}:${receiver.smtpPort} (mail to any address); data in ${path.resolve(opts.data)}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await receiver.close();
  return 0;
}

/** Resolves once `listen` has bound; rejects with the server's error (EADDRINUSE) instead of leaving it uncaught. */
function listening(
  server: import("node:events").EventEmitter,
  listen: (done: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    listen(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A listener that could not start, as one line with the fix. */
function listenFailure(err: unknown, flag: "--port" | "--smtp-port", opts: ReceiveOptions): Error {
  const port = flag === "--port" ? opts.port : opts.smtpPort;
  const at = `${opts.host}:${port}`;
  switch ((err as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return new CommandFailure(
        `${at} is already in use (another mtasts receive?); stop that process, or choose another port with ${flag} N (0: any free port)`,
      );
    case "EACCES":
      return new CommandFailure(
        `not allowed to listen on ${at} (ports below 1024 need privileges); choose another with ${flag} N, e.g. ${flag === "--port" ? 8025 : 2525}`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new CommandFailure(
        `--host ${opts.host} is not an address of this machine; give one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`,
      );
    default:
      return err as Error;
  }
}

/** As the CloudFront Function on /tlsrpt does: the domain of https://mta-sts.<domain>/tlsrpt, from Host. */
export function reportDomain(host: string | undefined): string | undefined {
  const h = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  return /^mta-sts\.[a-z0-9.-]+$/.test(h) ? h.slice("mta-sts.".length) : undefined;
}
