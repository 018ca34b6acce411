// Runs a Pulumi program in this process under the SDK's mock runtime in preview mode: no
// engine, no credentials. Records every resource with its inputs and its place in the tree.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine would receive them; values unknown before deploy are UNKNOWN. */
  readonly inputs: Record<string, unknown>;
  /** True for cloud resources, false for components. */
  readonly custom: boolean;
  /** The chain of parents (type and name), nearest first. */
  readonly ancestors: readonly { readonly type: string; readonly name: string }[];
}

/** Marks a value that a real preview would also not know (computed by the provider on deploy). */
export const UNKNOWN = "(known after deploy)";

export interface ProgramRun {
  /** The program module's exports, as live Output values. */
  readonly exports: Record<string, unknown>;
  readonly resources: readonly RecordedResource[];
}

function replaceUnknowns(value: unknown): unknown {
  if (pulumi.Output.isInstance(value)) return UNKNOWN;
  if (value !== null && typeof value === "object" && (value as object).constructor?.name === "Unknown") return UNKNOWN;
  if (Array.isArray(value)) return value.map(replaceUnknowns);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, replaceUnknowns(v)]));
  }
  return value;
}

/**
 * Runs `programPath` once with `config` (keys like "mta-sts:domains", values as the Pulumi
 * CLI passes them: strings, JSON for objects). Call it once per process: the SDK keeps
 * global state, so a second program needs a second process.
 */
export async function runProgram(opts: {
  programPath: string;
  project: string;
  stack: string;
  config: Record<string, string>;
}): Promise<ProgramRun> {
  pulumi.runtime.setAllConfig(opts.config);
  const byName = new Map<string, RecordedResource>();
  const parents = new WeakMap<pulumi.Resource, pulumi.Resource | undefined>();
  const pending: { type: string; name: string; custom: boolean; inputs: Record<string, unknown> }[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        pending.push({ type: args.type, name: args.name, custom: args.custom !== false, inputs: args.inputs });
        // Known after deploy stays unknown: only the inputs come back as state, and ids are
        // placeholders that nothing prints.
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        throw new Error(`the offline plan does not know the function ${args.token}; it would need a cloud account`);
      },
    },
    opts.project,
    opts.stack,
    true,
  );

  let exports: Record<string, unknown> = {};
  let failure: unknown;
  const seen: { resource: pulumi.Resource; type: string; name: string }[] = [];
  await pulumi.runtime
    .runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        parents.set(args.resource, args.opts.parent);
        seen.push({ resource: args.resource, type: args.type, name: args.name });
        return undefined;
      });
      try {
        exports = (await loadModule(path.resolve(opts.programPath))) as Record<string, unknown>;
      } catch (err) {
        failure = err;
      }
      return {};
    })
    .catch((err: unknown) => {
      failure ??= err;
    });
  if (failure) throw failure;
  await pulumi.runtime.disconnect();

  const registered = new Map(pending.map((p) => [`${p.type}::${p.name}`, p]));
  const identity = new Map(seen.map((s) => [s.resource, { type: s.type, name: s.name }]));
  for (const { resource, type, name } of seen) {
    const ancestors: { type: string; name: string }[] = [];
    for (let p = parents.get(resource); p; p = parents.get(p)) {
      const id = identity.get(p);
      if (id) ancestors.push(id);
    }
    const reg = registered.get(`${type}::${name}`);
    byName.set(`${type}::${name}`, {
      type,
      name,
      custom: reg?.custom ?? true,
      inputs: replaceUnknowns(reg?.inputs ?? {}) as Record<string, unknown>,
      ancestors,
    });
  }
  return { exports, resources: [...byName.values()] };
}

/** require() where a TypeScript loader is registered (tsx in bin/), else import() (vitest). */
async function loadModule(file: string): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is CommonJS, as Pulumi runs it
  if (typeof require === "function" && require.extensions?.[".ts"]) return require(file);
  return import(file);
}

export interface Settled<T> {
  readonly known: boolean;
  readonly value: T | undefined;
}

/** Resolves an Output (or plain value) and says whether a preview would know it. */
export async function settle<T>(value: pulumi.Input<T>): Promise<Settled<T>> {
  if (!pulumi.Output.isInstance(value)) return { known: true, value: (await value) as T };
  // isKnown and promise() are internal to the SDK but stable; they are how the SDK itself tells.
  const out = value as unknown as { isKnown: Promise<boolean>; promise(withUnknowns?: boolean): Promise<T> };
  const known = await out.isKnown;
  return { known, value: known ? await out.promise() : undefined };
}
