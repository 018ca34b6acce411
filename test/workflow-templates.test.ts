// The GitOps templates teams copy (examples/github/): they find their comment by our marker,
// fail loudly, keep secrets away from forks, and their IAM policies fit what the program declares.
// (actionlint checks their syntax and expressions in .ci/run.)
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { commentMarker } from "../cli/plan-markdown";

const dir = path.resolve(__dirname, "..", "examples", "github");
const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { if?: string; steps: Step[]; permissions?: Record<string, string> }>;
}
const workflow = (f: string) => YAML.parse(read(f)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("workflow templates", () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yml"));

  it("live in examples/github, and the toolkit's own .github/workflows only runs .ci/run and the weekly mutation check", () => {
    expect(files.sort()).toEqual(["mtasts-preview.yml", "mtasts-promote.yml", "mtasts-up.yml"]);
    const own = fs.readdirSync(path.resolve(__dirname, "..", ".github", "workflows"));
    expect(own.sort()).toEqual(["ci.yml", "mutation.yml"]);
    const runs = (f: string) =>
      steps(
        YAML.parse(
          fs.readFileSync(path.resolve(__dirname, "..", ".github", "workflows", f), "utf8"),
        ),
      )
        .map((s) => s.run)
        .filter(Boolean);
    expect(runs("ci.yml")).toEqual(["bash .ci/run"]);
    expect(runs("mutation.yml")).toEqual([
      "npm ci --no-audit --no-fund",
      "npm run test:mutation -- --force",
    ]);
  });

  it("never lose an exit status in a pipe", () => {
    for (const f of files) {
      for (const s of steps(workflow(f))) {
        if (s.run && /\|\s*(tee|head|jq|grep)\b/.test(s.run))
          expect(s.run, `${f}: ${s.name}`).toMatch(/set -[a-z]*o pipefail|set -o pipefail/);
      }
    }
  });

  it("preview: one comment, found by the marker the plan writes (not --edit-last), also when the plan fails", () => {
    const text = read("mtasts-preview.yml");
    expect(text).not.toContain("--edit-last");
    expect(commentMarker("$STACK")).toBe("<!-- mtasts-plan: stack $STACK -->");
    expect(text).toContain('marker="<!-- mtasts-plan: stack $STACK -->"');
    expect(text).toContain('echo "<!-- mtasts-plan: stack $STACK -->"'); // the failure comment carries it too
    expect(text).toContain("--detailed-exitcode");
    expect(text).toContain('--full-plan-url "$RUN_URL#artifacts"');
  });

  it("preview: forks get the offline plan; the credentialed job never runs for them", () => {
    const w = workflow("mtasts-preview.yml");
    expect(
      w.jobs.plan.steps.some(
        (s) => s.uses?.startsWith("aws-actions/") || s.uses?.startsWith("pulumi/"),
      ),
    ).toBe(false);
    expect(JSON.stringify(w.jobs.plan)).not.toContain("secrets.");
    expect(w.jobs.preview.if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(w.jobs.plan.steps.find((s) => s.name?.startsWith("Comment"))!.if).toContain(
      "env.FORK != 'true'",
    );
  });

  it("promote opens its pull request with a token whose pull requests run workflows", () => {
    const w = workflow("mtasts-promote.yml");
    const open = w.jobs.promote.steps.find((s) => s.name?.startsWith("Open"))!;
    expect(JSON.stringify(open)).toContain("steps.app.outputs.token");
    expect(JSON.stringify(open)).not.toContain("github.token");
    expect(w.jobs.promote.steps[0].uses).toMatch(/^actions\/create-github-app-token@/);
  });
});

describe("IAM policies for the workflows", () => {
  const policy = (f: string) =>
    JSON.parse(read(path.join("iam", f))) as { Statement: { Action: string[] }[] };
  const actions = (f: string) => policy(f).Statement.flatMap((s) => s.Action);

  it("the deploy role can act on every AWS service the stack declares", () => {
    const deploy = actions("deploy-policy.json");
    for (const service of [
      "s3",
      "cloudfront",
      "acm",
      "route53",
      "lambda",
      "iam",
      "dynamodb",
      "sqs",
      "sns",
      "logs",
      "cloudwatch",
      "events",
      "ses",
    ]) {
      expect(
        deploy.some((a) => a.startsWith(`${service}:`)),
        service,
      ).toBe(true);
    }
    expect(deploy).not.toContain("*");
    expect(deploy.filter((a) => a.endsWith(":*"))).toEqual([]);
  });

  it("the deploy role can build the tenant layout (mode tenants): tenants, their managed certificates, the connection group", () => {
    const cloudfront = policy("deploy-policy.json").Statement.find((s) =>
      s.Action.includes("cloudfront:CreateDistribution"),
    ) as { Action: string[]; Resource: string[] };
    for (const thing of ["DistributionTenant", "ConnectionGroup"]) {
      for (const verb of ["Create", "Get", "Update", "Delete"])
        expect(cloudfront.Action, `${verb}${thing}`).toContain(`cloudfront:${verb}${thing}`);
    }
    expect(cloudfront.Action).toContain("cloudfront:GetManagedCertificateDetails");
    expect(cloudfront.Resource).toEqual(
      expect.arrayContaining([
        "arn:aws:cloudfront::ACCOUNT_ID:distribution-tenant/*",
        "arn:aws:cloudfront::ACCOUNT_ID:connection-group/*",
      ]),
    );
    expect(actions("read-only-policy.json")).toEqual(
      expect.arrayContaining(["cloudfront:GetDistributionTenant", "cloudfront:GetConnectionGroup"]),
    );
  });

  it("the read-only role only reads", () => {
    const writes = actions("read-only-policy.json").filter((a) =>
      /:(Create|Put|Delete|Update|Change|Set|Verify|Tag|Untag|Add|Remove|Publish|Subscribe|Request|Pass)/.test(
        a,
      ),
    );
    expect(writes).toEqual([]);
    expect(actions("read-only-policy.json")).toContain("dynamodb:Query");
  });
});
