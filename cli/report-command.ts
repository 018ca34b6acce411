// `mtasts report`: the daily aggregates, from the local receiver's data directory or from
// the deployed table (AWS credentials from the environment).
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { renderSummaryText, summarise } from "../receiver/report";
import { ReceiverStore } from "../receiver/store";
import { startAwsLocal } from "./local-aws";
import { UsageError } from "./stack-file";

export interface ReportOptions {
  local?: boolean;
  data: string;
  table?: string;
  bucket?: string;
  domain?: string;
  since?: string;
  format: "text" | "json";
}

export async function reportCommand(opts: ReportOptions): Promise<number> {
  if (opts.since && !/^\d{4}-\d{2}-\d{2}$/.test(opts.since)) throw new UsageError(`--since ${opts.since} must be YYYY-MM-DD`);
  let store: ReceiverStore;
  let close = async () => {};
  if (opts.local) {
    const dir = path.resolve(opts.data);
    if (!fs.existsSync(path.join(dir, "dynamodb"))) throw new UsageError(`--data ${dir} holds no receiver data (run mtasts receive --local --data ${opts.data} first)`);
    let aws;
    try {
      aws = await startAwsLocal({ dataDir: dir, s3: false });
    } catch (err) {
      throw new UsageError(`cannot open ${dir}: ${(err as Error).message} (is mtasts receive --local still running on it? stop it first)`);
    }
    store = new ReceiverStore({ s3: aws.s3, dynamodb: aws.dynamodb, bucket: aws.bucket, table: aws.table });
    close = aws.close;
  } else {
    if (!opts.table) throw new UsageError("give --local --data DIR, or --table NAME (the stack output reportTable)");
    store = new ReceiverStore({ s3: new S3Client({}), dynamodb: new DynamoDBClient({}), bucket: opts.bucket ?? "", table: opts.table });
  }
  try {
    const summary = summarise(await store.aggregates(opts.domain), await store.stats(), { domain: opts.domain, since: opts.since });
    process.stdout.write(opts.format === "json" ? `${JSON.stringify(summary, null, 2)}\n` : renderSummaryText(summary));
    return 0;
  } finally {
    await close();
  }
}
