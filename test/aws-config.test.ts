// world/aws.ts: the stack's aws:* config -> region and credentials for SDK clients. The role chain
// runs against a local HTTP server that plays STS (AWS_ENDPOINT_URL_STS), so the real credential
// providers sign real requests and each hop is visible.
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsClientConfig, stackAssumeRoles } from "../world/aws";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-aws-"));
const credentialsFile = path.join(tmp, "credentials");
fs.writeFileSync(
  credentialsFile,
  "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\n",
);
const files = { "aws:sharedCredentialsFiles": JSON.stringify([credentialsFile]) };

const calls: { params: URLSearchParams; signedBy: string }[] = [];
let server: http.Server;
const previousEndpoint = process.env.AWS_ENDPOINT_URL_STS;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      calls.push({
        params: new URLSearchParams(body),
        signedBy: /Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? "",
      });
      const n = calls.length;
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE${n}</AccessKeyId>` +
          `<SecretAccessKey>s${n}</SecretAccessKey><SessionToken>t${n}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
          `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
          `<ResponseMetadata><RequestId>${n}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;
});

afterAll(async () => {
  if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
  else process.env.AWS_ENDPOINT_URL_STS = previousEndpoint;
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("awsClientConfig", () => {
  it("takes the region from aws:region, else AWS_REGION, else AWS_DEFAULT_REGION", () => {
    expect(awsClientConfig({ "aws:region": "eu-west-1" }, { AWS_REGION: "us-east-2" }).region).toBe(
      "eu-west-1",
    );
    expect(
      awsClientConfig({}, { AWS_REGION: "us-east-2", AWS_DEFAULT_REGION: "us-west-2" }).region,
    ).toBe("us-east-2");
    expect(awsClientConfig({}, { AWS_DEFAULT_REGION: "us-west-2" }).region).toBe("us-west-2");
    expect(awsClientConfig({}, {}).region).toBeUndefined();
  });

  it("leaves credentials to the SDK's default chain when the stack names none", () => {
    expect(awsClientConfig({ "aws:region": "eu-west-1" }, {})).toEqual({ region: "eu-west-1" });
  });

  it("reads aws:profile from the stack's shared credentials file", async () => {
    const config = awsClientConfig(
      { "aws:region": "eu-west-1", "aws:profile": "dev", ...files },
      {},
    );
    expect(await config.credentials!()).toMatchObject({
      accessKeyId: "AKIDPROFILE",
      secretAccessKey: "p",
    });
  });

  it("assumes each role of aws:assumeRoles in order, each with the credentials before it", async () => {
    calls.length = 0;
    const roles = [
      { roleArn: "arn:aws:iam::111111111111:role/hub", sessionName: "mtasts", externalId: "ext-1" },
      { roleArn: "arn:aws:iam::222222222222:role/deploy", duration: "15m" },
    ];
    const config = awsClientConfig(
      {
        "aws:region": "eu-west-1",
        "aws:profile": "dev",
        "aws:assumeRoles": JSON.stringify(roles),
        ...files,
      },
      {},
    );
    expect(await config.credentials!()).toMatchObject({
      accessKeyId: "ASIAROLE2",
      sessionToken: "t2",
    });
    expect(
      calls.map((c) => [
        c.signedBy,
        c.params.get("RoleArn"),
        c.params.get("RoleSessionName"),
        c.params.get("ExternalId"),
        c.params.get("DurationSeconds"),
      ]),
    ).toEqual([
      ["AKIDPROFILE", "arn:aws:iam::111111111111:role/hub", "mtasts", "ext-1", null],
      ["ASIAROLE1", "arn:aws:iam::222222222222:role/deploy", expect.any(String), null, "900"],
    ]);
  });

  it("uses aws:assumeRole (one role) when aws:assumeRoles is not set", async () => {
    calls.length = 0;
    const config = awsClientConfig(
      {
        "aws:region": "eu-west-1",
        "aws:assumeRole": JSON.stringify({ roleArn: "arn:aws:iam::3:role/x", sessionName: "one" }),
        "aws:profile": "dev",
        ...files,
      },
      {},
    );
    await config.credentials!();
    expect(
      calls.map((c) => [c.signedBy, c.params.get("RoleArn"), c.params.get("RoleSessionName")]),
    ).toEqual([["AKIDPROFILE", "arn:aws:iam::3:role/x", "one"]]);
    expect(
      stackAssumeRoles({
        "aws:assumeRole": '{"roleArn":"a"}',
        "aws:assumeRoles": '[{"roleArn":"b"}]',
      }).map((r) => r.roleArn),
    ).toEqual(["b"]);
  });

  it("refuses what it cannot use, naming the key", () => {
    expect(() => awsClientConfig({ "aws:profile": "[secret: not decrypted offline]" }, {})).toThrow(
      /aws:profile is a secret/,
    );
    expect(() => awsClientConfig({ "aws:assumeRoles": '[{"sessionName":"x"}]' }, {})).toThrow(
      /aws:assumeRoles\[0\]\.roleArn is missing/,
    );
    expect(() => awsClientConfig({ "aws:assumeRoles": '{"roleArn":"a"}' }, {})).toThrow(
      /aws:assumeRoles must be a list/,
    );
    expect(() =>
      awsClientConfig({ "aws:assumeRole": '{"roleArn":"a","duration":"soon"}' }, {}),
    ).toThrow(/aws:assumeRole\.duration: "soon" is not a duration/);
    expect(() =>
      awsClientConfig({ "aws:assumeRoles": '[{"roleArn":{"secure":"v1:abc"}}]' }, {}),
    ).toThrow(/aws:assumeRoles\[0\]\.roleArn is a secret/);
  });
});
