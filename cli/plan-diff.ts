// `mtasts plan --diff`: two recorded worlds compared, the base planned with its own code at a
// git ref. Records by name and type (ttl, values, provider, zone), policies in words, resources
// by URN with the reason for each replacement, and the removals RFC 8461 8.3 forbids.
import type { Violation } from "../policies/lib/harness";
import { hostMoveConflicts, type PlannedResource } from "../policies/tenants";
import { PLAN_VERSION, type Plan, type PlanRecord } from "./plan";
import { REPLACE_ON, replacingInputs } from "./plan-replace";
import { UNKNOWN } from "./program-runner";

/** A DNS record as the diff compares it. */
export interface DiffRecord {
  name: string;
  type: string;
  ttl: number;
  /** The record data; a TXT value whole (not split into 255-byte strings). */
  values: string[];
  provider: "route53" | "cloudflare" | "manual";
  /** Zone id; null for manual DNS (and for a base planned before zones were recorded). */
  zone: string | null;
  /** The mail domain it serves, or the receiver's mail domain. */
  domain: string;
  purpose: string;
  alias: boolean;
  adopt?: boolean;
}

export interface RecordChange {
  name: string;
  type: string;
  before: DiffRecord;
  after: DiffRecord;
  /** What differs: ttl, values, provider, zone, adopt. */
  fields: string[];
}

export interface PolicyState {
  mode: string;
  mx: string[];
  maxAge: number | null;
  id: string;
}

export interface PolicyChange {
  domain: string;
  before: PolicyState | null;
  after: PolicyState | null;
}

export interface ResourceRef {
  type: string;
  name: string;
  urn: string;
  domain?: string;
  group?: string;
}

export interface PlanDiff {
  /** The ref as the user gave it. */
  base: string;
  /** The commit it named. */
  commit?: string;
  /** The stack file did not exist at the ref: everything is added. */
  newStack: boolean;
  /** What could not be compared, and why (e.g. a base planned by an older mtasts). */
  notes: string[];
  records: { added: DiffRecord[]; removed: DiffRecord[]; changed: RecordChange[] };
  /** Only domains whose policy differs. */
  policies: PolicyChange[];
  resources: {
    create: ResourceRef[];
    update: (ResourceRef & { inputs: string[] })[];
    replace: (ResourceRef & { reason: string; inputs: string[] })[];
    delete: ResourceRef[];
  };
}

/** True when anything in records, policies or resources differs. */
export const hasChanges = (d: PlanDiff) =>
  d.records.added.length +
    d.records.removed.length +
    d.records.changed.length +
    d.policies.length +
    d.resources.create.length +
    d.resources.update.length +
    d.resources.replace.length +
    d.resources.delete.length >
  0;

/** A base plan that the current code can read: version 1 (no zones, no URNs) or this version. */
export interface BasePlan {
  readonly plan: Plan;
  readonly version: number;
}

export class BaseUnreadable extends Error {}

/** Reads the JSON the base's own `mtasts plan --format json` printed. */
export function readBasePlan(json: string): BasePlan {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new BaseUnreadable(
      "its mtasts did not print a plan as JSON (too old for plan --format json?)",
    );
  }
  const plan = doc as Partial<Plan> | null;
  if (
    !plan ||
    typeof plan !== "object" ||
    !Array.isArray(plan.domains) ||
    !Array.isArray(plan.resources)
  ) {
    throw new BaseUnreadable(
      "its plan has no domains and resources (an mtasts too old to compare with; plan the base with a newer one)",
    );
  }
  const version = plan.version ?? 1;
  if (typeof version !== "number" || version > PLAN_VERSION) {
    throw new BaseUnreadable(
      `its plan is version ${String(version)}, newer than this mtasts reads (${PLAN_VERSION}); run the newer mtasts`,
    );
  }
  return { plan: plan as Plan, version };
}

/** "ACM DNS validation for mta-sts.example.com (ACM's own record ...)" -> without the remark. */
const purposeStem = (purpose: string) => purpose.replace(/\s*\(.*\)\s*$/, "");

function diffRecord(r: PlanRecord, domain: string): DiffRecord {
  return {
    name: r.name,
    type: r.type,
    ttl: r.ttl,
    values: r.values,
    provider: r.managedBy,
    zone: r.zone ?? null,
    domain,
    purpose: r.purpose,
    alias: r.alias,
    ...(r.adopt ? { adopt: true } : {}),
  };
}

/**
 * Every record by its identity: name and type, or, when the name is known only after deploy
 * (the ACM validation CNAME), purpose and domain.
 */
function recordsOf(plan: Plan | undefined): Map<string, DiffRecord> {
  const receiverDomain =
    plan?.receiverRecords.find((r) => r.type === "MX")?.name ?? "TLS-RPT receiver";
  const all = [
    ...(plan?.domains ?? []).flatMap((d) => d.records.map((r) => diffRecord(r, d.domain))),
    ...(plan?.receiverRecords ?? []).map((r) => diffRecord(r, receiverDomain)),
  ];
  const out = new Map<string, DiffRecord>();
  for (const r of all) {
    const key =
      r.name === UNKNOWN
        ? `${r.domain}|${purposeStem(r.purpose)}|${r.type}`
        : `${r.name}|${r.type}`;
    let k = key;
    for (let n = 2; out.has(k); n++) k = `${key}#${n}`;
    out.set(k, r);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function diffRecords(
  before: Plan | undefined,
  after: Plan,
  zonesKnown: boolean,
): PlanDiff["records"] {
  const old = recordsOf(before);
  const now = recordsOf(after);
  const added = [...now].filter(([k]) => !old.has(k)).map(([, r]) => r);
  const removed = [...old].filter(([k]) => !now.has(k)).map(([, r]) => r);
  const changed: RecordChange[] = [];
  for (const [k, r] of now) {
    const o = old.get(k);
    if (!o) continue;
    const fields: string[] = [];
    if (o.ttl !== r.ttl) fields.push("ttl");
    if (!same(o.values, r.values) || o.alias !== r.alias) fields.push("values");
    if (o.provider !== r.provider) fields.push("provider");
    if (zonesKnown && o.zone !== r.zone) fields.push("zone");
    // Turning adopt on or off changes what pulumi up does to an existing record: never "no changes".
    if (!!o.adopt !== !!r.adopt) fields.push("adopt");
    if (fields.length > 0)
      changed.push({ name: r.name, type: r.type, before: o, after: r, fields });
  }
  return { added, removed, changed };
}

/** The policy in the terms of RFC 8461 3.2, read from the text the plan serves. */
export function policyState(d: Plan["domains"][number]): PolicyState {
  const lines = d.policy.text === UNKNOWN ? [] : d.policy.text.split(/\r?\n/);
  const field = (key: string) =>
    lines.filter((l) => l.startsWith(`${key}:`)).map((l) => l.slice(key.length + 1).trim());
  const maxAge = field("max_age")[0];
  return {
    mode: field("mode")[0] ?? d.mode,
    mx: field("mx"),
    maxAge: maxAge === undefined ? null : Number(maxAge),
    id: d.policy.id,
  };
}

function diffPolicies(before: Plan | undefined, after: Plan): PolicyChange[] {
  const old = new Map((before?.domains ?? []).map((d) => [d.domain, policyState(d)]));
  const now = new Map(after.domains.map((d) => [d.domain, policyState(d)]));
  const out: PolicyChange[] = [];
  for (const [domain, p] of now) {
    const o = old.get(domain) ?? null;
    if (!o || !same(o, p)) out.push({ domain, before: o, after: p });
  }
  for (const [domain, o] of old) if (!now.has(domain)) out.push({ domain, before: o, after: null });
  return out;
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** "subjectAlternativeNames + mta-sts.example.info", "zoneId Z1 -> Z2": what changed, in words. */
export function inputChange(key: string, before: unknown, after: unknown): string {
  if (Array.isArray(before) && Array.isArray(after)) {
    const added = after.filter((x) => !before.some((y) => same(x, y))).map(show);
    const removed = before.filter((x) => !after.some((y) => same(x, y))).map(show);
    const parts = [...added.map((x) => `+ ${x}`), ...removed.map((x) => `- ${x}`)];
    return `${key} ${parts.length > 0 ? parts.join(", ") : "reordered"}`;
  }
  if (before === undefined) return `${key} set to ${show(after)}`;
  if (after === undefined) return `${key} unset (was ${show(before)})`;
  return `${key} ${show(before)} -> ${show(after)}`;
}

function diffResources(
  before: Plan | undefined,
  after: Plan,
  inputsKnown: boolean,
): PlanDiff["resources"] {
  // Components declare nothing in the cloud; their children are listed themselves.
  const key = (r: Plan["resources"][number]) => (inputsKnown ? r.urn : `${r.type}::${r.name}`);
  const old = new Map((before?.resources ?? []).filter((r) => r.custom).map((r) => [key(r), r]));
  const now = new Map(after.resources.filter((r) => r.custom).map((r) => [key(r), r]));
  const ref = (r: Plan["resources"][number]): ResourceRef => ({
    type: r.type,
    name: r.name,
    urn: r.urn ?? "",
    ...(r.domain ? { domain: r.domain } : {}),
    ...(r.group ? { group: r.group } : {}),
  });
  const out: PlanDiff["resources"] = { create: [], update: [], replace: [], delete: [] };
  for (const [k, r] of now) {
    const o = old.get(k);
    if (!o) {
      out.create.push(ref(r));
      continue;
    }
    if (!inputsKnown) continue;
    const a = o.inputs ?? {};
    const b = r.inputs ?? {};
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .filter((i) => !same(a[i], b[i]))
      .sort();
    if (changed.length === 0) continue;
    const forcing = replacingInputs(r.type, changed);
    if (forcing.length > 0) {
      const rule = REPLACE_ON[r.type];
      const reason = `${forcing.map((i) => inputChange(i, a[i], b[i])).join("; ")}: the provider replaces a ${rule.what} when ${forcing.join(" or ")} changes`;
      out.replace.push({ ...ref(r), reason, inputs: forcing });
    } else out.update.push({ ...ref(r), inputs: changed });
  }
  for (const [k, o] of old) if (!now.has(k)) out.delete.push(ref(o));
  return out;
}

/** Compares the base (undefined: the stack file did not exist there) with the plan of the working tree. */
export function diffPlans(
  ref: string,
  base: BasePlan | undefined,
  after: Plan,
  extra: { commit?: string; notes?: string[] } = {},
): PlanDiff {
  const before = base?.plan;
  const full = base === undefined || base.version >= 2;
  const notes = [...(extra.notes ?? [])];
  if (!full) {
    notes.push(
      `the base was planned by an mtasts whose plan has no version (plan version 1): its records have no zone and its resources no URN or inputs, so zone changes and resource updates and replacements are not shown against ${ref}; they are from the next base on`,
    );
  }
  return {
    base: ref,
    ...(extra.commit ? { commit: extra.commit } : {}),
    newStack: base === undefined,
    notes,
    records: diffRecords(before, after, full),
    policies: diffPolicies(before, after),
    resources: diffResources(before, after, full),
  };
}

/**
 * RFC 8461 8.3: a domain whose senders may hold a testing or enforce policy must first publish
 * mode none (mtasts retire) and keep it for the old max_age before its records and host go.
 */
export function retirementViolations(
  base: BasePlan | undefined,
  after: Plan,
  ref: string,
): Violation[] {
  if (!base) return [];
  const kept = new Set(after.domains.map((d) => d.domain));
  return base.plan.domains
    .filter((d) => !kept.has(d.domain) && (d.mode === "testing" || d.mode === "enforce"))
    .map((d) => {
      const maxAge = policyState(d).maxAge;
      return {
        policy: "retire-before-remove",
        resource: d.domain,
        level: "mandatory" as const,
        severity: "high",
        message:
          `${d.domain} is removed, but at ${ref} it publishes mode ${d.mode}: senders that fetched that policy keep applying it for its max_age` +
          `${maxAge === null ? "" : ` (${maxAge} s)`} after the policy host is gone${d.mode === "enforce" ? ", and refuse to deliver mail they cannot validate" : ""} (RFC 8461 8.3)`,
        remediation: `keep ${d.domain} in the stack and run mtasts retire --domain ${d.domain} (mode none with a new id, and retireAfter); pulumi up; remove it (remove: true) from the retireAfter date on`,
      };
    });
}

/**
 * Hosts that `pulumi up` would move in an order CloudFront or DNS refuses (policies/tenants.ts
 * hostMoveConflicts): a tenant created while a distribution still has its host as an alias, or a
 * CNAME created while the grouped layout's alias records are still there. Moving a grouped stack
 * to tenants goes through migration.releasing; this names the hosts of a plan that skips it.
 */
export function hostMoveViolations(
  base: BasePlan | undefined,
  after: Plan,
  ref: string,
): Violation[] {
  if (!base || base.version < 2) return [];
  return hostMoveConflicts(plannedResources(base.plan), plannedResources(after)).map((message) => ({
    policy: "host-move-order",
    resource: message.slice(0, message.indexOf(":")),
    level: "mandatory" as const,
    severity: "high",
    message: `against ${ref}: ${message}`,
    remediation:
      "move the domains in two steps (README, Moving to tenants): list them under mta-sts:hosting.migration.releasing and pulumi up (their group lets the host go), then take them out of the list and pulumi up again (each gets its tenant)",
  }));
}

/** A plan's cloud resources as the move check reads them; a distribution whose inputs were digested gets its aliases from its group. */
function plannedResources(plan: Plan): PlannedResource[] {
  const hostsOf = new Map(plan.groups.map((g) => [g.name, g.domains.map((d) => `mta-sts.${d}`)]));
  return plan.resources
    .filter((r) => r.custom && r.urn)
    .map((r) => {
      const props = r.inputs && typeof r.inputs === "object" ? r.inputs : {};
      const aliases =
        r.type === "aws:cloudfront/distribution:Distribution" &&
        !Array.isArray(props.aliases) &&
        r.group
          ? { aliases: hostsOf.get(r.group) ?? [] }
          : {};
      return { key: r.urn, type: r.type, props: { ...props, ...aliases } };
    });
}
