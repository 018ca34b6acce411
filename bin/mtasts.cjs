#!/usr/bin/env node
// The `mtasts` command: TypeScript sources run through tsx (CommonJS loader),
// so there is no build step. tsx is an optional peer of the installed package
// (a library user need not install it), so say how to get it when it is missing.
try {
  require("tsx/cjs");
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes("tsx")) {
    process.stderr.write(
      "mtasts: the command runs its TypeScript sources (and your program) through tsx, which the package leaves to you: npm install --save-dev tsx\n",
    );
    process.exit(1);
  }
  throw err;
}
process.env.MTASTS_BIN = "1";
require("../cli/main.ts");
