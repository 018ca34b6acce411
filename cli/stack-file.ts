// Reads a Pulumi project and one of its stack files the way the Pulumi CLI would, so the
// offline plan sees the same config as `pulumi up` (minus secrets, which need the CLI).
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ConfigError } from "../config";
import { UsageError } from "./errors";

export { UsageError };

export interface Project {
  readonly dir: string;
  readonly name: string;
  /** Absolute path of the program's entry file. */
  readonly program: string;
}

export function readProject(dir: string): Project {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file))
    throw new UsageError(`no Pulumi.yaml in ${dir}; run mtasts from the project directory`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: string; main?: string };
  if (!doc?.name) throw new UsageError(`${file} has no name`);
  let program = path.resolve(dir, doc.main ?? ".");
  if (fs.existsSync(program) && fs.statSync(program).isDirectory())
    program = path.join(program, "index.ts");
  return { dir, name: doc.name, program };
}

/**
 * Turns a stack file's text into the config map the SDK reads: "namespace:key" -> string,
 * objects as JSON (what the Pulumi CLI passes). Keys without a namespace get the project's.
 */
export function configFromStackText(
  text: string,
  project: string,
  source: string,
): Record<string, string> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    // A broken stack file is wrong input (exit 1), like any other config mistake; the first line
    // of yaml's message says what and where (its code frame follows on the next lines).
    const what = (err as Error).message.split("\n")[0].replace(/:$/, "");
    throw new ConfigError([
      `${source}: is not valid YAML: ${what}; check the indentation and quoting there (a value holding ": " or " #", or starting with *, & or !, needs quotes)`,
    ]);
  }
  const isMapping = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (doc !== null && doc !== undefined && !isMapping(doc))
    throw new ConfigError([
      `${source}: must be a mapping with a config: key (see Pulumi.example.yaml)`,
    ]);
  const config = (doc as { config?: unknown } | null | undefined)?.config;
  if (config !== null && config !== undefined && !isMapping(config)) {
    throw new ConfigError([
      `${source}: config: must be a mapping of keys to values, e.g. config: { mta-sts:domains: [...] } (see Pulumi.example.yaml)`,
    ]);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    const full = key.includes(":") ? key : `${project}:${key}`;
    if (value !== null && typeof value === "object" && "secure" in value) {
      out[full] = "[secret: not decrypted offline]";
    } else {
      out[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return out;
}

export const stackFileName = (stack: string) => `Pulumi.${stack}.yaml`;

export function readStackConfig(project: Project, stack: string): Record<string, string> {
  return configFromStackText(
    fs.readFileSync(stackFilePath(project.dir, stack), "utf8"),
    project.name,
    path.join(project.dir, stackFileName(stack)),
  );
}

/** The stacks of a project directory: the <name> of every Pulumi.<name>.yaml, sorted. */
export function stacksIn(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

const stacksHere = (dir: string) => {
  const stacks = stacksIn(dir);
  return stacks.length === 0
    ? `there is no Pulumi.<stack>.yaml in ${dir}`
    : `stacks in ${dir}: ${stacks.join(", ")}`;
};

/** The path of an existing stack file; a usage error listing the stacks there when it does not exist. */
export function stackFilePath(dir: string, stack: string): string {
  const file = path.join(dir, stackFileName(stack));
  if (!fs.existsSync(file))
    throw new UsageError(
      `no ${stackFileName(stack)} in ${dir}; pass -s/--stack with an existing stack (${stacksHere(dir)})`,
    );
  return file;
}

/**
 * The stack a command works on, from -s/--stack or PULUMI_STACK (commander fills `given` from
 * either), the way the Pulumi CLI takes it: a name, or org/project/name (the file is named after
 * the last part). `--stack Pulumi.acme.yaml` is understood as acme. Without one, a command that
 * only reads takes the project's only stack; one that writes (promote, retire) never guesses.
 */
export function resolveStack(
  dir: string,
  given: string | undefined,
  opts: { command: string; writes: boolean },
): string {
  if (given !== undefined && given.trim() !== "") {
    let name = given.trim();
    const file = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(name));
    if (file) {
      const where = path.dirname(name);
      if (where !== "." && path.resolve(where) !== path.resolve(dir)) {
        throw new UsageError(
          `--stack takes a stack name, not a file: ${name} is stack ${file[1]} of the project in ${where}; run mtasts ${opts.command} --stack ${file[1]} --dir ${where}`,
        );
      }
      name = file[1];
    } else if (/\.ya?ml$/.test(name)) {
      throw new UsageError(
        `--stack takes a stack name: the stack acme is in the file Pulumi.acme.yaml, and ${name} is not named that way`,
      );
    } else if (/^[^/]+(\/[^/]+){1,2}$/.test(name)) {
      name = name.slice(name.lastIndexOf("/") + 1); // org/project/stack or org/stack: the file is Pulumi.<stack>.yaml
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw new UsageError(
        `--stack ${given}: a stack name is letters, digits, "-", "_" and "." (${stacksHere(dir)})`,
      );
    return name;
  }
  if (opts.writes) {
    throw new UsageError(
      `no stack given: ${opts.command} rewrites Pulumi.<stack>.yaml, so it never picks one; name it with -s/--stack NAME or PULUMI_STACK=NAME (${stacksHere(dir)})`,
    );
  }
  const stacks = stacksIn(dir);
  if (stacks.length === 1) return stacks[0];
  throw new UsageError(
    `no stack given: pass -s/--stack NAME or set PULUMI_STACK (${stacksHere(dir)})`,
  );
}

// Reading the stack file (and the code) at a git ref is plan-base.ts's: the base of plan --diff.
