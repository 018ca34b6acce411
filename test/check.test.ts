// `mtasts check` against servers this test starts on loopback: DNS (dns2), the policy host
// (https, certificates from a CA made here), and MX hosts (smtp-server with STARTTLS).
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../cli/plan";
import type { DomainReport } from "../check/check";
import { runChecks, type CheckOptions } from "../cli/check-command";
import { policyId, renderPolicy } from "../protocol";
import { leaf, type Leaf, rootCa } from "./helpers/pki";
import { type Handler, type ZoneData, startDns, startHttps, startSmtp } from "./helpers/servers";

const DAY = 86_400_000;
const root = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-check-"));
const caFile = path.join(tmp, "ca.pem");
fs.writeFileSync(caFile, rootCa.pem);

// Loopback addresses, one per MX behaviour.
const MX_GOOD = "127.0.0.2";
const MX_NO_STARTTLS = "127.0.0.3";
const MX_WRONG_CERT = "127.0.0.4";
// Nothing listens here: connections are refused, as at a dead address.
const DEAD = "127.0.0.9";
const DEAD_TOO = "127.0.0.10";

interface Site {
  policy?: string;
  sts?: string[];
  tlsrpt?: string[] | null;
  /** An MX host's addresses, tried in this order. */
  mx?: { host: string; address: string | string[] }[];
  /** The policy host's addresses, tried in this order (default 127.0.0.1, the HTTPS server). */
  policyAddresses?: string[];
  cert?: Leaf;
  handler?: Handler;
  stsCname?: string;
}

const policyFor = (mx: string[], mode: "none" | "testing" | "enforce" = "enforce") =>
  renderPolicy({ mode, mx, maxAge: 604800 });
const serve =
  (body: string | Buffer, status = 200, type = "text/plain"): Handler =>
  (_req, res) => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };

const sites: Record<string, Site> = {
  "good.test": {},
  "two-sts.test": { sts: ["v=STSv1; id=aaaa;", "v=STSv1; id=bbbb;"] },
  "bad-id.test": { sts: ["v=STSv1; id=2024-01-01;"] },
  "redirect.test": {
    handler: (_req, res) => {
      res.writeHead(301, { location: "https://www.redirect.test/" });
      res.end();
    },
  },
  "notfound.test": { handler: serve("nope", 404) },
  "wrongtype.test": { handler: serve(policyFor(["mx.wrongtype.test"]), 200, "text/html") },
  "oversized.test": { handler: serve(policyFor(["mx.oversized.test"]) + "x".repeat(70_000)) },
  "expired.test": {
    cert: leaf(["mta-sts.expired.test"], {
      notBefore: new Date(Date.now() - 100 * DAY),
      notAfter: new Date(Date.now() - DAY),
    }),
  },
  "expiring.test": {
    cert: leaf(["mta-sts.expiring.test"], { notAfter: new Date(Date.now() + 5 * DAY) }),
  },
  "wrongname.test": { cert: leaf(["mta-sts.other.test"]) },
  "selfsigned.test": { cert: leaf(["mta-sts.selfsigned.test"], { issuer: "self" }) },
  "unknownroot.test": { cert: leaf(["mta-sts.unknownroot.test"], { issuer: "unknown" }) },
  "uncovered.test": {
    policy: policyFor(["mx1.uncovered.test"]),
    mx: [
      { host: "mx1.uncovered.test", address: MX_GOOD },
      { host: "mx2.uncovered.test", address: MX_GOOD },
    ],
  },
  "twolabels.test": {
    policy: policyFor(["*.mail.twolabels.test"]),
    mx: [{ host: "a.b.mail.twolabels.test", address: MX_GOOD }],
  },
  "onelabel.test": {
    policy: policyFor(["*.mail.onelabel.test"]),
    mx: [{ host: "a.mail.onelabel.test", address: MX_GOOD }],
  },
  "nostarttls.test": { mx: [{ host: "mx.nostarttls.test", address: MX_NO_STARTTLS }] },
  "mxmismatch.test": { mx: [{ host: "mx.mxmismatch.test", address: MX_WRONG_CERT }] },
  "notlsrpt.test": { tlsrpt: null },
  "lf.test": { policy: policyFor(["mx.lf.test"]).replace(/\r\n/g, "\n") },
  "foreign-id.test": { sts: ["v=STSv1; id=20240101T000000;"] },
  "stale-id.test": { sts: [`v=STSv1; id=${policyId("something else")};`] },
  "cname.test": { stsCname: "_mta-sts.delegated.example" },
  "slow.test": { handler: () => undefined }, // accepts, never answers
  // What a sender does with these (postfix-mta-sts-resolver + Postfix): mode none needs no MX
  // checks; a missing TLS-RPT record changes no delivery; a dead address is skipped for the next.
  "none.test": {
    policy: policyFor([], "none"),
    mx: [{ host: "mx.elsewhere.test", address: MX_NO_STARTTLS }],
  },
  "none-mx.test": {
    policy: policyFor(["mx.none-mx.test"], "none"),
    mx: [{ host: "mx9.none-mx.test", address: DEAD }],
  },
  "second-address.test": {
    policyAddresses: [DEAD, "127.0.0.1"],
    mx: [{ host: "mx.second-address.test", address: [DEAD, MX_GOOD] }],
  },
  "first-address.test": {
    policyAddresses: ["127.0.0.1", DEAD],
    mx: [{ host: "mx.first-address.test", address: [MX_GOOD, DEAD] }],
  },
  "all-dead.test": {
    policyAddresses: [DEAD, DEAD_TOO],
    mx: [{ host: "mx.all-dead.test", address: [DEAD, DEAD_TOO] }],
  },
  "dead-then-bad.test": {
    policyAddresses: [DEAD, "127.0.0.1"],
    handler: serve("nope", 404),
    mx: [{ host: "mx.dead-then-bad.test", address: [DEAD, MX_NO_STARTTLS] }],
  },
};

/** Zone, certificates and handlers for every site, derived from the defaults above. */
function build() {
  const zone: Record<string, ZoneData> = {};
  const certs = new Map<string, Leaf>();
  const handlers = new Map<string, Handler>();
  for (const [domain, s] of Object.entries(sites)) {
    const mx = s.mx ?? [{ host: `mx.${domain}`, address: MX_GOOD }];
    const policy = s.policy ?? policyFor(mx.map((m) => m.host));
    const sts = s.sts ?? [`v=STSv1; id=${policyId(policy)};`];
    if (s.stsCname) {
      zone[`_mta-sts.${domain}`] = { CNAME: s.stsCname };
      zone[s.stsCname] = { TXT: sts.map((v) => [v]) };
    } else zone[`_mta-sts.${domain}`] = { TXT: sts.map((v) => [v.slice(0, 10), v.slice(10)]) }; // two strings, concatenated by readers
    if (s.tlsrpt !== null)
      zone[`_smtp._tls.${domain}`] = {
        TXT: (s.tlsrpt ?? [`v=TLSRPTv1; rua=mailto:tlsrpt@${domain}`]).map((v) => [v]),
      };
    zone[domain] = { MX: mx.map((m) => m.host) };
    for (const m of mx) zone[m.host] = { A: [m.address].flat() };
    zone[`mta-sts.${domain}`] = { A: s.policyAddresses ?? ["127.0.0.1"] };
    if (s.cert) certs.set(`mta-sts.${domain}`, s.cert);
    handlers.set(`mta-sts.${domain}`, s.handler ?? serve(policy));
  }
  return { zone, certs, handlers };
}

let dns: Awaited<ReturnType<typeof startDns>>;
let web: Awaited<ReturnType<typeof startHttps>>;
const smtp: { close(): Promise<void> }[] = [];
let smtpPort = 0;
const reports = new Map<string, DomainReport>();
const { zone, certs, handlers } = build();

const options = (over: Partial<CheckOptions> = {}): CheckOptions => ({
  format: "json",
  resolver: dns.address,
  ca: caFile,
  httpsPort: String(web.port),
  smtpPort: String(smtpPort),
  timeout: "2",
  smtp: true,
  concurrency: "8",
  ...over,
});

beforeAll(async () => {
  dns = await startDns(zone);
  web = await startHttps(
    (host) => certs.get(host) ?? leaf([host]),
    (host) => handlers.get(host) ?? serve("unknown host", 404),
  );
  const good = await startSmtp(MX_GOOD, 0, { certFor: (host) => leaf([host]), starttls: true });
  smtpPort = good.port;
  smtp.push(good);
  smtp.push(await startSmtp(MX_NO_STARTTLS, smtpPort, { starttls: false }));
  smtp.push(
    await startSmtp(MX_WRONG_CERT, smtpPort, {
      certFor: () => leaf(["mx.somewhere-else.test"]),
      starttls: true,
    }),
  );
  for (const r of await runChecks(Object.keys(sites), options())) reports.set(r.domain, r);
});

afterAll(async () => {
  await Promise.all([dns?.close(), web?.close(), ...smtp.map((s) => s.close())]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const status = (domain: string, id: string) => reports.get(domain)!.checks.find((c) => c.id === id);
const failed = (domain: string) =>
  reports
    .get(domain)!
    .checks.filter((c) => c.status === "fail")
    .map((c) => c.id);

describe("mtasts check", () => {
  it("passes a domain where everything is right, reporting every check", () => {
    const r = reports.get("good.test")!;
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ["sts-record", "pass"],
      ["policy-fetch", "pass"],
      ["policy-valid", "pass"],
      ["policy-id", "pass"],
      ["mx-coverage", "pass"],
      ["starttls:mx.good.test", "pass"],
      ["tlsrpt-record", "pass"],
    ]);
    expect(r.ok).toBe(true);
    expect(status("good.test", "policy-valid")!.message).toBe(
      "mode enforce, max_age 604800, mx mx.good.test",
    );
  });

  it("fails two v=STSv1 records and an invalid id", () => {
    expect(status("two-sts.test", "sts-record")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("2 v=STSv1 records"),
    });
    expect(status("bad-id.test", "sts-record")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("1-32 letters or digits"),
    });
  });

  it("follows a CNAME on _mta-sts (RFC 8461 allows delegation)", () => {
    expect(status("cname.test", "sts-record")!.status).toBe("pass");
    expect(reports.get("cname.test")!.ok).toBe(true);
  });

  it.each([
    ["redirect.test", "redirects (301 to https://www.redirect.test/)"],
    ["notfound.test", "answered 404"],
    ["wrongtype.test", 'Content-Type "text/html"'],
    ["oversized.test", "over 65536 bytes"],
    ["expired.test", "CERT_HAS_EXPIRED"],
    ["wrongname.test", "does not name the host"],
    ["selfsigned.test", "DEPTH_ZERO_SELF_SIGNED_CERT"],
    ["unknownroot.test", "not trusted"],
  ])("fails the policy fetch of %s", (domain, reason) => {
    const item = status(domain, "policy-fetch")!;
    expect(item.status).toBe("fail");
    expect(item.message).toContain(reason);
    expect(item.message).toContain("fix:");
    expect(reports.get(domain)!.ok).toBe(false);
  });

  it("warns when the policy certificate expires within 14 days, and on LF line endings", () => {
    expect(status("expiring.test", "policy-fetch")).toMatchObject({
      status: "warn",
      message: expect.stringMatching(/expires in [45] days/),
    });
    expect(reports.get("expiring.test")!.ok).toBe(true);
    expect(status("lf.test", "policy-valid")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("LF only"),
    });
  });

  it("verifies the served body against the announced id, and says when it cannot", () => {
    expect(status("stale-id.test", "policy-id")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("but the served policy has id"),
    });
    expect(status("foreign-id.test", "policy-id")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("cannot be verified"),
    });
  });

  it("fails MX hosts the policy does not cover, with the one-label wildcard rule", () => {
    expect(status("uncovered.test", "mx-coverage")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("mx2.uncovered.test"),
    });
    expect(status("uncovered.test", "mx-coverage")!.message).not.toContain("mx1.uncovered.test,");
    expect(status("twolabels.test", "mx-coverage")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("a.b.mail.twolabels.test"),
    });
    expect(status("onelabel.test", "mx-coverage")!.status).toBe("pass");
  });

  it("fails an MX without STARTTLS and an MX whose certificate names another host", () => {
    expect(status("nostarttls.test", "starttls:mx.nostarttls.test")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("does not offer STARTTLS"),
    });
    expect(status("mxmismatch.test", "starttls:mx.mxmismatch.test")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("does not name the host"),
    });
  });

  it("warns, and does not fail, a domain without a TLS-RPT record (optional in RFC 8460; senders deliver the same)", () => {
    expect(status("notlsrpt.test", "tlsrpt-record")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("no v=TLSRPTv1"),
    });
    expect(status("notlsrpt.test", "tlsrpt-record")!.message).toContain(
      'publish "v=TLSRPTv1; rua=mailto:..." at _smtp._tls.notlsrpt.test',
    );
    expect(failed("notlsrpt.test")).toEqual([]);
    expect(reports.get("notlsrpt.test")!.ok).toBe(true);
  });

  it("still fails two TLS-RPT records (reporters ignore both) and an invalid one", async () => {
    const both = await startDns({
      ...zone,
      "_smtp._tls.notlsrpt.test": {
        TXT: [
          ["v=TLSRPTv1; rua=mailto:a@notlsrpt.test"],
          ["v=TLSRPTv1; rua=mailto:b@notlsrpt.test"],
        ],
      },
      "_smtp._tls.good.test": { TXT: [["v=TLSRPTv1; rua=ftp://x"]] },
    });
    try {
      const [two, bad] = await runChecks(
        ["notlsrpt.test", "good.test"],
        options({ resolver: both.address, smtp: false }),
      );
      expect(two.checks.find((c) => c.id === "tlsrpt-record")).toMatchObject({
        status: "fail",
        message: expect.stringContaining("2 v=TLSRPTv1 records"),
      });
      expect(bad.checks.find((c) => c.id === "tlsrpt-record")).toMatchObject({
        status: "fail",
        message: expect.stringContaining("is invalid"),
      });
    } finally {
      await both.close();
    }
  });

  it("checks no MX coverage and no STARTTLS under mode none, as senders apply no policy", () => {
    const r = reports.get("none.test")!;
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ["sts-record", "pass"],
      ["policy-fetch", "pass"],
      ["policy-valid", "pass"],
      ["policy-id", "pass"],
      ["mx-coverage", "pass"],
      ["tlsrpt-record", "pass"],
    ]);
    expect(status("none.test", "policy-valid")!.message).toBe(
      "mode none, max_age 604800, mx (none)",
    );
    expect(status("none.test", "mx-coverage")!.message).toBe(
      "mode none: senders apply no policy, so the MX hosts (mx.elsewhere.test) are not checked",
    );
    expect(r.ok).toBe(true);
    // An MX the policy does not list, at a dead address: still nothing to check.
    expect(reports.get("none-mx.test")!.checks.filter((c) => c.status !== "pass")).toEqual([]);
  });

  it("tries each address of the policy host and of an MX in turn, as senders do, and says which did not answer", () => {
    const r = reports.get("second-address.test")!;
    expect(r.ok).toBe(true);
    expect(failed("second-address.test")).toEqual([]);
    const fetch = status("second-address.test", "policy-fetch")!;
    expect(fetch.status).toBe("warn");
    expect(fetch.message).toContain("200 text/plain");
    expect(fetch.message).toContain(`(from 127.0.0.1); no answer from ${DEAD}: `);
    expect(fetch.message).toContain("ECONNREFUSED");
    expect(status("second-address.test", "policy-id")!.status).toBe("pass");
    const mx = status("second-address.test", "starttls:mx.second-address.test")!;
    expect(mx.status).toBe("warn");
    expect(mx.message).toContain(`STARTTLS`);
    expect(mx.message).toContain(`(from ${MX_GOOD}); no answer from ${DEAD}: `);
    // A good first address: the others are never tried.
    expect(reports.get("first-address.test")!.checks.filter((c) => c.status !== "pass")).toEqual(
      [],
    );
  });

  it("fails when no address answers, naming each, and judges the first address that does answer", () => {
    const fetch = status("all-dead.test", "policy-fetch")!;
    expect(fetch.status).toBe("fail");
    expect(fetch.message).toMatch(
      new RegExp(`${DEAD}: .*ECONNREFUSED.*; ${DEAD_TOO}: .*ECONNREFUSED`),
    );
    const mx = status("all-dead.test", "starttls:mx.all-dead.test")!;
    expect(mx.status).toBe("fail");
    expect(mx.message).toContain(`${DEAD}: `);
    expect(mx.message).toContain(`${DEAD_TOO}: `);
    expect(mx.message).toContain("fix: make the MX accept connections on port 25");
    // An answer is an answer: a 404 or a missing STARTTLS from the second address fails as such.
    expect(status("dead-then-bad.test", "policy-fetch")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("answered 404"),
    });
    expect(status("dead-then-bad.test", "starttls:mx.dead-then-bad.test")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("does not offer STARTTLS"),
    });
  });

  it("times out a slow policy host and still reports everything else", () => {
    expect(status("slow.test", "policy-fetch")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("within 2 s"),
    });
    expect(status("slow.test", "sts-record")!.status).toBe("pass");
    expect(status("slow.test", "starttls:mx.slow.test")!.status).toBe("pass");
    expect(status("slow.test", "tlsrpt-record")!.status).toBe("pass");
  });

  it("skips STARTTLS probes with --no-smtp", async () => {
    const [r] = await runChecks(["nostarttls.test"], options({ smtp: false }));
    expect(r.checks.map((c) => c.id)).not.toContain("starttls:mx.nostarttls.test");
    expect(r.ok).toBe(true);
  });
});

describe("mtasts check on the command line", () => {
  // Asynchronous: the servers live in this process and must keep answering meanwhile.
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, "bin", "mtasts.cjs"), "check", ...args],
        { encoding: "utf8" },
        (err, stdout) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
  const flags = () => [
    "--resolver",
    dns.address,
    "--ca",
    caFile,
    "--https-port",
    String(web.port),
    "--smtp-port",
    String(smtpPort),
    "--timeout",
    "2",
  ];

  it("prints a line per check and a summary per domain; exit 0 when nothing fails", async () => {
    const res = await cli([...flags(), "good.test"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(
      /^good\.test: OK \(7 pass, 0 warn, 0 fail\)\n {2}pass {2}sts-record /,
    );
    expect(res.stdout.trim().split("\n")).toHaveLength(8);
  });

  it("prints the JSON contract and exits 1 when something fails", async () => {
    const res = await cli([...flags(), "--format", "json", "good.test", "notfound.test"]);
    expect(res.status).toBe(1);
    const json = JSON.parse(res.stdout) as { domains: DomainReport[] };
    expect(json.domains.map((d) => [d.domain, d.ok])).toEqual([
      ["good.test", true],
      ["notfound.test", false],
    ]);
    for (const c of json.domains.flatMap((d) => d.checks))
      expect(Object.keys(c).sort()).toEqual(["id", "message", "status"]);
  });

  it("exits 2 on usage errors", async () => {
    expect((await cli([...flags(), "not a domain"])).status).toBe(2);
    expect((await cli(["--resolver", "nonsense", "good.test"])).status).toBe(2);
    expect((await cli(["--timeout", "0", "good.test"])).status).toBe(2);
  });
});

describe("the policy mtasts plan produces, served locally", () => {
  it("passes the check", async () => {
    const res = spawnSync(
      process.execPath,
      [path.join(root, "bin", "mtasts.cjs"), "plan", "--stack", "example", "--format", "json"],
      { cwd: root, encoding: "utf8" },
    );
    const plan = JSON.parse(res.stdout) as Plan;
    const d = plan.domains.find((x) => x.domain === "example.com")!;
    const txt = (name: string) =>
      d.records.find((r) => r.name === name && r.type === "TXT")!.values.map((v) => [v]);
    const local = await startDns({
      "_mta-sts.example.com": { TXT: txt("_mta-sts.example.com") },
      "_smtp._tls.example.com": { TXT: txt("_smtp._tls.example.com") },
      "example.com": { MX: ["mx1.example.com", "eu.mail.example.net"] },
      "mx1.example.com": { A: [MX_GOOD] },
      "eu.mail.example.net": { A: [MX_GOOD] },
      "mta-sts.example.com": { A: ["127.0.0.1"] },
    });
    const site = await startHttps(
      (host) => leaf([host]),
      () => serve(d.policy.text),
    );
    try {
      const [r] = await runChecks(["example.com"], {
        ...options(),
        resolver: local.address,
        httpsPort: String(site.port),
      });
      expect(r.checks.filter((c) => c.status !== "pass")).toEqual([]);
      expect(r.checks.map((c) => c.id)).toEqual([
        "sts-record",
        "policy-fetch",
        "policy-valid",
        "policy-id",
        "mx-coverage",
        "starttls:mx1.example.com",
        "starttls:eu.mail.example.net",
        "tlsrpt-record",
      ]);
      expect(r.ok).toBe(true);
    } finally {
      await Promise.all([local.close(), site.close()]);
    }
  });
});
