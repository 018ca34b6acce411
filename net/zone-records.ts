// CNAME and CAA lookups for `mtasts preflight`, beside resolver.ts's TXT/MX/address lookups and
// with the same server choice: the system resolver, or HOST:PORT (tests, split horizons).
import { Resolver } from "node:dns/promises";

/** One CAA record (RFC 8659 4.1): flags, tag (lower case) and value. */
export interface CaaRecord {
  readonly critical: boolean;
  readonly tag: string;
  readonly value: string;
}

export interface ZoneRecords {
  /** The target of a CNAME at `name` (no trailing dot, lower case), or undefined when there is none. */
  cname(name: string): Promise<string | undefined>;
  /** CAA records at `name` itself, without following CNAMEs; [] when none. */
  caa(name: string): Promise<CaaRecord[]>;
}

const EMPTY = new Set(["ENODATA", "ENOTFOUND", "NOTFOUND", "NODATA"]);

export function makeZoneRecords(opts: { server?: string; timeoutMs: number }): ZoneRecords {
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
  return {
    cname: async (name) =>
      (await orEmpty(r.resolveCname(name)))[0]?.replace(/\.$/, "").toLowerCase(),
    caa: async (name) =>
      (await orEmpty(r.resolveCaa(name))).map((rec) => {
        // Node gives { critical, <tag>: value }; the one key besides `critical` is the tag.
        const [tag, value] = Object.entries(rec).find(([k]) => k !== "critical") ?? ["", ""];
        return {
          critical: (rec.critical & 128) !== 0,
          tag: tag.toLowerCase(),
          value: String(value),
        };
      }),
  };
}
