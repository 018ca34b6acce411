// Runs a Pulumi program in this process under the SDK's mock runtime in preview mode: no
// engine, no credentials. Records every resource with its inputs and its place in the tree.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CommandFailure } from "./errors";

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
  readonly instances: readonly {
    readonly resource: pulumi.Resource;
    readonly type: string;
    readonly name: string;
  }[];
}

/** The engine's wire sentinel for an unknown value (the policy SDK recognises it). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function replaceUnknowns(value: unknown, marker: string): unknown {
  if (pulumi.Output.isInstance(value)) return marker;
  if (
    value !== null &&
    typeof value === "object" &&
    (value as object).constructor?.name === "Unknown"
  )
    return marker;
  if (Array.isArray(value)) return value.map((v) => replaceUnknowns(v, marker));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        replaceUnknowns(v, marker),
      ]),
    );
  }
  return value;
}

/** Every resource an input value (possibly holding Outputs deep inside) was computed from. */
async function sourcesOf(value: unknown, into: Set<pulumi.Resource>, depth = 0): Promise<void> {
  if (depth > 20 || value === null || value === undefined) return;
  if (pulumi.Output.isInstance(value)) {
    const out = value as unknown as {
      allResources?: () => Promise<Set<pulumi.Resource>>;
      resources: () => Set<pulumi.Resource>;
    };
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
    for (const v of Object.values(value as Record<string, unknown>))
      await sourcesOf(v, into, depth + 1);
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
  const sdk = withoutSdkDiagnostics();
  // The program skips what needs the network (the live MX check) and says so.
  process.env.MTASTS_OFFLINE = "1";
  const byName = new Map<string, RecordedResource>();
  const parents = new WeakMap<pulumi.Resource, pulumi.Resource | undefined>();
  const pending: {
    type: string;
    name: string;
    custom: boolean;
    inputs: Record<string, unknown>;
  }[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        pending.push({
          type: args.type,
          name: args.name,
          custom: args.custom !== false,
          inputs: args.inputs,
        });
        // Known after deploy stays unknown: only the inputs come back as state, and ids are
        // placeholders that nothing prints.
        return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        throw new Error(
          `the offline plan does not know the function ${args.token}; it would need a cloud account`,
        );
      },
    },
    opts.project,
    opts.stack,
    true,
  );

  let exports: Record<string, unknown> = {};
  let failure: unknown;
  const seen: {
    resource: pulumi.Resource;
    type: string;
    name: string;
    props: Record<string, unknown>;
  }[] = [];
  await pulumi.runtime
    .runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        parents.set(args.resource, args.opts.parent);
        seen.push({
          resource: args.resource,
          type: args.type,
          name: args.name,
          props: args.props ?? {},
        });
        return undefined;
      });
      try {
        const loaded = await loadModule(path.resolve(opts.programPath));
        exports = await programOutputs(loaded, opts.programPath);
      } catch (err) {
        failure = err;
      }
      return {};
    })
    .catch((err: unknown) => {
      failure ??= err;
    });
  if (failure) {
    sdk.restore();
    throw failure;
  }
  await pulumi.runtime.disconnect();
  sdk.restore();

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
    urns.set(
      resource,
      `urn:pulumi:${opts.stack}::${opts.project}::${[...chain, type].join("$")}::${name}`,
    );
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
  return {
    exports,
    resources: [...byName.values()],
    instances: seen.map(({ resource, type, name }) => ({ resource, type, name })),
  };
}

/**
 * Per-resource machinery of the SDK that a mock run does not need, off while the program runs
 * (MTASTS_PLAN_UNPATCHED=1 runs the SDK as shipped: stack traces to debug a program that throws, and the check that the plan is the same). At 1,000 domains it was half
 * the plan's CPU and most of its memory:
 * - a stack trace per resource for its source position, which the mock monitor never reads
 *   (Resource.callsites lifts the depth limit to infinity, so the limit alone does not stop it);
 * - debuggablePromise (runtime/debuggable.js) around each of the four promises of every output
 *   property of every resource: a stack trace, a context string and two more promises each, kept
 *   for the leak report at exit. The promise itself is returned instead.
 * Both are looked up by the SDK at each call (`debuggable_1.debuggablePromise`, `Resource.callsites`),
 * so replacing them here reaches every caller. Returns what it replaced (an SDK upgrade that moves
 * one shows in the test) and how to put everything back.
 */
export function withoutSdkDiagnostics(): { readonly replaced: readonly string[]; restore(): void } {
  if (process.env.MTASTS_PLAN_UNPATCHED === "1") return { replaced: [], restore: () => undefined };
  const restore: (() => void)[] = [];
  const replaced: string[] = [];
  const replace = (owner: object | undefined, key: string, value: unknown) => {
    const before = owner && Object.getOwnPropertyDescriptor(owner, key);
    if (!owner || !before || typeof (before.value ?? before.get) !== "function") return;
    Object.defineProperty(owner, key, {
      ...before,
      ...(before.get ? { get: () => value } : { value }),
    });
    restore.push(() => Object.defineProperty(owner, key, before));
    replaced.push(key);
  };
  replace(pulumi.Resource, "callsites", () => []);
  replace(sdkModule("runtime/debuggable"), "debuggablePromise", <T>(p: Promise<T>) => p);
  replace(sdkModule("runtime/rpc"), "transferProperties", lazyTransferProperties);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return {
    replaced,
    restore: () => {
      Error.stackTraceLimit = limit;
      for (const undo of restore.reverse()) undo();
    },
  };
}

type Resolver = (
  value: unknown,
  isKnown: boolean,
  isSecret: boolean,
  deps?: pulumi.Resource[],
  err?: Error,
) => void;

/**
 * runtime/rpc.js transferProperties, creating each output property's Output when the program
 * first reads it rather than when the resource is constructed. The SDK makes an Output (about ten
 * promises) for every property of a resource's type, inputs and outputs alike, and a program
 * reads few of them: BucketObjectv2 has 40 and the program reads its id. Until registration
 * returns, all of those stay pending at once: most of a large plan's peak memory. Same contract:
 * one resolver per property, an Output on `onto` under the same key, resolved the same way.
 */
function lazyTransferProperties(
  onto: Record<string | symbol, unknown>,
  label: string,
  props: Record<string, unknown>,
): Record<string, Resolver> {
  // Per resource: what registration said for each property, and the settlers of the Outputs made so far.
  const state: LazyState = { settled: {}, settlers: {} };
  onto[LAZY] = state;
  const resolvers: Record<string, Resolver> = {};
  for (const k of Object.keys(props)) {
    if (k === "id" || k === "urn") continue;
    if (Object.prototype.hasOwnProperty.call(onto, k))
      throw new Error(`Property '${k}' is already initialized on target '${label}`);
    Object.defineProperty(onto, k, { ...accessorFor(k), enumerable: true, configurable: true });
    resolvers[k] = (...args) => {
      state.settled[k] = args;
      state.settlers[k]?.(...args);
    };
  }
  return resolvers;
}

const LAZY = Symbol("mtasts:lazy-properties");
interface LazyState {
  settled: Record<string, Parameters<Resolver>>;
  settlers: Record<string, Resolver>;
}

/** The getter and setter of property `k`, shared by every resource (they find the resource as `this`). */
const accessors = new Map<
  string,
  {
    get(this: Record<string | symbol, unknown>): unknown;
    set(this: Record<string | symbol, unknown>, value: unknown): void;
  }
>();
function accessorFor(k: string) {
  let found = accessors.get(k);
  if (!found) {
    found = {
      get() {
        const output = makeOutput(this, this[LAZY] as LazyState, k);
        Object.defineProperty(this, k, {
          value: output,
          writable: true,
          enumerable: true,
          configurable: true,
        });
        return output;
      },
      set(value) {
        Object.defineProperty(this, k, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    };
    accessors.set(k, found);
  }
  return found;
}

/** The Output the SDK would have made for property `k` of `onto`, settled as registration says (now or later). */
function makeOutput(onto: object, state: LazyState, k: string): pulumi.Output<unknown> {
  const OutputClass = pulumi.Output as unknown as new (
    resources: unknown,
    ...promises: Promise<unknown>[]
  ) => pulumi.Output<unknown>;
  const parts = [0, 1, 2, 3].map(() => {
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  });
  const settle: Resolver = (value, isKnown, isSecret, deps = [], err) => {
    // As the SDK (errors.isGrpcError: UNAVAILABLE, CANCELLED): the property stays pending.
    const code = (err as { code?: unknown } | undefined)?.code;
    if (err && (code === 14 || code === 1)) return;
    const values = [value, isKnown, isSecret, deps];
    parts.forEach((p, i) => (err ? p.reject(err) : p.resolve(values[i])));
  };
  const settled = state.settled[k];
  if (settled) settle(...settled);
  else state.settlers[k] = settle;
  return new OutputClass(onto, ...parts.map((p) => p.promise));
}

/** One of the SDK's internal modules (the same instance the SDK uses), or undefined if it moved. */
function sdkModule(relative: string): object | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module, the one the SDK loaded
    return require(require.resolve(`@pulumi/pulumi/${relative}`)) as object;
  } catch {
    return undefined;
  }
}

/**
 * The stack outputs of a loaded program, as Pulumi's run.js reads them. A CommonJS program
 * (`require`, as Pulumi runs a TypeScript program without `"type": "module"`) is called when the
 * module itself is a function (`export = async () => ({ ... })`, as index.ts); its other exports
 * are the outputs. A module loaded with import() (ESM, and vitest) has its default export called.
 * A CommonJS program whose only export is a default function is refused: Pulumi would not call
 * it, so `pulumi up` would declare nothing (and delete what the stack has) while a plan showed all.
 */
async function programOutputs(
  loaded: { module: unknown; via: "require" | "import" },
  file: string,
): Promise<Record<string, unknown>> {
  let program = loaded.module;
  const keys = program !== null && typeof program === "object" ? Object.keys(program) : [];
  const defaultOnly = keys.length === 1 && keys[0] === "default";
  if (defaultOnly && typeof (program as { default: unknown }).default === "function") {
    if (loaded.via === "require")
      throw new CommandFailure(
        `${file} exports a default function, which Pulumi does not call in a CommonJS program (a package.json without "type": "module"): pulumi up would declare nothing. Write export = async () => { ... } instead of export default`,
      );
    program = (program as { default: unknown }).default;
  }
  const result = typeof program === "function" ? await (program as () => unknown)() : program;
  return (result !== null && typeof result === "object" ? result : {}) as Record<string, unknown>;
}

/** require() where a TypeScript loader is registered (tsx in bin/), else import() (vitest). */
async function loadModule(file: string): Promise<{ module: unknown; via: "require" | "import" }> {
  if (typeof require === "function" && require.extensions?.[".ts"])
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is CommonJS, as Pulumi runs it
    return { module: require(file), via: "require" };
  return { module: await import(file), via: "import" };
}

export interface Settled<T> {
  readonly known: boolean;
  readonly value: T | undefined;
}

/** Resolves an Output (or plain value) and says whether a preview would know it. */
export async function settle<T>(value: pulumi.Input<T>): Promise<Settled<T>> {
  if (!pulumi.Output.isInstance(value)) return { known: true, value: (await value) as T };
  // isKnown and promise() are internal to the SDK but stable; they are how the SDK itself tells.
  const out = value as unknown as {
    isKnown: Promise<boolean>;
    promise(withUnknowns?: boolean): Promise<T>;
  };
  const known = await out.isKnown;
  return { known, value: known ? await out.promise() : undefined };
}
