// `mtasts plan --diff REF`: the base planned with the code AND the stack file at REF. A git
// worktree of REF (kept in a cache and moved to each new ref), its own dependencies (the current
// node_modules when the lockfile is the same, else `npm ci`, redone only when the lockfile
// changes), and its own `mtasts plan --format json`, read by the current code.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { type BasePlan, BaseUnreadable, readBasePlan } from "./plan-diff";
import { type Project, stackFileName, UsageError } from "./stack-file";

/** The base cannot be planned: one line naming the ref and the reason (exit 1). */
export class BaseError extends Error {}

export interface Base {
  /** Undefined when the stack file does not exist at the ref (a new stack). */
  readonly base?: BasePlan;
  readonly commit: string;
  readonly notes: string[];
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves REF in the project's repository; a usage error when it is not a commit there. */
export function resolveRef(project: Project, ref: string): string {
  try {
    git(project.dir, "rev-parse", "--git-dir");
  } catch {
    throw new UsageError(`--diff ${ref}: ${project.dir} is not in a git repository`);
  }
  try {
    return git(project.dir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`).trim();
  } catch {
    throw new UsageError(
      `--diff ${ref}: no such git ref here (fetch it first, e.g. git fetch origin main)`,
    );
  }
}

/** One process at a time moves the cached worktree; a lock left by a dead process is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T> | T): Promise<T> {
  const lock = path.join(dir, "lock");
  const start = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(
        fs.existsSync(path.join(lock, "pid"))
          ? fs.readFileSync(path.join(lock, "pid"), "utf8")
          : NaN,
      );
      let alive = true;
      try {
        if (Number.isInteger(pid)) process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - start > 15 * 60_000)
        throw new BaseError(`another mtasts plan (pid ${pid}) holds ${lock}`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The worktree of the cache, checked out at `commit` (created, or moved from the last ref). */
function checkout(project: Project, cache: string, commit: string): string {
  const tree = path.join(cache, "tree");
  let reusable = false;
  if (fs.existsSync(path.join(tree, ".git"))) {
    try {
      reusable =
        fs.realpathSync(path.resolve(tree, git(tree, "rev-parse", "--git-common-dir").trim())) ===
        fs.realpathSync(
          path.resolve(project.dir, git(project.dir, "rev-parse", "--git-common-dir").trim()),
        );
    } catch {
      reusable = false;
    }
  }
  if (reusable) {
    git(tree, "checkout", "--quiet", "--detach", "--force", commit);
    // Files of the last ref that this one does not have; node_modules (ours) stays.
    git(tree, "clean", "-fdq", "-e", "node_modules", "-e", "node_modules/");
  } else {
    fs.rmSync(tree, { recursive: true, force: true });
    git(project.dir, "worktree", "prune");
    git(project.dir, "worktree", "add", "--quiet", "--detach", "--force", tree, commit);
  }
  return tree;
}

/** The package directory at or above `dir` (within `top`), where package.json is. */
function packageDir(dir: string, top: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "package.json"))) return d;
    if (d === top || path.dirname(d) === d || !d.startsWith(top)) return undefined;
  }
}

const lockfileOf = (dir: string) =>
  ["package-lock.json", "npm-shrinkwrap.json"]
    .map((f) => path.join(dir, f))
    .find((f) => fs.existsSync(f));
const MARK = ".mtasts-lockfile-sha256";

/**
 * Gives the worktree's package its dependencies: a link to the current node_modules when the
 * lockfile is the same as here, or its own `npm ci`, kept while the lockfile stays the same.
 */
function dependencies(
  tree: string,
  treePackage: string,
  toplevel: string,
  ref: string,
  notes: string[],
): void {
  const current = path.join(toplevel, path.relative(tree, treePackage));
  const atRef = lockfileOf(treePackage);
  const here = lockfileOf(current);
  const modules = path.join(treePackage, "node_modules");
  const currentModules = path.join(current, "node_modules");
  const stat = fs.lstatSync(modules, { throwIfNoEntry: false });
  const link = () => {
    if (stat?.isSymbolicLink() && fs.readlinkSync(modules) === currentModules) return;
    fs.rmSync(modules, { recursive: true, force: true });
    fs.symlinkSync(currentModules, modules, "dir");
  };
  if (!atRef) {
    if (!fs.existsSync(currentModules))
      throw new BaseError(`it has no lockfile and there is no node_modules here to plan it with`);
    notes.push(
      `${ref} has no package-lock.json: the base was planned with the current dependencies`,
    );
    link();
    return;
  }
  const hash = sha256(fs.readFileSync(atRef));
  if (here && fs.existsSync(currentModules) && sha256(fs.readFileSync(here)) === hash) {
    link();
    return;
  }
  const mark = path.join(modules, MARK);
  if (stat?.isDirectory() && fs.existsSync(mark) && fs.readFileSync(mark, "utf8") === hash) return;
  fs.rmSync(modules, { recursive: true, force: true });
  process.stderr.write(
    `mtasts plan: installing the dependencies of ${ref} (its lockfile differs from this one): npm ci in a cached worktree\n`,
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const res = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: treePackage,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (res.status !== 0) {
    const last = `${res.stderr ?? ""}${res.error?.message ?? ""}`
      .trim()
      .split("\n")
      .slice(-3)
      .join(" ");
    throw new BaseError(`npm ci of its lockfile failed: ${last || `exit ${res.status}`}`);
  }
  fs.writeFileSync(path.join(modules, MARK), hash);
}

/** The `mtasts` of the base: the toolkit itself (a copy of this repository), or the installed package. */
function baseBin(
  treePackage: string | undefined,
  treeProject: string,
  notes: string[],
  ref: string,
): string {
  if (treePackage) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(treePackage, "package.json"), "utf8")) as {
        name?: string;
      };
      const own = path.join(treePackage, "bin", "mtasts.cjs");
      if (pkg.name === "pulumi-mta-sts" && fs.existsSync(own)) return own;
    } catch {
      // not JSON: fall through to the installed package
    }
    try {
      return path.join(
        path.dirname(require.resolve("pulumi-mta-sts/package.json", { paths: [treeProject] })),
        "bin",
        "mtasts.cjs",
      );
    } catch {
      // not installed there
    }
  }
  notes.push(
    `${ref} has no mtasts of its own (no pulumi-mta-sts in its dependencies): its program was planned by this mtasts`,
  );
  return path.join(__dirname, "..", "bin", "mtasts.cjs");
}

/** The base's complaint in one line, with the worktree's paths said as `REF:path`. */
export function oneLine(stderr: string, tree: string, ref: string): string {
  let lines = stderr.split("\n").filter((l) => l.trim() !== "" && !/^\s+at\s/.test(l));
  // A crash prints where (and a frame of source) before what: start at what.
  const what = lines.findIndex((l) => /^(mtasts\b|(?:[A-Z]\w*)?Error\b)/.test(l.trim()));
  if (what > 0) lines = lines.slice(what);
  const dump = lines.findIndex((l) => l.trim() === "{");
  if (dump > 0) lines = lines.slice(0, dump);
  const text = lines
    .map((l) => l.trim().replace(/^mtasts( plan)?:\s*/, ""))
    .join(" ")
    .split(`${tree}${path.sep}`)
    .join(`${ref}:`)
    .split(tree)
    .join(ref)
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 800 ? `${text.slice(0, 800)}…` : text || "it failed without saying why";
}

/** Plans the base at `ref`: its stack file, with its code and dependencies, in a cached worktree. */
export async function planBase(project: Project, stack: string, ref: string): Promise<Base> {
  const commit = resolveRef(project, ref);
  const prefix = git(project.dir, "rev-parse", "--show-prefix").trim();
  const toplevel = git(project.dir, "rev-parse", "--show-toplevel").trim();
  const file = `${prefix}${stackFileName(stack)}`;
  let text: string;
  try {
    text = git(project.dir, "show", `${commit}:${file}`);
  } catch {
    return { commit, notes: [] };
  }
  try {
    YAML.parse(text);
  } catch (err) {
    throw new BaseError(
      `${stackFileName(stack)} at ${ref} is not valid YAML: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  const commonDir = fs.realpathSync(
    path.resolve(project.dir, git(project.dir, "rev-parse", "--git-common-dir").trim()),
  );
  const cache = path.join(
    process.env.MTASTS_BASE_CACHE ?? os.tmpdir(),
    `mtasts-base-${sha256(commonDir).slice(0, 12)}`,
  );
  fs.mkdirSync(cache, { recursive: true });
  return withLock(cache, () => {
    const notes: string[] = [];
    const tree = checkout(project, cache, commit);
    const treeProject = path.join(tree, prefix);
    if (!fs.existsSync(path.join(treeProject, "Pulumi.yaml")))
      throw new BaseError(`there is no Pulumi.yaml beside ${stackFileName(stack)} at ${ref}`);
    const treePackage = packageDir(treeProject, tree);
    if (treePackage) dependencies(tree, treePackage, toplevel, ref, notes);
    const bin = baseBin(treePackage, treeProject, notes, ref);
    // Only flags every mtasts plan has had: a base from before this code must still answer.
    const res = spawnSync(
      process.execPath,
      [bin, "plan", "--stack", stack, "--dir", treeProject, "--format", "json"],
      {
        cwd: treeProject,
        encoding: "utf8",
        maxBuffer: 1 << 30,
        env: { ...process.env, CI: "true" },
      },
    );
    try {
      // A base with mandatory violations still prints its plan (and exits 1): it is a base.
      return { base: readBasePlan(res.stdout ?? ""), commit, notes };
    } catch (err) {
      if (res.status !== 0 || res.error)
        throw new BaseError(
          oneLine(
            `${res.stderr ?? ""}${res.error ? ` ${res.error.message}` : ""}`,
            treeProject.replace(/\/$/, ""),
            ref,
          ),
        );
      if (err instanceof BaseUnreadable) throw new BaseError(err.message);
      throw err;
    }
  });
}
