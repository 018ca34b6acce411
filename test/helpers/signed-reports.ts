// TLS-RPT email reports DKIM-signed with a key of the test's own, as any domain, and the
// resolver that publishes that key: how a test plays Google or an attacker's domain by email.
import { generateKeyPairSync } from "node:crypto";
import { gzipSync } from "node:zlib";
import nodemailer from "nodemailer";
import type { DnsResolver } from "../../receiver/email";

const key = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

/** Answers `sel._domainkey.<any domain>` with the test key; everything else does not exist. */
export const dkimResolver: DnsResolver = async (name, rrtype) => {
  if (rrtype === "TXT" && name.startsWith("sel._domainkey."))
    return [[`v=DKIM1; k=rsa; p=${key.publicKey.toString("base64")}`]];
  const err = new Error(`no ${rrtype} for ${name}`) as NodeJS.ErrnoException;
  err.code = "ENOTFOUND";
  throw err;
};

/** A report email as `signAs` sends it: submitter and contact in that domain, signed by it. */
export async function signedReportEmail(
  signAs: string,
  report: Buffer | string,
  opts: { id?: string } = {},
): Promise<Buffer> {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    dkim: { domainName: signAs, keySelector: "sel", privateKey: key.privateKey },
  });
  const info = await transport.sendMail({
    from: `tlsrpt@${signAs}`,
    to: "tlsrpt@reports.example",
    subject: `Report Domain: x Submitter: ${signAs} Report-ID: <${opts.id ?? "r"}@${signAs}>`,
    headers: { "TLS-Report-Submitter": signAs },
    text: `TLS report from ${signAs}`,
    attachments: [
      {
        filename: `${signAs}!x!1!2.json.gz`,
        content: gzipSync(report),
        contentType: "application/tlsrpt+gzip",
      },
    ],
  });
  return info.message as Buffer;
}
