// TLS-RPT fixtures: FIXTURES is the suite's own (always present, in this repository); SHARED is
// the public samples directory when it is around (MTASTS_FIXTURES, or shared/fixtures/tlsrpt
// beside this repository or beside a directory above it), else undefined, so that suite skips.
import * as fs from "node:fs";
import * as path from "node:path";

export const FIXTURES = path.resolve(__dirname, "..", "fixtures", "tlsrpt");

function findShared(): string | undefined {
  const fromEnv = process.env.MTASTS_FIXTURES;
  if (fromEnv) return fs.existsSync(fromEnv) ? path.resolve(fromEnv) : undefined;
  for (let dir = path.resolve(__dirname, "..", ".."); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "..", "shared", "fixtures", "tlsrpt");
    if (fs.existsSync(candidate)) return path.resolve(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

export const SHARED: string | undefined = findShared();
