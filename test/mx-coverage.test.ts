// The live MX check before enforce (RFC 8461 4.1), against a local dns2 server; and the
// program running it for an enforced domain.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MtaStsFleet } from "../components/mta-sts-fleet";
import { liveMxCoverage } from "../net/mx-coverage";
import { makeResolver } from "../net/resolver";
import { promiseOf, recordingMocks, type Registered, settled } from "./helpers/pulumi";
import { startDns } from "./helpers/servers";

let dns: Awaited<ReturnType<typeof startDns>>;
let registered: Registered[];
let fleet: MtaStsFleet;

beforeAll(async () => {
  dns = await startDns({
    "covered.test": { MX: ["mx1.covered.test", "eu.mail.covered.test"] },
    "uncovered.test": { MX: ["mx1.uncovered.test", "mx2.uncovered.test"] },
    "deep.test": { MX: ["a.b.mail.deep.test"] },
  });
  registered = await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  fleet = new MtaStsFleet("gate", {
    ...parseStackConfig({
      domains: [
        {
          domain: "covered.test",
          dns: { provider: "manual" },
          mx: ["mx1.covered.test", "*.mail.covered.test"],
          mode: "enforce",
        },
      ],
      receiver: { enabled: false },
    }),
    mxResolver: dns.address,
  });
  await promiseOf(fleet.domains[0].stsRecord);
  await settled();
});
afterAll(async () => {
  await dns?.close();
});

describe("live MX coverage", () => {
  const resolver = () => makeResolver({ server: dns.address, timeoutMs: 2000 });

  it("passes when every MX is covered (a wildcard covers one label)", async () => {
    expect(
      await liveMxCoverage("covered.test", ["mx1.covered.test", "*.mail.covered.test"], resolver()),
    ).toEqual({
      status: "pass",
      message: "every MX (mx1.covered.test, eu.mail.covered.test) is covered",
    });
  });

  it("fails naming the uncovered host", async () => {
    const r = await liveMxCoverage("uncovered.test", ["mx1.uncovered.test"], resolver());
    expect(r).toEqual({
      status: "fail",
      message:
        "MX not covered by any mx pattern: mx2.uncovered.test; add them to mx before enforcing",
    });
  });

  it("fails a host two labels below a wildcard", async () => {
    expect((await liveMxCoverage("deep.test", ["*.mail.deep.test"], resolver())).status).toBe(
      "fail",
    );
  });

  it("says so when it cannot look", async () => {
    const r = await liveMxCoverage(
      "covered.test",
      ["x"],
      makeResolver({ server: "127.0.0.1:9", timeoutMs: 300 }),
    );
    expect(r.status).toBe("error");
  });

  it("runs for an enforced domain in the program, and the covered domain is deployed", async () => {
    expect(await promiseOf(fleet.domains[0].mxCheck)).toMatchObject({ status: "pass" });
    expect(registered.some((r) => r.name === "gate-covered.test-policy")).toBe(true);
  });
});
