// Runs a Pulumi program in this process under the SDK's mock runtime in preview mode: no
// engine, no credentials. Records every resource with its inputs and its place in the tree.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine would receive them; values unknown before deploy are UNKNOWN. */
  readonly inputs: Record<string, unknown>;
  /** The URN the engine would give it (type chain of its parents, then its name). */
  readonly urn: string;
  /** Inputs as a policy pack sees them in a preview: unknown values are the engine's sentinel. */
  readonly policyProps: Record<string, unknown>;
  /** Per input property, the URNs of the resources its value came from. */
  readonly propertyDependencies: Record<string, string[]>;
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
  /**
   * Every resource object the program constructed, components included, with its type token:
   * the plan reads the live MtaStsDomain/PolicySite objects of a program that does not export
   * `domains` (a component user's own program). Matched by token, not instanceof: the program may
   * load the package's compiled copy of the components while mtasts runs from its sources.
   */
  readonly instances: readonly { readonly resource: pulumi.Resource; readonly type: string; readonly name: string }[];
}

/** The engine's wire sentinel for an unknown value (the policy SDK recognises it). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function replaceUnknowns(value: unknown, marker: string): unknown {
  if (pulumi.Output.isInstance(value)) return marker;
  if (value !== null && typeof value === "object" && (value as object).constructor?.name === "Unknown") return marker;
  if (Array.isArray(value)) return value.map((v) => replaceUnknowns(v, marker));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, replaceUnknowns(v, marker)]));
  }
  return value;
}

/** Every resource an input value (possibly holding Outputs deep inside) was computed from. */
async function sourcesOf(value: unknown, into: Set<pulumi.Resource>, depth = 0): Promise<void> {
  if (depth > 20 || value === null || value === undefined) return;
  if (pulumi.Output.isInstance(value)) {
    const out = value as unknown as { allResources?: () => Promise<Set<pulumi.Resource>>; resources: () => Set<pulumi.Resource> };
    for (const r of out.allResources ? await out.allResources() : out.resources()) into.add(r);
    return;
  }
  if (pulumi.Resource.isInstance(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) await sourcesOf(v, into, depth + 1);
  } else if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) await sourcesOf(v, into, depth + 1);
  }
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
  // The program skips what needs the network (the live MX check) and says so.
  process.env.MTASTS_OFFLINE = "1";
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
  const seen: { resource: pulumi.Resource; type: string; name: string; props: Record<string, unknown> }[] = [];
  await pulumi.runtime
    .runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        parents.set(args.resource, args.opts.parent);
        seen.push({ resource: args.resource, type: args.type, name: args.name, props: args.props ?? {} });
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
  const urns = new Map<pulumi.Resource, string>();
  const ancestorsOf = (resource: pulumi.Resource) => {
    const out: { type: string; name: string }[] = [];
    for (let p = parents.get(resource); p; p = parents.get(p)) {
      const id = identity.get(p);
      if (id) out.push(id);
    }
    return out;
  };
  for (const { resource, type, name } of seen) {
    const chain = [...ancestorsOf(resource)].reverse().map((a) => a.type);
    urns.set(resource, `urn:pulumi:${opts.stack}::${opts.project}::${[...chain, type].join("$")}::${name}`);
  }
  for (const { resource, type, name, props } of seen) {
    const reg = registered.get(`${type}::${name}`);
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(props)) {
      const sources = new Set<pulumi.Resource>();
      await sourcesOf(value, sources);
      const list = [...sources].map((r) => urns.get(r)).filter((u): u is string => u !== undefined);
      if (list.length > 0) propertyDependencies[key] = [...new Set(list)];
    }
    byName.set(`${type}::${name}`, {
      type,
      name,
      urn: urns.get(resource)!,
      custom: reg?.custom ?? true,
      inputs: replaceUnknowns(reg?.inputs ?? {}, UNKNOWN) as Record<string, unknown>,
      policyProps: replaceUnknowns(reg?.inputs ?? {}, UNKNOWN_SENTINEL) as Record<string, unknown>,
      propertyDependencies,
      ancestors: ancestorsOf(resource),
    });
  }
  return { exports, resources: [...byName.values()], instances: seen.map(({ resource, type, name }) => ({ resource, type, name })) };
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
