// Taking over a policy host from another service: the new id waits, as data, until the host
// record points at CloudFront (RFC 8461 8.1: senders that see the new id must get the new body).
import { beforeAll, describe, expect, it } from "vitest";
import { recordingMocks, type Registered } from "./helpers/pulumi";

const held = new Map<string, () => void>();
let registered: Registered[];
const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";

async function until(cond: () => boolean) {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error("condition never held");
}
const has = (suffix: string) => registered.some((r) => r.name.endsWith(suffix));

beforeAll(async () => {
  registered = await recordingMocks({
    delay: (r) =>
      r.name.endsWith("-mta-sts-host")
        ? new Promise<void>((resolve) => held.set(r.name, resolve))
        : undefined,
  });
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const cfg = parseStackConfig({
    domains: [
      {
        domain: "example.org",
        dns: { provider: "cloudflare", zoneId: ZONE },
        mx: ["mx.example.org"],
        adopt: true,
      },
    ],
    receiver: { enabled: false },
  });
  new MtaStsFleet("take", {
    ...cfg,
    mxResolver: "offline",
    existingRecords: {
      "example.org": {
        records: {
          "mta-sts.example.org CNAME": {
            importId: `${ZONE}/9a7806061c88ada191ed06f989cc3dac`,
            name: "mta-sts.example.org",
          },
        },
      },
    },
  });
});

describe("taking over a policy host", () => {
  it("writes the _mta-sts record with the new id only after mta-sts points at CloudFront", async () => {
    await until(() => held.has("take-example.org-dns-mta-sts-host"));
    await until(() => false).catch(() => undefined); // let every other registration run
    expect(has("-dns-sts-txt")).toBe(false);
    expect(registered.find((r) => r.name.endsWith("-mta-sts-host"))!.importId).toBe(
      `${ZONE}/9a7806061c88ada191ed06f989cc3dac`,
    );

    held.get("take-example.org-dns-mta-sts-host")!();
    await until(() => has("-dns-sts-txt"));
    const seq = (suffix: string) => registered.find((r) => r.name.endsWith(suffix))!.seq;
    expect(seq("-dns-sts-txt")).toBeGreaterThan(seq("-dns-mta-sts-host"));
  });
});
