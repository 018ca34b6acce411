// The STARTTLS probe against servers that misbehave: it must end on its own (a close is an answer,
// not a wait for the time limit), bound what it buffers, and tell a refusal from no connection.
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { probeStartTls, SmtpExchangeError } from "../check/smtp-probe";

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function server(onConnection: (socket: net.Socket) => void): Promise<number> {
  const s = net.createServer(onConnection);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as net.AddressInfo).port;
}

// A time limit no test reaches: a probe that waited for it would fail by the test runner's own limit.
const probe = (port: number) =>
  probeStartTls({ host: "mx.example", address: "127.0.0.1", port, timeoutMs: 600_000 });

describe("probeStartTls against servers that misbehave", () => {
  it("ends at once, as an answer, when the server closes right after connecting", async () => {
    const port = await server((s) => s.end());
    const err = await probe(port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpExchangeError);
    expect((err as Error).message).toContain("closed the connection before the exchange was done");
  });

  it("ends at once when the server closes after its greeting, before answering EHLO", async () => {
    const port = await server((s) => {
      s.write("220 mx.example ESMTP\r\n");
      s.once("data", () => s.end());
    });
    await expect(probe(port)).rejects.toThrow("closed the connection before the exchange was done");
  });

  it("is an answer (connected) when the server refuses with 554", async () => {
    const port = await server((s) => s.end("554 no mail from your network\r\n"));
    const err = await probe(port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpExchangeError);
    expect((err as SmtpExchangeError).connected).toBe(true);
    expect((err as Error).message).toContain("greeting was 554");
  });

  it("stops reading a reply that never ends (64 KiB without a reply line)", async () => {
    const port = await server((s) => s.write("2".repeat(70 * 1024)));
    await expect(probe(port)).rejects.toThrow(
      "more than 65536 bytes without a complete SMTP reply",
    );
  });

  it("is not an answer when nothing listens (the network's error, not the MX's)", async () => {
    const port = await server(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const err = await probe(port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(SmtpExchangeError);
    expect((err as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });
});
