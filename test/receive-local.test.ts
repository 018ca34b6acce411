// `mtasts receive --local` and `mtasts report --local` as a user runs them: real processes,
// HTTP and SMTP on loopback, data that survives a restart.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import nodemailer from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import type { ReportSummary } from "../receiver/report";
import { FIXTURES } from "./helpers/fixtures";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const fixtures = FIXTURES;
const data = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-local-"));
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

async function startReceiver() {
  const child = spawn(
    process.execPath,
    [bin, "receive", "--local", "--port", "0", "--smtp-port", "0", "--data", data, "--dkim", "off"],
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

const report = () =>
  new Promise<ReportSummary>((resolve, reject) =>
    execFile(
      process.execPath,
      [bin, "report", "--local", "--data", data, "--format", "json"],
      { encoding: "utf8" },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    ),
  );

describe("mtasts receive --local", () => {
  it("receives over HTTP and SMTP, counts once, and keeps its data across a restart", async () => {
    const first = await startReceiver();
    expect(first.stderr()).toContain("WARNING: --dkim=off");
    const post = (body: Uint8Array, type = "application/tlsrpt+gzip") =>
      fetch(`http://127.0.0.1:${first.http}/`, {
        method: "POST",
        headers: { "content-type": type },
        body,
      });
    const gz = gzipSync(fs.readFileSync(path.join(fixtures, "rfc-mx-host-string.json")));
    expect((await post(gz)).status).toBe(200);
    expect((await post(gz)).status).toBe(200); // duplicate: 200, counted once
    const bad = await post(Buffer.from("not a report"), "text/html");
    expect([bad.status, (await bad.text()).trim()]).toEqual([
      415,
      "Content-Type text/html is not a report type; send application/tlsrpt+gzip or application/tlsrpt+json",
    ]);

    const mail = nodemailer.createTransport({
      host: "127.0.0.1",
      port: first.smtp,
      secure: false,
      ignoreTLS: true,
    });
    await mail.sendMail({
      from: "noreply@google.com",
      to: "tlsrpt@reports.example",
      subject: "report",
      text: "see attachment",
      attachments: [
        {
          filename: "r.json.gz",
          content: gzipSync(fs.readFileSync(path.join(fixtures, "seven-day-range.json"))),
          contentType: "application/tlsrpt+gzip",
        },
      ],
    });
    mail.close();
    expect(await stop(first.child)).toBe(0);

    let summary = await report();
    expect(summary.rejected).toBe(1);
    expect(summary.duplicates).toBe(1);
    expect(summary.domains.map((d) => d.domain)).toEqual(["alpha.example", "bravo.example"]);
    expect(summary.domains[0].days).toEqual([
      {
        day: "2025-03-10",
        policyIds: [expect.stringMatching(/^[0-9a-f]{32}$/)],
        successful: 1200,
        failed: 60,
        failureRate: 0.047619,
        byResultType: {
          "certificate-expired": 40,
          "starttls-not-supported": 15,
          "validation-failure": 5,
        },
        organisations: ["Relay Alpha"],
        byOrganisation: { "Relay Alpha": { successful: 1200, failed: 60 } },
        byMx: {
          "mx1.mail.alpha.example": 40,
          "mx2.mail.alpha.example": 15,
          "mx3.mail.alpha.example": 5,
        },
        byTrust: { known: 0, signed: 0, unsigned: 1260 },
      },
    ]);
    expect(summary.domains[1].days[0]).toMatchObject({
      day: "2025-02-24",
      successful: 410,
      failed: 2,
      organisations: ["Reporter Golf Weekly"],
    });

    const second = await startReceiver();
    const again = await fetch(`http://127.0.0.1:${second.http}/`, {
      method: "POST",
      headers: { "content-type": "application/tlsrpt+json" },
      body: fs.readFileSync(path.join(fixtures, "google-two-validation-failures.json")),
    });
    expect(again.status).toBe(200);
    const dup = await fetch(`http://127.0.0.1:${second.http}/`, {
      method: "POST",
      headers: { "content-type": "application/tlsrpt+gzip" },
      body: gz,
    });
    expect(dup.status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    summary = await report();
    expect(summary.duplicates).toBe(2);
    expect(summary.domains.find((d) => d.domain === "alpha.example")!.days[0].successful).toBe(
      1200,
    );
    expect(
      summary.domains.find((d) => d.domain === "bravo.example")!.days.map((d) => d.day),
    ).toEqual(["2025-02-24", "2025-03-04"]);
  });

  it("reports a usage error for a directory without data", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-empty-"));
    const code = await new Promise<number | null>((resolve) =>
      execFile(process.execPath, [bin, "report", "--local", "--data", empty], (err) =>
        resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
      ),
    );
    expect(code).toBe(2);
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
