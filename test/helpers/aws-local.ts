// S3 and DynamoDB speaking their real wire protocols on loopback (s3rver, dynalite), used
// through the real AWS SDK v3 clients. Started and stopped by the tests.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite");

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export async function startAwsLocal(opts: { bucket?: string; table?: string; directory?: string } = {}) {
  const bucket = opts.bucket ?? "reports";
  const table = opts.table ?? "tlsrpt";
  const dir = opts.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-s3-"));
  const s3server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port: s3port } = await s3server.run();
  const ddbServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => ddbServer.listen(0, "127.0.0.1", () => resolve()));
  const ddbPort = ddbServer.address().port;
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3port}`,
    forcePathStyle: true,
    region: "us-east-1",
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamodb = new DynamoDBClient({ endpoint: `http://127.0.0.1:${ddbPort}`, region: "us-east-1", credentials });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    }),
  );
  return {
    s3,
    dynamodb,
    bucket,
    table,
    async close() {
      s3.destroy();
      dynamodb.destroy();
      await s3server.close();
      await new Promise<void>((resolve) => ddbServer.close(() => resolve()));
      if (!opts.directory) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
