// Reads a Pulumi project and one of its stack files the way the Pulumi CLI would, so the
// offline plan sees the same config as `pulumi up` (minus secrets, which need the CLI).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

export interface Project {
  readonly dir: string;
  readonly name: string;
  /** Absolute path of the program's entry file. */
  readonly program: string;
}

export class UsageError extends Error {}

export function readProject(dir: string): Project {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new UsageError(`no Pulumi.yaml in ${dir}; run mtasts from the project directory`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: string; main?: string };
  if (!doc?.name) throw new UsageError(`${file} has no name`);
  let program = path.resolve(dir, doc.main ?? ".");
  if (fs.existsSync(program) && fs.statSync(program).isDirectory()) program = path.join(program, "index.ts");
  return { dir, name: doc.name, program };
}

/**
 * Turns a stack file's text into the config map the SDK reads: "namespace:key" -> string,
 * objects as JSON (what the Pulumi CLI passes). Keys without a namespace get the project's.
 */
export function configFromStackText(text: string, project: string, source: string): Record<string, string> {
  let doc: { config?: Record<string, unknown> } | null;
  try {
    doc = YAML.parse(text) as { config?: Record<string, unknown> } | null;
  } catch (err) {
    throw new UsageError(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
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
  const file = path.join(project.dir, stackFileName(stack));
  if (!fs.existsSync(file)) throw new UsageError(`no ${stackFileName(stack)} in ${project.dir}; pass --stack with an existing stack`);
  return configFromStackText(fs.readFileSync(file, "utf8"), project.name, file);
}

/** The stack file's text at a git ref, or undefined when it did not exist there. */
export function stackTextAtRef(project: Project, stack: string, ref: string): string | undefined {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: project.dir, stdio: "pipe" });
  } catch {
    throw new UsageError(`--diff ${ref}: no such git ref here (fetch it first, e.g. git fetch origin main)`);
  }
  try {
    return execFileSync("git", ["show", `${ref}:./${stackFileName(stack)}`], { cwd: project.dir, stdio: "pipe", encoding: "utf8" });
  } catch {
    return undefined;
  }
}
