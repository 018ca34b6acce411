// The stack configuration (`mta-sts:domains`, `mta-sts:hosting`, ...), parsed once with zod.
// Every mistake becomes one line naming the key path and the fix; nothing is declared until all pass.
// The program (index.ts) and every CLI command read the stack through parseStackConfigMap.
import { z } from "zod";
import { DEFAULT_MAX_AGE, MAX_AGE_LIMIT, MODES, type Mode } from "./protocol/mta-sts";
import { toALabels } from "./protocol/dns-name";
import { normaliseMxPattern } from "./protocol/mx";
import { validateRuaUri } from "./protocol/records";

export type DnsConfig =
  | { readonly provider: "route53"; readonly zoneId: string }
  | { readonly provider: "cloudflare"; readonly zoneId: string }
  | { readonly provider: "manual" };

export interface DomainConfig {
  /** A-label form, lower case. */
  readonly domain: string;
  readonly dns: DnsConfig;
  /** Normalised patterns, in the order given. */
  readonly mx: readonly string[];
  readonly mode: Mode;
  /** Seconds; the mode's default when not set. */
  readonly maxAge: number;
  /** True when maxAge was given (a promotion then keeps it instead of the enforce default). */
  readonly maxAgeSet: boolean;
  readonly rua: readonly string[];
  /** TTL of the records this domain publishes, seconds. */
  readonly ttl: number;
  /** Evidence needed to move from testing to enforce (mtasts promote). */
  readonly promotion?: PromotionConfig;
  /** RFC 8461 8.3: the first day the domain may be removed (set by mtasts retire, with mode none). */
  readonly retireAfter?: string;
  /** Remove the domain's records, policy and host (allowed from retireAfter on). */
  readonly remove: boolean;
  /**
   * Take over records that already exist at this domain's names (Route53: overwrite; Cloudflare:
   * import), instead of failing or adding a second record. The domain's own `adopt`, else `mta-sts:adopt`.
   */
  readonly adopt: boolean;
}

export interface PromotionConfig {
  readonly minDays: number;
  readonly minSessions: number;
  readonly maxFailureRate: number;
  readonly minReporters: number;
  /** propose: `mtasts promote` rewrites the stack file for a pull request; auto: `pulumi up` promotes. */
  readonly apply: "propose" | "auto";
  /**
   * The least trust a report needs to count (protocol/trust.ts): known (default: DKIM-signed
   * email from a known reporter), signed (any aligned DKIM signer), any (HTTPS too: anyone can POST).
   */
  readonly evidence: "known" | "signed" | "any";
}

export interface HostingConfig {
  /**
   * grouped (the default, and the layout of every stack from before modes): CloudFront distributions
   * shared by groups of domains, one ACM certificate each. tenants: one multi-tenant distribution and
   * a distribution tenant per domain, each with a CloudFront-managed certificate of its own.
   */
  readonly mode: "grouped" | "tenants";
  /** Hosts per group distribution: grouped, or the groups still being left (tenants with migration). */
  readonly domainsPerDistribution: number;
  /** Price class of the group distributions; tenants have none (CloudFront serves them from every edge location). */
  readonly priceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
  /**
   * tenants, while a grouped stack moves (see the README, Moving to tenants): the domains still on
   * their group distribution, and those leaving it in this pulumi up (their tenant comes in the next).
   */
  readonly migration?: {
    readonly grouped: readonly string[];
    readonly releasing: readonly string[];
  };
}

export interface ReceiverConfig {
  readonly enabled: boolean;
  /** rua=mailto:tlsrpt@<domain> through SES inbound. */
  readonly email?: {
    readonly domain: string;
    readonly dns: DnsConfig;
    /** Add the rule to this receipt rule set (the region's active one) instead of creating one. */
    readonly ruleSetName?: string;
    /** "create": the stack verifies and owns the SES identity; "existing": it is there already and is left alone. */
    readonly identity: "create" | "existing";
  };
  /** rua=https://mta-sts.<domain>/tlsrpt through the Function URL. */
  readonly https: boolean;
  readonly alarmEmail?: string;
  readonly retentionDays: number;
  /** Reserved concurrency per function; none by default (new accounts cannot reserve any). */
  readonly reservedConcurrency?: number;
  /** What pulumi destroy does with the reports bucket and table. */
  readonly onDestroy: "keep" | "delete";
  readonly failureRateThreshold: number;
  /** Overrides of the receiver's hard limits (see receiver/limits.ts for the defaults). */
  readonly limits: Readonly<Record<string, number>>;
  /** Reporters whose DKIM-signed reports count as known evidence, besides the built-in list. */
  readonly reporters: readonly { readonly name: string; readonly domains: readonly string[] }[];
}

/** The scheduled self-check (watch/): `mtasts check` on every domain, from a Lambda, with metrics and alarms. */
export interface WatchConfig {
  /** On by default; it runs only with the receiver on (its table keeps the findings, its topic carries the alarms). */
  readonly enabled: boolean;
  /** EventBridge schedule expression: `rate(1 day)` by default, or `cron(...)` (UTC). */
  readonly schedule: string;
  /** Probe each MX's STARTTLS from Lambda; an MX that cannot be reached from there is reported, never alarmed. */
  readonly smtp: boolean;
  /** The certificate alarm fires when the policy host's certificate has fewer days left than this. */
  readonly certificateDays: number;
}

export interface StackConfig {
  readonly domains: readonly DomainConfig[];
  readonly hosting: HostingConfig;
  readonly receiver: ReceiverConfig;
  readonly watch: WatchConfig;
}

/** All problems with a stack config, one line each: `<key path>: <problem>; <fix>`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
    );
    this.name = "ConfigError";
  }
}

/**
 * A zod error function: `message` for a value of the wrong type (never zod's "Invalid input:
 * expected number, received string"), `required` when the key is missing, and a hint when the
 * value is a number or boolean written in quotes (`ttl: "300"`).
 */
function mustBe(message: string, required = message) {
  return (iss: { code?: string; input?: unknown; expected?: string }): string => {
    if (iss.input === undefined) return required;
    if (iss.code === "invalid_type" && typeof iss.input === "string") {
      const t = iss.input.trim();
      if (iss.expected === "number" && /^-?\d+(\.\d+)?$/.test(t))
        return `${message}; "${iss.input}" is quoted text: write ${t} without quotes`;
      if (iss.expected === "boolean" && /^(true|false)$/i.test(t))
        return `${message}; "${iss.input}" is quoted text: write ${t.toLowerCase()} without quotes`;
    }
    return message;
  };
}

/** A whole number within min..max (max omitted: no upper bound), with the same message for every way of missing it. */
function wholeNumber(what: string, min: number, max?: number, why = "") {
  const range = max === undefined ? `${min} or more` : `${min}..${max}`;
  const message = `must be a whole number of ${what}, ${range}${why}`;
  const n = z
    .number({ error: mustBe(message) })
    .int({ error: message })
    .min(min, { error: message });
  return max === undefined ? n : n.max(max, { error: message });
}

/** A fraction within 0..1, e.g. 0.05 for 5%. */
const fraction = (example: string) => {
  const message = `must be a fraction within 0..1, e.g. ${example}`;
  return z
    .number({ error: mustBe(message) })
    .min(0, { error: message })
    .max(1, { error: message });
};

/** Wraps a protocol/ normaliser so its error becomes a zod issue at the right path. */
function normalised(fn: (value: string) => string, typeMessage: string, required = typeMessage) {
  return z.string({ error: mustBe(typeMessage, required) }).transform((value, ctx) => {
    try {
      return fn(value);
    } catch (err) {
      ctx.issues.push({ code: "custom", message: (err as Error).message, input: value });
      return z.NEVER;
    }
  });
}

const route53ZoneId = z
  .string({
    error: mustBe(
      'must be a Route53 hosted zone id in quotes, e.g. "Z0123456789ABC"',
      'is required for provider route53; give the hosted zone id, e.g. "Z0123456789ABC"',
    ),
  })
  .transform((v) => v.replace(/^\/hostedzone\//, ""))
  .refine((v) => /^Z[A-Z0-9]{1,32}$/.test(v), {
    error: 'is not a Route53 hosted zone id; it looks like "Z0123456789ABC"',
  });
const cloudflareZoneId = z
  .string({
    error: mustBe(
      "must be a Cloudflare zone id in quotes (32 hex digits)",
      "is required for provider cloudflare; copy the 32-hex-digit Zone ID from the dashboard",
    ),
  })
  .refine((v) => /^[0-9a-f]{32}$/.test(v), {
    error: "is not a Cloudflare zone id; it is 32 hex digits",
  });

const dnsSchema = z
  .object(
    {
      provider: z.string({
        error: mustBe(
          "must be route53, cloudflare or manual",
          "is required: route53, cloudflare or manual",
        ),
      }),
    },
    {
      error: mustBe(
        "must be a mapping, e.g. { provider: route53, zoneId: Z0123456789ABC }",
        "is required, e.g. { provider: route53, zoneId: Z0123456789ABC }",
      ),
    },
  )
  .passthrough()
  .transform((dns, ctx): DnsConfig => {
    const check = <T>(schema: z.ZodType<T>): T => {
      const r = schema.safeParse(dns);
      if (!r.success)
        for (const i of r.error.issues) ctx.issues.push({ ...i, input: dns } as never);
      return r.success ? r.data : (z.NEVER as T);
    };
    switch (dns.provider) {
      case "route53":
        return check(z.strictObject({ provider: z.literal("route53"), zoneId: route53ZoneId }));
      case "cloudflare":
        return check(
          z.strictObject({ provider: z.literal("cloudflare"), zoneId: cloudflareZoneId }),
        );
      case "manual":
        return check(z.strictObject({ provider: z.literal("manual") }));
      default:
        ctx.issues.push({
          code: "custom",
          path: ["provider"],
          message: `"${dns.provider}" is not a known DNS provider; use route53, cloudflare or manual`,
          input: dns,
        });
        return z.NEVER;
    }
  });

const ADOPT_ERROR =
  "must be true or false; true lets the stack take over records that already exist at its names (see the README, Migrating)";
const BOOLEAN = mustBe("must be true or false");
const DOMAIN_NAME = "must be a domain name, e.g. example.com";

const promotionObject = z.strictObject(
  {
    minDays: wholeNumber("days", 1, 365).default(14),
    minSessions: wholeNumber("sessions", 0).default(1000),
    maxFailureRate: fraction("0.001 for 0.1%").default(0.001),
    minReporters: wholeNumber("reporting organisations", 1).default(2),
    apply: z
      .enum(["propose", "auto"], {
        error: mustBe(
          'must be "propose" (mtasts promote rewrites the stack file) or "auto" (pulumi up promotes)',
        ),
      })
      .default("propose"),
    evidence: z
      .enum(["known", "signed", "any"], {
        error: mustBe(
          'must be "known" (email reports DKIM-signed by a known reporter), "signed" (any aligned DKIM signature) or "any" (unsigned HTTPS reports too, which anyone can forge)',
        ),
      })
      .default("known"),
  },
  {
    error: mustBe(
      "must be a mapping of minDays, minSessions, maxFailureRate, minReporters, apply and evidence (see the README, Rolling out)",
    ),
  },
);

const domainObject = z.strictObject(
  {
    domain: normalised(toALabels, DOMAIN_NAME, "is required: the mail domain, e.g. example.com"),
    dns: dnsSchema,
    mx: z
      .array(
        normalised(
          normaliseMxPattern,
          'must be a host name or pattern, e.g. mx1.example.com or "*.mail.example.net"',
        ),
        { error: mustBe("must be a list of host names or patterns") },
      )
      .default([]),
    mode: z.enum(MODES, { error: mustBe("must be none, testing or enforce") }).default("testing"),
    maxAge: z
      .number({ error: mustBe("must be a whole number of seconds") })
      .int({ error: "must be a whole number of seconds" })
      .min(1, { error: `must be within 1..${MAX_AGE_LIMIT} seconds (RFC 8461 3.2)` })
      .max(MAX_AGE_LIMIT, {
        error: `must be within 1..${MAX_AGE_LIMIT} seconds (RFC 8461 3.2); ${MAX_AGE_LIMIT} is a year`,
      })
      .optional(),
    rua: z
      .array(
        normalised(
          validateRuaUri,
          'must be a mailto: or https: URI, e.g. "mailto:tlsrpt@example.com"',
        ),
        { error: mustBe("must be a list of mailto: or https: URIs") },
      )
      .default([]),
    ttl: wholeNumber("seconds", 60, 86_400).default(300),
    retireAfter: z
      .string({ error: mustBe("must be a date, YYYY-MM-DD (mtasts retire sets it)") })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a date, YYYY-MM-DD (mtasts retire sets it)" })
      .optional(),
    remove: z.boolean({ error: BOOLEAN }).default(false),
    adopt: z.boolean({ error: mustBe(ADOPT_ERROR) }).optional(),
    promotion: promotionObject.optional(),
  },
  {
    error: mustBe(
      "must be a mapping with domain, dns and mx, e.g. { domain: example.com, dns: { provider: manual }, mx: [mx1.example.com] }",
    ),
  },
);

const domainSchema = domainObject
  // adopt stays undefined here: the stack-wide mta-sts:adopt fills it in (stackSchema).
  .transform((d): Omit<DomainConfig, "adopt"> & { adopt?: boolean } => ({
    ...d,
    maxAge: d.maxAge ?? DEFAULT_MAX_AGE[d.mode],
    maxAgeSet: d.maxAge !== undefined,
  }));

const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
const perDistribution = () =>
  wholeNumber("domains", 1, 100, " (100 is ACM's hard limit of names per certificate)");
const priceClass = () =>
  z.enum(PRICE_CLASSES, {
    error: mustBe("must be PriceClass_100, PriceClass_200 or PriceClass_All"),
  });
const migrationList = (what: string) =>
  z
    .array(normalised(toALabels, DOMAIN_NAME), {
      error: mustBe(`must be a list of the stack's domains ${what}`),
    })
    .default([]);

/** Moving a grouped stack to tenants, batch by batch (README, Moving to tenants). */
const migrationObject = z.strictObject(
  {
    domainsPerDistribution: perDistribution().default(10),
    priceClass: priceClass().default("PriceClass_100"),
    grouped: migrationList("still served by their group distribution"),
    releasing: migrationList("leaving their group distribution in this pulumi up"),
  },
  {
    error: mustBe(
      "must be a mapping: the grouped stack's domainsPerDistribution (and priceClass), and the domains still on their group (grouped) or leaving it (releasing), e.g. { domainsPerDistribution: 10, grouped: [example.com], releasing: [] }",
    ),
  },
);

const hostingObject = z.strictObject(
  {
    mode: z
      .enum(["grouped", "tenants"], {
        error: mustBe(
          'must be "grouped" (distributions shared by groups of domains; the default) or "tenants" (one multi-tenant distribution, a tenant per domain)',
        ),
      })
      .default("grouped"),
    domainsPerDistribution: perDistribution().optional(),
    priceClass: priceClass().optional(),
    migration: migrationObject.optional(),
  },
  {
    error: mustBe(
      "must be a mapping, e.g. { mode: tenants } or { domainsPerDistribution: 10 }; leave it out for the defaults",
    ),
  },
);

/** Settings that mean nothing in the chosen mode are refused with what to do instead. */
const hostingSchema = hostingObject.optional().transform((raw, ctx): HostingConfig => {
  const h = raw ?? { mode: "grouped" as const };
  const refuse = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  if (h.mode === "grouped") {
    if (h.migration)
      refuse(
        ["migration"],
        "only goes with mode: tenants (moving a grouped stack to tenants); set mode: tenants, or remove it",
      );
    return {
      mode: "grouped",
      domainsPerDistribution: h.domainsPerDistribution ?? 10,
      priceClass: h.priceClass ?? "PriceClass_100",
    };
  }
  if (h.domainsPerDistribution !== undefined) {
    refuse(
      ["domainsPerDistribution"],
      "means nothing with mode: tenants, where every domain has a distribution tenant of its own; remove it (while domains are still on their groups, it goes under migration.domainsPerDistribution)",
    );
  }
  if (h.priceClass !== undefined) {
    refuse(
      ["priceClass"],
      "means nothing with mode: tenants: a multi-tenant distribution and its connection group have no price class, and CloudFront serves tenants from every edge location; remove it, or keep mode: grouped to choose one",
    );
  }
  const m = h.migration;
  if (!m) return { mode: "tenants", domainsPerDistribution: 10, priceClass: "PriceClass_100" };
  m.releasing.forEach((d, i) => {
    if (m.grouped.includes(d))
      refuse(
        ["migration", "releasing", i],
        `${d} is also under migration.grouped; a domain is either still on its group or leaving it: keep it in one list`,
      );
  });
  for (const [key, list] of [
    ["grouped", m.grouped],
    ["releasing", m.releasing],
  ] as const) {
    list.forEach((d, i) => {
      if (list.indexOf(d) !== i)
        refuse(["migration", key, i], `${d} is listed twice; list it once`);
    });
  }
  return {
    mode: "tenants",
    domainsPerDistribution: m.domainsPerDistribution,
    priceClass: m.priceClass,
    migration: { grouped: m.grouped, releasing: m.releasing },
  };
});

const receiverDefaults = {
  enabled: true,
  https: true,
  retentionDays: 400,
  onDestroy: "keep" as const,
  failureRateThreshold: 0.05,
  limits: {},
  reporters: [],
};
const limit = z
  .number({ error: mustBe("must be a positive whole number") })
  .int({ error: "must be a positive whole number" })
  .min(1, { error: "must be a positive whole number" })
  .optional();
const RULE_SET_NAME =
  "must be the name of the region's active SES receipt rule set (letters, digits, _ and -; at most 64)";
const emailObject = z.strictObject(
  {
    domain: normalised(
      toALabels,
      DOMAIN_NAME,
      "is required: the domain that receives report mail, e.g. tlsrpt.example.com",
    ),
    dns: dnsSchema,
    ruleSetName: z
      .string({ error: mustBe(RULE_SET_NAME) })
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/, { error: RULE_SET_NAME })
      .optional(),
    identity: z
      .enum(["create", "existing"], {
        error: mustBe(
          'must be "create" (the stack verifies the domain in SES) or "existing" (it is an SES identity already; mtasts preflight tells)',
        ),
      })
      .default("create"),
  },
  {
    error: mustBe(
      "must be a mapping, e.g. { domain: tlsrpt.example.com, dns: { provider: route53, zoneId: Z0123456789ABC } }",
    ),
  },
);
const limitsObject = z.strictObject(
  {
    maxBodyBytes: limit,
    maxDecompressedBytes: limit,
    maxMimeDepth: limit,
    maxReportsPerEmail: limit,
    maxPolicies: limit,
    maxFailureDetails: limit,
  },
  {
    error: mustBe(
      "must be a mapping of limit names to whole numbers, e.g. { maxBodyBytes: 1048576 }",
    ),
  },
);
const reporterObject = z.strictObject(
  {
    name: z
      .string({
        error: mustBe(
          "must be text: how the reporter is counted, e.g. Example Mail",
          "is required: how the reporter is counted, e.g. Example Mail",
        ),
      })
      .min(1, { error: "must not be empty" })
      .max(64, { error: "must be at most 64 characters" }),
    domains: z
      .array(normalised(toALabels, DOMAIN_NAME), {
        error: mustBe("must be a list of DKIM signing domains, e.g. [mail.example]"),
      })
      .min(1, { error: "must list at least one DKIM signing domain" }),
  },
  {
    error: mustBe(
      "must be a mapping { name, domains }, e.g. { name: Example Mail, domains: [mail.example] }",
    ),
  },
);
const receiverObject = z.strictObject(
  {
    enabled: z.boolean({ error: BOOLEAN }).default(true),
    email: emailObject.optional(),
    https: z.boolean({ error: BOOLEAN }).default(true),
    alarmEmail: z.email({ error: mustBe("must be an email address") }).optional(),
    retentionDays: wholeNumber("days", 1, 3650, " (3650 is ten years)").default(400),
    reservedConcurrency: z
      .number({
        error: mustBe("must be a whole number of executions; leave it out to reserve none"),
      })
      .int({ error: "must be a whole number of executions; leave it out to reserve none" })
      .min(1, { error: "must be at least 1; leave it out to reserve none" })
      .max(1000, { error: "must be at most 1000" })
      .optional(),
    onDestroy: z
      .enum(["keep", "delete"], {
        error: mustBe(
          'must be "keep" (pulumi destroy leaves the reports bucket and table) or "delete" (destroys them with every report)',
        ),
      })
      .default("keep"),
    failureRateThreshold: fraction("0.05 for 5%").default(0.05),
    limits: limitsObject
      .default({})
      .transform(
        (l) =>
          Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as Record<
            string,
            number
          >,
      ),
    reporters: z
      .array(reporterObject, {
        error: mustBe(
          "must be a list of { name, domains } (reporters whose DKIM-signed reports count as evidence)",
        ),
      })
      .default([]),
  },
  {
    error: mustBe(
      "must be a mapping, e.g. { enabled: true, https: true }; leave it out for the defaults",
    ),
  },
);
const receiverSchema = receiverObject.default(receiverDefaults);

/**
 * EventBridge schedule expressions: rate(value unit), the unit singular for 1 and plural above
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html), or
 * cron with six fields. Runs at most hourly: a run over thousands of domains takes minutes.
 */
const SCHEDULE =
  'must be an EventBridge schedule at most hourly, e.g. "rate(1 day)", "rate(12 hours)" or "cron(0 6 * * ? *)" (06:00 UTC daily)';
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    if (n < 1) return `"${expression}": the rate must be 1 or more`;
    if (n === 1 && unit.endsWith("s"))
      return `"${expression}": EventBridge wants the singular for 1; write rate(1 ${unit.slice(0, -1)})`;
    if (n > 1 && !unit.endsWith("s"))
      return `"${expression}": EventBridge wants the plural above 1; write rate(${n} ${unit}s)`;
    if (unit.startsWith("minute") && n < 60)
      return `"${expression}" is more often than hourly; a run over every domain takes minutes, so use rate(1 hour) or longer`;
    return undefined;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (cron) {
    const [, minutes, , dayOfMonth, , dayOfWeek] = cron;
    // One minute of the hour at most: a list, range, step or * there runs more often than hourly.
    if (!/^\d{1,2}$/.test(minutes) || Number(minutes) > 59) {
      return `"${expression}": the minutes field must be one minute (0-59), so it runs at most hourly, e.g. cron(0 6 * * ? *)`;
    }
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
      return `"${expression}": EventBridge wants ? in exactly one of day-of-month and day-of-week (the third and fifth fields), e.g. cron(0 6 * * ? *)`;
    }
    return undefined;
  }
  return `"${expression}" ${SCHEDULE}`;
}
const watchObject = z.strictObject(
  {
    enabled: z
      .boolean({ error: mustBe("must be true or false; false turns the scheduled self-check off") })
      .default(true),
    schedule: z
      .string({ error: mustBe(SCHEDULE) })
      .superRefine((v, ctx) => {
        const problem = scheduleProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("rate(1 day)"),
    smtp: z
      .boolean({
        error: mustBe("must be true or false; false skips the STARTTLS probes of the MX hosts"),
      })
      .default(true),
    certificateDays: wholeNumber("days", 1, 60, " (ACM renews 60 days before expiry)").default(14),
  },
  {
    error: mustBe(
      'must be a mapping, e.g. { enabled: true, schedule: "rate(1 day)" }; leave it out for the defaults',
    ),
  },
);
const watchDefaults = { enabled: true, schedule: "rate(1 day)", smtp: true, certificateDays: 14 };
const watchSchema = watchObject.default(watchDefaults);

/** A stack without domains: the list is missing (e.g. a typo in the key) or empty. */
const noDomains = (what: string) =>
  `${what}, so the stack has nothing to publish; add a domain under config: in Pulumi.<stack>.yaml, e.g. ` +
  "mta-sts:domains: [{ domain: example.com, dns: { provider: route53, zoneId: Z0123456789ABC }, mx: [mx1.example.com] }] (see Pulumi.example.yaml)";

const stackSchema = z
  .object({
    domains: z
      .array(domainSchema, {
        error: mustBe(
          "must be a list of domains (see Pulumi.example.yaml)",
          noDomains("is not set"),
        ),
      })
      .min(1, { error: noDomains("is empty") }),
    hosting: hostingSchema,
    receiver: receiverSchema,
    watch: watchSchema,
    adopt: z.boolean({ error: mustBe(ADOPT_ERROR) }).default(false),
  })
  // A domain's own adopt wins over the stack-wide one.
  .transform(({ adopt, ...s }) => ({
    ...s,
    domains: s.domains.map((d): DomainConfig => ({ ...d, adopt: d.adopt ?? adopt })),
  }));

/**
 * Rules across fields or list items, run on the raw input so they are reported even when
 * another field of the same entry is wrong (zod skips refinements of invalid objects).
 */
function crossChecks(domains: unknown): { path: PropertyKey[]; message: string }[] {
  if (!Array.isArray(domains)) return [];
  const out: { path: PropertyKey[]; message: string }[] = [];
  const first = new Map<string, number>();
  domains.forEach((d: Record<string, unknown> | null, i) => {
    if (typeof d !== "object" || d === null) return;
    const mode = typeof d.mode === "string" ? d.mode : "testing";
    if (mode !== "none" && (!Array.isArray(d.mx) || d.mx.length === 0)) {
      out.push({
        path: ["domains", i, "mx"],
        message: `is empty but mode is ${mode}; list every MX host (or a "*." pattern covering it), or use mode: none`,
      });
    }
    if (d.retireAfter !== undefined && mode !== "none") {
      out.push({
        path: ["domains", i, "retireAfter"],
        message:
          "needs mode: none; run mtasts retire, which publishes mode none first (RFC 8461 8.3)",
      });
    }
    if (d.remove === true && d.retireAfter === undefined) {
      out.push({
        path: ["domains", i, "remove"],
        message:
          "needs retireAfter; run mtasts retire first, wait until that date, then set remove: true",
      });
    }
    if (typeof d.domain !== "string") return;
    let name: string;
    try {
      name = toALabels(d.domain);
    } catch {
      return; // reported by the schema
    }
    const j = first.get(name);
    if (j === undefined) first.set(name, i);
    else
      out.push({
        path: ["domains", i, "domain"],
        message: `"${d.domain}" is already listed at mta-sts:domains[${j}]; list each domain once`,
      });
  });
  return out;
}

/** The receiver's mail domain gets an SES MX: it must not be a domain that receives other mail. */
function receiverChecks(
  receiver: unknown,
  domains: unknown,
): { path: PropertyKey[]; message: string }[] {
  const email = (receiver as { email?: { domain?: unknown } } | null | undefined)?.email;
  if (typeof email?.domain !== "string" || !Array.isArray(domains)) return [];
  let name: string;
  try {
    name = toALabels(email.domain);
  } catch {
    return []; // reported by the schema
  }
  const i = domains.findIndex((d: { domain?: unknown } | null) => {
    try {
      return typeof d?.domain === "string" && toALabels(d.domain) === name;
    } catch {
      return false;
    }
  });
  if (i < 0) return [];
  return [
    {
      path: ["receiver", "email", "domain"],
      message: `"${email.domain}" is a mail domain of this stack (mta-sts:domains[${i}]); an SES MX there would take a share of its mail. Use a dedicated subdomain, e.g. tlsrpt.${name}`,
    },
  ];
}

/** The self-check keeps its findings in the receiver's table and alarms on its topic: asking for it without the receiver is a mistake. */
function watchChecks(
  watch: unknown,
  receiver: unknown,
): { path: PropertyKey[]; message: string }[] {
  const asked = (watch as { enabled?: unknown } | null | undefined)?.enabled === true;
  const receiverOff = (receiver as { enabled?: unknown } | null | undefined)?.enabled === false;
  if (!asked || !receiverOff) return [];
  return [
    {
      path: ["watch", "enabled"],
      message:
        "needs the receiver (its table keeps the findings, its topic carries the alarms), which mta-sts:receiver.enabled turns off; turn the receiver on, or set watch.enabled: false",
    },
  ];
}

/**
 * `mta-sts:domains[2] (acme.com).mode`: the domain is named beside its index, so a person finds
 * the entry in a long list without counting.
 */
function keyPath(path: readonly PropertyKey[], domains: unknown): string {
  let out = `mta-sts:${String(path[0])}`;
  path.slice(1).forEach((p, i) => {
    out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    if (i === 0 && path[0] === "domains" && typeof p === "number") {
      const entry: unknown = Array.isArray(domains) ? domains[p] : undefined;
      const name =
        typeof entry === "string"
          ? entry
          : (entry as { domain?: unknown } | null | undefined)?.domain;
      if (typeof name === "string" && name.length > 0 && name.length <= 253 && !/[\s()]/.test(name))
        out += ` (${name})`;
    }
  });
  return out;
}

/** The object shape under optional, default, transform and list wrappers, read from the schema's definition. */
function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as
    | {
        def?: {
          type: string;
          shape?: Record<string, unknown>;
          innerType?: unknown;
          in?: unknown;
          element?: unknown;
        };
      }
    | undefined;
  for (let depth = 0; s?.def && depth < 10; depth++) {
    if (s.def.type === "object") return s.def.shape;
    s = (s.def.innerType ?? s.def.in ?? s.def.element) as typeof s;
  }
  return undefined;
}

/** The keys allowed at `path` (list indexes left out), for "did you mean" on unknown keys; a new key is known here by itself. */
function keysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  const names = path.filter((p) => typeof p !== "number").map(String);
  if (names[names.length - 1] === "dns") return ["provider", "zoneId"]; // checked per provider, inside a transform
  let schema: unknown = stackSchema;
  for (const name of names) {
    schema = shapeOf(schema)?.[name];
    if (schema === undefined) return undefined;
  }
  const shape = shapeOf(schema);
  return shape && Object.keys(shape);
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/** The known key nearest to `key`, when it is near enough to be a typo (one edit for keys of up to 3 letters, else two). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(key, k);
    if (distance <= (k.length <= 3 ? 1 : 2) && (!best || distance < best.distance))
      best = { key: k, distance };
  }
  return best?.key;
}

function unknownKey(key: string, known: readonly string[] | undefined): string {
  const near = known && nearestKey(key, known);
  if (near) return `unknown key; did you mean ${near}?`;
  return known
    ? `unknown key; the keys here are ${known.join(", ")} (see the README, Configuration reference)`
    : "unknown key; check the spelling against the README's configuration reference";
}

/** One line per problem; an object with several unknown keys gives one line per key. */
function describe(issue: z.core.$ZodIssue, domains: unknown): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(issue.path);
    return issue.keys.map(
      (k) => `${keyPath([...issue.path, k], domains)}: ${unknownKey(k, known)}`,
    );
  }
  return [`${keyPath(issue.path, domains)}: ${issue.message}`];
}

/**
 * Parses the raw values of `mta-sts:domains`, `mta-sts:hosting`, `mta-sts:receiver`, `mta-sts:watch` and `mta-sts:adopt` (as
 * YAML/JSON gives them). Throws ConfigError with every problem found, a missing or empty domain list included.
 */
export function parseStackConfig(raw: {
  domains: unknown;
  hosting?: unknown;
  receiver?: unknown;
  watch?: unknown;
  adopt?: unknown;
}): StackConfig {
  const domains = raw.domains;
  const result = stackSchema.safeParse({
    domains,
    hosting: raw.hosting,
    receiver: raw.receiver,
    watch: raw.watch,
    adopt: raw.adopt,
  });
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((i) => describe(i, domains))),
    ...[
      ...crossChecks(domains),
      ...receiverChecks(raw.receiver, domains),
      ...watchChecks(raw.watch, raw.receiver),
    ].map((i) => `${keyPath(i.path, domains)}: ${i.message}`),
  ];
  if (!result.success || problems.length > 0) {
    const byPath = [...new Set(problems)].sort((a, b) =>
      a.localeCompare(b, "en", { numeric: true }),
    );
    throw new ConfigError(byPath);
  }
  return result.data;
}

/**
 * The domains to declare today. A domain with `remove: true` is left out (so its resources are
 * deleted) only from its retireAfter date on; before that, every such domain is refused.
 */
export function domainsToDeclare(config: StackConfig, today: string): DomainConfig[] {
  const early = config.domains
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.remove && d.retireAfter !== undefined && today < d.retireAfter)
    .map(
      ({ d, i }) =>
        `mta-sts:domains[${i}] (${d.domain}).remove: refusing to remove ${d.domain} before ${d.retireAfter}: senders may still hold its old policy until then (RFC 8461 8.3); keep remove: false until that day`,
    );
  if (early.length > 0) throw new ConfigError(early);
  return config.domains.filter((d) => !d.remove);
}

/** The `mta-sts:*` keys the program reads, each with what it is for (the README's configuration reference says more). */
export const CONFIG_KEYS: Readonly<Record<string, string>> = {
  domains: "the mail domains: a list of { domain, dns, mx, mode, ... }",
  hosting: "how the policy files are served: { domainsPerDistribution, priceClass }",
  receiver: "the TLS-RPT report receiver: { enabled, email, https, alarmEmail, ... }",
  watch:
    'the scheduled self-check of every domain: { enabled, schedule: "rate(1 day)", smtp, certificateDays }',
  adopt:
    "true lets the stack take over records that already exist at its names, for every domain that does not say",
  mxResolver:
    "HOST:PORT of the DNS server for the live MX check before enforce (default: the system resolver)",
};

/** What a stack's `mta-sts:*` keys give the program. */
export interface StackSettings {
  readonly config: StackConfig;
  /** `mta-sts:mxResolver`: HOST:PORT, or "system". */
  readonly mxResolver?: string;
}

/** A value as the Pulumi CLI passes it (objects, lists, numbers and booleans as JSON text), decoded as config.getObject would. */
function decode(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value; // a plain string: the schema says what it should have been
  }
}

/**
 * The one reader of a stack's config, for `pulumi up` (index.ts, from pulumi.runtime.allConfig())
 * and for every CLI command (from the stack file): keys "namespace:key", values as the Pulumi CLI
 * passes them. Unknown `mta-sts:*` keys are errors, with the nearest known key when there is one;
 * other namespaces (aws:, cloudflare:) are not ours to judge. Throws ConfigError with every problem.
 */
export function parseStackConfigMap(all: Readonly<Record<string, string>>): StackSettings {
  const known = Object.keys(CONFIG_KEYS);
  const problems: string[] = [];
  const ours = Object.keys(all)
    .filter((k) => k.startsWith("mta-sts:"))
    .map((k) => k.slice("mta-sts:".length));
  const suggestions = new Set<string>();
  for (const key of ours.filter((k) => !known.includes(k))) {
    const near = nearestKey(key, known);
    if (near) suggestions.add(near);
    problems.push(
      `mta-sts:${key}: unknown key; ${near ? `did you mean mta-sts:${near}?` : `the keys this program reads are ${known.map((k) => `mta-sts:${k}`).join(", ")} (see the README, Configuration reference)`}`,
    );
  }
  const get = (key: string) => decode(all[`mta-sts:${key}`]);
  const mxResolver = all["mta-sts:mxResolver"];
  if (
    mxResolver !== undefined &&
    mxResolver !== "system" &&
    !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(mxResolver)
  ) {
    problems.push(
      `mta-sts:mxResolver: "${mxResolver}" is not HOST:PORT, e.g. 10.0.0.2:53; leave it out to use the system resolver`,
    );
  }
  let config: StackConfig | undefined;
  try {
    config = parseStackConfig({
      domains: get("domains"),
      hosting: get("hosting"),
      receiver: get("receiver"),
      watch: get("watch"),
      adopt: get("adopt"),
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // "mta-sts:domain" already says "did you mean mta-sts:domains?": a second line about the missing list adds nothing.
    problems.push(
      ...err.problems.filter(
        (p) => !(suggestions.has("domains") && p.startsWith("mta-sts:domains: is not set")),
      ),
    );
  }
  if (problems.length > 0 || !config)
    throw new ConfigError(
      [...new Set(problems)].sort((a, b) => a.localeCompare(b, "en", { numeric: true })),
    );
  return { config, ...(mxResolver !== undefined ? { mxResolver } : {}) };
}
