import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets its own process: the Pulumi SDK keeps global runtime state.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
