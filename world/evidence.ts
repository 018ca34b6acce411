// Reads the receiver's store (automatic promotion) with the stack's own AWS credentials, not
// the default chain: the same account and role as `pulumi up` (aws:profile, aws:assumeRoles).
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { ReceiverStore } from "../receiver/store";

/** Region and credentials, as world/aws.ts builds them from the stack's aws:* config. */
export interface StackAwsConfig {
  readonly region?: string;
  readonly credentials?: DynamoDBClientConfig["credentials"];
}

/** Opens the store on a table for reading evidence (aggregates live in the table). */
export function evidenceReader(config: StackAwsConfig): (table: string) => ReceiverStore {
  return (table) =>
    new ReceiverStore({
      s3: new S3Client({ ...config }),
      dynamodb: new DynamoDBClient({ ...config }),
      bucket: "",
      table,
    });
}
