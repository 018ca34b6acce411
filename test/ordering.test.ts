// RFC 8461 8.1 as a data dependency: the _mta-sts record with a new id is registered only
// after the policy object is uploaded and the distribution (and its bucket access) is deployed.
import { beforeAll, expect, it } from "vitest";
import { recordingMocks, type Registered } from "./helpers/pulumi";

const held = new Map<string, () => void>();
let registered: Registered[];
const isHeld = (r: Registered) =>
  r.type === "aws:cloudfront/distribution:Distribution" ||
  r.type === "aws:s3/bucketObjectv2:BucketObjectv2" ||
  r.type === "aws:s3/bucketPolicy:BucketPolicy";

async function until(cond: () => boolean) {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error("condition never held");
}
const has = (type: string, suffix: string) =>
  registered.some((r) => r.type === type && r.name.endsWith(suffix));

beforeAll(async () => {
  registered = await recordingMocks({
    delay: (r) =>
      isHeld(r)
        ? new Promise<void>((resolve) => held.set(`${r.type}::${r.name}`, resolve))
        : undefined,
  });
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  new MtaStsFleet(
    "order",
    parseStackConfig({
      domains: [
        {
          domain: "example.com",
          dns: { provider: "route53", zoneId: "Z0123456789ABC" },
          mx: ["mx.example.com"],
          rua: ["mailto:t@example.com"],
        },
      ],
      receiver: { enabled: false },
    }),
  );
});

it("holds the _mta-sts record until the object, the distribution and the bucket policy are done", async () => {
  const release = (type: string, name: string) => {
    const fn = held.get(`${type}::${name}`);
    if (!fn) throw new Error(`${name} is not held; held: ${[...held.keys()].join(", ")}`);
    fn();
  };
  // Everything not held settles; the TLS-RPT record depends on nothing held, so it appears.
  await until(() => has("aws:route53/record:Record", "tlsrpt-txt") && held.size === 2);
  await until(() => false).catch(() => undefined); // let every other registration run
  expect(has("aws:route53/record:Record", "sts-txt")).toBe(false);

  release("aws:s3/bucketObjectv2:BucketObjectv2", "order-example.com-policy");
  release("aws:cloudfront/distribution:Distribution", "order-site-group-0-cdn");
  // The bucket policy names the distribution's ARN, so it registers now, and is held.
  await until(() => held.size === 3);
  await until(() => false).catch(() => undefined);
  expect(has("aws:route53/record:Record", "sts-txt")).toBe(false);

  release("aws:s3/bucketPolicy:BucketPolicy", "order-site-policies-access");
  await until(() => has("aws:route53/record:Record", "sts-txt"));
  const seq = (suffix: string) => registered.find((r) => r.name.endsWith(suffix))!.seq;
  expect(seq("sts-txt")).toBeGreaterThan(seq("group-0-cdn"));
  expect(seq("sts-txt")).toBeGreaterThan(seq("example.com-policy"));
  expect(registered.find((r) => r.name.endsWith("sts-txt"))!.inputs.records[0]).toMatch(
    /^v=STSv1; id=[0-9a-f]{32};$/,
  );
});
