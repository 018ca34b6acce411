// Every policy of the pack is one of these: a @pulumi/policy policy, with the severity and
// remediation steps a person follows when it fires.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type MtaStsPolicy =
  | (ResourceValidationPolicy & { readonly kind: "resource"; readonly remediationSteps: string })
  | (StackValidationPolicy & { readonly kind: "stack"; readonly remediationSteps: string });

export const resourcePolicy = (
  p: Omit<ResourceValidationPolicy, "remediationSteps"> & { remediationSteps: string },
): MtaStsPolicy => ({ kind: "resource", ...p });
export const stackPolicy = (
  p: Omit<StackValidationPolicy, "remediationSteps"> & { remediationSteps: string },
): MtaStsPolicy => ({ kind: "stack", ...p });
