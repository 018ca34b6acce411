// DNS for `mtasts check`: the system resolver, or one given as HOST:PORT (tests, split
// horizons). CNAMEs are followed by hand, since an authoritative server may answer with the alias only.
import { Resolver } from "node:dns/promises";

export interface CheckResolver {
  /** TXT records at `name` (each record's strings concatenated), following CNAMEs; [] when none. */
  txt(name: string): Promise<string[]>;
  /** MX hosts of `domain`, lowest preference first; [] when none. */
  mx(domain: string): Promise<string[]>;
  /** IPv4 then IPv6 addresses of `host`, following CNAMEs; [] when none. */
  addresses(host: string): Promise<string[]>;
}

const EMPTY = new Set(["ENODATA", "ENOTFOUND", "NOTFOUND", "NODATA"]);

/** Parses "HOST:PORT" or "[v6]:PORT"; throws on anything else. */
export function parseResolverAddress(value: string): string {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value))
    throw new Error(`--resolver "${value}" is not HOST:PORT (e.g. 127.0.0.1:5353)`);
  return value;
}

export function makeResolver(opts: { server?: string; timeoutMs: number }): CheckResolver {
  const r = new Resolver({ timeout: opts.timeoutMs, tries: 2 });
  if (opts.server) r.setServers([opts.server]);
  const orEmpty = async <T>(p: Promise<T[]>): Promise<T[]> => {
    try {
      return await p;
    } catch (err) {
      if (EMPTY.has((err as NodeJS.ErrnoException).code ?? "")) return [];
      throw new Error(
        `DNS lookup failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  async function follow<T>(
    name: string,
    lookup: (n: string) => Promise<T[]>,
    depth = 0,
  ): Promise<T[]> {
    const direct = await orEmpty(lookup(name));
    if (direct.length > 0 || depth >= 8) return direct;
    const [target] = await orEmpty(r.resolveCname(name));
    return target ? follow(target, lookup, depth + 1) : [];
  }
  return {
    txt: async (name) =>
      (await follow(name, (n) => r.resolveTxt(n))).map((strings) => strings.join("")),
    mx: async (domain) =>
      (await orEmpty(r.resolveMx(domain)))
        .sort((a, b) => a.priority - b.priority)
        .map((m) => m.exchange.replace(/\.$/, "").toLowerCase()),
    addresses: async (host) => [
      ...(await follow(host, (n) => r.resolve4(n))),
      ...(await follow(host, (n) => r.resolve6(n))),
    ],
  };
}
