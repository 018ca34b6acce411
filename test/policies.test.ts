// Each policy of the pack: a passing case, a failing case, and a preview-time unknown.
import { describe, expect, it } from "vitest";
import {
  cloudflareTxtQuoted,
  mtaStsCertificate,
  mtaStsCloudflareNotProxied,
  mtaStsPolicyBucket,
  mtaStsPolicyHost,
} from "../policies/hosting";
import { policies } from "../policies/all";
import {
  mtaStsEnforceHasTlsRpt,
  mtaStsEnforceMaxAge,
  mtaStsIdMatchesPolicy,
  mtaStsPolicyFile,
} from "../policies/policy-file";
import {
  RECEIVER_TYPE,
  receiverBucketPrivate,
  receiverLambdaBounded,
  receiverLeastPrivilege,
  receiverSinglePublicEntry,
} from "../policies/receiver";
import {
  mtaStsTxtRecord,
  mtaStsTxtUnique,
  tlsRptTxtRecord,
  tlsRptTxtUnique,
} from "../policies/txt-records";
import { policyId, renderPolicy } from "../protocol";
import { check, res, UNKNOWN } from "./helpers/policy";

const R53 = "aws:route53/record:Record";
const CF = "cloudflare:index/dnsRecord:DnsRecord";
const OBJ = "aws:s3/bucketObjectv2:BucketObjectv2";
const txt = (name: string, value: string, rname = name) =>
  res(R53, rname, { zoneId: "Z1", name, type: "TXT", ttl: 300, records: [value] });
const testing = renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 86400 });
const enforce = renderPolicy({ mode: "enforce", mx: ["mx.example.com"], maxAge: 604800 });
const object = (
  content: string,
  extra: Record<string, unknown> = {},
  deps?: Record<string, string[]>,
) =>
  res(
    OBJ,
    "policy",
    {
      key: "mta-sts.example.com/.well-known/mta-sts.txt",
      content,
      contentType: "text/plain",
      ...extra,
    },
    { deps },
  );

describe("every policy", () => {
  it("has a name, description, enforcement level, severity and remediation steps", () => {
    expect(policies).toHaveLength(34);
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const p of policies) {
      expect(p.description.length).toBeGreaterThan(20);
      expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
      expect(p.severity).toBeDefined();
      expect(p.remediationSteps.length).toBeGreaterThan(20);
    }
  });
});

describe("TXT records", () => {
  it("mta-sts-txt-record: valid passes, bad id and wrong version fail, unknown value is not run", async () => {
    expect(
      (await check(mtaStsTxtRecord, [txt("_mta-sts.example.com", "v=STSv1; id=abc123;")])).messages,
    ).toEqual([]);
    expect(
      (await check(mtaStsTxtRecord, [txt("_mta-sts.example.com", "v=STSv1; id=2024-01-01;")]))
        .messages[0],
    ).toMatch(/1-32 letters or digits/);
    expect(
      (await check(mtaStsTxtRecord, [txt("_mta-sts.example.com", "v=STSv2; id=a;")])).messages[0],
    ).toMatch(/does not start with v=STSv1/);
    const cf = res(CF, "cf", {
      zoneId: "z",
      name: "_mta-sts.example.org",
      type: "TXT",
      content: '"v=STSv1; id=ok1;"',
    });
    expect((await check(mtaStsTxtRecord, [cf])).messages).toEqual([]);
    const unknown = await check(mtaStsTxtRecord, [
      res(R53, "u", { zoneId: "Z1", name: "_mta-sts.example.com", type: "TXT", records: UNKNOWN }),
    ]);
    expect(unknown.messages).toEqual([]);
    expect(unknown.notRun[0].reason).toMatch(/records can't be known during preview/);
    expect((await check(mtaStsTxtRecord, [txt("www.example.com", "hello")])).messages).toEqual([]);
  });

  it("tls-rpt-txt-record: valid passes, http: rua fails, unknown is not run", async () => {
    expect(
      (
        await check(tlsRptTxtRecord, [
          txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:t@example.com"),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(tlsRptTxtRecord, [
          txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=http://r.example.com"),
        ])
      ).messages[0],
    ).toMatch(/mailto: or https:/);
    const u = await check(tlsRptTxtRecord, [
      res(CF, "u", { name: "_smtp._tls.example.com", type: "TXT", content: UNKNOWN }),
    ]);
    expect([u.messages, u.notRun.length]).toEqual([[], 1]);
  });

  it("*-txt-unique: one per name passes; two v=STSv1 or two v=TLSRPTv1 at one name fail", async () => {
    const one = txt("_mta-sts.example.com", "v=STSv1; id=a;", "a");
    expect(
      (await check(mtaStsTxtUnique, [one, txt("_mta-sts.example.org", "v=STSv1; id=a;", "b")]))
        .messages,
    ).toEqual([]);
    const two = await check(mtaStsTxtUnique, [
      one,
      txt("_mta-sts.example.com.", "v=STSv1; id=b;", "b"),
    ]);
    expect(two.violations.map((v) => [v.resource, v.message])).toEqual([
      ["b", "_mta-sts.example.com has 2 v=STSv1 records; senders see no policy at all"],
    ]);
    const inOne = res(R53, "c", {
      name: "_smtp._tls.example.com",
      type: "TXT",
      records: ["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"],
    });
    expect((await check(tlsRptTxtUnique, [inOne])).messages).toHaveLength(1);
    // an unknown record is skipped, the known ones still counted
    const u = await check(mtaStsTxtUnique, [
      one,
      res(R53, "u", { name: "_mta-sts.example.com", type: "TXT", records: UNKNOWN }),
    ]);
    expect(u.messages).toEqual([]);
  });
});

describe("policy file and id", () => {
  it("mta-sts-policy-file: canonical passes; LF, wrong type, invalid and oversized fail; unknown content is not run", async () => {
    expect((await check(mtaStsPolicyFile, [object(testing)])).messages).toEqual([]);
    expect(
      (await check(mtaStsPolicyFile, [object(testing.replace(/\r\n/g, "\n"))])).messages,
    ).toEqual(["policy lines end in LF only; RFC 8461 specifies CRLF"]);
    expect(
      (await check(mtaStsPolicyFile, [object(testing, { contentType: "text/html" })])).messages,
    ).toEqual(['contentType is "text/html"; senders require text/plain']);
    expect(
      (await check(mtaStsPolicyFile, [object("version: STSv1\r\nmode: enforce\r\nmax_age: 0\r\n")]))
        .messages,
    ).toEqual([
      "policy is invalid: max_age 0 is outside 1..31557600 seconds",
      'policy is invalid: mode "enforce" needs at least one mx pattern',
    ]);
    expect(
      (await check(mtaStsPolicyFile, [object(testing + "x".repeat(70_000))])).messages[0],
    ).toMatch(/senders read at most 65536/);
    const u = await check(mtaStsPolicyFile, [object(UNKNOWN)]);
    expect([u.messages, u.notRun.length]).toEqual([[], 1]);
  });

  it("mta-sts-enforce-max-age (advisory): a day or more passes, an hour fails", async () => {
    expect((await check(mtaStsEnforceMaxAge, [object(enforce)])).messages).toEqual([]);
    const short = await check(mtaStsEnforceMaxAge, [
      object(renderPolicy({ mode: "enforce", mx: ["mx.example.com"], maxAge: 3600 })),
    ]);
    expect(short.violations.map((v) => v.level)).toEqual(["advisory"]);
  });

  it("mta-sts-id-matches-policy: the id of the body passes, a stale id fails, unknown content is skipped", async () => {
    const good = txt("_mta-sts.example.com", `v=STSv1; id=${policyId(testing)};`, "sts");
    expect((await check(mtaStsIdMatchesPolicy, [object(testing), good])).messages).toEqual([]);
    const stale = await check(mtaStsIdMatchesPolicy, [
      object(testing),
      txt("_mta-sts.example.com", "v=STSv1; id=20240101;", "sts"),
    ]);
    expect(stale.violations.map((v) => v.resource)).toEqual(["sts"]);
    expect(stale.messages[0]).toContain(
      `announces id 20240101 but the policy body in policy has id ${policyId(testing)}`,
    );
    expect(
      (
        await check(mtaStsIdMatchesPolicy, [
          object(UNKNOWN),
          txt("_mta-sts.example.com", "v=STSv1; id=x;"),
        ])
      ).messages,
    ).toEqual([]);
  });

  it("mta-sts-enforce-has-tls-rpt: enforce with a TLS-RPT record passes, without fails, testing is exempt", async () => {
    const rpt = txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:t@example.com");
    const sts = txt("_mta-sts.example.com", "v=STSv1; id=a;");
    expect((await check(mtaStsEnforceHasTlsRpt, [object(enforce), sts, rpt])).messages).toEqual([]);
    expect((await check(mtaStsEnforceHasTlsRpt, [object(enforce), sts])).messages).toEqual([
      "example.com enforces MTA-STS but the stack has no _smtp._tls.example.com TLS-RPT record",
    ]);
    expect((await check(mtaStsEnforceHasTlsRpt, [object(testing), sts])).messages).toEqual([]);
    // DNS outside the stack (manual zones): nothing to judge here
    expect((await check(mtaStsEnforceHasTlsRpt, [object(enforce)])).messages).toEqual([]);
    expect((await check(mtaStsEnforceHasTlsRpt, [object(UNKNOWN)])).messages).toEqual([]);
  });
});

const bucketType = "aws:s3/bucket:Bucket";
const bucket = res(bucketType, "policies", {});
const bucketUrn = bucket.urn;
const pab = (over: Record<string, unknown> = {}) =>
  res(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "pab",
    {
      bucket: "b",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
      ...over,
    },
    { deps: { bucket: [bucketUrn] } },
  );
const sse = res(
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "sse",
  { bucket: "b", rules: [] },
  { deps: { bucket: [bucketUrn] } },
);
const linkedObject = object(testing, {}, { bucket: [bucketUrn] });

describe("hosting", () => {
  it("mta-sts-policy-bucket-private: a blocked, encrypted bucket passes; public pieces fail one by one", async () => {
    expect((await check(mtaStsPolicyBucket, [bucket, pab(), sse, linkedObject])).messages).toEqual(
      [],
    );
    expect(
      (
        await check(mtaStsPolicyBucket, [
          bucket,
          pab({ restrictPublicBuckets: false }),
          linkedObject,
        ])
      ).messages,
    ).toEqual([
      "bucket policies does not block all public access (a BucketPublicAccessBlock with all four settings true)",
      "bucket policies has no server-side encryption configuration",
    ]);
    const publicPolicy = res(
      "aws:s3/bucketPolicy:BucketPolicy",
      "bp",
      {
        bucket: "b",
        policy: JSON.stringify({
          Statement: [
            {
              Sid: "Public",
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: "*",
            },
          ],
        }),
      },
      { deps: { bucket: [bucketUrn] } },
    );
    const website = res(
      "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
      "web",
      { bucket: "b" },
      { deps: { bucket: [bucketUrn] } },
    );
    expect(
      (await check(mtaStsPolicyBucket, [bucket, pab(), sse, linkedObject, publicPolicy, website]))
        .messages,
    ).toEqual([
      "bucket policies has website hosting, whose endpoint is HTTP-only and can redirect",
      'bucket policies policy statement Public allows Principal "*"',
    ]);
    // a PAB whose settings are unknown at preview cannot vouch for the bucket
    expect(
      (
        await check(mtaStsPolicyBucket, [
          bucket,
          pab({ blockPublicAcls: UNKNOWN }),
          sse,
          linkedObject,
        ])
      ).messages,
    ).toHaveLength(1);
  });

  const fnUrn = "urn:pulumi:test::proj::aws:cloudfront/function:Function::router";
  const dist = (
    behaviour: Record<string, unknown> = {},
    cert: Record<string, unknown> = {},
    origin = "b.s3.eu-west-1.amazonaws.com",
  ) =>
    res(
      "aws:cloudfront/distribution:Distribution",
      "cdn",
      {
        aliases: ["mta-sts.example.com"],
        origins: [{ originId: "o", domainName: origin }],
        defaultCacheBehavior: {
          targetOriginId: "o",
          viewerProtocolPolicy: "https-only",
          cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
          ...behaviour,
        },
        viewerCertificate: {
          acmCertificateArn: "arn",
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
          ...cert,
        },
      },
      { deps: { defaultCacheBehavior: [fnUrn] } },
    );
  const fn = (code: string) =>
    res("aws:cloudfront/function:Function", "router", { code, runtime: "cloudfront-js-2.0" });

  it("mta-sts-policy-host-cloudfront: a safe distribution passes; http, old TLS, caching, website origin, redirect fail", async () => {
    expect((await check(mtaStsPolicyHost, [dist(), fn("return request;")])).messages).toEqual([]);
    expect(
      (await check(mtaStsPolicyHost, [dist({ viewerProtocolPolicy: "allow-all" })])).messages,
    ).toEqual(['viewerProtocolPolicy is "allow-all" on the policy path; use https-only']);
    expect(
      (
        await check(mtaStsPolicyHost, [
          dist({}, { minimumProtocolVersion: "TLSv1", sslSupportMethod: "vip" }),
        ])
      ).messages,
    ).toEqual([
      'sslSupportMethod is "vip"; use sni-only',
      'minimumProtocolVersion is "TLSv1"; use TLSv1.2_2021 or newer',
    ]);
    expect(
      (
        await check(mtaStsPolicyHost, [
          dist({ cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" }),
        ])
      ).messages[0],
    ).toMatch(/is not CachingDisabled/);
    expect(
      (
        await check(mtaStsPolicyHost, [
          dist({ cachePolicyId: undefined, defaultTtl: 0, maxTtl: 86400 }),
        ])
      ).messages,
    ).toEqual([
      "maxTtl 86400 on the policy path exceeds 300 s; use the CachingDisabled cache policy",
    ]);
    expect(
      (await check(mtaStsPolicyHost, [dist({}, {}, "b.s3-website-eu-west-1.amazonaws.com")]))
        .messages[0],
    ).toMatch(/S3 website endpoint/);
    expect(
      (
        await check(mtaStsPolicyHost, [
          dist(),
          fn("return { statusCode: 301, headers: { location: { value: 'x' } } };"),
        ])
      ).messages[0],
    ).toMatch(/can answer with a redirect/);
    const u = await check(mtaStsPolicyHost, [
      dist({ viewerProtocolPolicy: UNKNOWN }, { minimumProtocolVersion: UNKNOWN }),
    ]);
    expect(u.messages).toEqual([]);
  });

  it("mta-sts-certificate-us-east-1-dns: us-east-1 + DNS passes; other region or email fails; unknown is not run", async () => {
    const cert = (p: Record<string, unknown>) =>
      res("aws:acm/certificate:Certificate", "cert", {
        domainName: "mta-sts.example.com",
        region: "us-east-1",
        validationMethod: "DNS",
        ...p,
      });
    expect((await check(mtaStsCertificate, [cert({})])).messages).toEqual([]);
    expect((await check(mtaStsCertificate, [cert({ region: "eu-west-1" })])).messages).toEqual([
      "certificate for mta-sts.example.com is in eu-west-1; CloudFront only uses us-east-1 certificates",
    ]);
    expect(
      (await check(mtaStsCertificate, [cert({ region: undefined, validationMethod: "EMAIL" })]))
        .messages,
    ).toHaveLength(2);
    expect(
      (
        await check(mtaStsCertificate, [
          cert({ domainName: "www.example.com", region: "eu-west-1" }),
        ])
      ).messages,
    ).toEqual([]);
    const u = await check(mtaStsCertificate, [cert({ region: UNKNOWN })]);
    expect([u.messages, u.notRun.length]).toEqual([[], 1]);
  });

  it("mta-sts-cloudflare-not-proxied and cloudflare-txt-quoted", async () => {
    const host = (proxied: unknown) =>
      res(CF, "host", {
        name: "mta-sts.example.org",
        type: "CNAME",
        content: "d1.cloudfront.net",
        proxied,
      });
    expect((await check(mtaStsCloudflareNotProxied, [host(false)])).messages).toEqual([]);
    expect((await check(mtaStsCloudflareNotProxied, [host(true)])).messages).toEqual([
      "mta-sts.example.org is proxied through Cloudflare; set proxied: false",
    ]);
    expect((await check(mtaStsCloudflareNotProxied, [host(UNKNOWN)])).notRun).toHaveLength(1);
    const t = (content: string) =>
      res(CF, "t", { name: "_mta-sts.example.org", type: "TXT", content });
    expect((await check(cloudflareTxtQuoted, [t('"v=STSv1; id=a;"')])).messages).toEqual([]);
    expect(
      (await check(cloudflareTxtQuoted, [t("v=STSv1; id=a;")])).violations.map((v) => v.level),
    ).toEqual(["advisory"]);
    expect((await check(cloudflareTxtQuoted, [t(UNKNOWN)])).notRun).toHaveLength(1);
  });
});

describe("receiver", () => {
  const parents = ["mta-sts:index:MtaStsFleet", RECEIVER_TYPE];
  const logGroup = res(
    "aws:cloudwatch/logGroup:LogGroup",
    "logs",
    { retentionInDays: 30 },
    { parents },
  );
  const lambda = (p: Record<string, unknown>) =>
    res(
      "aws:lambda/function:Function",
      "fn",
      { reservedConcurrentExecutions: 5, ...p },
      { parents, deps: { loggingConfig: [logGroup.urn] } },
    );

  it("receiver-lambda-bounded: retained logs pass, with or without reserved concurrency; no log group fails", async () => {
    expect((await check(receiverLambdaBounded, [logGroup, lambda({})])).messages).toEqual([]);
    expect(
      (
        await check(receiverLambdaBounded, [
          logGroup,
          lambda({ reservedConcurrentExecutions: undefined }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (await check(receiverLambdaBounded, [lambda({ reservedConcurrentExecutions: undefined })]))
        .messages,
    ).toEqual(["receiver Lambda fn logs to no log group with a retention period"]);
    // a function outside a ReportReceiver is not the receiver's business
    expect(
      (await check(receiverLambdaBounded, [res("aws:lambda/function:Function", "other", {})]))
        .messages,
    ).toEqual([]);
  });

  it("receiver-least-privilege: scoped actions pass; * on * and AdministratorAccess fail; unknown policy is not run", async () => {
    const rp = (policy: unknown) =>
      res("aws:iam/rolePolicy:RolePolicy", "rp", { role: "r", policy }, { parents });
    expect(
      (
        await check(receiverLeastPrivilege, [
          rp(
            JSON.stringify({
              Statement: [
                { Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
              ],
            }),
          ),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (
        await check(receiverLeastPrivilege, [
          rp(
            JSON.stringify({
              Statement: [{ Sid: "All", Effect: "Allow", Action: "*", Resource: "*" }],
            }),
          ),
        ])
      ).messages,
    ).toEqual(["statement All allows * on *"]);
    const admin = res(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "a",
      { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      { parents },
    );
    expect((await check(receiverLeastPrivilege, [admin])).messages).toEqual([
      "receiver role has AdministratorAccess",
    ]);
    expect((await check(receiverLeastPrivilege, [rp(UNKNOWN)])).notRun).toHaveLength(1);
  });

  it("receiver-single-public-entry: public Function URL passes; public InvokeFunction outside it fails", async () => {
    const perm = (p: Record<string, unknown>) =>
      res(
        "aws:lambda/permission:Permission",
        "perm",
        { function: "fn", principal: "*", ...p },
        { parents },
      );
    expect(
      (
        await check(receiverSinglePublicEntry, [
          perm({ action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "NONE" }),
          perm({ action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (await check(receiverSinglePublicEntry, [perm({ action: "lambda:InvokeFunction" })]))
        .messages,
    ).toEqual(["permission lets anyone call lambda:InvokeFunction outside the Function URL"]);
    expect(
      (
        await check(receiverSinglePublicEntry, [
          perm({ principal: "ses.amazonaws.com", action: "lambda:InvokeFunction" }),
        ])
      ).messages,
    ).toEqual([]);
    expect(
      (await check(receiverSinglePublicEntry, [perm({ principal: UNKNOWN })])).notRun,
    ).toHaveLength(1);
  });

  it("receiver-bucket-private: checks buckets under the receiver only", async () => {
    const rb = res(bucketType, "reports", {}, { parents });
    const rpab = res(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "rpab",
      {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parents, deps: { bucket: [rb.urn] } },
    );
    const rsse = res(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "rsse",
      {},
      { parents, deps: { bucket: [rb.urn] } },
    );
    expect((await check(receiverBucketPrivate, [rb, rpab, rsse, bucket])).messages).toEqual([]);
    expect((await check(receiverBucketPrivate, [rb, rsse])).messages).toEqual([
      "bucket reports does not block all public access (a BucketPublicAccessBlock with all four settings true)",
    ]);
    expect(
      (await check(receiverBucketPrivate, [{ ...rb, props: { acl: UNKNOWN } }, rpab, rsse]))
        .messages,
    ).toEqual([]);
  });
});
