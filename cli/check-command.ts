// `mtasts check` wiring: options -> the live checks of check/ (the same code the self-check's
// Lambda runs) -> output and exit status (0 nothing failed, 1 something failed).
import * as fs from "node:fs";
import { toALabels } from "../protocol/dns-name";
import { checkDomain, type DomainReport } from "../check/check";
import { liveCheckDeps, mapBounded } from "../check/run";
import { renderCheckJson, renderCheckText } from "./check/render";
import { parseResolverAddress } from "../net/resolver";
import { UsageError } from "./stack-file";

export { mapBounded };

export interface CheckOptions {
  format: "text" | "json";
  resolver?: string;
  ca?: string;
  httpsPort: string;
  smtpPort: string;
  timeout: string;
  smtp: boolean;
  concurrency: string;
}

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`${name} ${value} must be a number in (0, ${max}]`);
  return n;
}

/** Checks the domains and returns the reports (the command prints them). Throws UsageError on bad options. */
export async function runChecks(domains: string[], opts: CheckOptions): Promise<DomainReport[]> {
  const names = domains.map((d) => {
    try {
      return toALabels(d);
    } catch (err) {
      throw new UsageError(`domain ${(err as Error).message}`);
    }
  });
  const timeoutMs = positive("--timeout", opts.timeout, 600) * 1000;
  const httpsPort = positive("--https-port", opts.httpsPort, 65535);
  const smtpPort = positive("--smtp-port", opts.smtpPort, 65535);
  const concurrency = positive("--concurrency", opts.concurrency, 256);
  let server: string | undefined;
  try {
    server = opts.resolver ? parseResolverAddress(opts.resolver) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (opts.ca && !fs.existsSync(opts.ca)) throw new UsageError(`--ca ${opts.ca}: no such file`);
  const ca = opts.ca ? fs.readFileSync(opts.ca) : undefined;

  const deps = liveCheckDeps({
    resolver: server,
    ca,
    httpsPort,
    smtpPort,
    timeoutMs,
    smtp: opts.smtp,
  });
  return mapBounded(names, concurrency, (domain) => checkDomain(domain, deps));
}

export async function checkCommand(domains: string[], opts: CheckOptions): Promise<number> {
  const reports = await runChecks(domains, opts);
  process.stdout.write(
    opts.format === "json" ? renderCheckJson(reports) : renderCheckText(reports),
  );
  return reports.every((r) => r.ok) ? 0 : 1;
}
