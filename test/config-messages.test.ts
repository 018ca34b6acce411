// The stack config's messages a user reads (config.ts), rule by rule: the error's own text,
// quoted numbers and booleans, zone ids, schedules, retiring and removing a domain, the
// receiver's mail domain, the domain named in each path, and the order of the lines.
import { describe, expect, it } from "vitest";
import { ConfigError, domainsToDeclare, parseStackConfig, parseStackConfigMap } from "../config";

const ok = { domain: "example.com", dns: { provider: "manual" }, mx: ["mx.example.com"] };
const at = (i: number) => ({ ...ok, domain: `d${i}.example.com` });

function problems(raw: Parameters<typeof parseStackConfig>[0]): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}
const domainProblems = (over: Record<string, unknown>) =>
  problems({ domains: [{ ...ok, ...over }] });
function mapProblems(all: Record<string, string>): string[] {
  try {
    parseStackConfigMap(all);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("ConfigError", () => {
  it("counts its problems in words and lists them one per indented line", () => {
    const one = new ConfigError(["a: wrong"]);
    expect(one.message).toBe("invalid stack config (1 problem):\n  a: wrong");
    expect(one.name).toBe("ConfigError");
    expect(new ConfigError(["a: wrong", "b: also"]).message).toBe(
      "invalid stack config (2 problems):\n  a: wrong\n  b: also",
    );
  });
});

describe("a number or boolean written in quotes", () => {
  const TTL = "mta-sts:domains[0] (example.com).ttl: must be a whole number of seconds, 60..86400";
  const REMOVE = "mta-sts:domains[0] (example.com).remove: must be true or false";

  it("says to drop the quotes, with the value trimmed", () => {
    expect(domainProblems({ ttl: " 300 " })).toEqual([
      `${TTL}; " 300 " is quoted text: write 300 without quotes`,
    ]);
    expect(domainProblems({ ttl: "-5" })).toEqual([
      `${TTL}; "-5" is quoted text: write -5 without quotes`,
    ]);
    expect(domainProblems({ remove: "False" })).toEqual([
      `${REMOVE}; "False" is quoted text: write false without quotes`,
    ]);
    expect(problems({ domains: [{ ...ok, promotion: { maxFailureRate: "0.25" } }] })).toEqual([
      'mta-sts:domains[0] (example.com).promotion.maxFailureRate: must be a fraction within 0..1, e.g. 0.001 for 0.1%; "0.25" is quoted text: write 0.25 without quotes',
    ]);
  });

  it("only for text that is the number or boolean the key wants, whole", () => {
    for (const ttl of ["x300", "300x", "3 00", "true"])
      expect(domainProblems({ ttl })).toEqual([TTL]);
    for (const remove of ["300", "xtrue", "truex", "yes"])
      expect(domainProblems({ remove })).toEqual([REMOVE]);
  });

  it("not for values of another type", () => {
    expect(domainProblems({ remove: 5 })).toEqual([REMOVE]);
    expect(domainProblems({ ttl: true })).toEqual([TTL]);
    expect(domainProblems({ mode: 5 })).toEqual([
      "mta-sts:domains[0] (example.com).mode: must be none, testing or enforce",
    ]);
  });
});

describe("zone ids", () => {
  const route53 = (zoneId: string) =>
    parseStackConfig({ domains: [{ ...ok, dns: { provider: "route53", zoneId } }] }).domains[0].dns;
  const ROUTE53 =
    'mta-sts:domains[0] (example.com).dns.zoneId: is not a Route53 hosted zone id; it looks like "Z0123456789ABC"';
  const CLOUDFLARE =
    "mta-sts:domains[0] (example.com).dns.zoneId: is not a Cloudflare zone id; it is 32 hex digits";

  it("Route53: takes the id with or without the console's /hostedzone/ prefix", () => {
    expect(route53("/hostedzone/Z0123456789ABC")).toEqual({
      provider: "route53",
      zoneId: "Z0123456789ABC",
    });
    expect(route53("Z0123456789ABC")).toEqual({ provider: "route53", zoneId: "Z0123456789ABC" });
  });

  it("Route53: refuses anything around the id", () => {
    for (const zoneId of [
      "xZ0123456789ABC",
      "Z0123456789ABCx",
      "Z0/hostedzone/ABC",
      "Z0123456789ABC/hostedzone/",
    ]) {
      expect(domainProblems({ dns: { provider: "route53", zoneId } })).toEqual([ROUTE53]);
    }
  });

  it("Cloudflare: exactly 32 lower-case hex digits", () => {
    const id = "0123456789abcdef0123456789abcdef";
    expect(
      parseStackConfig({ domains: [{ ...ok, dns: { provider: "cloudflare", zoneId: id } }] })
        .domains[0].dns,
    ).toEqual({ provider: "cloudflare", zoneId: id });
    for (const zoneId of [`x${id}`, `${id}0`, id.toUpperCase()])
      expect(domainProblems({ dns: { provider: "cloudflare", zoneId } })).toEqual([CLOUDFLARE]);
  });

  it("dns: an unknown key is matched against provider and zoneId", () => {
    expect(
      domainProblems({ dns: { provider: "route53", zoneId: "Z0123456789ABC", zone: "Z1" } }),
    ).toEqual(["mta-sts:domains[0] (example.com).dns.zone: unknown key; did you mean zoneId?"]);
    expect(domainProblems({ dns: { provider: "manual", records: true } })).toEqual([
      "mta-sts:domains[0] (example.com).dns.records: unknown key; the keys here are provider, zoneId (see the README, Configuration reference)",
    ]);
  });
});

describe("maxAge", () => {
  it("says whether it was given, so a promotion keeps a chosen one", () => {
    expect(parseStackConfig({ domains: [ok] }).domains[0]).toMatchObject({
      maxAge: 86400,
      maxAgeSet: false,
    });
    expect(parseStackConfig({ domains: [{ ...ok, maxAge: 3600 }] }).domains[0]).toMatchObject({
      maxAge: 3600,
      maxAgeSet: true,
    });
  });
});

describe("hosting: tenants", () => {
  it("without a migration, serves every domain from its tenant (the group settings keep their defaults)", () => {
    expect(parseStackConfig({ domains: [ok], hosting: { mode: "tenants" } }).hosting).toStrictEqual(
      { mode: "tenants", domainsPerDistribution: 10, priceClass: "PriceClass_100" },
    );
  });
});

describe("watch.schedule", () => {
  const schedule = (s: string) => problems({ domains: [ok], watch: { schedule: s } });
  const accepted = (s: string) =>
    parseStackConfig({ domains: [ok], watch: { schedule: s } }).watch.schedule;
  const NOT_A_SCHEDULE = (s: string) =>
    `mta-sts:watch.schedule: "${s}" must be an EventBridge schedule at most hourly, e.g. "rate(1 day)", "rate(12 hours)" or "cron(0 6 * * ? *)" (06:00 UTC daily)`;

  it("takes an hourly rate in minutes, and cron fields of any length but the minutes (one minute: at most hourly)", () => {
    expect(accepted("rate(60 minutes)")).toBe("rate(60 minutes)");
    expect(accepted("cron(30 12 * * ? *)")).toBe("cron(30 12 * * ? *)");
    expect(accepted("cron(15 10-12 ? * MON-FRI *)")).toBe("cron(15 10-12 ? * MON-FRI *)");
    // Every 15 minutes from 10:00 to 12:45: more often than hourly.
    expect(schedule("cron(0/15 10-12 ? * MON-FRI *)")).toEqual([
      'mta-sts:watch.schedule: "cron(0/15 10-12 ? * MON-FRI *)": the minutes field must be one minute (0-59), so it runs at most hourly, e.g. cron(0 6 * * ? *)',
    ]);
  });

  it("refuses anything around a rate or cron expression, and cron with other than six fields", () => {
    for (const s of [
      "xrate(1 day)",
      "rate(1 day)x",
      "xcron(0 6 * * ? *)",
      "cron(0 6 * * ? *)x",
      "cron(0 6 * * ?)",
      "cron(0 6 * * ? * *)",
    ])
      expect(schedule(s)).toEqual([NOT_A_SCHEDULE(s)]);
  });
});

describe("retiring and removing a domain", () => {
  const retiring = {
    ...ok,
    domain: "old.example",
    mode: "none",
    mx: [],
    retireAfter: "2026-11-20",
  };

  it("remove needs retireAfter", () => {
    expect(
      problems({ domains: [ok, { ...ok, domain: "old.example", mode: "none", remove: true }] }),
    ).toEqual([
      "mta-sts:domains[1] (old.example).remove: needs retireAfter; run mtasts retire first, wait until that date, then set remove: true",
    ]);
    expect(parseStackConfig({ domains: [{ ...retiring, remove: false }] }).domains[0].remove).toBe(
      false,
    );
  });

  it("domainsToDeclare refuses a removal before its day, naming each domain and the day", () => {
    const config = parseStackConfig({
      domains: [
        ok,
        { ...retiring, remove: true },
        { ...retiring, domain: "older.example", retireAfter: "2026-11-25", remove: true },
      ],
    });
    let error: unknown;
    try {
      domainsToDeclare(config, "2026-11-19");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "mta-sts:domains[1] (old.example).remove: refusing to remove old.example before 2026-11-20: senders may still hold its old policy until then (RFC 8461 8.3); keep remove: false until that day",
      "mta-sts:domains[2] (older.example).remove: refusing to remove older.example before 2026-11-25: senders may still hold its old policy until then (RFC 8461 8.3); keep remove: false until that day",
    ]);
  });

  it("domainsToDeclare leaves a removed domain out from its day on, and keeps the others", () => {
    const config = parseStackConfig({
      domains: [ok, { ...retiring, remove: true }, { ...retiring, domain: "kept.example" }],
    });
    expect(domainsToDeclare(config, "2026-11-20").map((d) => d.domain)).toEqual([
      "example.com",
      "kept.example",
    ]);
    expect(domainsToDeclare(config, "2026-11-21").map((d) => d.domain)).toEqual([
      "example.com",
      "kept.example",
    ]);
    expect(
      domainsToDeclare(parseStackConfig({ domains: [ok, retiring] }), "2026-11-01").map(
        (d) => d.domain,
      ),
    ).toEqual(["example.com", "old.example"]);
  });
});

describe("domains listed twice", () => {
  it("are told apart from names that are not valid at all", () => {
    expect(
      problems({
        domains: [
          { ...ok, domain: "bad domain" },
          { ...ok, domain: "worse domain" },
        ],
      }),
    ).toEqual([
      'mta-sts:domains[0].domain: "bad domain" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)',
      'mta-sts:domains[1].domain: "worse domain" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)',
    ]);
  });
});

describe("the receiver's mail domain", () => {
  const email = (domain: string) => ({ email: { domain, dns: { provider: "manual" } } });

  it("must not be one of the stack's mail domains, found past entries that are not valid", () => {
    expect(
      problems({
        domains: [
          { ...ok, domain: "bad domain" },
          { ...ok, domain: "Tlsrpt.Example.com" },
        ],
        receiver: email("tlsrpt.example.com"),
      }),
    ).toEqual([
      'mta-sts:domains[0].domain: "bad domain" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)',
      'mta-sts:receiver.email.domain: "tlsrpt.example.com" is a mail domain of this stack (mta-sts:domains[1]); an SES MX there would take a share of its mail. Use a dedicated subdomain, e.g. tlsrpt.tlsrpt.example.com',
    ]);
  });

  it("that is not valid is reported once, by the schema", () => {
    expect(problems({ domains: [ok], receiver: email("bad domain") })).toEqual([
      'mta-sts:receiver.email.domain: "bad domain" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)',
    ]);
  });

  it("is checked only against a list of domains", () => {
    expect(problems({ domains: "example.com", receiver: email("example.com") })).toEqual([
      "mta-sts:domains: must be a list of domains (see Pulumi.example.yaml)",
    ]);
  });
});

describe("the domain named beside its index", () => {
  it("only when it is a name that can be shown: not empty, not missing, at most 253 characters", () => {
    expect(domainProblems({ domain: "" })[0]).toMatch(/^mta-sts:domains\[0\]\.domain: /);
    expect(domainProblems({ domain: undefined })).toEqual([
      "mta-sts:domains[0].domain: is required: the mail domain, e.g. example.com",
    ]);
    const name253 = [63, 63, 63, 61].map((n) => "a".repeat(n)).join(".");
    const name254 = [63, 63, 63, 62].map((n) => "a".repeat(n)).join(".");
    expect(domainProblems({ domain: name253, mode: "bad" })).toEqual([
      `mta-sts:domains[0] (${name253}).mode: must be none, testing or enforce`,
    ]);
    expect(domainProblems({ domain: name254, mode: "bad" })).toContain(
      "mta-sts:domains[0].mode: must be none, testing or enforce",
    );
  });
});

describe("the order of the lines", () => {
  it("follows the index as a number: domains[2] before domains[10]", () => {
    const domains: Record<string, unknown>[] = Array.from({ length: 11 }, (_, i) => at(i));
    domains[2] = { ...domains[2], mode: "bad" };
    domains[10] = { ...domains[10], mode: "bad" };
    const expected = [
      "mta-sts:domains[2] (d2.example.com).mode: must be none, testing or enforce",
      "mta-sts:domains[10] (d10.example.com).mode: must be none, testing or enforce",
    ];
    expect(problems({ domains })).toEqual(expected);
    expect(mapProblems({ "mta-sts:domains": JSON.stringify(domains) })).toEqual(expected);
  });
});

describe("parseStackConfigMap", () => {
  const domains = JSON.stringify([ok]);

  it("gives mxResolver only when it is set", () => {
    expect(Object.keys(parseStackConfigMap({ "mta-sts:domains": domains }))).toEqual(["config"]);
    expect(
      parseStackConfigMap({ "mta-sts:domains": domains, "mta-sts:mxResolver": "system" })
        .mxResolver,
    ).toBe("system");
    expect(
      parseStackConfigMap({ "mta-sts:domains": domains, "mta-sts:mxResolver": "[::1]:5353" })
        .mxResolver,
    ).toBe("[::1]:5353");
  });

  it("refuses an mxResolver with anything around HOST:PORT", () => {
    for (const r of [" 10.0.0.2:53", "10.0.0.2:53x", "10.0.0.2:530000"]) {
      expect(mapProblems({ "mta-sts:domains": domains, "mta-sts:mxResolver": r })).toEqual([
        `mta-sts:mxResolver: "${r}" is not HOST:PORT, e.g. 10.0.0.2:53; leave it out to use the system resolver`,
      ]);
    }
  });

  it("after a typo of domains, still reports the other keys' problems", () => {
    expect(
      mapProblems({
        "mta-sts:domain": domains,
        "mta-sts:hosting": JSON.stringify({ mode: "bad" }),
      }),
    ).toEqual([
      "mta-sts:domain: unknown key; did you mean mta-sts:domains?",
      'mta-sts:hosting.mode: must be "grouped" (distributions shared by groups of domains; the default) or "tenants" (one multi-tenant distribution, a tenant per domain)',
    ]);
  });
});
