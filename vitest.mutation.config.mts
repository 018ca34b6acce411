// The suites Stryker runs: fast, pure unit tests of the mutated files, none of which needs
// ../shared (a user's clone has none) or a local server. The full suite takes minutes with
// Pulumi mock runs and local S3/DynamoDB; these take a few seconds.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/protocol.test.ts",
      "test/tls-rpt.test.ts",
      "test/tls-rpt-bounds.test.ts",
      "test/receiver-attacks.test.ts",
      "test/tls-rpt-rules.test.ts",
      "test/tls-rpt-edges.test.ts",
      "test/records-rules.test.ts",
      "test/mta-sts-rules.test.ts",
      "test/names-rules.test.ts",
      "test/receiver-bounds.test.ts",
      "test/json-scan-edges.test.ts",
      "test/aggregate-rules.test.ts",
      "test/aggregate-mx.test.ts",
      "test/aggregate-mx-order.test.ts",
      "test/aggregate-mx.test.ts",
      "test/aggregate-mx-order.test.ts",
      "test/tls-rpt-dates.test.ts",
      "test/name-punycode.test.ts",
      "test/promotion.test.ts",
      "test/promotion-rules.test.ts",
      "test/trust-rules.test.ts",
      "test/evidence-weighing.test.ts",
      "test/auto-promotion-decision.test.ts",
      "test/config.test.ts",
      "test/config-hosting.test.ts",
      "test/config-receiver.test.ts",
      "test/config-watch.test.ts",
      "test/config-messages.test.ts",
      "test/config-suggestions.test.ts",
    ],
    pool: "threads",
    testTimeout: 30_000,
  },
});
