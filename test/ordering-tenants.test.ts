// RFC 8461 8.1 on the tenant path, as data: a domain's _mta-sts record is registered only after
// its policy object is uploaded and its tenant (created after its routing record, and returning
// only once its managed certificate is issued) is deployed. A tenant whose certificate never
// validates holds back its own domain's record and no other.
import { beforeAll, expect, it } from "vitest";
import { recordingMocks, type Registered } from "./helpers/pulumi";

const held = new Map<string, () => void>();
let registered: Registered[];
const TENANT = "aws:cloudfront/distributionTenant:DistributionTenant";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const R53 = "aws:route53/record:Record";
const CF = "cloudflare:index/dnsRecord:DnsRecord";
// example.com's tenant, object and routing record are released by the test; stuck.example's
// tenant never returns (its certificate cannot be validated: the provider waits up to 3 hours).
const isHeld = (r: Registered) =>
  (r.type === TENANT &&
    (r.name === "order-example.com-tenant" || r.name === "order-stuck.example-tenant")) ||
  (r.type === OBJECT && r.name === "order-example.com-policy") ||
  (r.type === R53 && r.name === "order-example.com-dns-mta-sts-host");
const others = Array.from({ length: 8 }, (_, i) => `d${i}.example`);

async function until(cond: () => boolean) {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error("condition never held");
}
const idle = () => until(() => false).catch(() => undefined);
const has = (type: string, name: string) =>
  registered.some((r) => r.type === type && r.name === name);
const release = (type: string, name: string) => {
  const fn = held.get(`${type}::${name}`);
  if (!fn) throw new Error(`${name} is not held; held: ${[...held.keys()].join(", ")}`);
  fn();
};

beforeAll(async () => {
  registered = await recordingMocks({
    delay: (r) =>
      isHeld(r)
        ? new Promise<void>((resolve) => held.set(`${r.type}::${r.name}`, resolve))
        : undefined,
  });
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const route53 = { provider: "route53", zoneId: "Z0123456789ABC" };
  const cloudflare = { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" };
  new MtaStsFleet("order", {
    ...parseStackConfig({
      domains: [
        {
          domain: "example.com",
          dns: route53,
          mx: ["mx.example.com"],
          rua: ["mailto:t@example.com"],
        },
        { domain: "stuck.example", dns: route53, mx: ["mx.stuck.example"] },
        ...others.map((d, i) => ({
          domain: d,
          dns: i % 2 ? cloudflare : route53,
          mx: [`mx.${d}`],
        })),
      ],
      hosting: { mode: "tenants" },
      receiver: { enabled: false },
    }),
    mxResolver: "offline",
  });
});

it("registers the tenant only after its routing record, and _mta-sts only after the object and the tenant", async () => {
  await until(() => has(R53, "order-example.com-dns-tlsrpt-txt"));
  await idle();
  // The routing record is held: the tenant waits for it (CloudFront checks the name points at it).
  expect(has(TENANT, "order-example.com-tenant")).toBe(false);
  expect(has(R53, "order-example.com-dns-sts-txt")).toBe(false);

  release(R53, "order-example.com-dns-mta-sts-host");
  await until(() => held.has(`${TENANT}::order-example.com-tenant`));
  release(OBJECT, "order-example.com-policy");
  await idle();
  // The object is up, the tenant (and so its certificate) is not: no new id yet.
  expect(has(R53, "order-example.com-dns-sts-txt")).toBe(false);

  release(TENANT, "order-example.com-tenant");
  await until(() => has(R53, "order-example.com-dns-sts-txt"));
  const seq = (type: string, name: string) =>
    registered.find((r) => r.type === type && r.name === name)!.seq;
  expect(seq(R53, "order-example.com-dns-sts-txt")).toBeGreaterThan(
    seq(TENANT, "order-example.com-tenant"),
  );
  expect(seq(R53, "order-example.com-dns-sts-txt")).toBeGreaterThan(
    seq(OBJECT, "order-example.com-policy"),
  );
  expect(seq(TENANT, "order-example.com-tenant")).toBeGreaterThan(
    seq(R53, "order-example.com-dns-mta-sts-host"),
  );
  expect(
    registered.find((r) => r.name === "order-example.com-dns-sts-txt")!.inputs.records[0],
  ).toMatch(/^v=STSv1; id=[0-9a-f]{32};$/);
});

it("a domain whose certificate cannot be validated leaves every other domain's _mta-sts writable", async () => {
  await idle();
  expect(held.has(`${TENANT}::order-stuck.example-tenant`)).toBe(true);
  expect(has(R53, "order-stuck.example-dns-sts-txt")).toBe(false);
  for (const [i, d] of others.entries())
    expect(has(i % 2 ? CF : R53, `order-${d}-dns-sts-txt`), d).toBe(true);
});
