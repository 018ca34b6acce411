// The receiver Lambdas' code: minified for the Lambda Node.js runtime, AWS SDK v3 left to the
// runtime, no closure serialisation. An installed package carries bundles built at pack time
// (dist/lambda/, beside the compiled components/); in this repository they are built from source.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { BuildOptions } from "esbuild";

export const LAMBDA_RUNTIME = "nodejs24.x";
export const HANDLERS = ["http", "email", "watch"] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** The esbuild options of every receiver bundle: pack time and program time give the same bytes. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  external: ["@aws-sdk/*"],
  legalComments: "none",
  logLevel: "silent",
} as const satisfies BuildOptions;

/** Where the package's prebuilt bundles are, seen from this module once compiled to dist/components/. */
export const PREBUILT_DIR = path.join(__dirname, "..", "lambda");
const SOURCE_DIR = path.join(__dirname, "..", "receiver", "lambda");

/** Bundles a handler module of receiver/lambda/ with esbuild (a devDependency: repository only). */
export function buildHandler(name: HandlerName, sourceDir = SOURCE_DIR): string {
  const entry = path.join(sourceDir, `${name}.ts`);
  if (!fs.existsSync(entry)) {
    throw new Error(
      `the receiver's ${name} Lambda has neither a prebuilt bundle (${path.join(PREBUILT_DIR, `${name}.js`)}) nor its source (${entry}); reinstall the package, or run npm run build in the repository`,
    );
  }
  // Loaded here only: an installed package never needs esbuild, so it is not among its dependencies.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional at run time
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const result = buildSync({
    ...BUNDLE_OPTIONS,
    entryPoints: [entry],
    write: false,
    outfile: "index.js",
  });
  return result.outputFiles[0].text;
}

const bundles = new Map<string, string>();

/** The JavaScript of a handler: the prebuilt bundle when the package has one, else built from source. */
export function bundleHandler(
  name: HandlerName,
  prebuiltDir = PREBUILT_DIR,
  sourceDir = SOURCE_DIR,
): string {
  const key = `${prebuiltDir}\0${sourceDir}\0${name}`;
  let code = bundles.get(key);
  if (code === undefined) {
    const prebuilt = path.join(prebuiltDir, `${name}.js`);
    code = fs.existsSync(prebuilt)
      ? fs.readFileSync(prebuilt, "utf8")
      : buildHandler(name, sourceDir);
    bundles.set(key, code);
  }
  return code;
}

/** The bundle as a Lambda code archive (`index.handler`). */
export const handlerArchive = (name: HandlerName) =>
  new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandler(name)) });
