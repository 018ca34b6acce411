// The stack configuration (`mta-sts:domains`, `mta-sts:hosting`), parsed once with zod.
// Every mistake becomes one line naming the key path and the fix; nothing is declared until all pass.
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
  readonly domainsPerDistribution: number;
  readonly priceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
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

export interface StackConfig {
  readonly domains: readonly DomainConfig[];
  readonly hosting: HostingConfig;
  readonly receiver: ReceiverConfig;
}

/** All problems with a stack config, one line each: `<key path>: <problem>; <fix>`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Wraps a protocol/ normaliser so its error becomes a zod issue at the right path. */
function normalised(fn: (value: string) => string) {
  return z.string().transform((value, ctx) => {
    try {
      return fn(value);
    } catch (err) {
      ctx.issues.push({ code: "custom", message: (err as Error).message, input: value });
      return z.NEVER;
    }
  });
}

const route53ZoneId = z
  .string({ error: 'is required for provider route53; give the hosted zone id, e.g. "Z0123456789ABC"' })
  .transform((v) => v.replace(/^\/hostedzone\//, ""))
  .refine((v) => /^Z[A-Z0-9]{1,32}$/.test(v), { error: 'is not a Route53 hosted zone id; it looks like "Z0123456789ABC"' });
const cloudflareZoneId = z
  .string({ error: "is required for provider cloudflare; copy the 32-hex-digit Zone ID from the dashboard" })
  .refine((v) => /^[0-9a-f]{32}$/.test(v), { error: "is not a Cloudflare zone id; it is 32 hex digits" });

const dnsSchema = z
  .object({ provider: z.string({ error: "is required: route53, cloudflare or manual" }) }, { error: "is required, e.g. { provider: route53, zoneId: Z0123456789ABC }" })
  .passthrough()
  .transform((dns, ctx): DnsConfig => {
    const check = <T>(schema: z.ZodType<T>): T => {
      const r = schema.safeParse(dns);
      if (!r.success) for (const i of r.error.issues) ctx.issues.push({ ...i, input: dns } as never);
      return r.success ? r.data : (z.NEVER as T);
    };
    switch (dns.provider) {
      case "route53":
        return check(z.strictObject({ provider: z.literal("route53"), zoneId: route53ZoneId }));
      case "cloudflare":
        return check(z.strictObject({ provider: z.literal("cloudflare"), zoneId: cloudflareZoneId }));
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

const ADOPT_ERROR = "must be true or false; true lets the stack take over records that already exist at its names (see the README, Migrating)";

const domainSchema = z
  .strictObject({
    domain: normalised(toALabels),
    dns: dnsSchema,
    mx: z.array(normalised(normaliseMxPattern), { error: "must be a list of host names or patterns" }).default([]),
    mode: z.enum(MODES, { error: "must be none, testing or enforce" }).default("testing"),
    maxAge: z
      .number({ error: "must be a whole number of seconds" })
      .int({ error: "must be a whole number of seconds" })
      .min(1, { error: `must be within 1..${MAX_AGE_LIMIT} seconds (RFC 8461 3.2)` })
      .max(MAX_AGE_LIMIT, { error: `must be within 1..${MAX_AGE_LIMIT} seconds (RFC 8461 3.2); ${MAX_AGE_LIMIT} is a year` })
      .optional(),
    rua: z.array(normalised(validateRuaUri), { error: "must be a list of mailto: or https: URIs" }).default([]),
    ttl: z.number().int().min(60, { error: "must be at least 60 seconds" }).max(86_400, { error: "must be at most 86400 seconds" }).default(300),
    retireAfter: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a date, YYYY-MM-DD (mtasts retire sets it)" }).optional(),
    remove: z.boolean({ error: "must be true or false" }).default(false),
    adopt: z.boolean({ error: ADOPT_ERROR }).optional(),
    promotion: z
      .strictObject({
        minDays: z.number().int().min(1, { error: "must be at least 1" }).max(365, { error: "must be at most 365" }).default(14),
        minSessions: z.number().int().min(0, { error: "must be 0 or more" }).default(1000),
        maxFailureRate: z.number().min(0, { error: "must be within 0..1" }).max(1, { error: "must be within 0..1" }).default(0.001),
        minReporters: z.number().int().min(1, { error: "must be at least 1" }).default(2),
        apply: z.enum(["propose", "auto"], { error: 'must be "propose" (mtasts promote rewrites the stack file) or "auto" (pulumi up promotes)' }).default("propose"),
        evidence: z
          .enum(["known", "signed", "any"], {
            error: 'must be "known" (email reports DKIM-signed by a known reporter), "signed" (any aligned DKIM signature) or "any" (unsigned HTTPS reports too, which anyone can forge)',
          })
          .default("known"),
      })
      .optional(),
  })
  // adopt stays undefined here: the stack-wide mta-sts:adopt fills it in (stackSchema).
  .transform((d): Omit<DomainConfig, "adopt"> & { adopt?: boolean } => ({ ...d, maxAge: d.maxAge ?? DEFAULT_MAX_AGE[d.mode], maxAgeSet: d.maxAge !== undefined }));

const hostingSchema = z
  .strictObject({
    domainsPerDistribution: z
      .number()
      .int()
      .min(1, { error: "must be at least 1" })
      .max(100, { error: "must be at most 100 (ACM's hard limit of names per certificate)" })
      .default(10),
    priceClass: z.enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"]).default("PriceClass_100"),
  })
  .default({ domainsPerDistribution: 10, priceClass: "PriceClass_100" });

const receiverDefaults = { enabled: true, https: true, retentionDays: 400, onDestroy: "keep" as const, failureRateThreshold: 0.05, limits: {}, reporters: [] };
const limit = z.number({ error: "must be a positive whole number" }).int({ error: "must be a positive whole number" }).min(1, { error: "must be a positive whole number" }).optional();
const receiverSchema = z
  .strictObject({
    enabled: z.boolean({ error: "must be true or false" }).default(true),
    email: z
      .strictObject({
        domain: normalised(toALabels),
        dns: dnsSchema,
        ruleSetName: z
          .string()
          .regex(/^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/, { error: "must be the name of the region's active SES receipt rule set (letters, digits, _ and -; at most 64)" })
          .optional(),
        identity: z.enum(["create", "existing"], { error: 'must be "create" (the stack verifies the domain in SES) or "existing" (it is an SES identity already; mtasts preflight tells)' }).default("create"),
      })
      .optional(),
    https: z.boolean({ error: "must be true or false" }).default(true),
    alarmEmail: z.email({ error: "must be an email address" }).optional(),
    retentionDays: z.number().int().min(1, { error: "must be at least 1 day" }).max(3650, { error: "must be at most 3650 days" }).default(400),
    reservedConcurrency: z
      .number({ error: "must be a whole number of executions; leave it out to reserve none" })
      .int({ error: "must be a whole number of executions; leave it out to reserve none" })
      .min(1, { error: "must be at least 1; leave it out to reserve none" })
      .max(1000, { error: "must be at most 1000" })
      .optional(),
    onDestroy: z.enum(["keep", "delete"], { error: 'must be "keep" (pulumi destroy leaves the reports bucket and table) or "delete" (destroys them with every report)' }).default("keep"),
    failureRateThreshold: z.number().min(0, { error: "must be within 0..1" }).max(1, { error: "must be within 0..1" }).default(0.05),
    limits: z
      .strictObject({ maxBodyBytes: limit, maxDecompressedBytes: limit, maxMimeDepth: limit, maxReportsPerEmail: limit, maxPolicies: limit, maxFailureDetails: limit })
      .default({})
      .transform((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as Record<string, number>),
    reporters: z
      .array(
        z.strictObject({
          name: z.string({ error: "is required: how the reporter is counted, e.g. Example Mail" }).min(1, { error: "must not be empty" }).max(64, { error: "must be at most 64 characters" }),
          domains: z.array(normalised(toALabels), { error: "must be a list of DKIM signing domains, e.g. [mail.example]" }).min(1, { error: "must list at least one DKIM signing domain" }),
        }),
        { error: "must be a list of { name, domains } (reporters whose DKIM-signed reports count as evidence)" },
      )
      .default([]),
  })
  .default(receiverDefaults);

const stackSchema = z
  .object({
    domains: z.array(domainSchema, { error: "must be a list of domains (see Pulumi.example.yaml)" }),
    hosting: hostingSchema,
    receiver: receiverSchema,
    adopt: z.boolean({ error: ADOPT_ERROR }).default(false),
  })
  // A domain's own adopt wins over the stack-wide one.
  .transform(({ adopt, ...s }) => ({ ...s, domains: s.domains.map((d): DomainConfig => ({ ...d, adopt: d.adopt ?? adopt })) }));

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
      out.push({ path: ["domains", i, "retireAfter"], message: "needs mode: none; run mtasts retire, which publishes mode none first (RFC 8461 8.3)" });
    }
    if (d.remove === true && d.retireAfter === undefined) {
      out.push({ path: ["domains", i, "remove"], message: "needs retireAfter; run mtasts retire first, wait until that date, then set remove: true" });
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
    else out.push({ path: ["domains", i, "domain"], message: `"${d.domain}" is already listed at mta-sts:domains[${j}]; list each domain once` });
  });
  return out;
}

/** The receiver's mail domain gets an SES MX: it must not be a domain that receives other mail. */
function receiverChecks(receiver: unknown, domains: unknown): { path: PropertyKey[]; message: string }[] {
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

function keyPath(path: readonly PropertyKey[]): string {
  let out = `mta-sts:${String(path[0])}`;
  for (const p of path.slice(1)) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against the README's configuration reference`;
  }
  return issue.message;
}

/**
 * Parses the raw values of `mta-sts:domains`, `mta-sts:hosting`, `mta-sts:receiver` and `mta-sts:adopt` (as
 * YAML/JSON gives them). Throws ConfigError with every problem found.
 */
export function parseStackConfig(raw: { domains: unknown; hosting?: unknown; receiver?: unknown; adopt?: unknown }): StackConfig {
  const domains = raw.domains ?? [];
  const result = stackSchema.safeParse({ domains, hosting: raw.hosting, receiver: raw.receiver, adopt: raw.adopt });
  const problems = [
    ...(result.success ? [] : result.error.issues.map((i) => `${keyPath(i.path)}: ${describe(i)}`)),
    ...[...crossChecks(domains), ...receiverChecks(raw.receiver, domains)].map((i) => `${keyPath(i.path)}: ${i.message}`),
  ];
  if (!result.success || problems.length > 0) {
    const byPath = [...new Set(problems)].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
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
        `mta-sts:domains[${i}].remove: refusing to remove ${d.domain} before ${d.retireAfter}: senders may still hold its old policy until then (RFC 8461 8.3); keep remove: false until that day`,
    );
  if (early.length > 0) throw new ConfigError(early);
  return config.domains.filter((d) => !d.remove);
}
