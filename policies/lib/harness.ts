// Runs the pack's policies outside the Pulumi engine, handing each validator what
// @pulumi/policy hands it (props behind the unknown-checking proxy, notApplicable, stackTags,
// getConfig, property dependencies). `mtasts plan` and the tests both use it.
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import type { MtaStsPolicy } from "./define";
import { isUnknownValue, unknownCheckingProxy } from "./unknown";

export interface HarnessResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  /** Inputs; values unknown at preview are the engine's sentinel (UNKNOWN_STRING). */
  readonly props: Record<string, unknown>;
  /** Per input property, URNs of the resources its value came from. */
  readonly propertyDependencies?: Record<string, string[]>;
  /** URN of the provider resource, if any. */
  readonly provider?: string;
}

export interface Violation {
  readonly policy: string;
  /** The logical name of the resource, or "(stack)". */
  readonly resource: string;
  readonly urn?: string;
  readonly level: "mandatory" | "advisory" | "remediate" | "disabled";
  readonly severity?: string;
  readonly message: string;
  readonly remediation: string;
}

export interface NotRun {
  readonly policy: string;
  readonly resource: string;
  readonly reason: string;
}

export interface HarnessResult {
  readonly violations: Violation[];
  /** Validations skipped because a value is only known after deploy (the SDK's advisory "can't run during preview"). */
  readonly notRun: NotRun[];
}

/**
 * Thrown by notApplicable: once per policy and resource that does not concern it (30 policies
 * over 45,000 resources at 10,000 domains), so it carries no stack trace.
 */
class NotApplicable extends Error {
  constructor(reason: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(reason);
    Error.stackTraceLimit = limit;
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "Policy does not apply");
};

function defaultsOf(policy: MtaStsPolicy): Record<string, unknown> {
  const props = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(
    Object.entries(props)
      .filter(([, v]) => v.default !== undefined)
      .map(([k, v]) => [k, v.default]),
  );
}

export function toPolicyResources(resources: readonly HarnessResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out = resources.map((r) => {
    const pr = {
      type: r.type,
      urn: r.urn,
      name: r.name,
      props: unknownCheckingProxy({ ...r.props }),
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
      isType: () => false,
      asType: () => undefined,
    } as unknown as PolicyResource;
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = out[i] as {
      propertyDependencies: Record<string, PolicyResource[]>;
      dependencies: PolicyResource[];
      provider?: unknown;
    };
    for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
      pr.propertyDependencies[key] = urns
        .map((u) => byUrn.get(u))
        .filter((x): x is PolicyResource => x !== undefined);
    }
    pr.dependencies = [...new Set(Object.values(pr.propertyDependencies).flat())];
    if (r.provider && byUrn.has(r.provider)) pr.provider = byUrn.get(r.provider);
  });
  return out;
}

export async function runPolicies(
  policies: readonly MtaStsPolicy[],
  resources: readonly HarnessResource[],
  opts: {
    stackTags?: ReadonlyMap<string, string>;
    config?: Record<string, Record<string, unknown>>;
  } = {},
): Promise<HarnessResult> {
  const violations: Violation[] = [];
  const notRun: NotRun[] = [];
  const stackTags = opts.stackTags ?? new Map<string, string>();
  const prs = toPolicyResources(resources);
  // What a validator is handed, made once per resource rather than once per policy and resource
  // (30 policies over 45,000 resources at 10,000 domains): getConfig reads the policy being run,
  // and violations are reported against the resource being validated.
  let config: Record<string, unknown> = {};
  const getConfig = () => config;
  const isType = () => false;
  const asType = () => undefined;
  const argsOf = prs.map((r) => ({
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: r.opts,
    provider: r.provider,
    stackTags,
    isType,
    asType,
    getConfig,
    notApplicable,
  }));
  for (const policy of policies) {
    const level = policy.enforcementLevel ?? "advisory";
    if (level === "disabled") continue;
    config = { ...defaultsOf(policy), ...(opts.config?.[policy.name] ?? {}) };
    // The resource under validation; a validator that returns a promise is awaited before the next.
    let current: PolicyResource | undefined;
    const report: ReportViolation = (message, urn) => {
      const target = urn ?? current?.urn;
      violations.push({
        policy: policy.name,
        resource: target ? (target.split("::").pop() ?? target) : "(stack)",
        ...(target ? { urn: target } : {}),
        level,
        severity: policy.severity,
        message,
        remediation: policy.remediationSteps,
      });
    };
    const failed = (resource: string, err: unknown): void => {
      if (err instanceof NotApplicable) return;
      if (isUnknownValue(err)) notRun.push({ policy: policy.name, resource, reason: err.message });
      else
        throw new Error(
          `policy ${policy.name} failed on ${resource}: ${(err as Error).stack ?? err}`,
        );
    };
    // Most validators are synchronous: only a promise is awaited (a turn of the event loop per
    // policy and resource adds up at 45,000 resources).
    const attempt = (
      resource: string,
      validate: (args: never, report: ReportViolation) => unknown,
      args: unknown,
    ): Promise<void> | undefined => {
      let result: unknown;
      try {
        result = validate(args as never, report);
      } catch (err) {
        failed(resource, err);
        return undefined;
      }
      return typeof (result as PromiseLike<unknown> | undefined)?.then === "function"
        ? Promise.resolve(result).then(
            () => undefined,
            (err: unknown) => failed(resource, err),
          )
        : undefined;
    };
    if (policy.kind === "resource") {
      const validations = [policy.validateResource].flat().filter((v) => v !== undefined);
      for (let i = 0; i < prs.length; i++) {
        current = prs[i];
        for (const validate of validations) {
          const running = attempt(current.name, validate, argsOf[i]);
          if (running) await running;
        }
      }
    } else if (policy.validateStack) {
      current = undefined;
      const args = { resources: prs, stackTags, getConfig, notApplicable };
      const running = attempt("(stack)", policy.validateStack, args);
      if (running) await running;
    }
  }
  return { violations, notRun };
}
