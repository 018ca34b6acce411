// SES inbound rules: one active receipt rule set per region, receipt rule (set) names, and a
// region where SES receives email at all (it sends from many more regions than it receives in).
import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy } from "../lib/define";
import { ifKnown, normName, TYPES } from "../lib/resources";
import { describeLength, physicalName } from "./names";

/**
 * Regions with an SES email receiving endpoint (inbound-smtp.<region>.amazonaws.com): the
 * "Email receiving endpoints" table of the AWS General Reference (SES endpoints and quotas).
 * eu-north-1 and ap-south-1 were added later (MX endpoints in use, receipt-rule API answering);
 * extend the list with the policy's `additionalRegions` config when AWS adds more.
 */
// https://docs.aws.amazon.com/general/latest/gr/ses.html (Email receiving endpoints)
export const SES_RECEIVING_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-northeast-1",
];

/** Receipt rule names: letters, digits, _ - and ., start and end with a letter or digit, at most 64. */
// https://docs.aws.amazon.com/ses/latest/APIReference/API_ReceiptRule.html (Name requirements)
export function receiptRuleNameProblems(name: string): string[] {
  return nameProblems(name, /^[A-Za-z0-9_.-]*$/, 'letters, digits, "_", "-" and "."');
}

/** Receipt rule set names: letters, digits, _ and -, start and end with a letter or digit, at most 64. */
// https://docs.aws.amazon.com/ses/latest/APIReference/API_CreateReceiptRuleSet.html (RuleSetName requirements)
export function receiptRuleSetNameProblems(name: string): string[] {
  return nameProblems(name, /^[A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"');
}

function nameProblems(name: string, chars: RegExp, allowed: string): string[] {
  const problems: string[] = [];
  if (name.length === 0 || name.length > 64)
    problems.push(`"${name}" is ${name.length} characters (1-64 allowed)`);
  if (!chars.test(name)) problems.push(`"${name}" has characters other than ${allowed}`);
  if (name.length > 0 && !/^[A-Za-z0-9](.*[A-Za-z0-9])?$/.test(name))
    problems.push(`"${name}" does not start and end with a letter or digit`);
  return problems;
}

/** `10 inbound-smtp.eu-west-1.amazonaws.com.` -> `eu-west-1`. */
export function inboundRegionOf(mxValue: string): string | undefined {
  return /(?:^|\s)inbound-smtp\.([a-z0-9-]+)\.amazonaws\.com\.?$/i
    .exec(mxValue.trim())?.[1]
    ?.toLowerCase();
}

const SES_RECEIPT = [TYPES.sesRule, TYPES.sesRuleSet, TYPES.sesActiveRuleSet] as string[];

/** The region a resource is created in: its own `region` input (provider v7), else its provider's. */
function regionOf(r: PolicyResource): string | undefined {
  const own = ifKnown(() => r.props.region);
  if (typeof own === "string") return own;
  const fromProvider = ifKnown(() => r.provider?.props?.region);
  return typeof fromProvider === "string" ? fromProvider : undefined;
}

/** MX records in the stack that point at an SES receiving endpoint, with the region they name. */
function inboundMxRecords(
  resources: readonly PolicyResource[],
): { r: PolicyResource; name: string; region: string }[] {
  const out: { r: PolicyResource; name: string; region: string }[] = [];
  for (const r of resources) {
    const found = ifKnown(() => {
      if (r.type === TYPES.route53Record && r.props.type === "MX")
        return ((r.props.records ?? []) as string[]).map(inboundRegionOf);
      if (r.type === TYPES.cloudflareRecord && r.props.type === "MX")
        return [inboundRegionOf(String(r.props.content ?? ""))];
      return [];
    });
    for (const region of found ?? [])
      if (region) out.push({ r, name: normName(ifKnown(() => r.props.name)), region });
  }
  return out;
}

export const sesSingleActiveRuleSet = stackPolicy({
  name: "ses-single-active-rule-set",
  description:
    "At most one ActiveReceiptRuleSet per region in the stack: only one receipt rule set can be active in a region, so a second one silently deactivates the first and its mail stops being processed.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Keep one ActiveReceiptRuleSet per region and add every ReceiptRule to that rule set (ReportReceiver: set mta-sts:receiver.email.ruleSetName to the active set).",
  validateStack: (args, reportViolation) => {
    // https://docs.aws.amazon.com/ses/latest/APIReference/API_SetActiveReceiptRuleSet.html (sets "the" active receipt rule set)
    const byRegion = new Map<string, PolicyResource[]>();
    for (const r of args.resources.filter((x) => x.type === TYPES.sesActiveRuleSet)) {
      const region = regionOf(r) ?? "(the stack's region)";
      byRegion.set(region, [...(byRegion.get(region) ?? []), r]);
    }
    for (const [region, found] of byRegion) {
      if (found.length < 2) continue;
      const sets = found
        .map((r) => `${r.name} -> ${ifKnown(() => r.props.ruleSetName) ?? "(known after deploy)"}`)
        .join(", ");
      for (const r of found.slice(1))
        reportViolation(
          `${found.length} active receipt rule sets in ${region} (${sets}); only the last one applied stays active`,
          r.urn,
        );
    }
  },
});

export const sesReceiptNames = resourcePolicy({
  name: "ses-receipt-names",
  description:
    "SES receipt rule and rule set names are at most 64 characters, start and end with a letter or digit, and use letters, digits, _ and - (rules may also use .); an autonamed rule takes the logical name + 8.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    'Name the rule set with letters, digits, "-" and "_" only (no dots from a domain name) within 64 characters; keep a rule\'s logical name within 56 characters or set its name explicitly.',
  validateResource: (args, reportViolation) => {
    if (args.type === TYPES.sesRuleSet) {
      for (const p of receiptRuleSetNameProblems(String(args.props.ruleSetName ?? "")))
        reportViolation(`receipt rule set name ${p}`);
    } else if (args.type === TYPES.sesRule) {
      const name = physicalName(args, "name");
      if (name.length > 64) reportViolation(describeLength(name, "receipt rule name", 64));
      else
        for (const p of receiptRuleNameProblems(name.value))
          reportViolation(`receipt rule name ${p}`);
    } else return args.notApplicable("not an SES receipt rule or rule set");
  },
});

export const sesReceivingRegion = stackPolicy({
  name: "ses-receiving-region",
  description:
    "SES receipt rules, and MX records pointing at inbound-smtp.<region>.amazonaws.com, are in a region where SES receives email (a documented list; the region comes from the resources' region, their provider's, or the MX target), and the MX points at the region holding the rules.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: `Deploy the receiver (aws:region, or the SES resources' region) in a region that receives email: ${SES_RECEIVING_REGIONS.join(", ")}; point the MX at inbound-smtp.<that region>.amazonaws.com. If AWS has added your region, list it in this policy's additionalRegions config.`,
  configSchema: {
    properties: {
      additionalRegions: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "regions where SES receives email beyond the built-in list",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const supported = new Set([
      ...SES_RECEIVING_REGIONS,
      ...(args.getConfig<{ additionalRegions?: string[] }>().additionalRegions ?? []),
    ]);
    const sesRegions = new Set<string>();
    for (const r of args.resources.filter((x) => SES_RECEIPT.includes(x.type))) {
      const region = regionOf(r);
      if (!region) continue;
      sesRegions.add(region);
      if (!supported.has(region))
        reportViolation(`${r.name} is in ${region}, where SES does not receive email`, r.urn);
    }
    for (const mx of inboundMxRecords(args.resources)) {
      if (!supported.has(mx.region))
        reportViolation(
          `MX ${mx.name} points at inbound-smtp.${mx.region}.amazonaws.com; SES does not receive email in ${mx.region}`,
          mx.r.urn,
        );
      else if (sesRegions.size > 0 && !sesRegions.has(mx.region)) {
        reportViolation(
          `MX ${mx.name} points at ${mx.region} but the stack's receipt rules are in ${[...sesRegions].join(", ")}; mail arrives where no rule handles it`,
          mx.r.urn,
        );
      }
    }
  },
});
