// Moving a grouped stack to tenants, batch by batch, under the mock runtime: each step's plan
// against the previous one. Nothing a sender can see changes but the host of the batch being
// moved (unserved between its two steps; its _mta-sts id never changes), and no step asks CloudFront
// or DNS for what they refuse (the direct jump does, which is why hosts are released first).
import { beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import { hostMoveConflicts, type PlannedResource } from "../policies/tenants";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";

const providers = [
  { provider: "route53", zoneId: "Z0123456789ABC" },
  { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
  { provider: "manual" },
];
const names = Array.from({ length: 25 }, (_, i) => `d${i}.example`);
const domains = names.map((d, i) => ({
  domain: d,
  dns: providers[i % 3],
  mx: [`mx.${d}`],
  rua: [`mailto:tlsrpt@${d}`],
}));
const batch = names.slice(0, 5); // half of group 0
const rest = names.slice(5);
const migrating = (grouped: string[], releasing: string[]) => ({
  mode: "tenants",
  migration: { domainsPerDistribution: 10, grouped, releasing },
});

/** The steps a team runs, one pulumi up each. */
// Fleet names are the step names: distinct, and found in no other name, so they can be taken out.
const STEPS: [string, unknown][] = [
  ["stepG", { domainsPerDistribution: 10 }],
  ["step1", migrating(names, [])], // the tenant layout appears beside the groups
  ["step2", migrating(rest, batch)], // the batch leaves its group
  ["step3", migrating(rest, [])], // the batch gets its tenants
  ["step4", migrating([], rest)], // the rest leaves
  ["stepT", { mode: "tenants" }], // the rest gets its tenants; migration removed
];

let registered: Registered[];
const fleets: Record<string, MtaStsFleet> = {};

beforeAll(async () => {
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  for (const [step, hosting] of STEPS)
    fleets[step] = new MtaStsFleet(step, {
      ...parseStackConfig({ domains, hosting, receiver: { enabled: false } }),
      mxResolver: "offline",
    });
  await Promise.all(
    Object.values(fleets).flatMap((f) => f.domains.map((d) => promiseOf(d.stsRecord))),
  );
  await settled();
});

/** A step's resources keyed as the engine would (its name without the fleet's), inputs without it. */
function plan(step: string): PlannedResource[] {
  return registered
    .filter((r) => r.name === step || r.name.startsWith(`${step}-`))
    .map((r) => ({
      key: `${r.type}::${r.name.replace(step, "F")}`,
      type: r.type,
      props: JSON.parse(JSON.stringify(r.inputs).replaceAll(`${step}-`, "F-")),
    }));
}
function diff(a: string, b: string) {
  const before = new Map(plan(a).map((r) => [r.key, JSON.stringify(r.props)]));
  const after = new Map(plan(b).map((r) => [r.key, JSON.stringify(r.props)]));
  return {
    added: [...after.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !after.has(k)).sort(),
    changed: [...before.keys()]
      .filter((k) => after.has(k) && after.get(k) !== before.get(k))
      .sort(),
  };
}
const only = (keys: string[], domainsList: string[]) =>
  keys.every((k) => domainsList.some((d) => k.includes(`F-${d}-`)));

describe("moving a grouped stack to tenants", () => {
  it("step 1 adds the tenant layout and changes nothing a sender sees: every group, record and policy stays", () => {
    const d = diff("stepG", "step1");
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual([
      "aws:cloudfront/connectionGroup:ConnectionGroup::F-site-tenants-connections",
      "aws:cloudfront/multitenantDistribution:MultitenantDistribution::F-site-tenants-cdn",
      "mta-sts:index:TenantDistribution::F-site-tenants",
    ]);
    // The bucket also lets the multi-tenant distribution read.
    expect(d.changed).toEqual(["aws:s3/bucketPolicy:BucketPolicy::F-site-policies-access"]);
  });

  it("step 2 takes the batch off its group: only that group changes, the other groups stay", () => {
    const d = diff("step1", "step2");
    expect(d.added).toEqual([]);
    // Group 0 keeps d5..d9: a new certificate without the batch (created before the old one goes).
    expect(d.changed).toEqual([
      "aws:acm/certificate:Certificate::F-site-group-0-cert",
      "aws:acm/certificateValidation:CertificateValidation::F-site-group-0-cert-validation",
      "aws:cloudfront/distribution:Distribution::F-site-group-0-cdn",
    ]);
    // The batch's host and validation records go; nothing of another domain does.
    expect(d.removed.length).toBeGreaterThan(0);
    expect(only(d.removed, batch)).toBe(true);
    expect(d.removed.some((k) => k.includes("sts-txt") || k.includes("-policy"))).toBe(false);
    const aliases = plan("step2")
      .filter((r) => r.type === "aws:cloudfront/distribution:Distribution")
      .flatMap((r) => r.props.aliases as string[]);
    for (const d0 of batch) expect(aliases).not.toContain(`mta-sts.${d0}`);
  });

  it("step 3 gives the batch its tenants and routing records, and touches nothing else", () => {
    const d = diff("step2", "step3");
    expect(d.changed).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(only(d.added, batch)).toBe(true);
    expect(d.added.filter((k) => k.includes("distributionTenant"))).toHaveLength(batch.length);
  });

  it("the rest follows the same two steps, and the last removes the groups", () => {
    const leave = diff("step3", "step4");
    expect(leave.added).toEqual([]);
    expect(
      leave.removed.filter((k) => k.includes("aws:cloudfront/distribution:Distribution")),
    ).toEqual([
      "aws:cloudfront/distribution:Distribution::F-site-group-0-cdn",
      "aws:cloudfront/distribution:Distribution::F-site-group-1-cdn",
      "aws:cloudfront/distribution:Distribution::F-site-group-2-cdn",
    ]);
    const arrive = diff("step4", "stepT");
    expect(arrive.removed).toEqual([]);
    expect(arrive.changed).toEqual([]);
    expect(only(arrive.added, rest)).toBe(true);
  });

  it("no step asks for what CloudFront or DNS refuses; the direct jump does, for every Route53 and every grouped host", () => {
    for (let i = 1; i < STEPS.length; i++)
      expect(hostMoveConflicts(plan(STEPS[i - 1][0]), plan(STEPS[i][0])), STEPS[i][0]).toEqual([]);
    const jump = hostMoveConflicts(plan("stepG"), plan("stepT"));
    expect(jump.filter((m) => m.includes("still has it as an alias"))).toHaveLength(names.length);
    expect(jump.filter((m) => m.includes("is created while A "))).toHaveLength(
      names.filter((_, i) => i % 3 === 0).length,
    );
  });

  it("senders see the same _mta-sts id at every step: the policy never changes, so cached policies stay valid", async () => {
    const ids = async (step: string) =>
      Promise.all(fleets[step].domains.map((d) => promiseOf(d.stsRecord)));
    const first = await ids("stepG");
    for (const [step] of STEPS) expect(await ids(step), step).toEqual(first);
  });

  it("the summary says where each domain is at every step", () => {
    const at = (step: string, d: string) =>
      fleets[step].summary.find((s) => s.domain === d)!.hosting;
    expect(STEPS.map(([step]) => at(step, "d0.example"))).toEqual([
      "group",
      "group",
      "releasing",
      "tenant",
      "tenant",
      "tenant",
    ]);
    expect(STEPS.map(([step]) => at(step, "d24.example"))).toEqual([
      "group",
      "group",
      "group",
      "group",
      "releasing",
      "tenant",
    ]);
  });
});
