// Packages an installed pulumi-mta-sts leaves to the user (optional peers): the local mode's
// servers and the receiver's parsers, which the Lambda bundles carry inside themselves.
// When one is missing, say which and how to get it, instead of a module-resolution trace.

/** What `mtasts receive --local` and `mtasts report --local` run on. */
export const LOCAL_MODE_PACKAGES = [
  "s3rver",
  "dynalite",
  "smtp-server",
  "mailauth",
  "postal-mime",
  "@aws-lambda-powertools/metrics",
] as const;

/** Printed by cli/main.ts as one line, exit status 1. */
export class MissingPackageError extends Error {
  override name = "MissingPackageError";
}

/** The packages of `names` that cannot be resolved from here. */
export function missingPackages(
  names: readonly string[],
  resolve: (name: string) => string = require.resolve,
): string[] {
  return names.filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** Throws MissingPackageError naming every missing package and the install command. */
export function assertInstalled(
  purpose: string,
  names: readonly string[] = LOCAL_MODE_PACKAGES,
  resolve?: (name: string) => string,
): void {
  const missing = missingPackages(names, resolve);
  if (missing.length > 0) {
    throw new MissingPackageError(
      `${purpose} needs ${missing.join(", ")}, which the package leaves out of a library install: npm install --save-dev ${missing.join(" ")}`,
    );
  }
}

/** require() of an optional peer, after assertInstalled. */
export function requireOptional<T>(name: string, purpose: string): T {
  assertInstalled(purpose, [name]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional at run time
  return require(name) as T;
}
