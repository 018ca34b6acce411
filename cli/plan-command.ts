// `mtasts plan` wiring: stack file -> mock run of the program -> plan (+ the base at a git ref,
// planned with its own code, and the diff) -> output and exit status.
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../config";
import { existingRecordViolations } from "./plan-existing";
import { buildPlan, hasMandatoryViolation, type Plan, renderText } from "./plan";
import { type Base, BaseError, planBase } from "./plan-base";
import { diffPlans, hasChanges, hostMoveViolations, retirementViolations } from "./plan-diff";
import { renderMarkdown } from "./plan-markdown";
import { runProgram } from "./program-runner";
import { configFromStackText, readProject, readStackConfig, UsageError } from "./stack-file";

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
  /** Exit 0 when nothing changed against --diff, 2 when something did, 1 on any error. */
  detailedExitcode?: boolean;
  /** Where the full plan is, for the markdown comment's cut notice. */
  fullPlanUrl?: string;
  /** The program to run instead of Pulumi.yaml's main. */
  program?: string;
}

export async function planCommand(opts: PlanOptions): Promise<number> {
  if (!opts.detailedExitcode) return plan(opts);
  // As terraform plan -detailed-exitcode: 2 means "changes", so every failure, usage errors
  // included, is 1 under this flag.
  try {
    if (!opts.diff)
      throw new UsageError(
        "--detailed-exitcode needs --diff REF: changes are counted against a base",
      );
    return await plan(opts);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mtasts plan: ${err.message}\n`);
    return 1;
  }
}

async function plan(opts: PlanOptions): Promise<number> {
  const project = readProject(path.resolve(opts.dir));
  const config = opts.configFile
    ? configFromStackText(fs.readFileSync(opts.configFile, "utf8"), project.name, opts.configFile)
    : readStackConfig(project, opts.stack);
  const program = programPath(project.program, opts);

  // The base first: a bad ref or a base that cannot be planned stops before the long part.
  let base: Base | undefined;
  if (opts.diff) {
    try {
      base = await planBase(project, opts.stack, opts.diff);
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
      process.stderr.write(
        `mtasts plan: --diff ${opts.diff}: cannot plan the base: ${err.message}\n`,
      );
      return 1;
    }
  }

  // The SDK captures a stack trace per resource and per promise; mapping each through
  // tsx's source maps costs more than the plan itself at 1,000 domains. Errors still show
  // the file and function, with transpiled line numbers.
  process.setSourceMapsEnabled(false);
  let result: Plan;
  try {
    const run = await runProgram({
      programPath: program,
      project: project.name,
      stack: opts.stack,
      config,
    });
    result = await buildPlan(opts.stack, run);
  } catch (err) {
    const cause = findConfigError(err);
    if (cause) {
      process.stderr.write(`mtasts plan: ${cause}\n`);
      return 1;
    }
    throw err;
  }
  if (opts.diff && base) {
    result.diff = diffPlans(opts.diff, base.base, result, {
      commit: base.commit,
      notes: base.notes,
    });
    result.violations.push(
      ...retirementViolations(base.base, result, opts.diff),
      ...hostMoveViolations(base.base, result, opts.diff),
    );
  }
  if (opts.existing) {
    const parse = (k: string) => (config[k] === undefined ? undefined : JSON.parse(config[k]));
    const parsed = parseStackConfig({
      domains: parse("mta-sts:domains"),
      hosting: parse("mta-sts:hosting"),
      receiver: parse("mta-sts:receiver"),
      adopt: parse("mta-sts:adopt"),
    });
    const found = await existingRecordViolations(opts.stack, parsed, { resolver: opts.resolver });
    result.violations.push(...found.violations);
    for (const line of found.notChecked)
      process.stderr.write(`mtasts plan: not checked: ${line}\n`);
  }

  if (result.domains.length === 0) {
    process.stderr.write(
      `mtasts plan: ${path.relative(process.cwd(), program) || program} declared no MtaStsDomain (directly or through MtaStsFleet); if the components are used elsewhere, name that program with --program PATH or main: in Pulumi.yaml\n`,
    );
  }
  const out =
    opts.format === "json"
      ? `${JSON.stringify(result, null, 2)}\n`
      : opts.format === "markdown"
        ? renderMarkdown(result, { fullPlanUrl: opts.fullPlanUrl })
        : renderText(result);
  process.stdout.write(out);
  if (hasMandatoryViolation(result)) {
    const mandatory = result.violations.filter((v) => v.level === "mandatory");
    process.stderr.write(
      `mtasts plan: ${mandatory.length} mandatory policy violation(s); see the plan\n`,
    );
    for (const v of mandatory.filter((x) => x.policy === "retire-before-remove"))
      process.stderr.write(`mtasts plan: ${v.message}; fix: ${v.remediation}\n`);
    return 1;
  }
  if (opts.detailedExitcode && result.diff) return hasChanges(result.diff) ? 2 : 0;
  return 0;
}

/** The program to run: --program, else the project's main (Pulumi.yaml), which must exist. */
function programPath(main: string, opts: PlanOptions): string {
  if (opts.program === undefined) {
    if (!fs.existsSync(main))
      throw new UsageError(
        `${main} does not exist: set main: in Pulumi.yaml to your program, or pass --program PATH`,
      );
    return main;
  }
  // The base of --diff runs `mtasts plan` at the ref with the project's own main.
  if (opts.diff)
    throw new UsageError(
      "--program cannot go with --diff: the base is planned from Pulumi.yaml's main at the ref; set main: in Pulumi.yaml to your program instead",
    );
  const file = path.resolve(opts.program);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new UsageError(
      `--program ${opts.program}: no such file (give the .ts or .js file that declares the components)`,
    );
  return file;
}

/** The program turns ConfigError into pulumi.RunError (clean output under the real CLI). */
function findConfigError(err: unknown): string | undefined {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error && err.message.startsWith("invalid stack config")) return err.message;
  return undefined;
}
