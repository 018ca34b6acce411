// `mtasts preflight` against a DNS server this test starts on loopback (dns2, with CAA) and AWS
// clients mocked with aws-sdk-client-mock; exit codes through the real CLI entry with --aws off.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ACMClient, ListCertificatesCommand } from "@aws-sdk/client-acm";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  AccessDeniedException,
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import {
  DescribeActiveReceiptRuleSetCommand,
  GetIdentityVerificationAttributesCommand,
  SESClient,
} from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import YAML from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, type StackConfig } from "../config";
import { makeResolver } from "../net/resolver";
import { makeZoneRecords } from "../net/zone-records";
import { amazonMayIssue } from "../cli/preflight/caa";
import { domainRecordConflicts } from "../cli/preflight/dns-conflicts";
import type { Finding } from "../cli/preflight/finding";
import { concurrencyFinding } from "../cli/preflight/lambda-concurrency";
import { stackNeeds } from "../cli/preflight/needs";
import {
  type AwsClients,
  type PreflightDeps,
  type PreflightReport,
  runPreflight,
} from "../cli/preflight/preflight";
import { renderPreflightText } from "../cli/preflight/render";
import { sesAccountFindings, sesRegionFindings } from "../cli/preflight/ses";
import { startZone } from "./helpers/dns-zone";

const root = path.resolve(__dirname, "..");
const R53 = { provider: "route53", zoneId: "Z0123456789ABC" };
const CF = { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" };
const MANUAL = { provider: "manual" };

const zone = {
  // a.test: an existing _mta-sts TXT with two v=STSv1 strings.
  "_mta-sts.a.test": { TXT: [["v=STSv1; id=one;"], ["v=STSv1; id=two;"]] },
  "a.test": { MX: ["mx.a.test"] },
  // b.test: someone else's policy host, a CNAME whose target's CAA allows only DigiCert.
  "mta-sts.b.test": { CNAME: "sts.elsewhere.test" },
  "sts.elsewhere.test": {
    A: ["192.0.2.1"],
    CAA: [[0, "issue", "digicert.com"]] as [number, string, string][],
  },
  // c.test: CAA at the parent of the policy host, allowing only Let's Encrypt.
  "c.test": {
    MX: ["mx.c.test"],
    CAA: [
      [0, "issue", "letsencrypt.org"],
      [0, "iodef", "mailto:sec@c.test"],
    ] as [number, string, string][],
  },
  // d.test (manual DNS): an existing TLS-RPT record and an AAAA policy host.
  "_smtp._tls.d.test": { TXT: [["v=TLSRPTv1; rua=mailto:reports@d.test"]] },
  "mta-sts.d.test": { AAAA: ["2001:db8::25"] },
  // clean.test: CAA allows Amazon among others; nothing at the stack's names.
  "clean.test": {
    MX: ["mx.clean.test"],
    CAA: [
      [0, "issue", "letsencrypt.org"],
      [0, "issue", "amazon.com"],
    ] as [number, string, string][],
  },
  // override.test: a set at the host itself wins over the parent's (first non-empty set).
  "mta-sts.override.test": {
    CAA: [[0, "issue", "amazontrust.com; cansignhttpexchanges=yes"]] as [number, string, string][],
  },
  "override.test": { CAA: [[0, "issue", "letsencrypt.org"]] as [number, string, string][] },
  // The receiver's mail domain already receives mail.
  "reports.test": { MX: ["mx.reports.test"] },
  // A region missing from the documented list whose inbound endpoint exists (AWS added it since).
  "inbound-smtp.xx-new-1.amazonaws.com": { A: ["192.0.2.9"] },
};

const domain = (name: string, dns: object) => ({
  domain: name,
  dns,
  mx: [`mx.${name}`],
  mode: "testing",
});
const stackRaw = (over: { domains?: object[]; hosting?: object; receiver?: object } = {}) => ({
  domains: over.domains ?? [
    domain("a.test", R53),
    domain("b.test", CF),
    domain("c.test", R53),
    domain("d.test", MANUAL),
    domain("clean.test", R53),
    domain("override.test", R53),
  ],
  hosting: over.hosting,
  receiver: over.receiver ?? {
    email: { domain: "reports.test", dns: R53 },
    reservedConcurrency: 5,
  },
});
const stack = (over: Parameters<typeof stackRaw>[0] = {}): StackConfig =>
  parseStackConfig(stackRaw(over));

let dns: Awaited<ReturnType<typeof startZone>>;
const dnsDeps = () => ({
  resolver: makeResolver({ server: dns.address, timeoutMs: 2000 }),
  zone: makeZoneRecords({ server: dns.address, timeoutMs: 2000 }),
});
const deps = (
  aws: PreflightDeps["aws"],
  region: { region: string | undefined } = { region: "eu-west-1" },
): PreflightDeps => ({ dns: dnsDeps(), ...region, aws, timeoutMs: 2000, concurrency: 4 });

beforeAll(async () => {
  dns = await startZone(zone);
});
afterAll(async () => {
  await dns?.close();
});

const about = (r: PreflightReport, name: string) => r.findings.filter((f) => f.name === name);
const route53Fix = (i: number, d: string) =>
  `set adopt: true on mta-sts:domains[${i}] (${d}) to let the stack overwrite it, or delete it`;

describe("preflight: DNS at the stack's names", () => {
  let report: PreflightReport;
  beforeAll(async () => {
    report = await runPreflight("test", stack(), deps({ skip: "--aws off" }));
  });

  it("reports an existing _mta-sts TXT, says how many v=STSv1 strings, and gives the Route53 fix", () => {
    expect(about(report, "_mta-sts.a.test")).toEqual([
      {
        status: "conflict",
        check: "sts-record",
        name: "_mta-sts.a.test",
        what: 'TXT exists with 2 v=STSv1 strings ("v=STSv1; id=one;", "v=STSv1; id=two;"): senders treat two or more as no policy',
        fix: route53Fix(0, "a.test"),
      },
    ]);
  });

  it("reports someone else's policy host (a CNAME) with the Cloudflare fix", () => {
    expect(about(report, "mta-sts.b.test")).toEqual([
      {
        status: "conflict",
        check: "policy-host",
        name: "mta-sts.b.test",
        what: "CNAME to sts.elsewhere.test exists: someone else's policy host",
        fix: "set adopt: true on mta-sts:domains[1] (b.test) (the stack then takes over the existing record instead of adding a second one), or delete it",
      },
    ]);
  });

  it("reports a CAA at the parent that forbids Amazon, with the record to add there", () => {
    const [f, ...rest] = about(report, "c.test");
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      status: "conflict",
      check: "caa",
      fix: 'add 0 issue "amazon.com" at c.test',
    });
    expect(f.what).toContain("relevant set for mta-sts.c.test");
    expect(f.what).toContain("allows only letsencrypt.org");
  });

  it("follows a CNAME at the policy host to the CAA that applies", () => {
    expect(about(report, "sts.elsewhere.test")).toEqual([
      expect.objectContaining({
        status: "conflict",
        check: "caa",
        fix: 'add 0 issue "amazon.com" at sts.elsewhere.test',
        what: expect.stringContaining("CNAME target of mta-sts.b.test"),
      }),
    ]);
    expect(about(report, "sts.elsewhere.test")[0].what).toContain("allows only digicert.com");
  });

  it("gives the manual fix for a manual domain's TLS-RPT record and AAAA policy host", () => {
    const manual = "replace it by hand with the value `mtasts plan` prints";
    expect(about(report, "_smtp._tls.d.test")).toEqual([
      expect.objectContaining({
        status: "conflict",
        check: "tlsrpt-record",
        what: 'TXT exists with 1 v=TLSRPTv1 string: "v=TLSRPTv1; rua=mailto:reports@d.test"',
        fix: manual,
      }),
    ]);
    expect(about(report, "mta-sts.d.test")).toEqual([
      expect.objectContaining({
        status: "conflict",
        check: "policy-host",
        what: "AAAA exists (2001:db8::25): someone else's policy host",
        fix: manual,
      }),
    ]);
  });

  it("reports an MX at the receiver's mail domain as a live mail domain", () => {
    expect(about(report, "reports.test")).toEqual([
      expect.objectContaining({
        status: "conflict",
        check: "receiver-mx",
        fix: "use a dedicated subdomain, e.g. tlsrpt.reports.test",
        what: expect.stringContaining("MX exists (mx.reports.test)"),
      }),
    ]);
  });

  it("reports nothing for a clean domain, nor where the policy host's own CAA allows Amazon", async () => {
    const mentions = (d: string) =>
      report.findings.filter((f) => f.name.endsWith(d) || f.what.includes(d));
    expect(mentions("clean.test")).toEqual([]);
    expect(mentions("override.test")).toEqual([]);
    const clean = await runPreflight(
      "clean",
      stack({
        domains: [domain("clean.test", R53), domain("override.test", R53)],
        receiver: { enabled: false },
      }),
      deps({ skip: "--aws off" }),
    );
    expect(clean.findings.filter((f) => f.status !== "not-checked")).toEqual([]);
    expect(clean.conflicts).toBe(0);
  });

  it("counts and lists everything; with the account off, each AWS check is 'not checked'", () => {
    expect(report.conflicts).toBe(7);
    expect(
      report.findings.filter((f) => f.status === "not-checked").map((f) => [f.check, f.what]),
    ).toEqual([
      ["ses-rule-set", "--aws off"],
      ["ses-identity", "--aws off"],
      ["lambda-concurrency", "--aws off"],
      ["quota-distributions", "--aws off"],
      ["quota-certificates", "--aws off"],
    ]);
    const text = renderPreflightText(report);
    expect(text.split("\n")[0]).toBe(
      "preflight of stack test (6 domains, region eu-west-1): 7 conflicts, 5 not checked, 0 notes",
    );
    expect(text).toMatch(
      /\n {2}conflict {5}_mta-sts\.a\.test +TXT exists with 2 v=STSv1 strings .*; fix: set adopt: true on mta-sts:domains\[0\]/,
    );
    expect(text).toMatch(/\n {2}not checked {2}Lambda concurrency \(eu-west-1\) +--aws off\n/);
  });

  it("says a record will be taken over, instead of a conflict, when the domain has adopt: true", async () => {
    const adopted = await domainRecordConflicts(
      { index: 0, domain: "a.test", dns: R53 as never, tlsRpt: true, adopt: true },
      dnsDeps(),
    );
    expect(adopted).toEqual([
      expect.objectContaining({
        status: "note",
        check: "sts-record",
        what: expect.stringMatching(/2 v=STSv1 strings.*adopt: true, so the stack takes it over$/),
      }),
    ]);
    const manual = await domainRecordConflicts(
      { index: 3, domain: "d.test", dns: MANUAL as never, tlsRpt: true, adopt: true },
      dnsDeps(),
    );
    expect(manual.map((f) => f.status)).toEqual(["conflict", "conflict"]);
  });

  it("turns a DNS server that does not answer into 'not checked' lines, not an exception", async () => {
    const dead = {
      resolver: makeResolver({ server: "127.0.0.1:9", timeoutMs: 300 }),
      zone: makeZoneRecords({ server: "127.0.0.1:9", timeoutMs: 300 }),
    };
    const r = await runPreflight(
      "dead",
      stack({ domains: [domain("a.test", R53)], receiver: { enabled: false } }),
      { ...deps({ skip: "--aws off" }), dns: dead },
    );
    expect(r.findings.map((f) => [f.status, f.check])).toEqual([
      ["not-checked", "sts-record"],
      ["not-checked", "policy-host"],
      ["not-checked", "caa"],
      ["not-checked", "quota-distributions"],
      ["not-checked", "quota-certificates"],
    ]);
    expect(
      r.findings.slice(0, 3).map((f) => f.what.replace(/: DNS lookup failed: .*/, "")),
    ).toEqual(["TXT lookup", "CNAME/A/AAAA lookup", "CAA lookup"]);
    expect(r.conflicts).toBe(0);
  });
});

describe("preflight: CAA per RFC 8659", () => {
  const rec = (tag: string, value: string, critical = false) => ({ tag, value, critical });
  it.each([
    [[rec("issue", "amazon.com")], true],
    [[rec("issue", "Amazon.com; validationmethods=dns-01")], true],
    [[rec("issue", "letsencrypt.org"), rec("issue", "awstrust.com")], true],
    [[rec("issue", "amazonaws.com")], true],
    [[rec("iodef", "mailto:a@b.test")], true],
    [[rec("issuewild", "letsencrypt.org")], true],
    [[rec("issue", "letsencrypt.org")], false],
    [[rec("issue", ";")], false],
    [[rec("issue", "amazon.com"), rec("tbs", "x", true)], false],
    [[rec("issue", "amazon.com"), rec("tbs", "x", false)], true],
    [[rec("issue", "notamazon.com")], false],
  ])("%j -> Amazon may issue: %s", (records, allowed) => {
    expect(amazonMayIssue(records).allowed).toBe(allowed);
  });
});

describe("preflight: the AWS account (mocked SDK clients)", () => {
  const ses = mockClient(SESClient);
  const lambda = mockClient(LambdaClient);
  const quotas = mockClient(ServiceQuotasClient);
  const acm = mockClient(ACMClient);
  const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };
  const clients = (): AwsClients => ({
    ses: new SESClient({ region: "eu-west-1", credentials }),
    lambda: new LambdaClient({ region: "eu-west-1", credentials }),
    quotas: new ServiceQuotasClient({ region: "us-east-1", credentials }),
    acm: new ACMClient({ region: "us-east-1", credentials }),
  });
  const onlyAws = (r: PreflightReport) =>
    r.findings.filter((f) => /^(ses|lambda|quota)-/.test(f.check));
  const quiet = { domains: [domain("clean.test", R53)] };

  afterEach(() => {
    for (const m of [ses, lambda, quotas, acm]) m.reset();
  });

  function cleanAccount() {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({});
    ses.on(GetIdentityVerificationAttributesCommand).resolves({ VerificationAttributes: {} });
    lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
    });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "cloudfront", QuotaCode: "L-24B04930" })
      .resolves({ Quota: { Value: 200 } });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "acm", QuotaCode: "L-F141DD1D" })
      .resolves({ Quota: { Value: 2500 } });
    acm
      .on(ListCertificatesCommand)
      .resolves({ CertificateSummaryList: [{ CertificateArn: "arn:1" }] });
  }

  it("finds nothing in an account that has room and nothing in the way", async () => {
    cleanAccount();
    const r = await runPreflight(
      "t",
      stack({
        ...quiet,
        receiver: { email: { domain: "tlsrpt.clean.test", dns: R53 }, reservedConcurrency: 5 },
      }),
      deps(clients()),
    );
    expect(r.findings).toEqual([]);
    expect(ses.commandCalls(GetIdentityVerificationAttributesCommand)[0].args[0].input).toEqual({
      Identities: ["tlsrpt.clean.test"],
    });
    expect(quotas.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceCode: "cloudfront", QuotaCode: "L-24B04930" },
      { ServiceCode: "acm", QuotaCode: "L-F141DD1D" },
    ]);
  });

  it("mode tenants: checks the tenant quota (found by its name, applied or AWS's default), counts the multi-tenant distribution and each tenant's managed certificate", async () => {
    cleanAccount();
    const tenantQuota = {
      QuotaName: "Maximum number of distribution tenants per AWS account",
      QuotaCode: "L-TENANTS1",
      Value: 1,
    };
    quotas.on(ListServiceQuotasCommand).resolves({
      Quotas: [{ QuotaName: "Distributions per AWS account", QuotaCode: "L-24B04930", Value: 200 }],
    });
    quotas.on(ListAWSDefaultServiceQuotasCommand).resolves({ Quotas: [tenantQuota] });
    const two = {
      domains: [domain("one.test", R53), domain("two.test", R53)],
      hosting: { mode: "tenants" },
    };
    const r = await runPreflight("t", stack(two), deps(clients()));
    expect(onlyAws(r).map((f) => [f.check, f.status])).toEqual([["quota-tenants", "conflict"]]);
    expect(onlyAws(r)[0].what).toBe(
      "quota 1 (AWS default, L-TENANTS1); the stack needs 2 distribution tenants (one per domain), not counting the account's existing ones",
    );
    expect(stackNeeds(stack(two))).toMatchObject({ distributions: 1, certificates: 2, tenants: 2 });
    // While moving: one still on its group, one leaving it (no tenant yet), one with its tenant.
    const moving = stack({
      domains: [domain("a.test", R53), domain("b.test", R53), domain("c.test", R53)],
      hosting: { mode: "tenants", migration: { grouped: ["a.test"], releasing: ["b.test"] } },
    });
    expect(stackNeeds(moving)).toMatchObject({ distributions: 2, certificates: 2, tenants: 1 });
    // A grouped stack never asks for the tenant quota.
    quotas.reset();
    cleanAccount();
    await runPreflight("t", stack(quiet), deps(clients()));
    expect(quotas.commandCalls(ListServiceQuotasCommand)).toEqual([]);
  });

  it("reports another active rule set, an existing identity, a 10-execution account, and denied quotas as not checked", async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: "existing-rules" } });
    ses.on(GetIdentityVerificationAttributesCommand).resolves({
      VerificationAttributes: { "tlsrpt.clean.test": { VerificationStatus: "Success" } },
    });
    lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    quotas.on(GetServiceQuotaCommand).rejects(
      new AccessDeniedException({
        message:
          "User: arn:aws:iam::123:user/ci is not authorized to perform: servicequotas:GetServiceQuota",
        $metadata: {},
      }),
    );
    const r = await runPreflight(
      "t",
      stack({
        ...quiet,
        receiver: { email: { domain: "tlsrpt.clean.test", dns: R53 }, reservedConcurrency: 5 },
      }),
      deps(clients()),
    );
    const [ruleSet, identity, concurrency, distributions, certificates, ...rest] = onlyAws(r);
    expect(rest).toEqual([]);
    expect(ruleSet).toMatchObject({
      status: "conflict",
      check: "ses-rule-set",
      name: "SES active receipt rule set (eu-west-1)",
      fix: "set mta-sts:receiver.email.ruleSetName: existing-rules to add the stack's rule to it",
    });
    expect(ruleSet.what).toContain('"existing-rules" is active');
    expect(identity).toMatchObject({
      status: "conflict",
      check: "ses-identity",
      name: "SES identity tlsrpt.clean.test (eu-west-1)",
      fix: "set mta-sts:receiver.email.identity: existing",
    });
    expect(identity.what).toContain("verification Success");
    expect(concurrency).toMatchObject({ status: "conflict", check: "lambda-concurrency" });
    expect(concurrency.what).toBe(
      "account limit 10, 10 unreserved; reserving 5 x 2 functions = 10 would leave 0, and Lambda keeps at least 100 unreserved",
    );
    expect(concurrency.fix).toMatch(
      /^leave mta-sts:receiver\.reservedConcurrency out \(reserve none\), or ask AWS for more .* to at least 110$/,
    );
    for (const f of [distributions, certificates]) {
      expect(f.status).toBe("not-checked");
      expect(f.what).toMatch(/^AccessDeniedException: User: .* is not authorized/);
    }
    expect([distributions.check, certificates.check]).toEqual([
      "quota-distributions",
      "quota-certificates",
    ]);
    expect(r.conflicts).toBe(3);
  });

  it("compares the reservation with what stays unreserved, per function", () => {
    expect(
      concurrencyFinding(1000, 1000, { reservedConcurrency: 5, functions: 2 }, "r"),
    ).toBeUndefined();
    expect(
      concurrencyFinding(1000, 110, { reservedConcurrency: 5, functions: 2 }, "r"),
    ).toBeUndefined();
    const tight = concurrencyFinding(1000, 109, { reservedConcurrency: 5, functions: 2 }, "r")!;
    expect(tight.what).toContain("would leave 99");
    expect(tight.fix).toMatch(/^lower mta-sts:receiver\.reservedConcurrency to at most 4,/);
    expect(
      concurrencyFinding(1000, 105, { reservedConcurrency: 5, functions: 1 }, "r"),
    ).toBeUndefined();
  });

  it("turns any SDK error into a 'not checked' line and keeps going", async () => {
    cleanAccount();
    lambda.on(GetAccountSettingsCommand).rejects(new Error("socket hang up"));
    ses.on(DescribeActiveReceiptRuleSetCommand).rejects(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
    );
    const r = await runPreflight(
      "t",
      stack({
        ...quiet,
        receiver: { email: { domain: "tlsrpt.clean.test", dns: R53 }, reservedConcurrency: 5 },
      }),
      deps(clients()),
    );
    expect(onlyAws(r).map((f) => [f.status, f.check, f.what])).toEqual([
      [
        "not-checked",
        "ses-rule-set",
        "CredentialsProviderError: Could not load credentials from any providers",
      ],
      ["not-checked", "lambda-concurrency", "socket hang up"],
    ]);
  });

  it("compares quotas with the distributions and certificates the stack needs; AWS's default when none is applied", async () => {
    cleanAccount();
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "cloudfront", QuotaCode: "L-24B04930" })
      .resolves({ Quota: { Value: 2 } });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "acm", QuotaCode: "L-F141DD1D" })
      .rejects(new NoSuchResourceException({ message: "no applied quota", $metadata: {} }));
    quotas
      .on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: "acm", QuotaCode: "L-F141DD1D" })
      .resolves({ Quota: { Value: 4 } });
    acm
      .on(ListCertificatesCommand)
      .resolvesOnce({ CertificateSummaryList: [{ CertificateArn: "1" }], NextToken: "p2" })
      .resolves({ CertificateSummaryList: [{ CertificateArn: "2" }] });
    const three = ["clean.test", "override.test", "x.test"].map((d) => domain(d, R53));
    const r = await runPreflight(
      "t",
      stack({
        domains: three,
        hosting: { domainsPerDistribution: 1 },
        receiver: { enabled: false },
      }),
      deps(clients()),
    );
    const [dist, certs, ...rest] = onlyAws(r);
    expect(rest).toEqual([]);
    expect(dist).toMatchObject({ status: "conflict", check: "quota-distributions" });
    expect(dist.what).toContain("quota 2 (applied, L-24B04930); the stack needs 3 distributions");
    expect(certs).toMatchObject({ status: "conflict", check: "quota-certificates" });
    expect(certs.what).toBe(
      "quota 4 (AWS default, L-F141DD1D); 2 exist and the stack needs 3 more (one per distribution)",
    );
    expect(acm.commandCalls(ListCertificatesCommand)[1].args[0].input.NextToken).toBe("p2");
    expect(acm.commandCalls(ListCertificatesCommand)[0].args[0].input.Includes?.keyTypes).toContain(
      "EC_prime256v1",
    );
  });

  it("checks the rule set the stack is told to use, and an identity said to exist", async () => {
    const base = { domain: "tlsrpt.clean.test", dns: R53 as never };
    const sesDeps = {
      ses: new SESClient({ region: "eu-west-1", credentials }),
      region: "eu-west-1",
      timeoutMs: 2000,
    };
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: "main" } });
    ses.on(GetIdentityVerificationAttributesCommand).resolves({
      VerificationAttributes: { "tlsrpt.clean.test": { VerificationStatus: "Success" } },
    });
    expect(
      await sesAccountFindings({ ...base, ruleSetName: "main", identity: "existing" }, sesDeps),
    ).toEqual([]);
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({});
    ses.on(GetIdentityVerificationAttributesCommand).resolves({ VerificationAttributes: {} });
    const [ruleSet, identity] = await sesAccountFindings(
      { ...base, ruleSetName: "main", identity: "existing" },
      sesDeps,
    );
    expect(ruleSet).toMatchObject({
      status: "conflict",
      what: 'no rule set is active, so the stack\'s rule in "main" would never run',
    });
    expect(identity).toMatchObject({
      status: "conflict",
      what: "identity: existing is set, but there is no such SES identity",
    });
  });

  it("knows where SES receives email, and asks DNS about regions it does not list", async () => {
    const { resolver } = dnsDeps();
    expect(await sesRegionFindings("eu-west-1", resolver)).toEqual([]);
    const [refused] = await sesRegionFindings("eu-south-1", resolver);
    expect(refused).toMatchObject({
      status: "conflict",
      check: "ses-region",
      what: expect.stringContaining("SES does not receive email in eu-south-1"),
    });
    expect(await sesRegionFindings("xx-new-1", resolver)).toEqual([
      expect.objectContaining({ status: "note", check: "ses-region" }),
    ]);
    const r = await runPreflight(
      "t",
      stack({ ...quiet, receiver: { email: { domain: "tlsrpt.clean.test", dns: R53 } } }),
      deps({ skip: "--aws off" }, { region: undefined }),
    );
    expect(r.findings.filter((f) => f.check === "ses-region")).toEqual([
      expect.objectContaining({ status: "conflict", name: "aws:region" }),
    ]);
  });
});

describe("mtasts preflight on the command line", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-preflight-"));
  const writeStack = (name: string, config: Record<string, unknown>) =>
    fs.writeFileSync(path.join(tmp, `Pulumi.${name}.yaml`), YAML.stringify({ config }));
  beforeAll(() => {
    fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: preflight-test\nruntime: nodejs\n");
    writeStack("clean", {
      "aws:region": "eu-west-1",
      "mta-sts:domains": [domain("clean.test", R53)],
      "mta-sts:receiver": { reservedConcurrency: 5 },
    });
    writeStack("dirty", {
      "aws:region": "eu-west-1",
      "mta-sts:domains": [domain("clean.test", R53), domain("a.test", R53)],
    });
    writeStack("invalid", { "mta-sts:domains": [{ domain: "a.test", dns: R53, mode: "enforce" }] });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // Asynchronous: the DNS server lives in this process and must keep answering meanwhile.
  const cli = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, "bin", "mtasts.cjs"), "preflight", ...args],
        { encoding: "utf8" },
        (err, stdout, stderr) =>
          resolve({
            status: err ? Number((err as { code?: number }).code ?? 1) : 0,
            stdout,
            stderr,
          }),
      );
    });
  const flags = (stack: string) => [
    "--stack",
    stack,
    "--dir",
    tmp,
    "--resolver",
    dns.address,
    "--aws",
    "off",
    "--timeout",
    "2",
  ];

  it("exits 0 without conflicts, listing the AWS checks as not checked", async () => {
    const res = await cli(flags("clean"));
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "preflight of stack clean (1 domain, region eu-west-1): no conflicts, 3 not checked, 0 notes",
    );
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      "not checked",
      "not checked",
      "not checked",
    ]);
    expect(lines.slice(1).every((l) => l.endsWith("--aws off"))).toBe(true);
  });

  it("exits 1 with a conflict and prints it with its fix; JSON for pipelines", async () => {
    const res = await cli(flags("dirty"));
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(`_mta-sts.a.test`);
    expect(res.stdout).toContain(`; fix: ${route53Fix(1, "a.test")}`);
    const json = await cli([...flags("dirty"), "--format", "json"]);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as PreflightReport;
    expect(report.conflicts).toBe(1);
    expect(
      report.findings.filter((f: Finding) => f.status === "conflict").map((f) => [f.check, f.name]),
    ).toEqual([["sts-record", "_mta-sts.a.test"]]);
  });

  it("exits 1 on an invalid stack config, naming the key", async () => {
    const res = await cli(flags("invalid"));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("mta-sts:domains[0] (a.test).mx: is empty but mode is enforce");
  });

  it("exits 2 on usage errors", async () => {
    const runs = await Promise.all([
      cli(flags("missing")),
      cli([...flags("clean"), "--aws", "maybe"]),
      cli(["--stack", "clean", "--dir", tmp, "--resolver", "nonsense"]),
      cli(["--dir", tmp]),
    ]);
    expect(runs.map((r) => r.status)).toEqual([2, 2, 2, 2]);
    expect(runs[0].stderr).toContain("no Pulumi.missing.yaml");
    expect(runs[1].stderr).toContain("maybe");
    expect(runs[2].stderr).toContain("is not HOST:PORT");
    expect(runs[3].stderr).toContain("--stack");
  });
});
