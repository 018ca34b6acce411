// Where the shared TLS-RPT samples are: MTASTS_FIXTURES, or shared/fixtures/tlsrpt next to this
// repository or next to any directory above it (CI clones beside shared/, as here).
import * as fs from "node:fs";
import * as path from "node:path";

function find(): string {
  if (process.env.MTASTS_FIXTURES) return path.resolve(process.env.MTASTS_FIXTURES);
  for (let dir = path.resolve(__dirname, "..", ".."); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "..", "shared", "fixtures", "tlsrpt");
    if (fs.existsSync(candidate)) return path.resolve(candidate);
    if (path.dirname(dir) === dir) break;
  }
  throw new Error("shared/fixtures/tlsrpt not found beside the repository or above it; set MTASTS_FIXTURES to its path");
}

export const FIXTURES = find();
