// A reviewer sees every record the stack takes over (adopt): in the JSON contract, beside the
// zone-file line in text and markdown, and in the diff when adopt alone changes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PLAN_VERSION, type Plan, type PlanRecord, renderMarkdown, renderText } from "../cli/plan";
import { diffPlans as diffAgainst } from "../cli/plan-diff";

const diffPlans = (ref: string, before: Plan, after: Plan) =>
  diffAgainst(ref, { plan: before, version: PLAN_VERSION }, after);

const root = path.resolve(__dirname, "..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const record = (name: string, extra: Partial<PlanRecord> = {}): PlanRecord => ({
  name,
  type: "TXT",
  ttl: 300,
  values: ["v=STSv1; id=abc;"],
  managedBy: "cloudflare",
  purpose: "MTA-STS policy id",
  alias: false,
  known: true,
  zone: "023e105f4ecef8ad9ca31a8372d0c353",
  ...extra,
});
const planWith = (records: PlanRecord[]): Plan => ({
  version: PLAN_VERSION,
  stack: "s",
  domains: [
    {
      domain: "example.org",
      mode: "testing",
      dnsProvider: "cloudflare",
      group: 0,
      policy: {
        id: "abc",
        text: "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 86400\r\n",
        url: "https://mta-sts.example.org/.well-known/mta-sts.txt",
      },
      records,
      resourceCount: 3,
      mxCheck: { status: "not-run", message: "not needed in mode testing" },
    },
  ],
  resources: [],
  groups: [],
  receiverRecords: [],
  totals: { resources: 0, cloudResources: 0, shared: 0, domains: 1, perDomain: 0 },
  violations: [],
  policyNotRun: [],
});

describe("rendering records the stack takes over", () => {
  const plan = planWith([
    record("_mta-sts.example.org", { adopt: true }),
    record("_smtp._tls.example.org", {
      values: ["v=TLSRPTv1; rua=mailto:t@example.org"],
      purpose: "TLS-RPT reporting addresses",
    }),
  ]);

  it("marks them, and only them, in text", () => {
    const text = renderText(plan);
    expect(text).toContain(
      '  ; MTA-STS policy id (takes over an existing record)\n  _mta-sts.example.org. 300 IN TXT "v=STSv1; id=abc;"\n',
    );
    expect(text).toContain("  ; TLS-RPT reporting addresses\n  _smtp._tls.example.org. 300 IN TXT");
    expect(text.match(/takes over an existing record/g)).toHaveLength(1);
  });

  it("marks them in markdown, and counts them in the domain's summary", () => {
    const md = renderMarkdown(plan);
    expect(md).toContain(
      "<summary><b>example.org</b>: 2 records, 1 takes over an existing record</summary>",
    );
    expect(md).toContain(
      '_mta-sts.example.org. 300 IN TXT "v=STSv1; id=abc;" ; MTA-STS policy id (takes over an existing record)\n',
    );
    expect(md).toContain(
      '_smtp._tls.example.org. 300 IN TXT "v=TLSRPTv1; rua=mailto:t@example.org" ; TLS-RPT reporting addresses\n',
    );
  });

  it("never says no changes when only adopt changes, and marks added records that take over", () => {
    const before = planWith([record("_mta-sts.example.org")]);
    const after = planWith([
      record("_mta-sts.example.org", { adopt: true }),
      record("mta-sts.example.org", { type: "CNAME", values: ["d1.cloudfront.net"], adopt: true }),
    ]);
    const diff = diffPlans("main", before, after);
    expect(diff.records.changed).toMatchObject([
      {
        name: "_mta-sts.example.org",
        type: "TXT",
        before: { values: ["v=STSv1; id=abc;"] },
        after: { values: ["v=STSv1; id=abc;"], adopt: true },
        fields: ["adopt"],
      },
    ]);
    const text = renderText({ ...after, diff });
    expect(text).toContain(
      "~ _mta-sts.example.org TXT: takes over an existing record (adopt turned on)",
    );
    expect(text).toContain(
      "+ mta-sts.example.org. 300 IN CNAME d1.cloudfront.net. ; MTA-STS policy id; cloudflare zone 023e105f4ecef8ad9ca31a8372d0c353; takes over an existing record",
    );
    const md = renderMarkdown({ ...after, diff });
    expect(md).not.toContain("No DNS changes.");
    expect(md).toContain(
      "~ _mta-sts.example.org TXT: takes over an existing record (adopt turned on)",
    );
    expect(diffPlans("main", after, before).records.changed[0]).toMatchObject({
      after: { name: "_mta-sts.example.org" },
      fields: ["adopt"],
    });
    expect(renderText({ ...before, diff: diffPlans("main", after, before) })).toContain(
      "~ _mta-sts.example.org TXT: no longer takes over an existing record (adopt turned off)",
    );
  });
});

describe("mtasts plan with adopt", () => {
  it("puts adopt: true on the adopting domains' records in JSON, and the marker in text", () => {
    const stack = fs
      .readFileSync(path.join(root, "Pulumi.example.yaml"), "utf8")
      .replace("  mta-sts:domains:\n", "  mta-sts:adopt: true\n  mta-sts:domains:\n")
      .replace(
        "      mode: testing                 # none | testing | enforce\n",
        "      mode: testing                 # none | testing | enforce\n      adopt: false\n",
      );
    expect(stack).toContain("adopt: false");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-adopt-"));
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
    );
    fs.writeFileSync(path.join(dir, "Pulumi.example.yaml"), stack);
    const run = (format: string) =>
      spawnSync(
        process.execPath,
        [
          path.join(root, "bin", "mtasts.cjs"),
          "plan",
          "--stack",
          "example",
          "--dir",
          dir,
          "--format",
          format,
        ],
        { encoding: "utf8", env: { ...process.env, CI: "true" } },
      );

    const json = run("json");
    expect(json.status).toBe(0);
    const plan = JSON.parse(json.stdout.slice(json.stdout.indexOf("{"))) as Plan;
    const adopts = Object.fromEntries(
      plan.domains.map((d) => [d.domain, d.records.map((r) => r.adopt === true)]),
    );
    // example.com says adopt: false; example.org follows mta-sts:adopt; manual records are added by hand.
    // Hosting mode tenants: each domain's host CNAME, _mta-sts and _smtp._tls.
    expect(
      Object.fromEntries(plan.domains.map((d) => [d.domain, d.records.map((r) => r.type)])),
    ).toEqual({
      "example.com": ["CNAME", "TXT", "TXT"],
      "example.org": ["CNAME", "TXT", "TXT"],
      "example.net": ["CNAME", "TXT", "TXT"],
    });
    expect(adopts).toEqual({
      "example.com": [false, false, false],
      "example.org": [true, true, true],
      "example.net": [false, false, false],
    });

    const text = run("text").stdout;
    expect(text).toMatch(
      / {2}; MTA-STS policy id \(takes over an existing record\)\n {2}_mta-sts\.example\.org\. 300 IN TXT "v=STSv1; id=[0-9a-f]+;"\n/,
    );
    expect(text).toMatch(
      / {2}; MTA-STS policy id\n {2}_mta-sts\.example\.com\. 300 IN TXT "v=STSv1; id=[0-9a-f]+;"\n/,
    );
  });
});
