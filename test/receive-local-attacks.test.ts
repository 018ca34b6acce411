// `mtasts receive --local` as a user runs it (bin/mtasts.cjs, a real process) with DKIM on, the
// default: a report signed with a key that the test's own DNS server publishes is counted (the
// DKIM verifier loads under the CLI's loader), an unsigned one is kept aside; a body over the
// limit is answered 413 and its first bytes kept with a reason that says they were cut; and a
// reason holding CR/LF stays on one log line.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsLocal } from "./helpers/aws-local";
import { startDns } from "./helpers/servers";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const data = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-local-attacks-"));
const LIMIT = 10 * 1024 * 1024; // the default body limit

const key = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const record = `v=DKIM1; k=rsa; p=${key.publicKey.toString("base64")}`;
let dns: Awaited<ReturnType<typeof startDns>>;

beforeAll(async () => {
  // A TXT record is strings of at most 255 bytes; the verifier joins them.
  dns = await startDns({
    "sel._domainkey.reporter.example": { TXT: [record.match(/.{1,255}/g)!] },
  });
});
afterAll(() => {
  dns?.close();
  fs.rmSync(data, { recursive: true, force: true });
});

async function startReceiver(args: string[]) {
  const child = spawn(
    process.execPath,
    [bin, "receive", "--local", "--port", "0", "--smtp-port", "0", "--data", data, ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += c;
      if (out.includes("\n")) resolve(out);
    });
    child.once("exit", (code) => reject(new Error(`receiver exited ${code}: ${stderr}`)));
  });
  const [, http, smtp] = /http:\/\/127\.0\.0\.1:(\d+)\/.*smtp:\/\/127\.0\.0\.1:(\d+)/.exec(line)!;
  return { child, http: Number(http), smtp: Number(smtp), stderr: () => stderr };
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [bin, ...args], { encoding: "utf8" }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
const report = (id: string) =>
  JSON.stringify({
    "organization-name": "Reporter",
    "date-range": {
      "start-datetime": `${yesterday}T00:00:00Z`,
      "end-datetime": `${yesterday}T23:59:59Z`,
    },
    "contact-info": "tls@reporter.example",
    "report-id": id,
    policies: [
      {
        policy: {
          "policy-type": "sts",
          "policy-domain": "mail.example",
          "policy-string": [
            "version: STSv1",
            "mode: testing",
            "mx: mx.mail.example",
            "max_age: 86400",
          ],
        },
        summary: { "total-successful-session-count": 40, "total-failure-session-count": 2 },
        "failure-details": [{ "result-type": "certificate-expired", "failed-session-count": 2 }],
      },
    ],
  });

async function send(port: number, id: string, signed: boolean) {
  const mail = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    ...(signed
      ? { dkim: { domainName: "reporter.example", keySelector: "sel", privateKey: key.privateKey } }
      : {}),
  });
  try {
    await mail.sendMail({
      from: "noreply@reporter.example",
      to: "tlsrpt@mail.example",
      subject: `Report Domain: mail.example Submitter: reporter.example Report-ID: <${id}@reporter.example>`,
      headers: { "TLS-Report-Domain": "mail.example", "TLS-Report-Submitter": "reporter.example" },
      text: "This is an aggregate TLS report from reporter.example",
      attachments: [
        {
          filename: `reporter.example!mail.example!${id}.json.gz`,
          content: gzipSync(report(id)),
          contentType: "application/tlsrpt+gzip",
        },
      ],
    });
  } finally {
    mail.close();
  }
}

describe("mtasts receive --local with DKIM on", () => {
  it("refuses a --resolver that is not HOST:PORT, as a usage error", async () => {
    const r = await run(["receive", "--local", "--data", data, "--resolver", "not-an-address"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resolver "not-an-address" is not HOST:PORT');
  });

  it("counts a signed report, keeps an unsigned one aside, answers 413 past the body limit and logs reasons on one line", async () => {
    const receiver = await startReceiver(["--resolver", dns.address]);
    expect(receiver.stderr()).not.toContain("WARNING: --dkim=off");

    await send(receiver.smtp, "signed-1", true);
    await send(receiver.smtp, "unsigned-1", false);

    const post = (body: Uint8Array, type = "application/tlsrpt+json") =>
      fetch(`http://127.0.0.1:${receiver.http}/`, {
        method: "POST",
        headers: { "content-type": type },
        body,
      });
    const big = Buffer.alloc(11_000_000, 0x20);
    big.write('{"organization-name":"x"', 0);
    const tooBig = await post(big);
    expect([tooBig.status, (await tooBig.text()).trim()]).toEqual([
      413,
      `body is 11000000 bytes; the limit is ${LIMIT} (the copy kept is truncated at ${LIMIT} bytes)`,
    ]);

    const crlf = await post(Buffer.from('{\r\n"a": nope\r\nFAKE LOG LINE 200 counted\r\n}'));
    expect(crlf.status).toBe(400);
    const answer = await crlf.text();
    // The parser quotes the start of the body, line breaks and all: they arrive escaped.
    expect(answer.trim()).toMatch(/^JSON does not parse: .*\\r\\nFAKE/);
    expect(answer.trimEnd().split("\n")).toHaveLength(1);

    expect(await stop(receiver.child)).toBe(0);
    const log = receiver.stderr().split("\n");
    // Each request is one line; none starts with what the sender wrote after a line break.
    expect(log.filter((l) => l.startsWith("FAKE"))).toEqual([]);
    expect(log.filter((l) => l.includes("JSON does not parse"))).toEqual([
      expect.stringMatching(/ https rejected 400 JSON does not parse: .*\\r\\nFAKE/),
    ]);
    expect(log.filter((l) => / email counted 200 /.test(l))).toHaveLength(1);
    expect(log.filter((l) => / email rejected 403 no valid DKIM signature/.test(l))).toHaveLength(
      1,
    );
    expect(log.some((l) => l.includes("email error"))).toBe(false);

    const summary = await run(["report", "--local", "--data", data, "--format", "json"]);
    expect(summary.code).toBe(0);
    const parsed = JSON.parse(summary.stdout) as {
      domains: { domain: string; days: { day: string; successful: number; failed: number }[] }[];
    };
    expect(parsed.domains).toEqual([
      {
        domain: "mail.example",
        days: [expect.objectContaining({ day: yesterday, successful: 40, failed: 2 })],
      },
    ]);

    // The kept copy of the large body: its first LIMIT bytes, no more, with the reason.
    const aws = await startAwsLocal({ dataDir: data });
    try {
      const objects =
        (await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }))).Contents ?? [];
      expect(Math.max(...objects.map((o) => o.Size ?? 0))).toBe(LIMIT);
      const cut = objects.filter((o) => o.Size === LIMIT);
      expect(cut.length).toBeGreaterThan(0);
      const first = await aws.s3.send(
        new GetObjectCommand({ Bucket: aws.bucket, Key: cut[0].Key }),
      );
      expect(
        Buffer.from(await first.Body!.transformToByteArray()).equals(big.subarray(0, LIMIT)),
      ).toBe(true);
      const small = await Promise.all(
        objects
          .filter((o) => (o.Size ?? 0) < 4096)
          .map(async (o) =>
            (
              await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: o.Key }))
            ).Body!.transformToString(),
          ),
      );
      expect(small.some((text) => text.includes(`truncated at ${LIMIT} bytes`))).toBe(true);
    } finally {
      await aws.close();
    }
  });
});
