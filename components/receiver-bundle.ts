// Bundles a receiver Lambda with esbuild at program time: minified, for the Lambda Node.js
// runtime, AWS SDK v3 left to the runtime. No closure serialisation.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";

export const LAMBDA_RUNTIME = "nodejs24.x";

/** The JavaScript of a handler module under receiver/lambda/, bundled. */
export function bundleHandler(name: "http" | "email"): string {
  const result = buildSync({
    entryPoints: [path.join(__dirname, "..", "receiver", "lambda", `${name}.ts`)],
    bundle: true,
    minify: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    external: ["@aws-sdk/*"],
    write: false,
    outfile: "index.js",
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** The bundle as a Lambda code archive (`index.handler`). */
export const handlerArchive = (name: "http" | "email") => new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandler(name)) });
