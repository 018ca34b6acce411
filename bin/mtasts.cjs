#!/usr/bin/env node
// The `mtasts` command: TypeScript sources run through tsx (CommonJS loader),
// so there is no build step.
require("tsx/cjs");
process.env.MTASTS_BIN = "1";
require("../cli/main.ts");
