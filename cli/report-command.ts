// `mtasts report`: the daily aggregates, from the local receiver's data directory or from
// the deployed table (AWS credentials from the environment).
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { renderSummaryText, summarise } from "../receiver/report";
import { ReceiverStore } from "../receiver/store";
import { withDataDir } from "./data-dir";
import { startAwsLocal } from "./local-aws";
import { domainOption, isoDate } from "./options";
import { UsageError } from "./stack-file";

export interface ReportOptions {
  local?: boolean;
  data: string;
  table?: string;
  bucket?: string;
  /** Any form of the name: EXAMPLE.com and bücher.example become A-labels, as in the stack config. */
  domain?: string;
  since?: string;
  format: "text" | "json";
}

export async function reportCommand(options: ReportOptions): Promise<number> {
  const opts = { ...options, domain: options.domain === undefined ? undefined : domainOption("--domain", options.domain) };
  if (opts.since !== undefined) isoDate("--since", opts.since);
  if (opts.local) {
    const dir = path.resolve(opts.data);
    if (!fs.existsSync(path.join(dir, "dynamodb"))) throw new UsageError(`--data ${dir} holds no receiver data (run mtasts receive --local --data ${opts.data} first)`);
    // A directory held by a running receiver is one line (exit 1), whenever dynalite notices.
    return withDataDir(dir, "report", async () => {
      const aws = await startAwsLocal({ dataDir: dir, s3: false });
      try {
        return await print(new ReceiverStore({ s3: aws.s3, dynamodb: aws.dynamodb, bucket: aws.bucket, table: aws.table }), opts);
      } finally {
        await aws.close();
      }
    });
  }
  if (!opts.table) throw new UsageError("give --local --data DIR, or --table NAME (the stack output reportTable)");
  return print(new ReceiverStore({ s3: new S3Client({}), dynamodb: new DynamoDBClient({}), bucket: opts.bucket ?? "", table: opts.table }), opts);
}

async function print(store: ReceiverStore, opts: ReportOptions): Promise<number> {
  const summary = summarise(await store.aggregates(opts.domain), await store.stats(), { domain: opts.domain, since: opts.since });
  process.stdout.write(opts.format === "json" ? `${JSON.stringify(summary, null, 2)}\n` : renderSummaryText(summary));
  return 0;
}
