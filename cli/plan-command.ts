// `mtasts plan` wiring: stack file -> mock run of the program -> plan (+ diff) -> output.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../config";
import { existingRecordViolations } from "./plan-existing";
import { buildPlan, diffPlans, hasMandatoryViolation, type Plan, renderMarkdown, renderText } from "./plan";
import { runProgram } from "./program-runner";
import { configFromStackText, readProject, readStackConfig, stackTextAtRef } from "./stack-file";

export interface PlanOptions {
  stack: string;
  format: "text" | "markdown" | "json";
  diff?: string;
  dir: string;
  configFile?: string;
  /** Also look up DNS for records that already exist at the plan's names (and CAA). */
  existing?: boolean;
  /** DNS server for --existing, HOST:PORT. */
  resolver?: string;
}

/** The SDK keeps global state, so the plan of another config runs in a child process. */
function planInChild(dir: string, stack: string, configFile: string): Plan {
  const bin = path.join(__dirname, "..", "bin", "mtasts.cjs");
  const res = spawnSync(process.execPath, [bin, "plan", "--stack", stack, "--dir", dir, "--format", "json", "--config-file", configFile], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (res.status !== 0) throw new Error(`planning the stack file at the diff ref failed:\n${res.stderr}`);
  return JSON.parse(res.stdout) as Plan;
}

export async function planCommand(opts: PlanOptions): Promise<number> {
  const project = readProject(path.resolve(opts.dir));
  const config = opts.configFile
    ? configFromStackText(fs.readFileSync(opts.configFile, "utf8"), project.name, opts.configFile)
    : readStackConfig(project, opts.stack);

  // Read the baseline before running the program, so a bad ref is a usage error up front.
  let baseline: Plan | undefined;
  if (opts.diff) {
    const text = stackTextAtRef(project, opts.stack, opts.diff);
    if (text !== undefined) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-diff-"));
      const file = path.join(tmp, `Pulumi.${opts.stack}.yaml`);
      fs.writeFileSync(file, text);
      try {
        baseline = planInChild(project.dir, opts.stack, file);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  }

  // The SDK captures a stack trace per resource and per promise; mapping each through
  // tsx's source maps costs more than the plan itself at 1,000 domains. Errors still show
  // the file and function, with transpiled line numbers.
  process.setSourceMapsEnabled(false);
  let plan: Plan;
  try {
    const run = await runProgram({ programPath: project.program, project: project.name, stack: opts.stack, config });
    plan = await buildPlan(opts.stack, run);
  } catch (err) {
    const cause = findConfigError(err);
    if (cause) {
      process.stderr.write(`mtasts plan: ${cause}\n`);
      return 1;
    }
    throw err;
  }
  if (opts.diff) plan.diff = diffPlans(opts.diff, baseline, plan);
  if (opts.existing) {
    const parse = (k: string) => (config[k] === undefined ? undefined : JSON.parse(config[k]));
    const parsed = parseStackConfig({ domains: parse("mta-sts:domains"), hosting: parse("mta-sts:hosting"), receiver: parse("mta-sts:receiver"), adopt: parse("mta-sts:adopt") });
    const found = await existingRecordViolations(opts.stack, parsed, { resolver: opts.resolver });
    plan.violations.push(...found.violations);
    for (const line of found.notChecked) process.stderr.write(`mtasts plan: not checked: ${line}\n`);
  }

  const out = opts.format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : opts.format === "markdown" ? renderMarkdown(plan) : renderText(plan);
  process.stdout.write(out);
  if (hasMandatoryViolation(plan)) {
    process.stderr.write(`mtasts plan: ${plan.violations.filter((v) => v.level === "mandatory").length} mandatory policy violation(s); see the plan\n`);
    return 1;
  }
  return 0;
}

/** The program turns ConfigError into pulumi.RunError (clean output under the real CLI). */
function findConfigError(err: unknown): string | undefined {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error && err.message.startsWith("invalid stack config")) return err.message;
  return undefined;
}
