// The MTA-STS policy file (RFC 8461 section 3.2): model, canonical rendering, tolerant
// parsing, validation, and the content-derived policy id that the TXT record announces.
import { createHash } from "node:crypto";
import { normaliseMxPattern } from "./mx";

export const MODES = ["none", "testing", "enforce"] as const;
export type Mode = (typeof MODES)[number];

/** RFC 8461 3.2: max_age is at most 31557600 seconds (about a year). */
export const MAX_AGE_LIMIT = 31_557_600;
/** RFC 8461 3.3: senders stop reading a policy after 64 KiB. */
export const MAX_POLICY_BYTES = 65_536;
/** Defaults chosen for a safe roll-out: a day while testing, a week once enforced. */
export const DEFAULT_MAX_AGE: Record<Mode, number> = {
  none: 86_400,
  testing: 86_400,
  enforce: 604_800,
};
/** Where senders fetch the policy, relative to `https://mta-sts.<domain>`. */
export const POLICY_PATH = "/.well-known/mta-sts.txt";

export interface Policy {
  readonly mode: Mode;
  /** MX patterns, A-labels; "*." only as the whole leftmost label. */
  readonly mx: readonly string[];
  /** Seconds, 1..31557600. */
  readonly maxAge: number;
}

export class PolicyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("; "));
  }
}

/** Every problem with a policy model, one message each; empty when it is valid. */
export function validatePolicy(policy: Policy): string[] {
  const problems: string[] = [];
  if (!MODES.includes(policy.mode))
    problems.push(`mode "${policy.mode}" is not one of none, testing, enforce`);
  if (!Number.isInteger(policy.maxAge) || policy.maxAge < 1 || policy.maxAge > MAX_AGE_LIMIT) {
    problems.push(`max_age ${policy.maxAge} is outside 1..${MAX_AGE_LIMIT} seconds`);
  }
  if (policy.mode !== "none" && policy.mx.length === 0) {
    problems.push(`mode "${policy.mode}" needs at least one mx pattern`);
  }
  for (const mx of policy.mx) {
    try {
      normaliseMxPattern(mx);
    } catch (err) {
      problems.push(`mx ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * Renders the canonical policy text: `version` first, then mode, the mx patterns sorted and
 * de-duplicated (so reordering the config does not rotate the id), max_age; CRLF after
 * every line. Throws PolicyError when the policy is invalid or over 64 KiB.
 */
export function renderPolicy(policy: Policy): string {
  const problems = validatePolicy(policy);
  if (problems.length > 0) throw new PolicyError(problems);
  const mx = [...new Set(policy.mx.map(normaliseMxPattern))].sort();
  const lines = [
    "version: STSv1",
    `mode: ${policy.mode}`,
    ...mx.map((m) => `mx: ${m}`),
    `max_age: ${policy.maxAge}`,
  ];
  const text = lines.map((l) => `${l}\r\n`).join("");
  // Stryker disable next-line StringLiteral: equivalent; Node reads an empty encoding as utf8
  const size = Buffer.byteLength(text, "utf8");
  if (size > MAX_POLICY_BYTES) {
    throw new PolicyError([
      `policy is ${size} bytes; senders read at most ${MAX_POLICY_BYTES} (64 KiB): use wildcard mx patterns`,
    ]);
  }
  return text;
}

export interface ParsedPolicy {
  readonly policy: Policy;
  /** Things a sender tolerates but a publisher should fix (LF-only lines, unknown keys). */
  readonly warnings: readonly string[];
}

/**
 * Parses policy text as a sender would (RFC 8461 3.2): CRLF or LF lines, unknown keys
 * ignored, fields in any order. Throws PolicyError listing every problem.
 */
export function parsePolicy(input: string | Uint8Array): ParsedPolicy {
  // Stryker disable next-line all: equivalent; both branches give the same bytes for a string (utf8 is the default) and for a Uint8Array (the second argument is ignored)
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.from(input);
  const problems: string[] = [];
  const warnings: string[] = [];
  if (bytes.length > MAX_POLICY_BYTES)
    problems.push(`policy is ${bytes.length} bytes; the limit is ${MAX_POLICY_BYTES}`);
  const text = bytes.toString("utf8");
  if (/(^|[^\r])\n/.test(text)) warnings.push("lines end in LF only; RFC 8461 specifies CRLF");
  let version: string | undefined;
  let mode: string | undefined;
  let maxAge: string | undefined;
  const mx: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^([A-Za-z0-9_]{1,32}):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} "${line.slice(0, 60)}" is not "key: value"`);
      return;
    }
    const [, key, value] = m;
    if (key !== "mx" && seen.has(key))
      problems.push(`line ${i + 1}: "${key}" appears more than once`);
    seen.add(key);
    switch (key) {
      case "version":
        version = value;
        break;
      case "mode":
        mode = value;
        break;
      case "max_age":
        maxAge = value;
        break;
      case "mx":
        mx.push(value);
        break;
      default:
        warnings.push(`line ${i + 1}: unknown key "${key}" ignored`);
    }
  });
  if (version !== "STSv1")
    problems.push(
      version === undefined ? "version is missing" : `version "${version}" is not STSv1`,
    );
  if (mode === undefined) problems.push("mode is missing");
  else if (!MODES.includes(mode as Mode))
    problems.push(`mode "${mode}" is not one of none, testing, enforce`);
  let age = Number.NaN;
  if (maxAge === undefined) problems.push("max_age is missing");
  else if (!/^[0-9]{1,10}$/.test(maxAge))
    problems.push(`max_age "${maxAge}" is not a number of seconds`);
  else age = Number(maxAge);
  if (problems.length > 0) throw new PolicyError(problems);
  const policy: Policy = { mode: mode as Mode, mx, maxAge: age };
  const invalid = validatePolicy(policy);
  if (invalid.length > 0) throw new PolicyError(invalid);
  return { policy, warnings };
}

/**
 * The policy id: the first 32 hex digits of SHA-256 over the exact bytes served. It fits
 * RFC 8461's `1*32(ALPHA / DIGIT)`, changes exactly when the bytes change, and anyone can
 * recompute it from the served file (that is how `mtasts check` verifies it).
 */
export function policyId(body: string | Uint8Array): string {
  return createHash("sha256").update(body).digest("hex").slice(0, 32);
}

/** `https://mta-sts.<domain>/.well-known/mta-sts.txt` */
export function policyUrl(domain: string): string {
  return `https://mta-sts.${domain}${POLICY_PATH}`;
}
