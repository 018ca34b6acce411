// S3 and DynamoDB on this machine (s3rver, dynalite) speaking the real wire protocols, for
// `mtasts receive --local`, `mtasts report --local` and the tests. With a data directory,
// what they hold survives a restart.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { requireOptional } from "./optional-deps";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Creates the receiver's table (pk, sk) unless it exists. */
export async function ensureTable(dynamodb: DynamoDBClient, table: string): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
  }
}

export async function startAwsLocal(
  opts: { bucket?: string; table?: string; dataDir?: string; s3?: boolean } = {},
) {
  const bucket = opts.bucket ?? "reports";
  const table = opts.table ?? "tlsrpt";
  // Optional peers of the installed package, so loaded only here (no typings).
  type Untyped = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const S3rver = requireOptional<Untyped>("s3rver", "local S3 (--local)");
  const dynalite = requireOptional<Untyped>("dynalite", "local DynamoDB (--local)");
  const temp = opts.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-aws-"));
  const root = opts.dataDir ?? temp!;
  fs.mkdirSync(path.join(root, "s3"), { recursive: true });
  fs.mkdirSync(path.join(root, "dynamodb"), { recursive: true });

  let s3server: { close(): Promise<void> } | undefined;
  let s3port = 0;
  if (opts.s3 !== false) {
    const server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: path.join(root, "s3"),
      configureBuckets: [{ name: bucket }],
    });
    s3port = (await server.run()).port;
    s3server = server;
  }
  const ddbServer = dynalite({
    path: opts.dataDir ? path.join(root, "dynamodb") : undefined,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    ddbServer.once("error", reject);
    ddbServer.listen(0, "127.0.0.1", () => resolve());
  });
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3port}`,
    forcePathStyle: true,
    region: "us-east-1",
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${ddbServer.address().port}`,
    region: "us-east-1",
    credentials,
  });
  await ensureTable(dynamodb, table);
  return {
    s3,
    dynamodb,
    bucket,
    table,
    async close() {
      s3.destroy();
      dynamodb.destroy();
      await s3server?.close();
      await new Promise<void>((resolve) => ddbServer.close(() => resolve()));
      if (temp) fs.rmSync(temp, { recursive: true, force: true });
    },
  };
}
