#!/usr/bin/env node
// Runs Stryker incrementally (reports/stryker-incremental.json: only mutants whose code or
// covering tests changed run again) and fails when a file's mutation score is under its target
// in stryker.config.mjs, or when more than 3% of the mutants are disabled by comments.
//
//   npm run test:mutation               incremental (fast when little changed)
//   npm run test:mutation -- --force    every mutant again (a cold run), rewrites the file
//
// Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker's.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Stryker } from "@stryker-mutator/core";
import config, { TARGETS } from "../stryker.config.mjs";

const MAX_DISABLED_SHARE = 0.03;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const force = process.argv.includes("--force");
const started = Date.now();
const results = await new Stryker({
  configFile: "stryker.config.mjs",
  ...(force ? { force: true } : {}),
}).runMutationTest();
const seconds = ((Date.now() - started) / 1000).toFixed(0);

const files = new Map(
  Object.keys(TARGETS).map((f) => [
    f,
    { killed: 0, survived: 0, noCoverage: 0, disabled: 0, static: 0, errors: 0, reused: 0 },
  ]),
);
for (const m of results) {
  const file = path.relative(root, path.resolve(root, m.fileName)).split(path.sep).join("/");
  const s = files.get(file);
  if (!s) continue;
  if (m.status === "Killed" || m.status === "Timeout") s.killed++;
  else if (m.status === "Survived") s.survived++;
  else if (m.status === "NoCoverage") s.noCoverage++;
  else if (m.status === "Ignored") {
    if (/static/i.test(m.statusReason ?? "")) s.static++;
    else s.disabled++;
  } else s.errors++;
}

const failures = [];
let disabled = 0;
let counted = 0;
console.log(`\nmutation score per file (target in stryker.config.mjs; ${config.incrementalFile}):`);
console.log(
  `${"file".padEnd(24)} ${"score".padStart(7)} ${"target".padStart(6)}  killed survived no-cov disabled`,
);
for (const [file, s] of files) {
  const valid = s.killed + s.survived + s.noCoverage;
  const score = valid === 0 ? 100 : (100 * s.killed) / valid;
  const target = TARGETS[file];
  disabled += s.disabled;
  counted += valid + s.disabled;
  const ok = valid > 0 && score >= target;
  if (!ok)
    failures.push(
      valid === 0
        ? `${file}: no mutants were tested`
        : `${file}: ${score.toFixed(2)}% is under its target of ${target}%`,
    );
  console.log(
    `${file.padEnd(24)} ${score.toFixed(2).padStart(6)}% ${String(target).padStart(5)}%  ${String(s.killed).padStart(6)} ${String(s.survived).padStart(8)} ${String(s.noCoverage).padStart(6)} ${String(s.disabled).padStart(8)}${ok ? "" : "  <- under target"}`,
  );
}
const share = counted === 0 ? 0 : disabled / counted;
console.log(
  `disabled by comment: ${disabled} of ${counted} mutants (${(100 * share).toFixed(1)}%, at most ${100 * MAX_DISABLED_SHARE}%)`,
);
if (share > MAX_DISABLED_SHARE)
  failures.push(`${disabled} disabled mutants are over ${100 * MAX_DISABLED_SHARE}% of ${counted}`);
console.log(`Stryker took ${seconds} s (${force ? "every mutant" : "incremental"})`);

if (failures.length > 0) {
  console.error(`\nmutation check failed:\n  ${failures.join("\n  ")}`);
  process.exitCode = 1;
}
