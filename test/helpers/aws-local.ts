// The tests use the same local S3 and DynamoDB as `mtasts receive --local`.
export { ensureTable, startAwsLocal } from "../../cli/local-aws";
