// Pack time: writes the receiver's Lambda bundles to dist/lambda/, where the compiled
// components/receiver-bundle.js finds them in an installed package (which has no esbuild).
import * as fs from "node:fs";
import * as path from "node:path";
import { buildHandler, HANDLERS } from "../components/receiver-bundle";

const out = path.resolve(__dirname, "..", "dist", "lambda");
fs.mkdirSync(out, { recursive: true });
for (const name of HANDLERS) {
  const code = buildHandler(name);
  fs.writeFileSync(path.join(out, `${name}.js`), code);
  process.stdout.write(`dist/lambda/${name}.js: ${code.length} bytes\n`);
}
