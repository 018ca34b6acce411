// The receiver's keys that keep a real account safe: no reservation by default, reports kept on
// destroy, an existing SES identity left alone, a dedicated mail domain, rule set names SES takes.
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../config";

const domains = [{ domain: "example.com", dns: { provider: "manual" }, mx: ["mx.example.com"] }];
const problems = (receiver: unknown) => {
  try {
    parseStackConfig({ domains, receiver });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
};

describe("mta-sts:receiver", () => {
  it("reserves no concurrency, keeps reports on destroy and creates the SES identity by default", () => {
    const r = parseStackConfig({
      domains,
      receiver: { email: { domain: "tlsrpt.example.org", dns: { provider: "manual" } } },
    }).receiver;
    expect(r.reservedConcurrency).toBeUndefined();
    expect(r.onDestroy).toBe("keep");
    expect(r.email?.identity).toBe("create");
    expect(r.reporters).toEqual([]);
  });

  it("refuses a mail domain of the stack as the receiver's mail domain, with the fix", () => {
    expect(problems({ email: { domain: "Example.COM", dns: { provider: "manual" } } })).toEqual([
      expect.stringMatching(
        /^mta-sts:receiver\.email\.domain: "Example\.COM" is a mail domain of this stack \(mta-sts:domains\[0\]\); an SES MX there would take a share of its mail\. Use a dedicated subdomain, e\.g\. tlsrpt\.example\.com$/,
      ),
    ]);
  });

  it("takes SES rule set names as SES does: letters, digits, _ and -, no dots", () => {
    expect(
      problems({
        email: {
          domain: "t.example.org",
          dns: { provider: "manual" },
          ruleSetName: "inbound_rules-1",
        },
      }),
    ).toEqual([]);
    for (const bad of ["inbound.rules", "-rules", "rules-", "a".repeat(65)]) {
      expect(
        problems({
          email: { domain: "t.example.org", dns: { provider: "manual" }, ruleSetName: bad },
        })[0],
      ).toContain("ruleSetName: must be the name of the region's active SES receipt rule set");
    }
  });

  it("explains onDestroy, identity and reservedConcurrency when they are wrong", () => {
    expect(problems({ onDestroy: "archive" })[0]).toContain('onDestroy: must be "keep"');
    expect(
      problems({
        email: { domain: "t.example.org", dns: { provider: "manual" }, identity: "adopt" },
      })[0],
    ).toContain('identity: must be "create"');
    expect(problems({ reservedConcurrency: 0 })[0]).toContain(
      "reservedConcurrency: must be at least 1; leave it out to reserve none",
    );
  });

  it("takes reporters as { name, domains } with A-label signing domains", () => {
    const r = parseStackConfig({
      domains,
      receiver: { reporters: [{ name: "Example Mail", domains: ["Mail.Example"] }] },
    }).receiver;
    expect(r.reporters).toEqual([{ name: "Example Mail", domains: ["mail.example"] }]);
    expect(problems({ reporters: [{ name: "X", domains: [] }] })[0]).toContain(
      "must list at least one DKIM signing domain",
    );
  });
});
