// Someone else's Pulumi program, run by scripts/test-packed-package inside a new project that
// installed the packed tarball: it declares a fleet with its receiver under the SDK's mocks and
// checks that both Lambda functions got a code archive holding the prebuilt bundle.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(path.join(process.cwd(), "index.js"));
// The consumer's own copy: the one the package resolves too, so the mocks reach its resources.
const pulumi = require("@pulumi/pulumi");

const registered = [];
await pulumi.runtime.setMocks(
  {
    async newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state = { ...args.inputs };
      if (args.type === "aws:acm/certificate:Certificate") {
        state.domainValidationOptions = [
          args.inputs.domainName,
          ...(args.inputs.subjectAlternativeNames ?? []),
        ].map((n) => ({
          domainName: n,
          resourceRecordName: `_v.${n}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_x.${n}.acm-validations.aws.`,
        }));
      }
      if (args.type === "aws:cloudfront/distribution:Distribution") {
        state.domainName = `${args.name}.cloudfront.net`;
        state.hostedZoneId = "Z2FDTNDATAQYW2";
      }
      if (args.type === "aws:s3/bucket:Bucket") {
        state.bucket = `${args.name}-bucket`;
        state.bucketRegionalDomainName = `${args.name}-bucket.s3.eu-west-1.amazonaws.com`;
      }
      if (args.type === "aws:lambda/functionUrl:FunctionUrl")
        state.functionUrl = `https://${args.name}.lambda-url.eu-west-1.on.aws/`;
      if (args.type === "aws:ses/domainDkim:DomainDkim")
        state.dkimTokens = ["tok0", "tok1", "tok2"];
      if (args.type === "aws:ses/domainIdentity:DomainIdentity")
        state.verificationToken = "verify-token";
      state.arn ??= `arn:aws:${args.type.split(":")[1].split("/")[0]}:eu-west-1:123456789012:${args.name}`;
      state.name ??= args.name;
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`unexpected call to ${args.token}`);
    },
  },
  "consumer",
  "dev",
  false,
);

const { MtaStsFleet, parseStackConfig } = require("pulumi-mta-sts");
const fleet = new MtaStsFleet("mail", {
  ...parseStackConfig({
    domains: [
      {
        domain: "example.com",
        dns: { provider: "route53", zoneId: "Z0123456789ABC" },
        mx: ["mx1.example.com"],
      },
      {
        domain: "example.org",
        dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
        mx: ["*.mail.example.org"],
      },
    ],
    receiver: {
      email: {
        domain: "tlsrpt.example.com",
        dns: { provider: "route53", zoneId: "Z0123456789ABC" },
      },
    },
  }),
  region: "eu-west-1",
  mxResolver: "offline",
});
await new Promise((resolve) => fleet.domains[0].tlsRptRecord.apply(resolve));
await pulumi.runtime.disconnect();

const functions = registered.filter((r) => r.type === "aws:lambda/function:Function");
// The receiver's two functions and the scheduled self-check's (on by default with the receiver).
assert.deepEqual(functions.map((f) => f.name).sort(), [
  "mail-receiver-email",
  "mail-receiver-http",
  "mail-watch-function",
]);
const packageDir = path.dirname(require.resolve("pulumi-mta-sts/package.json"));
for (const f of functions) {
  const kind = f.name.endsWith("-email")
    ? "email"
    : f.name.endsWith("-watch-function")
      ? "watch"
      : "http";
  const code = f.inputs.code;
  assert.ok(
    pulumi.asset.AssetArchive.isInstance(code),
    `${f.name}: code is a pulumi.asset.AssetArchive`,
  );
  const assets = await code.assets;
  assert.deepEqual(Object.keys(assets), ["index.js"], `${f.name}: the archive holds index.js`);
  const text = await assets["index.js"].text;
  // The bundle built at pack time, byte for byte: nothing was compiled in this project.
  assert.equal(
    text,
    fs.readFileSync(path.join(packageDir, "dist", "lambda", `${kind}.js`), "utf8"),
    `${f.name}: the prebuilt ${kind} bundle`,
  );
  assert.ok(text.length > 10_000 && /exports|handler/.test(text), `${f.name}: a real bundle`);
  assert.equal(f.inputs.handler, "index.handler");
}
const installed = (name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
// A library install leaves the build and local-mode tools out (optional peers).
for (const name of [
  "esbuild",
  "tsx",
  "s3rver",
  "dynalite",
  "smtp-server",
  "mailauth",
  "postal-mime",
])
  assert.equal(installed(name), false, `${name} is not installed`);
// The command needs tsx, which a library install lacks: it says so in one line.
const cli = spawnSync(process.execPath, [path.join(packageDir, "bin", "mtasts.cjs"), "--help"], {
  encoding: "utf8",
});
assert.equal(cli.status, 1);
assert.match(cli.stderr, /^mtasts: .*npm install --save-dev tsx\n$/);
console.log(
  `packed package: fleet with receiver declared, ${registered.length} resources; Lambda archives hold the prebuilt bundles (${functions.map((f) => f.name).join(", ")})`,
);
