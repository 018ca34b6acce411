// mta-sts:hosting: the two layouts, what an existing stack (no mode) parses as, and the settings
// refused in a mode where they mean nothing, each with its fix.
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../config";

const ok = {
  domain: "example.com",
  dns: { provider: "route53", zoneId: "Z0123456789ABC" },
  mx: ["mx.example.com"],
};
const two = [ok, { ...ok, domain: "example.org" }];

function problems(hosting: unknown, domains: unknown[] = two): string[] {
  try {
    parseStackConfig({ domains, hosting });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("mta-sts:hosting", () => {
  it("an existing stack (no hosting, or no mode) keeps the grouped layout and its settings", () => {
    expect(parseStackConfig({ domains: two }).hosting).toEqual({
      mode: "grouped",
      domainsPerDistribution: 10,
      priceClass: "PriceClass_100",
    });
    expect(
      parseStackConfig({
        domains: two,
        hosting: { domainsPerDistribution: 2, priceClass: "PriceClass_All" },
      }).hosting,
    ).toEqual({
      mode: "grouped",
      domainsPerDistribution: 2,
      priceClass: "PriceClass_All",
    });
  });

  it("mode: tenants needs nothing else", () => {
    const h = parseStackConfig({ domains: two, hosting: { mode: "tenants" } }).hosting;
    expect(h.mode).toBe("tenants");
    expect(h.migration).toBeUndefined();
  });

  it.each([
    [
      "domainsPerDistribution under tenants",
      { mode: "tenants", domainsPerDistribution: 10 },
      "mta-sts:hosting.domainsPerDistribution: means nothing with mode: tenants, where every domain has a distribution tenant of its own; remove it",
    ],
    [
      "priceClass under tenants",
      { mode: "tenants", priceClass: "PriceClass_200" },
      "mta-sts:hosting.priceClass: means nothing with mode: tenants: a multi-tenant distribution and its connection group have no price class",
    ],
    [
      "migration under grouped",
      { migration: { grouped: ["example.com"] } },
      "mta-sts:hosting.migration: only goes with mode: tenants",
    ],
    [
      "an unknown mode",
      { mode: "tenant" },
      'mta-sts:hosting.mode: must be "grouped" (distributions shared by groups of domains; the default) or "tenants"',
    ],
    [
      "a domain both grouped and releasing",
      { mode: "tenants", migration: { grouped: ["example.com"], releasing: ["Example.COM"] } },
      "mta-sts:hosting.migration.releasing[0]: example.com is also under migration.grouped",
    ],
    [
      "a domain listed twice",
      { mode: "tenants", migration: { grouped: ["example.com", "example.com"] } },
      "mta-sts:hosting.migration.grouped[1]: example.com is listed twice",
    ],
    [
      "a migration list that is not a list",
      { mode: "tenants", migration: { grouped: "example.com" } },
      "mta-sts:hosting.migration.grouped: must be a list of the stack's domains",
    ],
  ])("refuses %s, naming the key and the fix", (_, hosting, message) => {
    const found = problems(hosting);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("a migration keeps the grouped stack's settings for the groups still being left, and normalises names", () => {
    const h = parseStackConfig({
      domains: two,
      hosting: {
        mode: "tenants",
        migration: {
          domainsPerDistribution: 2,
          priceClass: "PriceClass_All",
          grouped: ["Example.COM."],
          releasing: ["example.org"],
        },
      },
    }).hosting;
    expect(h).toEqual({
      mode: "tenants",
      domainsPerDistribution: 2,
      priceClass: "PriceClass_All",
      migration: { grouped: ["example.com"], releasing: ["example.org"] },
    });
  });
});
