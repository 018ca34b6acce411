// `mtasts report`: the daily aggregates, from the local receiver's data directory or from
// the deployed table (AWS credentials from the environment), as text, JSON, CSV or one HTML page
// with charts; with --stack, each domain's mode and promotion status beside them.
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { ConfigError, type DomainConfig, parseStackConfigMap } from "../config";
import type { KnownReporter } from "../protocol/trust";
import type { Finding } from "../receiver/findings";
import {
  annotate,
  type DomainStatus,
  renderSummaryText,
  type SelfCheckFinding,
  summarise,
} from "../receiver/report";
import { ReceiverStore } from "../receiver/store";
import { today as todayUtc } from "../world/promotion";
import { withDataDir } from "./data-dir";
import { startAwsLocal } from "./local-aws";
import { domainOption, isoDate } from "./options";
import { renderCsv } from "./report-csv";
import { renderHtml } from "./report-html";
import { domainStatuses } from "./report-status";
import { configFromStackText, readProject, stackFilePath, UsageError } from "./stack-file";

export const REPORT_FORMATS = ["text", "json", "html", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  local?: boolean;
  data: string;
  table?: string;
  bucket?: string;
  /** Any form of the name: EXAMPLE.com and bücher.example become A-labels, as in the stack config. */
  domain?: string;
  since?: string;
  format: ReportFormat;
  /** Write here instead of stdout (a file; an existing one is replaced). */
  out?: string;
  /** Read this stack's Pulumi.<stack>.yaml (in `dir`) for each domain's mode and promotion rule. */
  stack?: string;
  dir?: string;
  /** The day promotion is decided on (default: today, UTC). */
  today?: string;
}

/** The stack's domains and known reporters, for the promotion status. */
interface StackDomains {
  domains: readonly DomainConfig[];
  reporters: readonly KnownReporter[];
}

export async function reportCommand(options: ReportOptions): Promise<number> {
  const opts = {
    ...options,
    domain: options.domain === undefined ? undefined : domainOption("--domain", options.domain),
  };
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format))
    throw new UsageError(`--format ${opts.format}: must be one of ${REPORT_FORMATS.join(", ")}`);
  if (opts.since !== undefined) isoDate("--since", opts.since);
  if (opts.today !== undefined) isoDate("--today", opts.today);
  if (opts.out !== undefined) checkOut(opts.out);
  let stack: StackDomains | undefined;
  if (opts.stack !== undefined) {
    const read = readStack(opts.stack, opts.dir ?? process.cwd());
    if (typeof read === "string") {
      process.stderr.write(`mtasts report: ${read}\n`);
      return 1;
    }
    stack = read;
  }
  if (opts.local) {
    const dir = path.resolve(opts.data);
    if (!fs.existsSync(path.join(dir, "dynamodb")))
      throw new UsageError(
        `--data ${dir} holds no receiver data (run mtasts receive --local --data ${opts.data} first)`,
      );
    // A directory held by a running receiver is one line (exit 1), whenever dynalite notices.
    return withDataDir(dir, "report", async () => {
      const aws = await startAwsLocal({ dataDir: dir, s3: false });
      try {
        return await print(
          new ReceiverStore({
            s3: aws.s3,
            dynamodb: aws.dynamodb,
            bucket: aws.bucket,
            table: aws.table,
          }),
          opts,
          stack,
          `local data ${opts.data}`,
        );
      } finally {
        await aws.close();
      }
    });
  }
  if (!opts.table)
    throw new UsageError("give --local --data DIR, or --table NAME (the stack output reportTable)");
  return print(
    new ReceiverStore({
      s3: new S3Client({}),
      dynamodb: new DynamoDBClient({}),
      bucket: opts.bucket ?? "",
      table: opts.table,
    }),
    opts,
    stack,
    `table ${opts.table}`,
  );
}

/** --out names a file to (re)write: never a directory, and its directory must exist. */
function checkOut(out: string): void {
  const file = path.resolve(out);
  if (
    out.endsWith("/") ||
    out.endsWith(path.sep) ||
    (fs.existsSync(file) && fs.statSync(file).isDirectory())
  ) {
    throw new UsageError(
      `--out ${out} is a directory; give a file name, e.g. --out ${path.join(out, "report.html")}`,
    );
  }
  const parent = path.dirname(file);
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory())
    throw new UsageError(`--out ${out}: the directory ${parent} does not exist; create it first`);
}

/** The stack's domains, or the config error to print (exit 1, as promote does). */
function readStack(stack: string, dir: string): StackDomains | string {
  const project = readProject(path.resolve(dir));
  const file = stackFilePath(project.dir, stack);
  try {
    const { domains, receiver } = parseStackConfigMap(
      configFromStackText(fs.readFileSync(file, "utf8"), project.name, file),
    ).config;
    return { domains, reporters: receiver.reporters };
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

/** The self-check's findings (receiver/findings.ts): each domain's latest run, one entry per check, and every day it ran. */
async function selfCheckFindings(
  store: ReceiverStore,
  domain?: string,
  since?: string,
): Promise<{
  selfCheck: SelfCheckFinding[];
  selfCheckDays: { domain: string; day: string; ok: boolean }[];
}> {
  const findings = await store.findings(domain, since);
  const latest = new Map<string, Finding>();
  for (const f of findings)
    if (!latest.has(f.domain) || latest.get(f.domain)!.at < f.at) latest.set(f.domain, f);
  return {
    selfCheck: [...latest.values()].flatMap((f) =>
      f.checks.map((c) => ({
        domain: f.domain,
        check: c.id,
        status: c.status,
        message: c.message,
        at: f.at,
      })),
    ),
    selfCheckDays: findings.map((f) => ({ domain: f.domain, day: f.day, ok: f.ok })),
  };
}

async function print(
  store: ReceiverStore,
  opts: ReportOptions,
  stack: StackDomains | undefined,
  source: string,
): Promise<number> {
  let summary = summarise(await store.aggregates(opts.domain), await store.stats(), {
    domain: opts.domain,
    since: opts.since,
  });
  let status: Map<string, DomainStatus> | undefined;
  if (stack) {
    const domains = stack.domains.filter((d) => !opts.domain || d.domain === opts.domain);
    status = await domainStatuses(domains, store, {
      today: opts.today ?? todayUtc(),
      reporters: stack.reporters,
    });
  }
  summary = annotate(summary, {
    status,
    ...(await selfCheckFindings(store, opts.domain, opts.since)),
  });
  const text =
    opts.format === "json"
      ? `${JSON.stringify(summary, null, 2)}\n`
      : opts.format === "csv"
        ? renderCsv(summary)
        : opts.format === "html"
          ? renderHtml(summary, { generatedAt: new Date().toISOString(), source })
          : renderSummaryText(summary);
  if (opts.out === undefined) process.stdout.write(text);
  else {
    fs.writeFileSync(opts.out, text);
    process.stderr.write(
      `mtasts report: wrote ${opts.out} (${text.length.toLocaleString("en-US")} characters)\n`,
    );
  }
  return 0;
}
