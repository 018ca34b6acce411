// What the installed package needs and where its Lambda code comes from: the library's imports
// are all dependencies (build and local-mode tools are optional peers), the receiver bundles
// are read from dist/lambda/ when the package carries them and built from source otherwise.
// scripts/test-packed-package installs the real tarball in a new project (CI).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import {
  BUNDLE_OPTIONS,
  buildHandler,
  bundleHandler,
  PREBUILT_DIR,
} from "../components/receiver-bundle";
import {
  assertInstalled,
  LOCAL_MODE_PACKAGES,
  MissingPackageError,
  missingPackages,
} from "../cli/optional-deps";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  files: string[];
  license: string;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-packaging-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Package names a set of entry points imports at run time (type-only imports vanish), by how. */
function packagesImported(entries: string[]): { imported: Set<string>; required: Set<string> } {
  const result = buildSync({
    entryPoints: entries.map((e) => path.join(root, e)),
    bundle: true,
    platform: "node",
    packages: "external",
    write: false,
    metafile: true,
    outdir: tmp,
    logLevel: "silent",
  });
  const imported = new Set<string>();
  const required = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith("node:") || imp.path.startsWith(".")) continue;
      const name = imp.path.startsWith("@")
        ? imp.path.split("/").slice(0, 2).join("/")
        : imp.path.split("/")[0];
      (imp.kind === "require-call" ? required : imported).add(name);
    }
  }
  return { imported, required };
}

describe("the package's dependencies", () => {
  const optional = [
    "tsx",
    "s3rver",
    "dynalite",
    "smtp-server",
    "mailauth",
    "postal-mime",
    "@aws-lambda-powertools/metrics",
  ];

  it("cover every package the library imports, and none of the build or local-mode tools", () => {
    const { imported, required } = packagesImported(["lib.ts"]);
    expect(imported).toContain("@pulumi/pulumi");
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    // Loaded only where the package has no prebuilt bundle, i.e. in this repository.
    expect([...required]).toEqual(["esbuild"]);
    for (const name of [...optional, "esbuild"])
      expect(pkg.dependencies, name).not.toHaveProperty(name);
  });

  it("leave the local mode's tools and tsx to the user as optional peers, installed here for development", () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...optional].sort());
    for (const name of optional) {
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
      expect(pkg.devDependencies[name], name).toBe(pkg.peerDependencies[name]);
    }
    expect(Object.keys(pkg.devDependencies)).toContain("esbuild");
    expect([...LOCAL_MODE_PACKAGES].sort()).toEqual(optional.filter((n) => n !== "tsx").sort());
  });

  it("ship the license the package names, and the compiled library", () => {
    expect(pkg.license).toBe("Apache-2.0");
    const license = fs.readFileSync(path.join(root, "LICENSE"), "utf8");
    expect(license).toContain(
      "Apache License\n                           Version 2.0, January 2004",
    );
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(pkg.files).toContain("dist/");
  });
});

describe("receiver bundles", () => {
  it("are read from the package's dist/lambda/ when it has them", () => {
    const dir = path.join(tmp, "prebuilt");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "http.js"),
      "exports.handler = async () => ({ statusCode: 204 }); // prebuilt",
    );
    expect(bundleHandler("http", dir, path.join(tmp, "no-sources"))).toBe(
      "exports.handler = async () => ({ statusCode: 204 }); // prebuilt",
    );
  });

  it("are built from source in the repository, minified for node24 with the AWS SDK left out, once per handler", () => {
    expect(fs.existsSync(PREBUILT_DIR)).toBe(false);
    const first = bundleHandler("http");
    expect(bundleHandler("http")).toBe(first);
    expect(first).toBe(buildHandler("http"));
    expect(first.split("\n").length).toBeLessThan(10);
    expect(first).toMatch(/require\("@aws-sdk\/client-s3"\)/);
    expect(BUNDLE_OPTIONS).toMatchObject({
      minify: true,
      target: "node24",
      external: ["@aws-sdk/*"],
    });
  });

  it("say what is missing when there is neither a bundle nor a source", () => {
    expect(() =>
      bundleHandler("email", path.join(tmp, "none"), path.join(tmp, "no-sources")),
    ).toThrow(/neither a prebuilt bundle .*email\.js.* nor its source .*no-sources\/email\.ts/);
  });
});

describe("optional packages", () => {
  const resolve = (name: string) => {
    if (name === "s3rver") return "/x/s3rver/index.js";
    throw new Error(`Cannot find module '${name}'`);
  };

  it("are named with the command that installs them when missing", () => {
    expect(missingPackages(["s3rver", "dynalite", "smtp-server"], resolve)).toEqual([
      "dynalite",
      "smtp-server",
    ]);
    expect(() =>
      assertInstalled("mtasts receive", ["s3rver", "dynalite", "smtp-server"], resolve),
    ).toThrow(MissingPackageError);
    expect(() =>
      assertInstalled("mtasts receive", ["s3rver", "dynalite", "smtp-server"], resolve),
    ).toThrow(
      "mtasts receive needs dynalite, smtp-server, which the package leaves out of a library install: npm install --save-dev dynalite smtp-server",
    );
    expect(() => assertInstalled("mtasts receive", ["s3rver"], resolve)).not.toThrow();
  });

  it("are all installed in this repository", () => {
    expect(missingPackages(LOCAL_MODE_PACKAGES)).toEqual([]);
  });
});
