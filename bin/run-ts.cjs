#!/usr/bin/env node
// Runs a TypeScript file of this project (benchmarks): node bin/run-ts.cjs bench/plan-scale.ts
require("tsx/cjs");
require(require("node:path").resolve(process.argv[2]));
