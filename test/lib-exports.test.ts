// A platform team imports the components and protocol functions from the package root.
import { expect, it } from "vitest";

it("exports the components, DNS adapters and protocol functions from lib.ts", async () => {
  const lib = await import("../lib");
  for (const name of [
    "MtaStsDomain",
    "MtaStsFleet",
    "PolicySite",
    "PolicyDistribution",
    "ReportReceiver",
    "receiverRua",
    "decidePromotion",
    "parseReport",
    "Route53Zone",
    "CloudflareZone",
    "ManualZone",
    "zoneFor",
    "renderPolicy",
    "parsePolicy",
    "validatePolicy",
    "policyId",
    "buildStsRecord",
    "parseStsRecord",
    "buildTlsRptRecord",
    "parseTlsRptRecord",
    "mxMatches",
    "normaliseMxPattern",
    "toALabels",
    "parseStackConfig",
  ]) {
    expect(typeof (lib as Record<string, unknown>)[name], name).toBe("function");
  }
  const pkg = await import("../package.json");
  expect(pkg.bin.mtasts).toBe("bin/mtasts.cjs");
});
