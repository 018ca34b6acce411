// `mtasts plan --existing`: what already exists in DNS at the plan's names is a mandatory
// violation with its fix (exit 1), beside the policy pack's verdicts; a clean zone passes.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startZone } from "./helpers/dns-zone";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
let dns: Awaited<ReturnType<typeof startZone>>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-existing-"));

// async: the DNS server runs in this process, so the CLI must not block it
function plan(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [bin, "plan", "--dir", dir, "--existing", "--resolver", dns.address, ...args],
      { env: { ...process.env, CI: "true" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const stack = (domain: string) => `config:
  aws:region: eu-west-1
  mta-sts:domains:
    - domain: ${domain}
      dns: { provider: route53, zoneId: Z0123456789ABC }
      mx: [mx.${domain}]
  mta-sts:receiver: { enabled: false }
`;

beforeAll(async () => {
  dns = await startZone({
    "_mta-sts.taken.test": { TXT: [["v=STSv1; id=20240101"]] },
    "taken.test": { CAA: [[0, "issue", "letsencrypt.org"]] },
  });
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  fs.writeFileSync(path.join(dir, "Pulumi.taken.yaml"), stack("taken.test"));
  fs.writeFileSync(path.join(dir, "Pulumi.clean.yaml"), stack("clean.test"));
});
afterAll(async () => {
  await dns?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("mtasts plan --existing", () => {
  it("names each existing record and the CAA that forbids Amazon, with the fix, and exits 1", async () => {
    const r = await plan(["--stack", "taken", "--format", "json"]);
    expect(r.code).toBe(1);
    const violations = JSON.parse(r.stdout).violations as {
      policy: string;
      resource: string;
      level: string;
      message: string;
      remediation: string;
    }[];
    expect(violations.find((v) => v.policy === "existing-sts-record")).toMatchObject({
      resource: "_mta-sts.taken.test",
      level: "mandatory",
      remediation:
        "set adopt: true on mta-sts:domains[0] (taken.test) to let the stack overwrite it, or delete it",
    });
    expect(violations.find((v) => v.policy === "existing-caa")).toMatchObject({
      level: "mandatory",
      remediation: expect.stringContaining('0 issue "amazon.com"'),
    });
    expect(r.stderr).toContain("mandatory policy violation(s)");
  });

  it("passes a domain with nothing in the way", async () => {
    const r = await plan(["--stack", "clean", "--format", "json"]);
    expect(JSON.parse(r.stdout).violations).toEqual([]);
    expect(r.code).toBe(0);
  });
});
