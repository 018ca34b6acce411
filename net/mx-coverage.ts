// RFC 8461 4.1 before enforce: every live MX host must be covered by a policy pattern,
// or senders that enforce will refuse to deliver to the uncovered one.
import { coveringPattern } from "../protocol/mx";
import type { CheckResolver } from "./resolver";

export interface MxCoverage {
  /** pass: all covered; fail: some not covered (named); error: could not look; not-run: offline. */
  readonly status: "pass" | "fail" | "error" | "not-run";
  readonly message: string;
}

export async function liveMxCoverage(
  domain: string,
  patterns: readonly string[],
  resolver: CheckResolver,
): Promise<MxCoverage> {
  try {
    const hosts = await resolver.mx(domain);
    if (hosts.length === 0) return { status: "fail", message: `${domain} has no MX records` };
    const uncovered = hosts.filter((h) => !coveringPattern(patterns, h));
    return uncovered.length === 0
      ? { status: "pass", message: `every MX (${hosts.join(", ")}) is covered` }
      : {
          status: "fail",
          message: `MX not covered by any mx pattern: ${uncovered.join(", ")}; add them to mx before enforcing`,
        };
  } catch (err) {
    return {
      status: "error",
      message: `could not look up the MX records of ${domain}: ${(err as Error).message}`,
    };
  }
}
