// `mtasts plan`: what the program would declare, as a reviewer wants it. Builds the plan
// (a JSON contract) from a mock-runtime run, diffs DNS against another plan, renders text/markdown.
import type { DomainSummary } from "../components/mta-sts-fleet";
import type { DnsRecordSpec } from "../components/dns/zone";
import { policies } from "../policies/all";
import { type NotRun, runPolicies, type Violation } from "../policies/lib/harness";
import { type ProgramRun, settle, UNKNOWN } from "./program-runner";

export interface PlanRecord {
  name: string;
  type: string;
  ttl: number;
  values: string[];
  managedBy: "route53" | "cloudflare" | "manual";
  purpose: string;
  /** Route53 alias (values hold the alias target). */
  alias: boolean;
  /** False when the name or a value is only known after deploy. */
  known: boolean;
  /** Present (true) when the stack takes over a record that already exists at this name (adopt). */
  adopt?: boolean;
}

export interface PlanDomain {
  domain: string;
  mode: string;
  dnsProvider: string;
  group: number;
  policy: { id: string; text: string; url: string };
  records: PlanRecord[];
  /** Cloud resources attributed to this domain. */
  resourceCount: number;
  /** promotion.apply auto: the decision ("not-run" offline). */
  promotion?: { outcome: string; reasons: string[] };
  /** When retiring (mode none): the first day remove: true is accepted. */
  retireAfter?: string;
  /** Live MX coverage: "not-run" offline (pulumi up runs it for enforce). */
  mxCheck: { status: string; message: string };
}

export interface PlanResource {
  type: string;
  name: string;
  custom: boolean;
  domain?: string;
  group?: string;
}

export interface RecordChange {
  name: string;
  type: string;
  before: string[];
  after: string[];
  /** Present when adopt changed: whether the record now takes over an existing one. */
  adopt?: boolean;
}

export interface PlanDiff {
  ref: string;
  added: PlanRecord[];
  removed: PlanRecord[];
  changed: RecordChange[];
}

export interface Plan {
  stack: string;
  domains: PlanDomain[];
  resources: PlanResource[];
  groups: { name: string; domains: string[]; resourceCount: number }[];
  /** Records of the TLS-RPT receiver's mail domain (SES verification, DKIM, MX). */
  receiverRecords: PlanRecord[];
  totals: { resources: number; cloudResources: number; shared: number; domains: number; perDomain: number };
  /** Verdicts of the policy pack (policies/) on the recorded resources. */
  violations: Violation[];
  /** Validations the pack could not run offline because a value is only known after deploy. */
  policyNotRun: NotRun[];
  diff?: PlanDiff;
}

async function planRecord(spec: DnsRecordSpec): Promise<PlanRecord> {
  const name = await settle(spec.name);
  const values = await settle(spec.values);
  return {
    name: name.known ? (name.value as string) : UNKNOWN,
    type: spec.type,
    ttl: spec.ttl,
    values: values.known ? (values.value as string[]) : [UNKNOWN],
    managedBy: spec.managedBy,
    purpose: spec.purpose,
    alias: spec.alias,
    known: name.known && values.known,
    ...(spec.adopt ? { adopt: true } : {}),
  };
}

/** Builds the plan from a run of index.ts (its `domains` export and the recorded resources). */
export async function buildPlan(stack: string, run: ProgramRun): Promise<Plan> {
  const summary = (run.exports.domains ?? []) as readonly DomainSummary[];
  // Attribution by component identity: the fleet names a domain's MtaStsDomain and its
  // zone adapter "<fleet>-<domain>" and "<fleet>-<domain>-dns"; groups are PolicyDistributions.
  const domainOf = new Map<string, string>();
  for (const fleet of run.resources.filter((r) => r.type === "mta-sts:index:MtaStsFleet")) {
    for (const s of summary) {
      domainOf.set(`mta-sts:index:MtaStsDomain::${fleet.name}-${s.domain}`, s.domain);
      for (const provider of ["Route53Zone", "CloudflareZone", "ManualZone"]) {
        domainOf.set(`mta-sts:dns:${provider}::${fleet.name}-${s.domain}-dns`, s.domain);
      }
    }
  }
  const resources: PlanResource[] = run.resources.map((r) => {
    const chain = [{ type: r.type, name: r.name }, ...r.ancestors];
    const domain = chain.map((a) => domainOf.get(`${a.type}::${a.name}`)).find((d) => d !== undefined);
    const group = chain.find((a) => a.type === "mta-sts:index:PolicyDistribution")?.name;
    return { type: r.type, name: r.name, custom: r.custom, ...(domain ? { domain } : {}), ...(group && !domain ? { group } : {}) };
  });

  const domains: PlanDomain[] = [];
  for (const s of summary) {
    const [mode, id, text, mxCheck, promotion] = await Promise.all([settle(s.mode), settle(s.policy.id), settle(s.policy.text), settle(s.mxCheck), settle(s.promotion)]);
    domains.push({
      domain: s.domain,
      mode: mode.value ?? UNKNOWN,
      dnsProvider: s.dnsProvider,
      group: s.group,
      policy: { id: id.value ?? UNKNOWN, text: text.value ?? UNKNOWN, url: s.policy.url },
      records: await Promise.all(s.records.map(planRecord)),
      resourceCount: resources.filter((r) => r.custom && r.domain === s.domain).length,
      mxCheck: (mxCheck.value as { status: string; message: string }) ?? { status: "not-run", message: UNKNOWN },
      ...(s.retireAfter ? { retireAfter: s.retireAfter } : {}),
      ...(promotion.value && promotion.value.reasons[0] !== "no automatic promotion for this domain" ? { promotion: { outcome: promotion.value.outcome, reasons: promotion.value.reasons } } : {}),
    });
  }
  const groupNames = [...new Set(run.resources.filter((r) => r.type === "mta-sts:index:PolicyDistribution").map((r) => r.name))];
  const groups = groupNames.map((name) => ({
    name,
    domains: domains.filter((d) => name.endsWith(`-group-${d.group}`)).map((d) => d.domain),
    resourceCount: resources.filter((r) => r.custom && r.group === name).length,
  }));
  const receiverRecords = await Promise.all(((run.exports.receiverRecords ?? []) as readonly DnsRecordSpec[]).map(planRecord));
  const cloud = resources.filter((r) => r.custom).length;
  // The same policy objects `pulumi preview --policy-pack policies` serves, run on what we recorded.
  const verdicts = await runPolicies(
    policies,
    run.resources.filter((r) => r.custom).map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.policyProps, propertyDependencies: r.propertyDependencies })),
  );
  return {
    stack,
    domains,
    resources,
    groups,
    receiverRecords,
    totals: {
      resources: resources.length,
      cloudResources: cloud,
      shared: resources.filter((r) => r.custom && !r.domain && !r.group).length,
      domains: domains.length,
      perDomain: domains.length === 0 ? 0 : Math.round((cloud / domains.length) * 100) / 100,
    },
    violations: verdicts.violations,
    policyNotRun: verdicts.notRun,
  };
}

/** How a record is matched across plans: by name and type, or by purpose when the name is unknown. */
const recordKey = (r: PlanRecord) => `${r.name === UNKNOWN ? r.purpose : r.name}|${r.type}`;

/** DNS records added, removed and changed from `before` to `after`. */
export function diffPlans(ref: string, before: Plan | undefined, after: Plan): PlanDiff {
  const all = (p: Plan | undefined) => [...(p?.domains ?? []).flatMap((d) => d.records), ...(p?.receiverRecords ?? [])];
  const index = (p: Plan | undefined) => new Map(all(p).map((r) => [recordKey(r), r]));
  const old = index(before);
  const now = index(after);
  const added = [...now].filter(([k]) => !old.has(k)).map(([, r]) => r);
  const removed = [...old].filter(([k]) => !now.has(k)).map(([, r]) => r);
  const changed: RecordChange[] = [];
  for (const [k, r] of now) {
    const o = old.get(k);
    // Turning adopt on or off changes what pulumi up does to an existing record: never "no changes".
    const adoptChanged = o !== undefined && !!o.adopt !== !!r.adopt;
    if (o && (adoptChanged || JSON.stringify(o.values) !== JSON.stringify(r.values))) {
      changed.push({ name: r.name === UNKNOWN ? r.purpose : r.name, type: r.type, before: o.values, after: r.values, ...(adoptChanged ? { adopt: !!r.adopt } : {}) });
    }
  }
  return { ref, added, removed, changed };
}

const quote = (v: string) => `"${v.replace(/(["\\])/g, "\\$1")}"`;

/** Said beside every record the stack takes over (adopt), so a reviewer sees it. */
export const TAKES_OVER = "takes over an existing record";
/** A record's purpose, and the takeover when there is one. */
const about = (r: PlanRecord) => `${r.purpose}${r.adopt ? ` (${TAKES_OVER})` : ""}`;
const adoptChange = (c: RecordChange) => (c.adopt === undefined ? "" : c.adopt ? `${TAKES_OVER} (adopt turned on)` : `no longer ${TAKES_OVER} (adopt turned off)`);

/** One zone-file line; TXT values quoted, aliases marked, unknowns said as such. */
export function zoneLine(r: PlanRecord): string {
  const name = r.name === UNKNOWN ? UNKNOWN : `${r.name}.`;
  const values = r.values.map((v) => {
    const target = v === UNKNOWN ? UNKNOWN : r.type === "TXT" ? quote(v) : `${v}.`;
    return r.alias ? `ALIAS ${target}` : target;
  });
  return `${name} ${r.ttl} IN ${r.type} ${values.join(" ")}`;
}

function resourceLines(plan: Plan): string[] {
  const t = plan.totals;
  const owner = (r: PlanResource) => r.domain ?? r.group ?? "shared";
  return [
    `${t.cloudResources} cloud resources (${t.resources} with components) for ${t.domains} domains, ${t.perDomain} per domain on average`,
    `  shared (bucket, access, router function): ${t.shared} resources`,
    ...plan.groups.map((g) => `  ${g.name}: ${g.resourceCount} resources, ${g.domains.length} domains (${g.domains.join(", ")})`),
    ...plan.domains.map((d) => `  ${d.domain}: ${d.resourceCount} resources`),
    "Resources declared (type, name, for):",
    ...plan.resources.map((r) => `  ${r.custom ? "" : "(component) "}${r.type}  ${r.name}  [${owner(r)}]`),
  ];
}

export function renderText(plan: Plan): string {
  const out: string[] = [`Plan for stack ${plan.stack} (offline, mock runtime: values a provider computes are "${UNKNOWN}")`, ""];
  for (const d of plan.domains) {
    out.push(`${d.domain}  mode ${d.mode}, DNS ${d.dnsProvider}${d.dnsProvider === "manual" ? " (add these records by hand)" : ""}, group ${d.group}`);
    out.push(`  policy id ${d.policy.id}  ${d.policy.url}`);
    if (d.mode === "enforce") out.push(`  live MX check: ${d.mxCheck.status} (${d.mxCheck.message})`);
    if (d.retireAfter) out.push(`  retiring (RFC 8461 8.3): remove: true is accepted from ${d.retireAfter}`);
    if (d.promotion) out.push(`  automatic promotion: ${d.promotion.outcome} (${d.promotion.reasons.join("; ")})`);
    const width = Math.max(...d.records.map((r) => zoneLine(r).length));
    for (const r of d.records) out.push(`  ${zoneLine(r).padEnd(width)}  ; ${about(r)}`);
    out.push("  policy file (CRLF):");
    for (const line of d.policy.text.split("\r\n").filter(Boolean)) out.push(`    ${line}`);
    out.push("");
  }
  if (plan.receiverRecords.length > 0) {
    out.push(`TLS-RPT receiver mail domain (${plan.receiverRecords[0].managedBy})`);
    for (const r of plan.receiverRecords) out.push(`  ${zoneLine(r)}  ; ${about(r)}`);
    out.push("");
  }
  out.push(...violationLines(plan), "");
  out.push(...resourceLines(plan));
  if (plan.diff) out.push("", ...renderDiffText(plan.diff));
  return `${out.join("\n")}\n`;
}

/** True when a mandatory policy fired: the plan must not be trusted (exit 1). */
export const hasMandatoryViolation = (plan: Plan) => plan.violations.some((v) => v.level === "mandatory");

function violationLines(plan: Plan): string[] {
  const mandatory = plan.violations.filter((v) => v.level === "mandatory").length;
  const out = [
    `Policy pack: ${plan.violations.length === 0 ? "no violations" : `${mandatory} mandatory, ${plan.violations.length - mandatory} advisory violation(s)`}` +
      (plan.policyNotRun.length > 0 ? `; ${plan.policyNotRun.length} check(s) need values known only after deploy` : ""),
  ];
  for (const v of plan.violations) {
    out.push(`  [${v.level}] ${v.policy} on ${v.resource}: ${v.message}`, `      fix: ${v.remediation}`);
  }
  return out;
}

function renderDiffText(diff: PlanDiff): string[] {
  const out = [`DNS changes against ${diff.ref}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`];
  for (const r of diff.added) out.push(`+ ${zoneLine(r)}${r.adopt ? `  ; ${TAKES_OVER}` : ""}`);
  for (const r of diff.removed) out.push(`- ${zoneLine(r)}`);
  for (const c of diff.changed) {
    const values = c.before.join(" ") === c.after.join(" ") ? "" : `${c.before.join(" ")} -> ${c.after.join(" ")}`;
    out.push(`~ ${c.name} ${c.type}: ${[values, adoptChange(c)].filter(Boolean).join("; ")}`);
  }
  return out;
}

export function renderMarkdown(plan: Plan): string {
  const out: string[] = [`## MTA-STS plan: stack \`${plan.stack}\``, ""];
  if (plan.diff) {
    const d = plan.diff;
    out.push(`### DNS changes against \`${d.ref}\``, "");
    if (d.added.length + d.removed.length + d.changed.length === 0) out.push("No DNS changes.", "");
    else {
      out.push("```diff");
      for (const r of d.added) out.push(`+ ${zoneLine(r)}${r.adopt ? ` ; ${TAKES_OVER}` : ""}`);
      for (const r of d.removed) out.push(`- ${zoneLine(r)}`);
      for (const c of d.changed) {
        out.push(`- ${c.name} ${c.type} ${c.before.join(" ")}`, `+ ${c.name} ${c.type} ${c.after.join(" ")}${c.adopt === undefined ? "" : ` ; ${adoptChange(c)}`}`);
      }
      out.push("```", "");
    }
  }
  out.push("| domain | mode | DNS | policy id | group |", "|---|---|---|---|---|");
  for (const d of plan.domains) out.push(`| ${d.domain} | ${d.mode} | ${d.dnsProvider} | \`${d.policy.id}\` | ${d.group} |`);
  out.push("");
  for (const d of plan.domains) {
    const adopted = d.records.filter((r) => r.adopt).length;
    out.push(`<details><summary><b>${d.domain}</b>: ${d.records.length} records${d.dnsProvider === "manual" ? " (add by hand)" : ""}${adopted > 0 ? `, ${adopted} ${adopted === 1 ? "takes" : "take"} over an existing record` : ""}</summary>`, "");
    out.push("```dns", ...d.records.map((r) => `${zoneLine(r)} ; ${about(r)}`), "```", "");
    out.push(`Policy served at ${d.policy.url}:`, "", "```", ...d.policy.text.split("\r\n").filter(Boolean), "```", "</details>", "");
  }
  if (plan.receiverRecords.length > 0) {
    out.push("<details><summary><b>TLS-RPT receiver mail domain</b></summary>", "", "```dns", ...plan.receiverRecords.map((r) => `${zoneLine(r)} ; ${about(r)}`), "```", "</details>", "");
  }
  out.push("### Policy pack", "");
  if (plan.violations.length === 0) out.push("No violations.", "");
  else {
    out.push("| level | policy | resource | message | fix |", "|---|---|---|---|---|");
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    for (const v of plan.violations) out.push(`| ${v.level} | ${v.policy} | \`${v.resource}\` | ${cell(v.message)} | ${cell(v.remediation)} |`);
    out.push("");
  }
  out.push("<details><summary>Resources</summary>", "", "```", ...resourceLines(plan), "```", "</details>", "");
  out.push(`_Offline plan (mock runtime): values only known after deploy are shown as "${UNKNOWN}"._`);
  return `${out.join("\n")}\n`;
}
