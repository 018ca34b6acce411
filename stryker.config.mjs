// Mutation testing (Stryker): does the suite notice when the code breaks?
// `npm run test:mutation` runs it incrementally (only mutants whose code or tests changed are
// run again) and fails when a file's score is under its target (scripts/mutation-check.mjs).
// A new file to mutate goes into TARGETS (`mutate` is TARGETS' files), its unit tests into
// vitest.mutation.config.mts.
//
// CI (.ci/run) runs the incremental check on every push: 35 s when the checked-in report is
// fresh, about 2 minutes after a change to two files and their tests, 4 minutes after four
// changed test files, 17 minutes when five files and eight test files came in at once. A cold
// run (`npm run test:mutation -- --force`) of all 2,556 mutants took 1,839 s (after the one
// formatting commit touched every file); it is for changes Stryker cannot see (a file it does not
// mutate, a dependency), and .github/workflows/mutation.yml runs it weekly. So: change a mutated file or
// one of its tests, run `npm run test:mutation`, and commit reports/stryker-incremental.json
// with the change (the README, Mutation testing, has the figures).

/** Files mutated, each with the score it must keep (percent; no-coverage mutants count as survivors). */
export const TARGETS = {
  "protocol/tls-rpt.ts": 90,
  "protocol/records.ts": 90,
  "protocol/mta-sts.ts": 90,
  "protocol/dns-name.ts": 90,
  "protocol/mx.ts": 90,
  "protocol/promotion.ts": 90,
  "protocol/trust.ts": 90,
  "receiver/payload.ts": 85,
  "receiver/limits.ts": 85,
  "receiver/aggregate.ts": 85,
  // The counter-name codec that aggregate.ts writes with (moved out of it).
  "receiver/counters.ts": 85,
  // Daily counters weighed by trust into promotion evidence.
  "receiver/evidence.ts": 85,
  "config.ts": 85,
  // The automatic promotion's decision on the evidence and DNS it is handed.
  "world/promotion.ts": 85,
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.mts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: Object.keys(TARGETS),
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants) would rerun every test for each one.
  ignoreStatic: true,
  incremental: true,
  // Checked in, so a clone or CI starts warm.
  incrementalFile: "reports/stryker-incremental.json",
  // The machine has 2 cores shared with others.
  concurrency: 1,
  reporters: ["clear-text", "progress"],
  clearTextReporter: {
    allowColor: false,
    allowEmojis: false,
    reportScoreTable: true,
    reportMutants: false,
    reportTests: false,
  },
  thresholds: { high: 90, low: 85, break: 85 },
  tempDirName: "scratch/.stryker-tmp",
  cleanTempDir: true,
  ignorePatterns: [
    "bench",
    "examples",
    ".github",
    ".ci",
    "dist",
    "scratch",
    ".mta-sts-data",
    "reports",
  ],
  timeoutMS: 10_000,
};
