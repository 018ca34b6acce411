// RFC 8461 section 4.1 MX patterns: a host name, or "*." followed by a name, where the
// wildcard stands for exactly one leftmost label (not zero, not two).
import { NameError, toALabels } from "./dns-name";

/**
 * Normalises an `mx` pattern to A-labels. Throws NameError naming the problem and the fix
 * for a wildcard anywhere but the leftmost label, or more than one wildcard.
 */
export function normaliseMxPattern(pattern: string): string {
  const raw = pattern.trim().replace(/\.$/, "");
  const stars = (raw.match(/\*/g) ?? []).length;
  if (stars > 1) {
    throw new NameError(
      `"${pattern}" has ${stars} wildcards; RFC 8461 allows one, as the leftmost label ("*.example.com")`,
    );
  }
  if (stars === 1) {
    if (!raw.startsWith("*.")) {
      throw new NameError(
        `"${pattern}" has a wildcard that is not the whole leftmost label; RFC 8461 allows only "*." at the start ("*.example.com")`,
      );
    }
    return `*.${toALabels(raw.slice(2))}`;
  }
  return toALabels(raw);
}

/** True when `host` (an MX host name) is covered by `pattern` under RFC 8461 4.1. */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === h;
  const suffix = p.slice(1); // ".example.com"
  if (!h.endsWith(suffix)) return false;
  const first = h.slice(0, h.length - suffix.length);
  return first.length > 0 && !first.includes(".");
}

/** The first pattern covering `host`, or undefined when none does. */
export function coveringPattern(patterns: readonly string[], host: string): string | undefined {
  return patterns.find((p) => mxMatches(p, host));
}
