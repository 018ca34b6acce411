// An authoritative DNS server (dns2) on loopback for preflight tests: TXT, MX, A, AAAA, CAA and
// CNAME (answered for every type, as a server does for an alias; resolvers follow it themselves).
import dns2 from "dns2";

export interface ZoneEntry {
  TXT?: string[][];
  MX?: string[];
  A?: string[];
  AAAA?: string[];
  /** [flags, tag, value], e.g. [0, "issue", "letsencrypt.org"]. */
  CAA?: [number, string, string][];
  CNAME?: string;
}

export async function startZone(zone: Record<string, ZoneEntry>) {
  const { Packet } = dns2 as any;
  const queries: { name: string; type: number }[] = [];
  const server = (dns2 as any).createServer({
    udp: true,
    handle: (request: any, send: (r: unknown) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      queries.push({ name: String(q.name).toLowerCase(), type: q.type });
      const data = zone[String(q.name).toLowerCase()];
      const base = { name: q.name, class: Packet.CLASS.IN, ttl: 60 };
      const T = Packet.TYPE;
      if (data?.CNAME) response.answers.push({ ...base, type: T.CNAME, domain: data.CNAME });
      else if (data && q.type === T.TXT)
        for (const t of data.TXT ?? []) response.answers.push({ ...base, type: T.TXT, data: t });
      else if (data && q.type === T.MX)
        (data.MX ?? []).forEach((exchange, i) =>
          response.answers.push({ ...base, type: T.MX, exchange, priority: 10 * (i + 1) }),
        );
      else if (data && q.type === T.A)
        for (const address of data.A ?? []) response.answers.push({ ...base, type: T.A, address });
      else if (data && q.type === T.AAAA)
        for (const address of data.AAAA ?? [])
          response.answers.push({ ...base, type: T.AAAA, address });
      else if (data && q.type === T.CAA)
        for (const [flags, tag, value] of data.CAA ?? [])
          response.answers.push({ ...base, type: T.CAA, flags, tag, value });
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  return {
    address: `127.0.0.1:${server.addresses().udp.port}`,
    queries,
    close: () => server.close(),
  };
}
