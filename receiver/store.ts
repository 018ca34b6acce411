// Where the receiver keeps things: raw bytes (S3, first), rejected bytes with their reason
// (S3, under rejected/), normalised reports (S3), and exactly-once daily aggregates (DynamoDB).
//
// Exactly once, bounded, without transactions (dynalite has none, and the same code runs in
// tests and in AWS): a claim item per report (conditional put, state pending -> done) and one
// contribution item per report, domain and day (`agg#<domain>`, `<day>#<claim>`), written only if
// absent. A retry or a concurrent delivery rewrites nothing; exactly one delivery moves the
// claim to done and is told "counted" (so its metrics and normalised copy are written once); no
// item grows with the number of reports. Aggregates are the sum of a day's contributions.
import { createHash } from "node:crypto";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AggregateRow } from "./aggregate";
import { addTo, counterMap, UNSIGNED } from "./counters";
import { boundFinding, type Finding, FINDING_PREFIX, findingKey } from "./findings";
import { Rejection } from "./reject";

export const sha256 = (bytes: Uint8Array | string) =>
  createHash("sha256").update(bytes).digest("hex");

export interface StoreConfig {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucket: string;
  readonly table: string;
  /** Test hook: called before each aggregate row is applied (to simulate a crash). */
  readonly beforeApply?: (index: number) => void | Promise<void>;
}

export type CountOutcome = "counted" | "duplicate";

/** A claim not yet done: what the sweeper re-drives from the raw copy. */
export interface PendingClaim {
  readonly claim: string;
  readonly rawKey: string;
  readonly channel: "https" | "email";
  readonly createdAt: string;
}

/** DynamoDB refusals that no retry can change: the report becomes a rejection, not a 500 forever. */
const PERMANENT = new Set([
  "ValidationException",
  "ItemCollectionSizeLimitExceededException",
  "SerializationException",
]);

export class ReceiverStore {
  constructor(private readonly cfg: StoreConfig) {}

  /** Stores the bytes as received, before anything else; idempotent (content-addressed). */
  async putRaw(channel: "https" | "email", bytes: Uint8Array, receivedAt: Date): Promise<string> {
    const key = `raw/${channel}/${receivedAt.toISOString().slice(0, 10)}/${sha256(bytes)}`;
    await this.cfg.s3.send(
      new PutObjectCommand({ Bucket: this.cfg.bucket, Key: key, Body: bytes }),
    );
    return key;
  }

  async getObject(key: string): Promise<Buffer> {
    const res = await this.cfg.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }

  /** Keeps rejected bytes with the reason (a JSON sidecar), and counts the rejection. */
  async putRejected(
    rawKey: string,
    bytes: Uint8Array,
    reason: string,
    receivedAt: Date,
  ): Promise<string> {
    const base = `rejected/${receivedAt.toISOString().slice(0, 10)}/${sha256(bytes)}`;
    await this.cfg.s3.send(
      new PutObjectCommand({ Bucket: this.cfg.bucket, Key: `${base}.bin`, Body: bytes }),
    );
    await this.cfg.s3.send(
      new PutObjectCommand({
        Bucket: this.cfg.bucket,
        Key: `${base}.json`,
        Body: JSON.stringify({
          reason,
          rawKey,
          receivedAt: receivedAt.toISOString(),
          bytes: bytes.length,
        }),
        ContentType: "application/json",
      }),
    );
    await this.bump("rejected");
    return base;
  }

  async putNormalised(day: string, id: string, report: unknown): Promise<void> {
    await this.cfg.s3.send(
      new PutObjectCommand({
        Bucket: this.cfg.bucket,
        Key: `reports/${day}/${id}.json`,
        Body: JSON.stringify(report),
        ContentType: "application/json",
      }),
    );
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
   * Counts a report's rows exactly once per `dedupKey`. "counted" goes to exactly one delivery:
   * the first, or the one that completes an attempt that crashed; the others get "duplicate".
   * `before` runs once the claim is held and before it is marked done (the normalised copy).
   */
  async countOnce(
    dedupKey: string,
    rows: readonly AggregateRow[],
    origin: { rawKey: string; channel: "https" | "email"; at: Date },
    before?: (claim: string) => Promise<void>,
  ): Promise<CountOutcome> {
    const claim = sha256(dedupKey).slice(0, 32);
    const claimKey = { pk: { S: `claim#${claim}` }, sk: { S: "claim" } };
    try {
      await this.cfg.dynamodb.send(
        new PutItemCommand({
          TableName: this.cfg.table,
          Item: {
            ...claimKey,
            state: { S: "pending" },
            rawKey: { S: origin.rawKey },
            channel: { S: origin.channel },
            createdAt: { S: origin.at.toISOString() },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.cfg.dynamodb.send(
        new GetItemCommand({ TableName: this.cfg.table, Key: claimKey, ConsistentRead: true }),
      );
      const state = existing.Item?.state?.S;
      if (state === "rejected")
        throw new Rejection(400, existing.Item?.reason?.S ?? "this report was refused before");
      if (state === "done") {
        await this.bump("duplicates");
        return "duplicate";
      }
      // pending: a crashed or concurrent attempt; finish it (every write below is idempotent)
    }
    try {
      for (const [i, row] of rows.entries()) {
        await this.cfg.beforeApply?.(i);
        await this.putContribution(claim, row);
      }
    } catch (err) {
      const name = (err as Error).name;
      if (!PERMANENT.has(name)) throw err;
      const reason = `the store refused the report for good (${name}: ${(err as Error).message.slice(0, 200)})`;
      await this.setState(claimKey, "rejected", reason);
      throw new Rejection(400, reason);
    }
    await before?.(claim);
    try {
      await this.cfg.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.cfg.table,
          Key: claimKey,
          UpdateExpression: "SET #s = :done",
          ConditionExpression: "#s = :pending",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":done": { S: "done" }, ":pending": { S: "pending" } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      await this.bump("duplicates"); // another delivery finished it first
      return "duplicate";
    }
    return "counted";
  }

  private async setState(
    key: Record<string, AttributeValue>,
    state: string,
    reason: string,
  ): Promise<void> {
    await this.cfg.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.cfg.table,
        Key: key,
        UpdateExpression: "SET #s = :s, reason = :r",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":s": { S: state }, ":r": { S: reason } },
      }),
    );
  }

  /** One report's counters for one domain and day; written once, never updated. */
  private async putContribution(claim: string, row: AggregateRow): Promise<void> {
    const item: Record<string, AttributeValue> = {
      pk: { S: `agg#${row.domain}` },
      sk: { S: `${row.day}#${claim}` },
    };
    for (const [counter, n] of Object.entries(row.counters))
      item[`c:${counter}`] = { N: String(n) };
    try {
      await this.cfg.dynamodb.send(
        new PutItemCommand({
          TableName: this.cfg.table,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err; // written by an earlier attempt
    }
  }

  /**
   * Daily aggregates (the sum of each day's contributions), for `mtasts report` and promotion;
   * optionally one domain, from one day on.
   */
  async aggregates(
    domain?: string,
    since?: string,
  ): Promise<{ domain: string; day: string; counters: Record<string, number> }[]> {
    const sums = new Map<
      string,
      { domain: string; day: string; counters: Record<string, number> }
    >();
    for await (const item of this.itemsUnder("agg#", domain, since)) {
      const d = item.pk.S!.slice(4);
      const sk = item.sk!.S!;
      const day = sk.split("#")[0];
      if (since && day < since) continue;
      // Items of the first layout (sk = day, counters without `auth`) read as unsigned evidence.
      const legacy = !sk.includes("#");
      const row = sums.get(`${d}\n${day}`) ?? { domain: d, day, counters: counterMap() };
      sums.set(`${d}\n${day}`, row);
      for (const [k, v] of Object.entries(item))
        if (k.startsWith("c:") && v.N)
          addTo(row.counters, legacy ? `${UNSIGNED}|${k.slice(2)}` : k.slice(2), Number(v.N));
    }
    return [...sums.values()];
  }

  /** Claims still pending since before `olderThan`: attempts that crashed and were never retried. */
  async pendingClaims(olderThan: Date): Promise<PendingClaim[]> {
    const out: PendingClaim[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = await this.cfg.dynamodb.send(
        new ScanCommand({
          TableName: this.cfg.table,
          FilterExpression: "begins_with(pk, :claim) AND #s = :pending AND createdAt < :cutoff",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: {
            ":claim": { S: "claim#" },
            ":pending": { S: "pending" },
            ":cutoff": { S: olderThan.toISOString() },
          },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        out.push({
          claim: item.pk!.S!.slice(6),
          rawKey: item.rawKey?.S ?? "",
          channel: item.channel?.S === "email" ? "email" : "https",
          createdAt: item.createdAt?.S ?? "",
        });
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Keeps what the self-check found for a domain on a day (receiver/findings.ts: key
   * `finding#<domain>` / `<day>`, bounded); a rerun the same day replaces it. `expiresAt` (epoch
   * seconds) is the table's TTL attribute: DynamoDB drops the item after `retentionDays`.
   */
  async putFinding(finding: Finding, retentionDays = 400): Promise<void> {
    const f = boundFinding(finding);
    const key = findingKey(f.domain, f.day);
    const expiresAt = Math.floor(Date.parse(f.at) / 1000) + retentionDays * 86_400;
    await this.cfg.dynamodb.send(
      new PutItemCommand({
        TableName: this.cfg.table,
        Item: {
          pk: { S: key.pk },
          sk: { S: key.sk },
          ok: { BOOL: f.ok },
          at: { S: f.at },
          body: { S: JSON.stringify(f) },
          expiresAt: { N: String(expiresAt) },
        },
      }),
    );
  }

  /** Self-check findings, by domain then day; optionally one domain, from one day on. */
  async findings(domain?: string, since?: string): Promise<Finding[]> {
    const out: Finding[] = [];
    for await (const item of this.itemsUnder(FINDING_PREFIX, domain, since)) {
      if (!item.body?.S) continue;
      const f = JSON.parse(item.body.S) as Finding;
      if (since && f.day < since) continue;
      out.push(f);
    }
    return out.sort((a, b) => a.domain.localeCompare(b.domain) || a.day.localeCompare(b.day));
  }

  /**
   * Items whose pk starts with `prefix`, page by page: one domain's partition (pk = prefix + domain,
   * sk from `since` on) by Query, or every such item of the table by Scan.
   */
  private async *itemsUnder(
    prefix: string,
    domain?: string,
    since?: string,
  ): AsyncGenerator<Record<string, AttributeValue>> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const res = domain
        ? await this.cfg.dynamodb.send(
            new QueryCommand({
              TableName: this.cfg.table,
              KeyConditionExpression: since ? "pk = :pk AND sk >= :since" : "pk = :pk",
              ExpressionAttributeValues: {
                ":pk": { S: `${prefix}${domain}` },
                ...(since ? { ":since": { S: since } } : {}),
              },
              ExclusiveStartKey: start,
            }),
          )
        : await this.cfg.dynamodb.send(
            new ScanCommand({
              TableName: this.cfg.table,
              FilterExpression: "begins_with(pk, :p)",
              ExpressionAttributeValues: { ":p": { S: prefix } },
              ExclusiveStartKey: start,
            }),
          );
      for (const item of res.Items ?? []) if (item.pk?.S?.startsWith(prefix)) yield item;
      start = res.LastEvaluatedKey;
    } while (start);
  }

  async stats(): Promise<{ rejected: number; duplicates: number }> {
    const res = await this.cfg.dynamodb.send(
      new GetItemCommand({
        TableName: this.cfg.table,
        Key: { pk: { S: "stats" }, sk: { S: "totals" } },
        ConsistentRead: true,
      }),
    );
    return {
      rejected: Number(res.Item?.rejected?.N ?? 0),
      duplicates: Number(res.Item?.duplicates?.N ?? 0),
    };
  }
}
