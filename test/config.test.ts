import { describe, expect, it } from "vitest";
import {
  CONFIG_KEYS,
  ConfigError,
  editDistance,
  nearestKey,
  parseStackConfig,
  parseStackConfigMap,
} from "../config";

const ok = {
  domain: "example.com",
  dns: { provider: "route53", zoneId: "Z0123456789ABC" },
  mx: ["mx.example.com"],
  rua: ["mailto:t@example.com"],
};

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
    const cfg = parseStackConfig({
      domains: [ok, { ...ok, domain: "example.org", mode: "enforce" }],
    });
    expect(cfg.domains[0]).toMatchObject({ mode: "testing", maxAge: 86400, ttl: 300 });
    expect(cfg.domains[1]).toMatchObject({ mode: "enforce", maxAge: 604800 });
    expect(cfg.hosting).toEqual({
      mode: "grouped",
      domainsPerDistribution: 10,
      priceClass: "PriceClass_100",
    });
  });

  it("converts IDNs to A-labels instead of rejecting them", () => {
    const cfg = parseStackConfig({
      domains: [{ ...ok, domain: "Bücher.example", mx: ["mx.bücher.example"] }],
    });
    expect(cfg.domains[0].domain).toBe("xn--bcher-kva.example");
    expect(cfg.domains[0].mx).toEqual(["mx.xn--bcher-kva.example"]);
  });

  it.each([
    [
      "unknown provider",
      [{ ...ok, dns: { provider: "route55" } }],
      'mta-sts:domains[0] (example.com).dns.provider: "route55" is not a known DNS provider; use route53, cloudflare or manual',
    ],
    [
      "missing zoneId (route53)",
      [{ ...ok, dns: { provider: "route53" } }],
      "mta-sts:domains[0] (example.com).dns.zoneId: is required for provider route53",
    ],
    [
      "missing zoneId (cloudflare)",
      [{ ...ok, dns: { provider: "cloudflare" } }],
      "mta-sts:domains[0] (example.com).dns.zoneId: is required for provider cloudflare",
    ],
    [
      "empty mx in testing",
      [{ ...ok, mx: [] }],
      "mta-sts:domains[0] (example.com).mx: is empty but mode is testing",
    ],
    [
      "missing mx in enforce",
      [{ ...ok, mx: undefined, mode: "enforce" }],
      "mta-sts:domains[0] (example.com).mx: is empty but mode is enforce",
    ],
    [
      "wildcard not leftmost",
      [{ ...ok, mx: ["mx.*.example.com"] }],
      'mta-sts:domains[0] (example.com).mx[0]: "mx.*.example.com" has a wildcard that is not the whole leftmost label',
    ],
    [
      "two wildcards",
      [{ ...ok, mx: ["ok.example.com", "*.*.example.com"] }],
      'mta-sts:domains[0] (example.com).mx[1]: "*.*.example.com" has 2 wildcards; RFC 8461 allows one',
    ],
    [
      "maxAge 0",
      [{ ...ok, maxAge: 0 }],
      "mta-sts:domains[0] (example.com).maxAge: must be within 1..31557600 seconds",
    ],
    [
      "maxAge over a year",
      [{ ...ok, maxAge: 31557601 }],
      "mta-sts:domains[0] (example.com).maxAge: must be within 1..31557600 seconds",
    ],
    [
      "rua not mailto/https",
      [{ ...ok, rua: ["http://r.example.com"] }],
      'mta-sts:domains[0] (example.com).rua[0]: "http://r.example.com" must start with mailto: or https:',
    ],
    [
      "duplicate domain",
      [ok, { ...ok, domain: "EXAMPLE.COM." }],
      'mta-sts:domains[1] (EXAMPLE.COM.).domain: "EXAMPLE.COM." is already listed at mta-sts:domains[0]; list each domain once',
    ],
    [
      "invalid domain",
      [{ ...ok, domain: "exa mple.com" }],
      'mta-sts:domains[0].domain: "exa mple.com" is not a host name',
    ],
    [
      "single-label domain",
      [{ ...ok, domain: "localhost" }],
      'mta-sts:domains[0] (localhost).domain: "localhost" has a single label',
    ],
    [
      "unknown key",
      [{ ...ok, mxs: ["a.example.com"] }],
      "mta-sts:domains[0] (example.com).mxs: unknown key; did you mean mx?",
    ],
    [
      "unknown mode",
      [{ ...ok, mode: "strict" }],
      "mta-sts:domains[0] (example.com).mode: must be none, testing or enforce",
    ],
    [
      "domainsPerDistribution 0",
      [ok],
      "mta-sts:hosting.domainsPerDistribution: must be a whole number of domains, 1..100",
      { domainsPerDistribution: 0 },
    ],
    [
      "adopt not a boolean",
      [{ ...ok, adopt: "yes" }],
      "mta-sts:domains[0] (example.com).adopt: must be true or false; true lets the stack take over records that already exist at its names",
    ],
  ])("%s: names the key and the fix", (_, domains, message, hosting?) => {
    const found = problems(domains, hosting);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("reports every problem at once, one line each, ordered by key", () => {
    const found = problems([
      {
        domain: "bad_domain",
        dns: { provider: "route55" },
        mx: ["*.*.example.com"],
        maxAge: 0,
        rua: ["ftp://x"],
      },
      { ...ok, mode: "enforce", mx: [] },
      { ...ok, domain: "Example.com" },
    ]);
    expect(found).toEqual([
      expect.stringMatching(/^mta-sts:domains\[0\] \(bad_domain\)\.dns\.provider: /),
      expect.stringMatching(/^mta-sts:domains\[0\] \(bad_domain\)\.domain: /),
      expect.stringMatching(/^mta-sts:domains\[0\] \(bad_domain\)\.maxAge: /),
      expect.stringMatching(/^mta-sts:domains\[0\] \(bad_domain\)\.mx\[0\]: /),
      expect.stringMatching(/^mta-sts:domains\[0\] \(bad_domain\)\.rua\[0\]: /),
      expect.stringMatching(
        /^mta-sts:domains\[1\] \(example\.com\)\.mx: is empty but mode is enforce/,
      ),
      expect.stringMatching(
        /^mta-sts:domains\[2\] \(Example\.com\)\.domain: "Example.com" is already listed/,
      ),
    ]);
  });

  it("mode none may omit mx", () => {
    expect(parseStackConfig({ domains: [{ ...ok, mode: "none", mx: [] }] }).domains[0].mode).toBe(
      "none",
    );
  });
});

describe("adopt", () => {
  const domains = [
    ok,
    { ...ok, domain: "example.org", adopt: false },
    { ...ok, domain: "example.net", adopt: true },
  ];
  const adopt = (stackWide?: unknown) =>
    parseStackConfig({ domains, adopt: stackWide }).domains.map((d) => d.adopt);

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
        'mta-sts:adopt: must be true or false; true lets the stack take over records that already exist at its names (see the README, Migrating); "true" is quoted text: write true without quotes',
      ]);
    }
  });
});

/** What the Pulumi CLI passes the program for a stack file's value: strings as they are, the rest as JSON. */
const asPulumi = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
const stackMap = (keys: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(keys).map(([k, v]) => [`mta-sts:${k}`, asPulumi(v)]));

function mapProblems(map: Record<string, string>): string[] {
  try {
    parseStackConfigMap(map);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("the stack's mta-sts:* keys (parseStackConfigMap: pulumi up and every CLI command)", () => {
  const domains = [ok];

  it("reads every key the program knows, as the Pulumi CLI passes them (JSON text), and leaves other namespaces alone", () => {
    const read = parseStackConfigMap({
      ...stackMap({
        domains,
        hosting: { domainsPerDistribution: 3 },
        receiver: { enabled: false },
        adopt: true,
        mxResolver: "10.0.0.2:53",
      }),
      "aws:region": "eu-west-1",
      "cloudflare:apiToken": "secret",
    });
    expect(read.mxResolver).toBe("10.0.0.2:53");
    expect(read.config.domains.map((d) => [d.domain, d.adopt])).toEqual([["example.com", true]]);
    expect(read.config.hosting.domainsPerDistribution).toBe(3);
    expect(read.config.receiver.enabled).toBe(false);
    expect(Object.keys(CONFIG_KEYS)).toEqual([
      "domains",
      "hosting",
      "receiver",
      "watch",
      "adopt",
      "mxResolver",
    ]);
    expect(
      parseStackConfigMap(stackMap({ domains, mxResolver: "[2001:db8::53]:53" })).mxResolver,
    ).toBe("[2001:db8::53]:53");
    expect(parseStackConfigMap(stackMap({ domains })).mxResolver).toBeUndefined();
  });

  it("refuses unknown keys, suggesting the nearest known one", () => {
    expect(
      mapProblems(
        stackMap({
          domain: domains,
          hostng: {},
          reciever: {},
          mxresolver: "10.0.0.2:53",
          Adopt: true,
        }),
      ),
    ).toEqual([
      "mta-sts:Adopt: unknown key; did you mean mta-sts:adopt?",
      "mta-sts:domain: unknown key; did you mean mta-sts:domains?",
      "mta-sts:hostng: unknown key; did you mean mta-sts:hosting?",
      "mta-sts:mxresolver: unknown key; did you mean mta-sts:mxResolver?",
      "mta-sts:reciever: unknown key; did you mean mta-sts:receiver?",
    ]);
  });

  it("lists the known keys when nothing is near, and reports the rest of the config too", () => {
    expect(
      mapProblems(stackMap({ domains: [{ ...ok, mode: "strict" }], certificates: {} })),
    ).toEqual([
      "mta-sts:certificates: unknown key; the keys this program reads are mta-sts:domains, mta-sts:hosting, mta-sts:receiver, mta-sts:watch, mta-sts:adopt, mta-sts:mxResolver (see the README, Configuration reference)",
      "mta-sts:domains[0] (example.com).mode: must be none, testing or enforce",
    ]);
  });

  it("refuses a stack without domains and says how to add one", () => {
    const add =
      "add a domain under config: in Pulumi.<stack>.yaml, e.g. mta-sts:domains: [{ domain: example.com, dns: { provider: route53, zoneId: Z0123456789ABC }, mx: [mx1.example.com] }]";
    const [missing] = mapProblems({ "aws:region": "eu-west-1" });
    expect(missing).toMatch(/^mta-sts:domains: is not set, so the stack has nothing to publish; /);
    expect(missing).toContain(add);
    const [empty] = mapProblems(stackMap({ domains: [] }));
    expect(empty).toMatch(/^mta-sts:domains: is empty, so the stack has nothing to publish; /);
    expect(empty).toContain(add);
    // The library's parser agrees (MtaStsFleet from parseStackConfig)
    expect(() => parseStackConfig({ domains: undefined })).toThrow(/mta-sts:domains: is not set/);
  });

  it("a typo of domains says so once, without a second line about the missing list", () => {
    expect(mapProblems(stackMap({ domain: domains }))).toEqual([
      "mta-sts:domain: unknown key; did you mean mta-sts:domains?",
    ]);
  });

  it("checks mta-sts:mxResolver is HOST:PORT (or system)", () => {
    expect(mapProblems(stackMap({ domains, mxResolver: "10.0.0.2" }))).toEqual([
      'mta-sts:mxResolver: "10.0.0.2" is not HOST:PORT, e.g. 10.0.0.2:53; leave it out to use the system resolver',
    ]);
    expect(parseStackConfigMap(stackMap({ domains, mxResolver: "system" })).mxResolver).toBe(
      "system",
    );
  });

  it("suggests keys inside the lists and mappings too", () => {
    expect(
      mapProblems(
        stackMap({
          domains: [
            { ...ok, promotion: { minDay: 14 } },
            { ...ok, domain: "acme.com", rau: [] },
          ],
          receiver: {
            retentionDay: 30,
            email: {
              domain: "tlsrpt.example.net",
              dns: { provider: "manual" },
              identty: "existing",
            },
            limits: { maxBodyByte: 1 },
          },
        }),
      ),
    ).toEqual([
      "mta-sts:domains[0] (example.com).promotion.minDay: unknown key; did you mean minDays?",
      "mta-sts:domains[1] (acme.com).rau: unknown key; did you mean rua?",
      "mta-sts:receiver.email.identty: unknown key; did you mean identity?",
      "mta-sts:receiver.limits.maxBodyByte: unknown key; did you mean maxBodyBytes?",
      "mta-sts:receiver.retentionDay: unknown key; did you mean retentionDays?",
    ]);
  });

  it("names the domain beside its index in every path, also for rules across fields and the removal date", () => {
    const found = mapProblems(
      stackMap({
        domains: [
          ok,
          { ...ok, domain: "example.org" },
          { ...ok, domain: "acme.com", mode: "enforce", mx: [], retireAfter: "2026-01-01" },
        ],
      }),
    );
    expect(found).toEqual([
      'mta-sts:domains[2] (acme.com).mx: is empty but mode is enforce; list every MX host (or a "*." pattern covering it), or use mode: none',
      "mta-sts:domains[2] (acme.com).retireAfter: needs mode: none; run mtasts retire, which publishes mode none first (RFC 8461 8.3)",
    ]);
    expect(mapProblems(stackMap({ domains: ["acme.com"] }))).toEqual([
      "mta-sts:domains[0] (acme.com): must be a mapping with domain, dns and mx, e.g. { domain: example.com, dns: { provider: manual }, mx: [mx1.example.com] }",
    ]);
  });
});

describe("the suggestion's distance", () => {
  it("counts a transposition as one edit, ignores case, and keeps far keys unsuggested", () => {
    expect([
      editDistance("reciever", "receiver"),
      editDistance("domain", "domains"),
      editDistance("MXRESOLVER", "mxResolver"),
      editDistance("", "abc"),
    ]).toEqual([1, 1, 0, 3]);
    expect(nearestKey("dns", ["mx", "ttl"])).toBeUndefined(); // two edits from a three-letter key is another word
    expect(nearestKey("mxs", ["mx", "mode"])).toBe("mx");
    expect(nearestKey("hostnig", ["hosting", "receiver"])).toBe("hosting");
    expect(nearestKey("certificates", ["domains", "hosting"])).toBeUndefined();
  });
});

/**
 * Every key of the stack config, with a valid value; the completeness test below keeps it in step
 * with the schema, so the walk after it covers every key there is. Keys that cannot go together
 * (one setting per mode) go in another entry of VARIANTS.
 */
const FULL = {
  domains: [
    {
      domain: "example.com",
      dns: { provider: "route53", zoneId: "Z0123456789ABC" },
      mx: ["mx1.example.com"],
      mode: "none",
      maxAge: 86400,
      rua: ["mailto:tlsrpt@example.com"],
      ttl: 300,
      retireAfter: "2026-01-01",
      remove: false,
      adopt: false,
      promotion: {
        minDays: 14,
        minSessions: 1000,
        maxFailureRate: 0.001,
        minReporters: 2,
        apply: "propose",
        evidence: "known",
      },
    },
  ],
  hosting: { domainsPerDistribution: 10, priceClass: "PriceClass_100" },
  receiver: {
    enabled: true,
    email: {
      domain: "tlsrpt.example.net",
      dns: { provider: "cloudflare", zoneId: "023e105f4ecef8ad9ca31a8372d0c353" },
      ruleSetName: "main-rules",
      identity: "create",
    },
    https: true,
    alarmEmail: "ops@example.com",
    retentionDays: 400,
    reservedConcurrency: 5,
    onDestroy: "keep",
    failureRateThreshold: 0.05,
    limits: {
      maxBodyBytes: 1,
      maxDecompressedBytes: 1,
      maxMimeDepth: 1,
      maxReportsPerEmail: 1,
      maxPolicies: 1,
      maxFailureDetails: 1,
    },
    reporters: [{ name: "Example Mail", domains: ["mail.example"] }],
  },
  watch: { enabled: true, schedule: "rate(1 day)", smtp: true, certificateDays: 14 },
  adopt: false,
};
const VARIANTS: Json[] = [
  FULL,
  // Hosting mode tenants takes neither domainsPerDistribution nor priceClass, but migration (which takes both).
  {
    ...FULL,
    hosting: {
      mode: "tenants",
      migration: {
        domainsPerDistribution: 10,
        priceClass: "PriceClass_100",
        grouped: ["example.com"],
        releasing: [],
      },
    },
  },
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Every node of a value (objects by key, lists by their first item), with its path. */
function* nodes(
  value: Json,
  path: (string | number)[] = [],
): Generator<{ path: (string | number)[]; value: Json }> {
  if (path.length > 0) yield { path, value };
  if (Array.isArray(value)) {
    if (value.length > 0) yield* nodes(value[0], [...path, 0]);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* nodes(v, [...path, k]);
  }
}

function withValue(root: Json, path: (string | number)[], value: Json): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, Json>;
  at[path[path.length - 1]] = value;
  return copy;
}

/** The key path as the messages write it: mta-sts:domains[0] (name).mx[0], the name optional (it may be the value replaced). */
function pathPattern(path: (string | number)[]): RegExp {
  const escaped = path.map((p, i) => {
    if (typeof p === "string")
      return `${i === 0 ? "" : "\\."}${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    return `\\[${p}\\]${i === 1 && path[0] === "domains" ? "(?: \\([^)]*\\))?" : ""}`;
  });
  return new RegExp(`^mta-sts:${escaped.join("")}: `);
}

describe("every key, given a value of the wrong type, gets a message of its own", () => {
  it("VARIANTS are valid and together hold every key the schema knows (add a new key to FULL, or to a variant, with a valid value)", () => {
    const keysByPlace = new Map<string, { known: string[]; given: Set<string> }>();
    for (const variant of VARIANTS) {
      expect(() => parseStackConfigMap(stackMap(variant as Record<string, unknown>))).not.toThrow();
      // An unknown key at each place makes the message list the keys known there.
      for (const { path, value } of [{ path: [], value: variant }, ...nodes(variant)]) {
        if (kind(value) !== "object" || path[path.length - 1] === "dns") continue;
        const probe = stackMap(
          (path.length === 0
            ? { ...(variant as object), zzzz: 1 }
            : withValue(variant, [...path, "zzzz"], 1)) as Record<string, unknown>,
        );
        const line = mapProblems(probe).find((p) => p.includes("zzzz"))!;
        const at = path.filter((p) => typeof p === "string").join(".");
        const known =
          path.length === 0
            ? Object.keys(CONFIG_KEYS).filter((k) => k !== "mxResolver")
            : /the keys here are (.*) \(see/.exec(line)![1].split(", ");
        const place = keysByPlace.get(at) ?? { known, given: new Set<string>() };
        Object.keys(value as object).forEach((k) => place.given.add(k));
        keysByPlace.set(at, place);
      }
    }
    for (const [at, { known, given }] of keysByPlace)
      expect({ at, keys: [...given].sort() }).toEqual({ at, keys: [...known].sort() });
  });

  const cases: { variant: Json; path: (string | number)[]; value: Json }[] = [];
  for (const variant of VARIANTS) {
    for (const { path, value: original } of nodes(variant)) {
      const wrong: Json[] = ["forever", 7, true, null, [], {}].filter(
        (w) => kind(w) !== kind(original) && !(kind(original) === "array" && kind(w) === "array"),
      );
      // Quoted numbers and booleans (ttl: "300"); at the top level the Pulumi CLI passes both forms as the same text.
      if ((typeof original === "number" || typeof original === "boolean") && path.length > 1)
        wrong.push(String(original));
      for (const value of wrong) cases.push({ variant, path, value });
    }
  }

  it(`${cases.length} wrong values over every key: no zod wording, always the key path`, () => {
    expect(cases.length).toBeGreaterThan(200);
    const seen: string[] = [];
    for (const { variant, path, value } of cases) {
      const found = mapProblems(
        stackMap(withValue(variant, path, value) as Record<string, unknown>),
      );
      const at = `${path.join(".")} = ${JSON.stringify(value)}`;
      for (const line of found)
        expect(line, at).not.toMatch(
          /Invalid (input|option|email)|expected .* received|Unrecognized key|Too (small|big)/,
        );
      expect(
        found.some((line) => pathPattern(path).test(line)),
        `${at}: ${found.join(" | ")}`,
      ).toBe(true);
      seen.push(...found);
    }
    // a number or boolean in quotes says how to write it
    expect(seen).toContain(
      'mta-sts:domains[0] (example.com).ttl: must be a whole number of seconds, 60..86400; "300" is quoted text: write 300 without quotes',
    );
    expect(seen).toContain(
      'mta-sts:domains[0] (example.com).promotion.minDays: must be a whole number of days, 1..365; "14" is quoted text: write 14 without quotes',
    );
    expect(seen).toContain(
      "mta-sts:receiver.retentionDays: must be a whole number of days, 1..3650 (3650 is ten years)",
    );
    expect(seen).toContain(
      'mta-sts:receiver.https: must be true or false; "true" is quoted text: write true without quotes',
    );
  });

  it("mta-sts:mxResolver and mta-sts:adopt as plain text", () => {
    expect(mapProblems({ ...stackMap({ domains: [ok] }), "mta-sts:mxResolver": "7" })).toEqual([
      'mta-sts:mxResolver: "7" is not HOST:PORT, e.g. 10.0.0.2:53; leave it out to use the system resolver',
    ]);
    expect(mapProblems({ ...stackMap({ domains: [ok] }), "mta-sts:adopt": "forever" })[0]).toMatch(
      /^mta-sts:adopt: must be true or false; /,
    );
  });
});
