// Local servers the check tests talk to: an authoritative DNS server (dns2), an HTTPS policy
// host with per-name certificates (SNI), and SMTP MX hosts (smtp-server) on loopback addresses.
import * as https from "node:https";
import * as tls from "node:tls";
import dns2 from "dns2";
import { SMTPServer } from "smtp-server";
import type { Leaf } from "./pki";

export interface ZoneData {
  TXT?: string[][];
  MX?: string[];
  A?: string[];
  CNAME?: string;
}

export async function startDns(zone: Record<string, ZoneData>) {
  const { Packet } = dns2 as any;
  const server = (dns2 as any).createServer({
    udp: true,
    handle: (request: any, send: (r: unknown) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const data = zone[String(q.name).toLowerCase()];
      const base = { name: q.name, class: Packet.CLASS.IN, ttl: 60 };
      if (data?.CNAME)
        response.answers.push({ ...base, type: Packet.TYPE.CNAME, domain: data.CNAME });
      else if (data && q.type === Packet.TYPE.TXT)
        for (const t of data.TXT ?? [])
          response.answers.push({ ...base, type: Packet.TYPE.TXT, data: t });
      else if (data && q.type === Packet.TYPE.MX)
        (data.MX ?? []).forEach((exchange, i) =>
          response.answers.push({
            ...base,
            type: Packet.TYPE.MX,
            exchange,
            priority: 10 * (i + 1),
          }),
        );
      else if (data && q.type === Packet.TYPE.A)
        for (const address of data.A ?? [])
          response.answers.push({ ...base, type: Packet.TYPE.A, address });
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  return { address: `127.0.0.1:${server.addresses().udp.port}`, close: () => server.close() };
}

export type Handler = (
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
) => void;

/** One HTTPS server for every policy host: the certificate and handler are chosen per host name. */
export async function startHttps(
  certFor: (host: string) => Leaf,
  handlerFor: (host: string) => Handler,
) {
  const contexts = new Map<string, tls.SecureContext>();
  const fallback = certFor("default.invalid");
  const server = https.createServer(
    {
      key: fallback.key,
      cert: fallback.cert,
      SNICallback: (servername, cb) => {
        if (!contexts.has(servername))
          contexts.set(servername, tls.createSecureContext(certFor(servername)));
        cb(null, contexts.get(servername));
      },
    },
    (req, res) => handlerFor(String(req.headers.host).split(":")[0])(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An MX host on its own loopback address; `port` 0 picks one, later hosts reuse it. */
export async function startSmtp(
  address: string,
  port: number,
  opts: { certFor?: (host: string) => Leaf; starttls: boolean },
) {
  const fallback = opts.certFor?.("default.invalid");
  const server = new SMTPServer({
    secure: false,
    logger: false,
    authOptional: true,
    disabledCommands: ["AUTH"],
    hideSTARTTLS: !opts.starttls,
    ...(fallback ? { key: fallback.key, cert: fallback.cert } : {}),
    ...(opts.certFor
      ? {
          SNICallback: (
            servername: string,
            cb: (err: Error | null, ctx?: tls.SecureContext) => void,
          ) => cb(null, tls.createSecureContext(opts.certFor!(servername))),
        }
      : {}),
    onData: (stream, _session, cb) => {
      stream.resume();
      stream.on("end", () => cb());
    },
  });
  await new Promise<void>((resolve) => server.listen(port, address, () => resolve()));
  return {
    port: (server.server.address() as import("node:net").AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
