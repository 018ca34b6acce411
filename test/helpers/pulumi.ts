// Shared test helpers for code under the Pulumi mock runtime.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Order of registration (0-based). */
  seq: number;
  /** The `import` option's id, when the resource takes over an existing one. */
  importId?: string;
}

/** Resolves an Output to its value (undefined when unknown in a preview). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/**
 * Installs mocks that record every registration. `call` throws on any token, so a lookup
 * we did not expect fails the test loudly. `delay` may hold a registration back.
 */
export async function recordingMocks(
  opts: { preview?: boolean; delay?: (r: Registered) => Promise<void> | undefined } = {},
) {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const r: Registered = {
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          seq: registered.length,
          ...(args.id ? { importId: args.id } : {}),
        };
        registered.push(r);
        await opts.delay?.(r);
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "aws:acm/certificate:Certificate") {
          const names = [args.inputs.domainName, ...(args.inputs.subjectAlternativeNames ?? [])];
          state.arn = `arn:aws:acm:us-east-1:123456789012:certificate/${args.name}`;
          state.domainValidationOptions = names.map((n: string) => ({
            domainName: n,
            resourceRecordName: `_v.${n}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_x.${n}.acm-validations.aws.`,
          }));
        }
        if (args.type === "aws:cloudfront/distribution:Distribution") {
          state.domainName = `${args.name}.cloudfront.net`;
          state.hostedZoneId = "Z2FDTNDATAQYW2";
          state.arn = `arn:aws:cloudfront::123456789012:distribution/${args.name}`;
        }
        if (args.type === "aws:cloudfront/connectionGroup:ConnectionGroup")
          state.routingEndpoint = `${args.name}.cloudfront.net`;
        if (args.type === "aws:cloudfront/multitenantDistribution:MultitenantDistribution") {
          state.arn = `arn:aws:cloudfront::123456789012:distribution/${args.name}`;
        }
        if (args.type === "aws:cloudfront/function:Function") {
          state.arn = `arn:aws:cloudfront::123456789012:function/${args.name}`;
        }
        if (args.type === "aws:s3/bucket:Bucket") {
          state.bucket = `${args.name}-bucket`;
          state.arn = `arn:aws:s3:::${args.name}-bucket`;
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
    "project",
    "stack",
    opts.preview ?? false,
  );
  return registered;
}

/** Waits until the mock runtime has no registration in flight. */
export async function settled(): Promise<void> {
  // disconnect() waits for every outstanding RPC of the mock monitor.
  await pulumi.runtime.disconnect();
}
