// Where the receiver keeps things: raw bytes (S3, first), rejected bytes with their reason
// (S3, under rejected/), normalised reports (S3), and exactly-once daily aggregates (DynamoDB).
//
// Exactly once without transactions: a claim item per report (conditional put) lists the
// rows to apply; each aggregate update adds the report's hash to the item's `applied` set in
// the same conditional write (`NOT contains(applied, :h)`), so re-applying after a crash or a
// concurrent delivery changes nothing. The claim is marked done once every row is applied.
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AggregateRow } from "./aggregate";

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

export interface StoreConfig {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucket: string;
  readonly table: string;
  /** Test hook: called before each aggregate row is applied (to simulate a crash). */
  readonly beforeApply?: (index: number) => void | Promise<void>;
}

export type CountOutcome = "counted" | "duplicate";

export class ReceiverStore {
  constructor(private readonly cfg: StoreConfig) {}

  /** Stores the bytes as received, before anything else; idempotent (content-addressed). */
  async putRaw(channel: "https" | "email", bytes: Uint8Array, receivedAt: Date): Promise<string> {
    const key = `raw/${channel}/${receivedAt.toISOString().slice(0, 10)}/${sha256(bytes)}`;
    await this.cfg.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: key, Body: bytes }));
    return key;
  }

  async getObject(key: string): Promise<Buffer> {
    const res = await this.cfg.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }

  /** Keeps rejected bytes with the reason (a JSON sidecar), and counts the rejection. */
  async putRejected(rawKey: string, bytes: Uint8Array, reason: string, receivedAt: Date): Promise<string> {
    const base = `rejected/${receivedAt.toISOString().slice(0, 10)}/${sha256(bytes)}`;
    await this.cfg.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: `${base}.bin`, Body: bytes }));
    await this.cfg.s3.send(
      new PutObjectCommand({
        Bucket: this.cfg.bucket,
        Key: `${base}.json`,
        Body: JSON.stringify({ reason, rawKey, receivedAt: receivedAt.toISOString(), bytes: bytes.length }),
        ContentType: "application/json",
      }),
    );
    await this.bump("rejected");
    return base;
  }

  async putNormalised(day: string, id: string, report: unknown): Promise<void> {
    await this.cfg.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: `reports/${day}/${id}.json`, Body: JSON.stringify(report), ContentType: "application/json" }));
  }

  private async bump(counter: "rejected" | "duplicates"): Promise<void> {
    await this.cfg.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.cfg.table,
        Key: { pk: { S: "stats" }, sk: { S: "totals" } },
        UpdateExpression: "ADD #c :one",
        ExpressionAttributeNames: { "#c": counter },
        ExpressionAttributeValues: { ":one": { N: "1" } },
      }),
    );
  }

  /**
   * Counts a report's rows exactly once per `dedupKey` (organisation + report id + range).
   * Returns "duplicate" when another delivery claimed it first (its rows are still completed).
   */
  async countOnce(dedupKey: string, rows: readonly AggregateRow[]): Promise<CountOutcome> {
    const hash = sha256(dedupKey).slice(0, 32);
    const claimKey = { pk: { S: `claim#${hash}` }, sk: { S: "claim" } };
    let outcome: CountOutcome = "counted";
    let pending = rows;
    try {
      await this.cfg.dynamodb.send(
        new PutItemCommand({
          TableName: this.cfg.table,
          Item: { ...claimKey, state: { S: "pending" }, rows: { S: JSON.stringify(rows) }, dedupKey: { S: dedupKey } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      outcome = "duplicate";
      const existing = await this.cfg.dynamodb.send(new GetItemCommand({ TableName: this.cfg.table, Key: claimKey, ConsistentRead: true }));
      // Finish what the first delivery (or a crashed attempt) started; done means nothing left.
      pending = existing.Item?.state?.S === "done" ? [] : (JSON.parse(existing.Item?.rows?.S ?? "[]") as AggregateRow[]);
    }
    for (const [i, row] of pending.entries()) {
      await this.cfg.beforeApply?.(i);
      await this.applyRow(hash, row);
    }
    if (pending.length > 0 || outcome === "counted") {
      await this.cfg.dynamodb.send(
        new UpdateItemCommand({ TableName: this.cfg.table, Key: claimKey, UpdateExpression: "SET #s = :done", ExpressionAttributeNames: { "#s": "state" }, ExpressionAttributeValues: { ":done": { S: "done" } } }),
      );
    }
    if (outcome === "duplicate") await this.bump("duplicates");
    return outcome;
  }

  private async applyRow(hash: string, row: AggregateRow): Promise<void> {
    const names: Record<string, string> = { "#applied": "applied" };
    const values: Record<string, { N: string } | { SS: string[] } | { S: string }> = { ":h": { SS: [hash] }, ":hs": { S: hash } };
    const adds = Object.entries(row.counters).map(([counter, n], i) => {
      names[`#c${i}`] = `c:${counter}`;
      values[`:n${i}`] = { N: String(n) };
      return `#c${i} :n${i}`;
    });
    try {
      await this.cfg.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.cfg.table,
          Key: { pk: { S: `agg#${row.domain}` }, sk: { S: row.day } },
          UpdateExpression: `ADD ${[...adds, "#applied :h"].join(", ")}`,
          ConditionExpression: "attribute_not_exists(#applied) OR NOT contains(#applied, :hs)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err; // already applied: nothing to do
    }
  }

  /** Every aggregate item (for `mtasts report` and promotion), optionally for one domain. */
  async aggregates(domain?: string): Promise<{ domain: string; day: string; counters: Record<string, number> }[]> {
    const out: { domain: string; day: string; counters: Record<string, number> }[] = [];
    const { ScanCommand } = await import("@aws-sdk/client-dynamodb");
    let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    do {
      const res = domain
        ? await this.cfg.dynamodb.send(new QueryCommand({ TableName: this.cfg.table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: `agg#${domain}` } }, ExclusiveStartKey: start }))
        : await this.cfg.dynamodb.send(new ScanCommand({ TableName: this.cfg.table, ExclusiveStartKey: start }));
      for (const item of res.Items ?? []) {
        if (!item.pk?.S?.startsWith("agg#")) continue;
        const counters: Record<string, number> = {};
        for (const [k, v] of Object.entries(item)) if (k.startsWith("c:") && v.N) counters[k.slice(2)] = Number(v.N);
        out.push({ domain: item.pk.S.slice(4), day: item.sk!.S!, counters });
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async stats(): Promise<{ rejected: number; duplicates: number }> {
    const res = await this.cfg.dynamodb.send(new GetItemCommand({ TableName: this.cfg.table, Key: { pk: { S: "stats" }, sk: { S: "totals" } }, ConsistentRead: true }));
    return { rejected: Number(res.Item?.rejected?.N ?? 0), duplicates: Number(res.Item?.duplicates?.N ?? 0) };
  }
}
