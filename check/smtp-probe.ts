// Talks to an MX like a sending MTA up to the TLS handshake: greeting, EHLO, STARTTLS, and
// the certificate it then presents. Then QUIT; nothing is ever sent.
// Not nodemailer's SMTPConnection (issue 13 asked): it tells neither whether STARTTLS was offered
// nor which certificate came back except through its private fields (_supportedExtensions, _socket).
import * as net from "node:net";
import * as tls from "node:tls";
import { type CertificateReport, inspectCertificate } from "./certificate";

export interface SmtpProbe {
  readonly starttlsOffered: boolean;
  readonly certificate?: CertificateReport;
  readonly tlsVersion?: string;
}

/**
 * An error after the TCP connection was made: the MX answered (a refusal, a bad reply, a close),
 * so port 25 is reachable from here. Before the connection, errors are the network's.
 */
export class SmtpExchangeError extends Error {
  override name = "SmtpExchangeError";
  readonly connected = true;
}

/** More than this without a complete reply line is not SMTP (RFC 5321 4.5.3.1.5: 512 per line). */
const MAX_PENDING_REPLY = 64 * 1024;

/** Reads one (possibly multi-line) SMTP reply. */
function reader(socket: net.Socket | tls.TLSSocket, onOverflow: (err: Error) => void) {
  let buffer = "";
  const waiting: ((reply: { code: number; lines: string[] }) => void)[] = [];
  const replies: { code: number; lines: string[] }[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    if (buffer.length > MAX_PENDING_REPLY) {
      onOverflow(new Error(`more than ${MAX_PENDING_REPLY} bytes without a complete SMTP reply`));
      buffer = "";
      return;
    }
    for (;;) {
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
      if (!m) break;
      const end = m.index + m[0].length;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const reply = {
        code: Number(m[2]),
        lines: text
          .split("\r\n")
          .filter(Boolean)
          .map((l) => l.slice(4)),
      };
      const w = waiting.shift();
      if (w) w(reply);
      else replies.push(reply);
    }
  });
  return () =>
    new Promise<{ code: number; lines: string[] }>((resolve) => {
      const r = replies.shift();
      if (r) resolve(r);
      else waiting.push(resolve);
    });
}

export async function probeStartTls(opts: {
  host: string;
  address: string;
  port: number;
  ca?: Buffer;
  timeoutMs: number;
  ehloName?: string;
}): Promise<SmtpProbe> {
  const socket = net.connect({ host: opts.address, port: opts.port });
  let upgraded: tls.TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The time limit holds until the probe returns, whatever the socket does meanwhile.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no complete SMTP exchange within ${opts.timeoutMs / 1000} s`)),
      opts.timeoutMs,
    );
  });
  deadline.catch(() => undefined);
  // An error, or a close before the exchange is done (a server that hangs up after connecting,
  // or a load balancer that drops us), ends the probe at once rather than at the time limit.
  const failed = new Promise<never>((_, reject) => {
    socket.once("error", reject);
    socket.once("close", () =>
      reject(new Error(`${opts.address} closed the connection before the exchange was done`)),
    );
  });
  failed.catch(() => undefined);
  let overflow: (err: Error) => void = () => undefined;
  const overflowed = new Promise<never>((_, reject) => (overflow = reject));
  overflowed.catch(() => undefined);
  const step = <T>(p: Promise<T>) => Promise.race([p, deadline, failed, overflowed]);
  let connected = false;
  try {
    await step(new Promise<void>((resolve) => socket.once("connect", () => resolve())));
    connected = true;
    const next = reader(socket, (err) => overflow(err));
    const greeting = await step(next());
    if (greeting.code !== 220)
      throw new Error(`greeting was ${greeting.code} ${greeting.lines[0] ?? ""}`);
    socket.write(`EHLO ${opts.ehloName ?? "mtasts-check.invalid"}\r\n`);
    const ehlo = await step(next());
    if (ehlo.code !== 250) throw new Error(`EHLO answered ${ehlo.code} ${ehlo.lines[0] ?? ""}`);
    const starttlsOffered = ehlo.lines.some((l) => /^STARTTLS\b/i.test(l));
    if (!starttlsOffered) {
      socket.write("QUIT\r\n");
      return { starttlsOffered };
    }
    socket.write("STARTTLS\r\n");
    const go = await step(next());
    if (go.code !== 220) throw new Error(`STARTTLS answered ${go.code} ${go.lines[0] ?? ""}`);
    socket.removeAllListeners("data");
    upgraded = tls.connect({
      socket,
      servername: opts.host,
      ca: opts.ca,
      rejectUnauthorized: false,
    });
    const tlsFailed = new Promise<never>((_, reject) => upgraded!.once("error", reject));
    tlsFailed.catch(() => undefined);
    await Promise.race([
      new Promise<void>((resolve) => upgraded!.once("secureConnect", () => resolve())),
      deadline,
      tlsFailed,
      failed,
    ]);
    const certificate = inspectCertificate(upgraded, opts.host);
    const tlsVersion = upgraded.getProtocol() ?? undefined;
    upgraded.write("QUIT\r\n");
    return { starttlsOffered, certificate, tlsVersion };
  } catch (err) {
    if (!connected || err instanceof SmtpExchangeError) throw err;
    throw new SmtpExchangeError((err as Error).message, { cause: err });
  } finally {
    clearTimeout(timer);
    upgraded?.destroy();
    socket.destroy();
  }
}
