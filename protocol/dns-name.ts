// Host names as RFC 8461 wants them: lower-case A-labels, no trailing dot.
// Every name that reaches a policy, a record or a certificate passes through here once.
import { domainToASCII } from "node:url";

/** A problem with a name, phrased so it can follow `<key path>: `. */
export class NameError extends Error {}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Converts a host name to lower-case A-labels (IDNA, as browsers and MTAs do) and checks
 * it is a syntactically valid name of at least two labels. Throws NameError with the fix.
 */
export function toALabels(input: string): string {
  const raw = input.trim().replace(/\.$/, "");
  if (raw === "")
    throw new NameError(`"${input}" is empty; give a host name such as "example.com"`);
  if (/[\s/:@]/.test(raw)) {
    throw new NameError(
      `"${input}" is not a host name; give the bare name, e.g. "example.com" (no scheme, path, port or address)`,
    );
  }
  // domainToASCII maps U-labels to xn-- A-labels and returns "" for names it cannot map.
  const isAscii = [...raw].every((c) => c.charCodeAt(0) < 0x80);
  const ascii = isAscii ? raw.toLowerCase() : domainToASCII(raw);
  if (ascii === "")
    throw new NameError(
      `"${input}" cannot be converted to an A-label (IDNA) name; check the spelling`,
    );
  if (ascii.length > 253)
    throw new NameError(`"${input}" is ${ascii.length} characters; DNS names are at most 253`);
  const labels = ascii.split(".");
  if (labels.length < 2)
    throw new NameError(
      `"${input}" has a single label; give a fully qualified name such as "example.com"`,
    );
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw new NameError(
        `"${input}" has an invalid label "${label}"; labels are 1-63 letters, digits or hyphens and do not start or end with a hyphen`,
      );
    }
    // An A-label is punycode of a U-label (RFC 5890); domainToASCII gives "" when it does not decode.
    // Stryker disable next-line StringLiteral: equivalent; every other label LABEL accepts is plain ASCII, which domainToASCII never refuses
    const aceLabel = label.startsWith("xn--");
    const notPunycode = aceLabel && domainToASCII(label) === "";
    if (notPunycode) {
      throw new NameError(
        `"${input}" has a label "${label}" that is not valid punycode; an "xn--" label must decode to a Unicode name (give the name in Unicode, e.g. "bücher.example", or check the spelling)`,
      );
    }
  }
  return ascii;
}

/** True when `name` is a valid host name (after IDNA conversion). */
export function isHostName(name: string): boolean {
  try {
    toALabels(name);
    return true;
  } catch {
    return false;
  }
}
