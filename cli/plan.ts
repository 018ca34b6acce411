// `mtasts plan`: what the program would declare, as a reviewer wants it. Builds the plan (a
// versioned JSON contract) from a mock-runtime run and renders it as text; see plan-diff.ts for
// the comparison with a base and plan-markdown.ts for the pull request comment.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { DomainSummary } from "../components/mta-sts-fleet";
import type { DnsRecordSpec } from "../components/dns/zone";
import { policies } from "../policies/all";
import { type NotRun, runPolicies, type Violation } from "../policies/lib/harness";
import type { PlanDiff } from "./plan-diff";
import { CommandFailure } from "./errors";
import { diffTextLines, TAKES_OVER, zoneLine } from "./plan-words";
import { type ProgramRun, settle, UNKNOWN } from "./program-runner";

export { TAKES_OVER, zoneLine };

/**
 * The version of the plan's JSON contract. Plans without one are version 1 (records without
 * zones, resources without URNs or inputs); 2 added zone, urn, inputs and the diff below.
 */
export const PLAN_VERSION = 2;

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
  /** The zone it is written to (Route53 hosted zone id, Cloudflare zone id); null for manual DNS. */
  zone: string | null;
}

/** What serves a domain's policy host. */
export type PlanHosting =
  /** Mode grouped (or still grouped while moving): a distribution shared with its group. */
  | { placement: "group"; group: number; distribution: string }
  /** Mode tenants: a CloudFront distribution tenant of its own (`tenant` is CloudFront's name for it). */
  | { placement: "tenant"; tenant: string }
  /** Moving to tenants: released by its group, served by nothing until its tenant is created. */
  | { placement: "releasing" };

export interface PlanDomain {
  domain: string;
  mode: string;
  dnsProvider: string;
  /** Index of its distribution group; -1 when no group serves it (see hosting). */
  group: number;
  /** What serves it; absent in plans made before tenants (their domains are all grouped). */
  hosting?: PlanHosting;
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
  /** The URN the engine would give it: how resources are matched across plans. */
  urn: string;
  custom: boolean;
  domain?: string;
  group?: string;
  /** Cloud resources: the inputs as declared (long values as a digest, unknowns as such). */
  inputs?: Record<string, unknown>;
}

export interface Plan {
  version: number;
  stack: string;
  domains: PlanDomain[];
  resources: PlanResource[];
  groups: { name: string; domains: string[]; resourceCount: number }[];
  /** Records of the TLS-RPT receiver's mail domain (SES verification, DKIM, MX). */
  receiverRecords: PlanRecord[];
  /** tenants: CloudFront distribution tenants (one per domain in mode tenants, counted with their domains too); absent in older plans. */
  totals: {
    resources: number;
    cloudResources: number;
    shared: number;
    domains: number;
    perDomain: number;
    tenants?: number;
  };
  /** Verdicts of the policy pack (policies/) on the recorded resources. */
  violations: Violation[];
  /** Validations the pack could not run offline because a value is only known after deploy. */
  policyNotRun: NotRun[];
  diff?: PlanDiff;
}

async function planRecord(spec: DnsRecordSpec, zone: string | null): Promise<PlanRecord> {
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
    zone: spec.managedBy === "manual" ? null : zone,
  };
}

const TENANT = "aws:cloudfront/distributionTenant:DistributionTenant";

/** Values past this length are kept as a digest: a change still shows, the JSON stays small. */
const LONG = 200;
const digest = (text: string) =>
  `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)} (${text.length} characters)`;

/** Inputs as the plan records them: long strings (bundles, policies) and large objects digested. */
export function compactInputs(value: unknown): unknown {
  if (typeof value === "string") return value.length > LONG ? digest(value) : value;
  if (Array.isArray(value)) return value.map(compactInputs);
  if (value !== null && typeof value === "object") {
    const json = JSON.stringify(value);
    if (json.length > 20 * LONG) return digest(json);
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, compactInputs(v)]),
    );
  }
  return value;
}

/**
 * The zone each DNS adapter (a `mta-sts:dns:*` component) writes to, from the zoneId input of
 * the records it declares: the zone the engine would be told, whatever the config said.
 */
function zonesByAdapter(run: ProgramRun): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of run.resources) {
    const adapter = r.ancestors[0];
    const zone = r.inputs.zoneId;
    if (
      r.custom &&
      adapter?.type.startsWith("mta-sts:dns:") &&
      typeof zone === "string" &&
      !out.has(adapter.name)
    )
      out.set(adapter.name, zone);
  }
  return out;
}

type Instance = ProgramRun["instances"][number];
const ofType = (run: ProgramRun, type: string) =>
  run.instances.filter((i: Instance) => i.type === type);

/** The parts of a live MtaStsDomain / PolicySite / DNS adapter the plan reads (see components/). */
interface DomainObject {
  readonly domain: string;
  readonly mode: DomainSummary["mode"];
  readonly policyId: DomainSummary["policy"]["id"];
  readonly policyText: DomainSummary["policy"]["text"];
  readonly policyUrl: string;
  readonly records: readonly DnsRecordSpec[];
  readonly mxCheck: DomainSummary["mxCheck"];
}
interface SiteObject {
  placementOf(domain: string): DomainSummary["hosting"];
  groupIndex(domain: string): number;
}

/**
 * What the plan shows per domain, whatever the program: its `domains` export if it has one
 * (index.ts exports the fleet's summary), else the summary of each MtaStsFleet it declared, else
 * one made from each MtaStsDomain it declared (the components used directly, as in the README).
 */
function domainSummaries(run: ProgramRun): readonly DomainSummary[] {
  const exported = run.exports.domains;
  if (
    Array.isArray(exported) &&
    exported.length > 0 &&
    exported.every(
      (s) =>
        typeof (s as DomainSummary)?.domain === "string" &&
        Array.isArray((s as DomainSummary).records),
    )
  ) {
    return exported as DomainSummary[];
  }
  const fleets = ofType(run, "mta-sts:index:MtaStsFleet");
  if (fleets.length > 0)
    return fleets.flatMap(
      (f) => (f.resource as unknown as { summary: readonly DomainSummary[] }).summary,
    );
  const sites = ofType(run, "mta-sts:index:PolicySite").map(
    (i) => i.resource as unknown as SiteObject,
  );
  return ofType(run, "mta-sts:index:MtaStsDomain").map(({ resource }) => {
    const d = resource as unknown as DomainObject;
    const site = sites.find((s) => {
      try {
        return s.placementOf(d.domain) !== undefined;
      } catch {
        return false;
      }
    });
    const hosting = site?.placementOf(d.domain) ?? "group";
    return {
      domain: d.domain,
      mode: d.mode,
      // The _mta-sts record is always the domain's own: its zone's provider is the domain's.
      dnsProvider:
        d.records.find((r) => r.purpose === "MTA-STS policy id")?.managedBy ??
        d.records[0]?.managedBy ??
        "manual",
      group: site && hosting === "group" ? site.groupIndex(d.domain) : -1,
      hosting,
      policy: { id: d.policyId, text: d.policyText, url: d.policyUrl },
      records: d.records,
      mxCheck: d.mxCheck,
      promotion: pulumi.output({
        outcome: "not-run",
        reasons: ["no automatic promotion for this domain"],
      }) as DomainSummary["promotion"],
    };
  });
}

/**
 * The domain each component belongs to, by its type and name: each MtaStsDomain, and the DNS
 * adapter (a `mta-sts:dns:*` component) whose records the domain writes when no other domain
 * writes to it (the fleet gives each domain its own adapter; a shared zone stays shared).
 */
function componentDomains(run: ProgramRun): Map<string, string> {
  const out = new Map<string, string>();
  const domains = ofType(run, "mta-sts:index:MtaStsDomain").map((i) => ({
    ...i,
    object: i.resource as unknown as DomainObject,
  }));
  // The domains writing to each record list (one lookup per adapter: 10,000 domains, 10,000 adapters).
  const writers = new Map<readonly DnsRecordSpec[], string[]>();
  for (const d of domains) {
    out.set(`${d.type}::${d.name}`, d.object.domain);
    const list = writers.get(d.object.records) ?? [];
    list.push(d.object.domain);
    writers.set(d.object.records, list);
  }
  for (const adapter of run.instances.filter((i) => i.type.startsWith("mta-sts:dns:"))) {
    const records = (adapter.resource as unknown as { records?: readonly DnsRecordSpec[] }).records;
    const users = records ? (writers.get(records) ?? []) : [];
    if (users.length === 1) out.set(`${adapter.type}::${adapter.name}`, users[0]);
  }
  return out;
}

/** Builds the plan from a run of a program that uses the components (index.ts, or a user's own). */
export async function buildPlan(stack: string, run: ProgramRun): Promise<Plan> {
  // A fleet still declaring when the program ended: MtaStsFleet.create was not awaited, and
  // pulumi up would see as few domains as this plan would show.
  for (const f of ofType(run, "mta-sts:index:MtaStsFleet")) {
    const fleet = f.resource as unknown as { complete?: boolean; summary: readonly unknown[] };
    if (fleet.complete === false)
      throw new CommandFailure(
        `MtaStsFleet ${f.name}: the program returned while the fleet was still declaring its domains (${fleet.summary.length} so far): await MtaStsFleet.create(...) before the program returns`,
      );
  }
  const summary = domainSummaries(run);
  const domainOf = componentDomains(run);
  const adapterOf = new Map(
    [...domainOf]
      .filter(([key]) => key.startsWith("mta-sts:dns:"))
      .map(([key, domain]) => [domain, key.slice(key.indexOf("::") + 2)]),
  );
  const resources: PlanResource[] = run.resources.map((r) => {
    const chain = [{ type: r.type, name: r.name }, ...r.ancestors];
    const domain = chain
      .map((a) => domainOf.get(`${a.type}::${a.name}`))
      .find((d) => d !== undefined);
    const group = chain.find((a) => a.type === "mta-sts:index:PolicyDistribution")?.name;
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      custom: r.custom,
      ...(domain ? { domain } : {}),
      ...(group && !domain ? { group } : {}),
      ...(r.custom ? { inputs: compactInputs(r.inputs) as Record<string, unknown> } : {}),
    };
  });
  const zones = zonesByAdapter(run);
  const fleetName = run.resources.find((r) => r.type === "mta-sts:index:MtaStsFleet")?.name;
  const zoneOf = (domain: string) =>
    zones.get(adapterOf.get(domain) ?? `${fleetName}-${domain}-dns`) ?? null;

  // Counted once, not per domain: a plan of 10,000 domains has 50,000 resources.
  const perDomain = new Map<string, number>();
  const perGroup = new Map<string, number>();
  const tenantOf = new Map<string, string>();
  for (const r of resources.filter((x) => x.custom)) {
    if (r.domain) perDomain.set(r.domain, (perDomain.get(r.domain) ?? 0) + 1);
    if (r.group) perGroup.set(r.group, (perGroup.get(r.group) ?? 0) + 1);
    if (r.type === TENANT && r.domain)
      tenantOf.set(r.domain, typeof r.inputs?.name === "string" ? r.inputs.name : r.name);
  }
  const groupNames = [
    ...new Set(
      run.resources.filter((r) => r.type === "mta-sts:index:PolicyDistribution").map((r) => r.name),
    ),
  ];
  const hostingOf = (s: DomainSummary): PlanHosting =>
    s.hosting === "tenant"
      ? { placement: "tenant", tenant: tenantOf.get(s.domain) ?? UNKNOWN }
      : s.hosting === "releasing"
        ? { placement: "releasing" }
        : {
            placement: "group",
            group: s.group,
            distribution: groupNames.find((n) => n.endsWith(`-group-${s.group}`)) ?? UNKNOWN,
          };

  const domains: PlanDomain[] = [];
  for (const s of summary) {
    const [mode, id, text, mxCheck, promotion] = await Promise.all([
      settle(s.mode),
      settle(s.policy.id),
      settle(s.policy.text),
      settle(s.mxCheck),
      settle(s.promotion),
    ]);
    domains.push({
      domain: s.domain,
      mode: mode.value ?? UNKNOWN,
      dnsProvider: s.dnsProvider,
      group: s.group,
      hosting: hostingOf(s),
      policy: { id: id.value ?? UNKNOWN, text: text.value ?? UNKNOWN, url: s.policy.url },
      records: await Promise.all(s.records.map((r) => planRecord(r, zoneOf(s.domain)))),
      resourceCount: perDomain.get(s.domain) ?? 0,
      mxCheck: (mxCheck.value as { status: string; message: string }) ?? {
        status: "not-run",
        message: UNKNOWN,
      },
      ...(s.retireAfter ? { retireAfter: s.retireAfter } : {}),
      ...(promotion.value && promotion.value.reasons[0] !== "no automatic promotion for this domain"
        ? { promotion: { outcome: promotion.value.outcome, reasons: promotion.value.reasons } }
        : {}),
    });
  }
  const groups = groupNames.map((name) => ({
    name,
    domains: domains
      .filter((d) => d.hosting?.placement === "group" && d.hosting.distribution === name)
      .map((d) => d.domain),
    resourceCount: perGroup.get(name) ?? 0,
  }));
  const fleetReceiverRecords = ofType(run, "mta-sts:index:MtaStsFleet").flatMap(
    (f) =>
      (f.resource as unknown as { receiverRecords?: readonly DnsRecordSpec[] }).receiverRecords ??
      [],
  );
  const receiverRecords = await Promise.all(
    (
      (run.exports.receiverRecords as readonly DnsRecordSpec[] | undefined) ?? fleetReceiverRecords
    ).map((r) => planRecord(r, zoneOf("receiver"))),
  );
  const cloud = resources.filter((r) => r.custom).length;
  // The same policy objects `pulumi preview --policy-pack policies` serves, run on what we recorded.
  const verdicts = await runPolicies(
    policies,
    run.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: r.policyProps,
        propertyDependencies: r.propertyDependencies,
      })),
  );
  return {
    version: PLAN_VERSION,
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
      tenants: resources.filter((r) => r.type === TENANT).length,
    },
    violations: verdicts.violations,
    policyNotRun: verdicts.notRun,
  };
}

/** "group 0", "tenant mta-sts-example-com-1a2b3c4d", "releasing ...": what serves the domain, in words. */
export function hostingWords(d: Pick<PlanDomain, "group" | "hosting">): string {
  // A base planned before hosting was recorded knows only its group.
  const h = d.hosting ?? { placement: "group", group: d.group, distribution: "" };
  if (h.placement === "tenant") return `tenant ${h.tenant}`;
  if (h.placement === "releasing")
    return "releasing (no distribution or tenant serves it until its tenant is created)";
  return `group ${h.group}`;
}

/** A record's purpose, and the takeover when there is one. */
const about = (r: PlanRecord) => `${r.purpose}${r.adopt ? ` (${TAKES_OVER})` : ""}`;

export function renderText(plan: Plan): string {
  const out: string[] = [];
  // The change first: a reviewer reads what moves before the whole picture.
  if (plan.diff)
    out.push(...diffTextLines(plan.diff, `Pulumi.${plan.stack}.yaml`), "", "Full plan:", "");
  out.push(
    `Plan for stack ${plan.stack} (offline, mock runtime: values a provider computes are "${UNKNOWN}")`,
    "",
  );
  for (const d of plan.domains) {
    out.push(
      `${d.domain}  mode ${d.mode}, DNS ${d.dnsProvider}${d.dnsProvider === "manual" ? " (add these records by hand)" : ""}, ${hostingWords(d)}`,
    );
    out.push(`  policy id ${d.policy.id}  ${d.policy.url}`);
    if (d.mode === "enforce")
      out.push(`  live MX check: ${d.mxCheck.status} (${d.mxCheck.message})`);
    if (d.retireAfter)
      out.push(`  retiring (RFC 8461 8.3): remove: true is accepted from ${d.retireAfter}`);
    if (d.promotion)
      out.push(`  automatic promotion: ${d.promotion.outcome} (${d.promotion.reasons.join("; ")})`);
    out.push(...recordLines(d.records));
    out.push("  policy file (CRLF):");
    for (const line of d.policy.text.split("\r\n").filter(Boolean)) out.push(`    ${line}`);
    out.push("");
  }
  if (plan.receiverRecords.length > 0) {
    out.push(`TLS-RPT receiver mail domain (${plan.receiverRecords[0].managedBy})`);
    out.push(...recordLines(plan.receiverRecords));
    out.push("");
  }
  out.push(...violationLines(plan), "");
  out.push(...resourceLines(plan));
  return `${out.join("\n")}\n`;
}

/**
 * Zone-file lines, each after a comment line saying what it is for: the text stays as wide as
 * the longest record (no padding to line the comments up), and pastes into a zone file as is.
 */
const recordLines = (records: readonly PlanRecord[]) =>
  records.flatMap((r) => [`  ; ${about(r)}`, `  ${zoneLine(r)}`]);

/** True when a mandatory policy fired: the plan must not be trusted (exit 1). */
export const hasMandatoryViolation = (plan: Plan) =>
  plan.violations.some((v) => v.level === "mandatory");

export function violationLines(plan: Plan): string[] {
  const mandatory = plan.violations.filter((v) => v.level === "mandatory").length;
  const out = [
    `Policy pack: ${plan.violations.length === 0 ? "no violations" : `${mandatory} mandatory, ${plan.violations.length - mandatory} advisory violation(s)`}` +
      (plan.policyNotRun.length > 0
        ? `; ${plan.policyNotRun.length} check(s) need values known only after deploy`
        : ""),
  ];
  for (const v of plan.violations) {
    out.push(
      `  [${v.level}] ${v.policy} on ${v.resource}: ${v.message}`,
      `      fix: ${v.remediation}`,
    );
  }
  return out;
}

export function resourceLines(plan: Plan): string[] {
  const t = plan.totals;
  const owner = (r: PlanResource) => r.domain ?? r.group ?? "shared";
  return [
    `${t.cloudResources} cloud resources (${t.resources} with components) for ${t.domains} domains, ${t.perDomain} per domain on average`,
    `  shared (bucket, access, router function${t.tenants ? ", multi-tenant distribution and connection group" : ""}): ${t.shared} resources`,
    ...(t.tenants
      ? [
          `  distribution tenants: ${t.tenants} (one per domain, each with its own certificate; counted with their domains below)`,
        ]
      : []),
    ...plan.groups.map(
      (g) =>
        `  ${g.name}: ${g.resourceCount} resources, ${g.domains.length} domains (${g.domains.join(", ")})`,
    ),
    ...plan.domains.map((d) => `  ${d.domain}: ${d.resourceCount} resources`),
    "Resources declared (type, name, for):",
    ...plan.resources.map(
      (r) => `  ${r.custom ? "" : "(component) "}${r.type}  ${r.name}  [${owner(r)}]`,
    ),
  ];
}

export { renderMarkdown } from "./plan-markdown";
