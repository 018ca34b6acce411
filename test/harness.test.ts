// The policy harness `mtasts plan` runs the pack through: what each validator is handed, whom a
// violation is charged to, and what becomes of a validator that throws, synchronously or not.
import { describe, expect, it } from "vitest";
import { resourcePolicy, stackPolicy } from "../policies/lib/define";
import { runPolicies } from "../policies/lib/harness";
import { res, UNKNOWN } from "./helpers/policy";

const resources = [
  res("aws:s3/bucket:Bucket", "one", { bucket: "one" }),
  res("aws:s3/bucket:Bucket", "two", { bucket: "two" }),
  res("aws:s3/bucket:Bucket", "three", { bucket: UNKNOWN }),
];
const base = {
  description: "test",
  remediationSteps: "fix it",
  enforcementLevel: "mandatory" as const,
};

describe("the policy harness", () => {
  it("charges each violation to the resource validated, also after an await", async () => {
    const r = await runPolicies(
      [
        resourcePolicy({
          ...base,
          name: "sync",
          validateResource: (args, report) => {
            if (args.name !== "two") report(`sync saw ${args.name}`);
          },
        }),
        resourcePolicy({
          ...base,
          name: "async",
          validateResource: async (args, report) => {
            await new Promise((resolve) => setImmediate(resolve));
            if (args.name === "two") report(`async saw ${args.name}`);
          },
        }),
      ],
      resources.slice(0, 2),
    );
    expect(r.violations.map((v) => [v.policy, v.resource, v.message, v.urn])).toEqual([
      ["sync", "one", "sync saw one", resources[0].urn],
      ["async", "two", "async saw two", resources[1].urn],
    ]);
  });

  it("hands each policy its own config (defaults, then the given values)", async () => {
    const seen: unknown[] = [];
    const withConfig = (name: string) =>
      resourcePolicy({
        ...base,
        name,
        configSchema: { properties: { limit: { type: "number", default: 1 } } },
        validateResource: (args) => {
          seen.push([name, args.name, args.getConfig<{ limit: number }>().limit]);
        },
      });
    await runPolicies([withConfig("a"), withConfig("b")], resources.slice(0, 1), {
      config: { b: { limit: 7 } },
    });
    expect(seen).toEqual([
      ["a", "one", 1],
      ["b", "one", 7],
    ]);
  });

  it("skips notApplicable, records an unknown value as not run, and names the policy and resource of any other error", async () => {
    const r = await runPolicies(
      [
        resourcePolicy({
          ...base,
          name: "reads-bucket",
          validateResource: (args, report) => {
            if (args.name === "one") return args.notApplicable("not this one");
            report(`bucket ${String(args.props.bucket)}`);
          },
        }),
      ],
      resources,
    );
    expect(r.violations.map((v) => v.resource)).toEqual(["two"]);
    expect(r.notRun).toEqual([
      { policy: "reads-bucket", resource: "three", reason: expect.stringContaining("bucket") },
    ]);
    for (const validateResource of [
      () => {
        throw new TypeError("boom");
      },
      async () => {
        await Promise.resolve();
        throw new TypeError("boom");
      },
    ]) {
      await expect(
        runPolicies([resourcePolicy({ ...base, name: "broken", validateResource })], resources),
      ).rejects.toThrow(/^policy broken failed on one: TypeError: boom/);
    }
  });

  it("runs a stack policy once over every resource, a violation without a resource charged to the stack", async () => {
    const r = await runPolicies(
      [
        stackPolicy({
          ...base,
          name: "count",
          validateStack: (args, report) => report(`${args.resources.length} resources`),
        }),
      ],
      resources,
    );
    expect(r.violations).toEqual([
      expect.objectContaining({ policy: "count", resource: "(stack)", message: "3 resources" }),
    ]);
    expect(r.violations[0].urn).toBeUndefined();
  });
});
