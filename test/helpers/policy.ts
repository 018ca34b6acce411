// Builds resources as the policy engine presents them, and runs one policy over them
// through the same harness `mtasts plan` uses (props behind @pulumi/policy's unknown proxy).
import type { MtaStsPolicy } from "../../policies/lib/define";
import { type HarnessResource, runPolicies } from "../../policies/lib/harness";
import { UNKNOWN_STRING } from "../../policies/lib/unknown";

export const UNKNOWN = UNKNOWN_STRING;

/** A resource; `parents` are component types above it (e.g. the ReportReceiver). */
export function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  opts: { deps?: Record<string, string[]>; parents?: string[] } = {},
): HarnessResource {
  const chain = [...(opts.parents ?? []), type].join("$");
  return {
    type,
    name,
    urn: `urn:pulumi:test::proj::${chain}::${name}`,
    props,
    propertyDependencies: opts.deps ?? {},
  };
}

export async function check(policy: MtaStsPolicy, resources: HarnessResource[]) {
  const r = await runPolicies([policy], resources, { stackTags: new Map([["team", "mail"]]) });
  return {
    messages: r.violations.map((v) => v.message),
    violations: r.violations,
    notRun: r.notRun,
  };
}
