// `mtasts retire`: the first step of removing a domain (RFC 8461 8.3). Sets mode: none with a
// short max_age, and retireAfter = today + the old max_age (rounded up to whole days, plus
// one), the first day `remove: true` will be accepted.
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfigMap } from "../config";
import { toALabels } from "../protocol/dns-name";
import {
  configFromStackText,
  readProject,
  stackFileName,
  stackFilePath,
  UsageError,
} from "./stack-file";
import { setDomainKeys } from "./stack-edit";

export interface RetireOptions {
  stack: string;
  dir: string;
  domain: string;
  maxAge: string;
  dryRun?: boolean;
  today?: string;
}

export async function retireCommand(opts: RetireOptions): Promise<number> {
  const project = readProject(path.resolve(opts.dir));
  const file = stackFilePath(project.dir, opts.stack);
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today))
    throw new UsageError(`--today ${today} must be YYYY-MM-DD`);
  const maxAge = Number(opts.maxAge);
  if (!Number.isInteger(maxAge) || maxAge < 1)
    throw new UsageError(`--max-age ${opts.maxAge} must be a whole number of seconds`);
  const text = fs.readFileSync(file, "utf8");
  const raw = configFromStackText(text, project.name, file);
  let domain: string;
  try {
    domain = toALabels(opts.domain);
  } catch (err) {
    throw new UsageError(`--domain ${(err as Error).message}`);
  }
  let current;
  try {
    current = parseStackConfigMap(raw).config.domains.find((d) => d.domain === domain);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mtasts retire: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (!current) throw new UsageError(`${domain} is not in ${stackFileName(opts.stack)}`);
  if (current.retireAfter) {
    process.stdout.write(
      `${domain} is already retiring: remove: true is accepted from ${current.retireAfter}\n`,
    );
    return 0;
  }
  // Senders may hold the current policy for its max_age from their last fetch, which can be
  // as late as the moment the none policy is published.
  const days = Math.ceil(current.maxAge / 86_400) + 1;
  const after = new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const updated = setDomainKeys(text, domain, { mode: "none", maxAge, retireAfter: after });
  if (!opts.dryRun) fs.writeFileSync(file, updated);
  process.stdout.write(
    `${domain}: mode none, maxAge ${maxAge}, retireAfter ${after} (old max_age ${current.maxAge} s)${opts.dryRun ? " [dry run: nothing written]" : ""}\n` +
      `next: pulumi up (publishes the none policy and its new id); from ${after}, set remove: true and pulumi up to delete its records and host\n`,
  );
  return 0;
}
