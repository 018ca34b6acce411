import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../config";

const ok = { domain: "example.com", dns: { provider: "route53", zoneId: "Z0123456789ABC" }, mx: ["mx.example.com"], rua: ["mailto:t@example.com"] };

function problems(domains: unknown, hosting?: unknown): string[] {
  try {
    parseStackConfig({ domains, hosting });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("stack config", () => {
  it("applies the defaults: mode testing, maxAge by mode, ttl 300, 10 domains per distribution", () => {
    const cfg = parseStackConfig({ domains: [ok, { ...ok, domain: "example.org", mode: "enforce" }] });
    expect(cfg.domains[0]).toMatchObject({ mode: "testing", maxAge: 86400, ttl: 300 });
    expect(cfg.domains[1]).toMatchObject({ mode: "enforce", maxAge: 604800 });
    expect(cfg.hosting).toEqual({ domainsPerDistribution: 10, priceClass: "PriceClass_100" });
  });

  it("converts IDNs to A-labels instead of rejecting them", () => {
    const cfg = parseStackConfig({ domains: [{ ...ok, domain: "Bücher.example", mx: ["mx.bücher.example"] }] });
    expect(cfg.domains[0].domain).toBe("xn--bcher-kva.example");
    expect(cfg.domains[0].mx).toEqual(["mx.xn--bcher-kva.example"]);
  });

  it.each([
    ["unknown provider", [{ ...ok, dns: { provider: "route55" } }], 'mta-sts:domains[0].dns.provider: "route55" is not a known DNS provider; use route53, cloudflare or manual'],
    ["missing zoneId (route53)", [{ ...ok, dns: { provider: "route53" } }], "mta-sts:domains[0].dns.zoneId: is required for provider route53"],
    ["missing zoneId (cloudflare)", [{ ...ok, dns: { provider: "cloudflare" } }], "mta-sts:domains[0].dns.zoneId: is required for provider cloudflare"],
    ["empty mx in testing", [{ ...ok, mx: [] }], "mta-sts:domains[0].mx: is empty but mode is testing"],
    ["missing mx in enforce", [{ ...ok, mx: undefined, mode: "enforce" }], "mta-sts:domains[0].mx: is empty but mode is enforce"],
    ["wildcard not leftmost", [{ ...ok, mx: ["mx.*.example.com"] }], 'mta-sts:domains[0].mx[0]: "mx.*.example.com" has a wildcard that is not the whole leftmost label'],
    ["two wildcards", [{ ...ok, mx: ["ok.example.com", "*.*.example.com"] }], 'mta-sts:domains[0].mx[1]: "*.*.example.com" has 2 wildcards; RFC 8461 allows one'],
    ["maxAge 0", [{ ...ok, maxAge: 0 }], "mta-sts:domains[0].maxAge: must be within 1..31557600 seconds"],
    ["maxAge over a year", [{ ...ok, maxAge: 31557601 }], "mta-sts:domains[0].maxAge: must be within 1..31557600 seconds"],
    ["rua not mailto/https", [{ ...ok, rua: ["http://r.example.com"] }], 'mta-sts:domains[0].rua[0]: "http://r.example.com" must start with mailto: or https:'],
    ["duplicate domain", [ok, { ...ok, domain: "EXAMPLE.COM." }], 'mta-sts:domains[1].domain: "EXAMPLE.COM." is already listed at mta-sts:domains[0]; list each domain once'],
    ["invalid domain", [{ ...ok, domain: "exa mple.com" }], 'mta-sts:domains[0].domain: "exa mple.com" is not a host name'],
    ["single-label domain", [{ ...ok, domain: "localhost" }], 'mta-sts:domains[0].domain: "localhost" has a single label'],
    ["unknown key", [{ ...ok, mxs: ["a.example.com"] }], 'mta-sts:domains[0]: unknown key "mxs"'],
    ["unknown mode", [{ ...ok, mode: "strict" }], "mta-sts:domains[0].mode: must be none, testing or enforce"],
    ["domainsPerDistribution 0", [ok], "mta-sts:hosting.domainsPerDistribution: must be at least 1", { domainsPerDistribution: 0 }],
    ["adopt not a boolean", [{ ...ok, adopt: "yes" }], "mta-sts:domains[0].adopt: must be true or false; true lets the stack take over records that already exist at its names"],
  ])("%s: names the key and the fix", (_, domains, message, hosting?) => {
    const found = problems(domains, hosting);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("reports every problem at once, one line each, ordered by key", () => {
    const found = problems([
      { domain: "bad_domain", dns: { provider: "route55" }, mx: ["*.*.example.com"], maxAge: 0, rua: ["ftp://x"] },
      { ...ok, mode: "enforce", mx: [] },
      { ...ok, domain: "Example.com" },
    ]);
    expect(found).toEqual([
      expect.stringMatching(/^mta-sts:domains\[0\]\.dns\.provider: /),
      expect.stringMatching(/^mta-sts:domains\[0\]\.domain: /),
      expect.stringMatching(/^mta-sts:domains\[0\]\.maxAge: /),
      expect.stringMatching(/^mta-sts:domains\[0\]\.mx\[0\]: /),
      expect.stringMatching(/^mta-sts:domains\[0\]\.rua\[0\]: /),
      expect.stringMatching(/^mta-sts:domains\[1\]\.mx: is empty but mode is enforce/),
      expect.stringMatching(/^mta-sts:domains\[2\]\.domain: "Example.com" is already listed/),
    ]);
  });

  it("mode none may omit mx", () => {
    expect(parseStackConfig({ domains: [{ ...ok, mode: "none", mx: [] }] }).domains[0].mode).toBe("none");
  });
});

describe("adopt", () => {
  const domains = [ok, { ...ok, domain: "example.org", adopt: false }, { ...ok, domain: "example.net", adopt: true }];
  const adopt = (stackWide?: unknown) => parseStackConfig({ domains, adopt: stackWide }).domains.map((d) => d.adopt);

  it("is off unless asked; a domain's own value wins over mta-sts:adopt, both ways", () => {
    expect(adopt()).toEqual([false, false, true]);
    expect(adopt(false)).toEqual([false, false, true]);
    expect(adopt(true)).toEqual([true, false, true]);
  });

  it("mta-sts:adopt that is not a boolean names the key and the fix", () => {
    try {
      parseStackConfig({ domains: [ok], adopt: "true" });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        "mta-sts:adopt: must be true or false; true lets the stack take over records that already exist at its names (see the README, Migrating)",
      ]);
    }
  });
});
