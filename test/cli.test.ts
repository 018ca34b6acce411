// The command line as a person meets it, through the real bin/mtasts.cjs as a child process:
// version and help, stacks (-s/--stack, PULUMI_STACK, writers never guess), config errors that
// exit 1 the same way in the program and in every command, usage errors that exit 2, one-line
// errors for a port in use and a data directory held by a receiver, colour, progress, lazy loading.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStack, UsageError } from "../cli/stack-file";
import { colourEnabled, errorStyle } from "../cli/term";
import { isoDate } from "../cli/options";
import { FIXTURES } from "./helpers/fixtures";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "mtasts.cjs");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The environment of a CI job: no stack chosen, no colour asked for. */
const baseEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true" };
  for (const k of ["PULUMI_STACK", "NO_COLOR", "FORCE_COLOR", "MTASTS_PROGRESS_DELAY_MS"])
    delete env[k];
  return env;
};

function mtasts(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) {
  const res = spawnSync(process.execPath, [...nodeArgs, bin, ...args], {
    cwd: tmp,
    encoding: "utf8",
    env: { ...baseEnv(), ...env },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Our own lines on stderr (the AWS SDK warns about old Node versions on its own). */
const ours = (stderr: string) =>
  stderr.split("\n").filter((l) => l.startsWith("mtasts") || l.startsWith("  "));
const NO_TRACE = /^\s+at /m;

// A project of its own (its Pulumi.yaml runs our index.ts) with stacks for each case.
const project = path.join(tmp, "project");
const stackText = {
  one: "config:\n  mta-sts:domains:\n    - domain: a.test\n      dns: { provider: manual }\n      mx: [mx.a.test]\n  mta-sts:receiver: { enabled: false }\n",
  typo: "config:\n  mta-sts:domain:\n    - domain: a.test\n      dns: { provider: manual }\n      mx: [mx.a.test]\n  mta-sts:reciever: { enabled: false }\n",
  types:
    'config:\n  mta-sts:domains:\n    - domain: a.test\n      dns: { provider: manual }\n      mx: [mx.a.test]\n      ttl: "300"\n  mta-sts:receiver: { enabled: false, retentionDays: forever }\n',
  broken: "config:\n  mta-sts:domains:\n    - domain: a.test\n      mx: [mx.a.test\n",
};
beforeAll(() => {
  fs.mkdirSync(project);
  fs.writeFileSync(
    path.join(project, "Pulumi.yaml"),
    `name: mta-sts\nruntime: nodejs\nmain: ${path.join(root, "index.ts")}\n`,
  );
  for (const [name, text] of Object.entries(stackText))
    fs.writeFileSync(path.join(project, `Pulumi.${name}.yaml`), text);
});

describe("version and help", () => {
  it("--version prints the package's version", () => {
    expect(mtasts(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    expect(mtasts(["-V"]).stdout).toBe(`${pkg.version}\n`);
  });

  it("--help documents the exit codes, stacks and NO_COLOR", () => {
    const res = mtasts(["--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      "Exit status:\n  0  success\n  1  the input or the result is wrong: an invalid stack config (a stack file that is not valid\n     YAML included)",
    );
    expect(res.stdout).toContain(
      "  2  usage error: an unknown option or value, a stack that does not exist or was not named",
    );
    expect(res.stdout).toContain("-s/--stack NAME, else PULUMI_STACK");
    expect(res.stdout).toContain("NO_COLOR=1");
  });

  it.each(["plan", "check", "preflight", "receive", "report", "promote", "retire"])(
    "%s --help has examples and exit codes",
    (command) => {
      const res = mtasts([command, "--help"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`\\nExamples:\\n  mtasts ${command} `));
      expect(res.stdout).toMatch(/\nExit status: 0 [^\n]*; 2 usage error/);
      if (["plan", "preflight", "promote", "retire"].includes(command))
        expect(res.stdout).toContain("-s, --stack <name>");
    },
  );

  it("loads a command's modules only when it runs: check --help loads neither the Pulumi nor the AWS SDK", () => {
    // A preload that says, as the process ends, which SDK modules were loaded.
    const probe = path.join(tmp, "probe.cjs");
    fs.writeFileSync(
      probe,
      'process.on("exit", () => { const m = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]@(pulumi|aws-sdk)[\\\\/]/.test(f)); require("fs").writeSync(2, "SDK modules: " + m.length + "\\n"); });\n',
    );
    const help = mtasts(["check", "--help"], {}, ["--require", probe]);
    expect(help.code).toBe(0);
    expect(help.stderr).toContain("SDK modules: 0\n");
    // The probe sees them when a command that needs them runs (report loads the AWS SDK).
    const report = mtasts(["report", "--table", "t", "--since", "2024-13-01"], {}, [
      "--require",
      probe,
    ]);
    expect(report.code).toBe(2);
    expect(report.stderr).not.toContain("SDK modules: 0\n");
    expect(report.stderr).toMatch(/SDK modules: [1-9]/);
  });
});

describe("stacks", () => {
  const dir = () => project;
  it("resolveStack: names, org/project/name, Pulumi.<name>.yaml, the only stack, and never a guess for writers", () => {
    expect(resolveStack(dir(), "one", { command: "plan", writes: false })).toBe("one");
    expect(resolveStack(dir(), "acme/mta-sts/one", { command: "plan", writes: false })).toBe("one");
    expect(resolveStack(dir(), "acme/one", { command: "plan", writes: false })).toBe("one");
    expect(resolveStack(dir(), "Pulumi.one.yaml", { command: "plan", writes: false })).toBe("one");
    expect(
      resolveStack(dir(), path.join(dir(), "Pulumi.one.yaml"), { command: "plan", writes: false }),
    ).toBe("one");
    expect(() =>
      resolveStack(dir(), "../x/Pulumi.prod.yaml", { command: "plan", writes: false }),
    ).toThrow(
      "--stack takes a stack name, not a file: ../x/Pulumi.prod.yaml is stack prod of the project in ../x; run mtasts plan --stack prod --dir ../x",
    );
    expect(() => resolveStack(dir(), "one.yaml", { command: "plan", writes: false })).toThrow(
      /the stack acme is in the file Pulumi.acme.yaml/,
    );
    expect(() => resolveStack(dir(), "on e", { command: "plan", writes: false })).toThrow(
      UsageError,
    );
    expect(() => resolveStack(dir(), undefined, { command: "plan", writes: false })).toThrow(
      `no stack given: pass -s/--stack NAME or set PULUMI_STACK (stacks in ${dir()}: broken, one, types, typo)`,
    );
    const single = path.join(tmp, "single");
    fs.mkdirSync(single);
    fs.writeFileSync(path.join(single, "Pulumi.only.yaml"), "config: {}\n");
    expect(resolveStack(single, undefined, { command: "plan", writes: false })).toBe("only");
    expect(() => resolveStack(single, undefined, { command: "promote", writes: true })).toThrow(
      `no stack given: promote rewrites Pulumi.<stack>.yaml, so it never picks one; name it with -s/--stack NAME or PULUMI_STACK=NAME (stacks in ${single}: only)`,
    );
  });

  it("promote and retire without a stack: a usage error naming the flag, even with one stack in the project", () => {
    const single = path.join(tmp, "single-cli");
    fs.mkdirSync(single);
    fs.writeFileSync(path.join(single, "Pulumi.yaml"), "name: mta-sts\nruntime: nodejs\n");
    fs.writeFileSync(path.join(single, "Pulumi.prod.yaml"), stackText.one);
    for (const args of [
      ["promote", "--dir", single, "--local"],
      ["retire", "--dir", single, "--domain", "a.test"],
    ]) {
      const res = mtasts(args);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(
        `mtasts ${args[0]}: no stack given: ${args[0]} rewrites Pulumi.<stack>.yaml, so it never picks one; name it with -s/--stack NAME or PULUMI_STACK=NAME (stacks in ${single}: prod)\n`,
      );
    }
    expect(fs.readFileSync(path.join(single, "Pulumi.prod.yaml"), "utf8")).toBe(stackText.one);
  });

  it("-s, PULUMI_STACK and --stack Pulumi.<name>.yaml all name the stack; the domain is normalised", () => {
    const flag = mtasts([
      "retire",
      "-s",
      "one",
      "--dir",
      project,
      "--domain",
      "A.TEST.",
      "--dry-run",
      "--today",
      "2026-01-10",
    ]);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toMatch(/^a\.test: mode none, maxAge 86400, retireAfter 2026-01-12 /);
    const env = mtasts(
      ["retire", "--dir", project, "--domain", "a.test", "--dry-run", "--today", "2026-01-10"],
      { PULUMI_STACK: "one" },
    );
    expect([env.code, env.stdout]).toEqual([0, flag.stdout]);
    const file = mtasts([
      "retire",
      "--stack",
      "Pulumi.one.yaml",
      "--dir",
      project,
      "--domain",
      "a.test",
      "--dry-run",
      "--today",
      "2026-01-10",
    ]);
    expect([file.code, file.stdout]).toEqual([0, flag.stdout]);
    // The flag wins over the environment, as in the Pulumi CLI.
    expect(
      mtasts(["retire", "-s", "one", "--dir", project, "--domain", "a.test", "--dry-run"], {
        PULUMI_STACK: "nope",
      }).code,
    ).toBe(0);
  });

  it("a stack that does not exist is a usage error listing the stacks there", () => {
    const res = mtasts(["preflight", "-s", "nope", "--dir", project, "--aws", "off"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `mtasts preflight: no Pulumi.nope.yaml in ${project}; pass -s/--stack with an existing stack (stacks in ${project}: broken, one, types, typo)\n`,
    );
  });
});

describe("config errors: exit 1, the same lines from pulumi up's program and from every command", () => {
  const problems = (stderr: string) => ours(stderr).filter((l) => l.startsWith("  "));

  it("unknown keys with the nearest known one, in plan (index.ts), preflight, promote and retire alike", () => {
    const runs = [
      mtasts(["plan", "-s", "typo", "--dir", project]),
      mtasts(["preflight", "-s", "typo", "--dir", project, "--aws", "off"]),
      mtasts(["promote", "-s", "typo", "--dir", project, "--local", "--data", tmp]),
      mtasts(["retire", "-s", "typo", "--dir", project, "--domain", "a.test", "--dry-run"]),
    ];
    const expected = [
      "  mta-sts:domain: unknown key; did you mean mta-sts:domains?",
      "  mta-sts:reciever: unknown key; did you mean mta-sts:receiver?",
    ];
    for (const res of runs) {
      expect(res.code).toBe(1);
      expect(res.stdout).toBe("");
      expect(problems(res.stderr)).toEqual(expected);
      expect(res.stderr).not.toMatch(NO_TRACE);
    }
  });

  it("wrong types get the key's own message, never zod's", () => {
    const runs = [
      mtasts(["plan", "-s", "types", "--dir", project]),
      mtasts(["retire", "-s", "types", "--dir", project, "--domain", "a.test"]),
    ];
    for (const res of runs) {
      expect(res.code).toBe(1);
      expect(problems(res.stderr)).toEqual([
        '  mta-sts:domains[0] (a.test).ttl: must be a whole number of seconds, 60..86400; "300" is quoted text: write 300 without quotes',
        "  mta-sts:receiver.retentionDays: must be a whole number of days, 1..3650 (3650 is ten years)",
      ]);
      expect(res.stderr).not.toContain("Invalid input");
    }
  });

  it("a stack file that is not valid YAML is a config error (exit 1), in every command that reads it", () => {
    const file = path.join(project, "Pulumi.broken.yaml");
    const runs = [
      mtasts(["plan", "-s", "broken", "--dir", project]),
      mtasts(["preflight", "-s", "broken", "--dir", project, "--aws", "off"]),
      mtasts(["promote", "-s", "broken", "--dir", project, "--local", "--data", tmp]),
      mtasts(["retire", "-s", "broken", "--dir", project, "--domain", "a.test"]),
    ];
    for (const [i, res] of runs.entries()) {
      expect(res.code, `run ${i}`).toBe(1);
      expect(ours(res.stderr)).toEqual([
        expect.stringMatching(
          /^mtasts (plan|preflight|promote|retire): invalid stack config \(1 problem\):$/,
        ),
        expect.stringMatching(
          new RegExp(
            `^  ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: is not valid YAML: .* at line \\d+, column \\d+; check the indentation and quoting there`,
          ),
        ),
      ]);
      expect(res.stderr).not.toMatch(NO_TRACE);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(stackText.broken);
  });
});

describe("usage errors: exit 2", () => {
  it.each([
    [
      ["report", "--local", "--since", "2024-13-01"],
      "mtasts report: --since 2024-13-01: must be a date that exists, YYYY-MM-DD (e.g. 2024-03-01)",
    ],
    [
      ["report", "--local", "--domain", "exa mple.com"],
      'mtasts report: --domain "exa mple.com" is not a host name',
    ],
    [
      ["promote", "-s", "one", "--dir", project, "--today", "2023-02-29", "--local"],
      "mtasts promote: --today 2023-02-29: must be a date that exists",
    ],
    [
      ["receive", "--local", "--port", "70000"],
      "mtasts receive: --port 70000: must be a port number, 0..65535 (0: any free port)",
    ],
    [
      ["receive", "--local", "--smtp-port", "25x"],
      "mtasts receive: --smtp-port 25x: must be a port number",
    ],
    [["plan", "--format", "yaml"], "error: option '--format <format>' argument 'yaml' is invalid."],
  ])("%j", (args, line) => {
    const res = mtasts(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(line);
    expect(res.stderr).not.toMatch(NO_TRACE);
  });

  it("isoDate takes only days that exist", () => {
    expect(isoDate("--since", "2024-02-29")).toBe("2024-02-29");
    for (const bad of [
      "2024-13-01",
      "2023-02-29",
      "2024-1-01",
      "2024-01-01T00:00:00Z",
      "yesterday",
    ])
      expect(() => isoDate("--since", bad)).toThrow(UsageError);
  });
});

describe("colour", () => {
  it("only on a terminal, never with NO_COLOR (FORCE_COLOR stands in for a terminal here)", () => {
    expect(colourEnabled({ isTTY: true, write: () => true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false, write: () => true }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true, write: () => true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true, write: () => true }, { TERM: "dumb" })).toBe(false);
    expect(colourEnabled({ isTTY: false, write: () => true }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ isTTY: true, write: () => true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(errorStyle("x", { isTTY: true, write: () => true }, {})).toBe("\x1b[1;31mx\x1b[0m");

    const forced = mtasts(["plan", "-s", "nope", "--dir", project], { FORCE_COLOR: "1" });
    expect(forced.stderr.startsWith("\x1b[1;31mmtasts plan:\x1b[0m no Pulumi.nope.yaml")).toBe(
      true,
    );
    const plain = mtasts(["plan", "-s", "nope", "--dir", project], {
      FORCE_COLOR: "1",
      NO_COLOR: "1",
    });
    expect(plain.stderr.startsWith("mtasts plan: no Pulumi.nope.yaml")).toBe(true);
    expect(mtasts(["plan", "-s", "nope", "--dir", project]).stderr).not.toContain("\x1b[");
  });
});

describe("plan --progress", () => {
  it("says on stderr what is being planned, and keeps stdout for the plan", () => {
    // MTASTS_PROGRESS_DELAY_MS=0: the line a long plan prints after 2 s, at once.
    const res = mtasts(["plan", "-s", "one", "--dir", project, "--progress"], {
      MTASTS_PROGRESS_DELAY_MS: "0",
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^mtasts plan: planning stack one \(1 domain\) offline \(\d+ s\)\n/);
    expect(res.stdout.startsWith("Plan for stack one ")).toBe(true);
    expect(res.stdout).not.toContain("planning stack");
    // Not asked and not a terminal (a CI log): nothing.
    const quiet = mtasts(["plan", "-s", "one", "--dir", project], {
      MTASTS_PROGRESS_DELAY_MS: "0",
    });
    expect([quiet.code, quiet.stderr]).toEqual([0, ""]);
  });
});

describe("receive and report: one line for a port in use and a data directory in use", () => {
  const data = path.join(tmp, "data");
  let receiver: { child: ChildProcess; http: number } | undefined;
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [bin, ...args],
        { encoding: "utf8", env: baseEnv() },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [bin, "receive", "--local", "--port", "0", "--smtp-port", "0", "--data", data],
      { stdio: ["ignore", "pipe", "pipe"], env: baseEnv() },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c) => {
        out += c;
        if (out.includes("\n")) resolve(out);
      });
      child.once("exit", (code) => reject(new Error(`receiver exited ${code}`)));
    });
    receiver = { child, http: Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)![1]) };
    const res = await fetch(`http://127.0.0.1:${receiver.http}/`, {
      method: "POST",
      headers: { "content-type": "application/tlsrpt+json" },
      body: fs.readFileSync(path.join(FIXTURES, "rfc-mx-host-string.json")),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => receiver?.child.kill("SIGTERM"));

  it("a port in use: one line naming the address and the flag, exit 1", async () => {
    const held = net.createServer();
    await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
    const port = (held.address() as net.AddressInfo).port;
    try {
      const res = await run([
        "receive",
        "--local",
        "--port",
        String(port),
        "--smtp-port",
        "0",
        "--data",
        path.join(tmp, "other"),
      ]);
      expect(res.code).toBe(1);
      expect(ours(res.stderr)).toEqual([
        `mtasts receive: 127.0.0.1:${port} is already in use (another mtasts receive?); stop that process, or choose another port with --port N (0: any free port)`,
      ]);
      expect(res.stderr).not.toMatch(NO_TRACE);
    } finally {
      held.close();
    }
  });

  it("a data directory held by a running receiver: one line from report --local, promote --local and a second receive, exit 1", async () => {
    const report = await run(["report", "--local", "--data", data]);
    expect(report.code).toBe(1);
    expect(ours(report.stderr)).toEqual([
      `mtasts report: ${data} is in use by another process (an mtasts receive --local running on it?); stop it first (Ctrl-C where it runs), then run this again`,
    ]);
    expect(report.stderr).not.toMatch(NO_TRACE);
    const promote = await run([
      "promote",
      "-s",
      "one",
      "--dir",
      project,
      "--local",
      "--data",
      data,
    ]);
    expect(promote.code).toBe(1);
    expect(ours(promote.stderr)).toEqual([
      `mtasts promote: ${data} is in use by another process (an mtasts receive --local running on it?); stop it first (Ctrl-C where it runs), then run this again`,
    ]);
    const second = await run([
      "receive",
      "--local",
      "--port",
      "0",
      "--smtp-port",
      "0",
      "--data",
      data,
    ]);
    expect(second.code).toBe(1);
    expect(ours(second.stderr)).toEqual([
      `mtasts receive: ${data} is in use by another process (an mtasts receive --local running on it?); stop it first (Ctrl-C where it runs), or give this receiver another --data directory`,
    ]);
  });

  it("once it stops, report --domain takes the name in any case, as the config does", async () => {
    await new Promise<void>((resolve) => {
      receiver!.child.once("exit", () => resolve());
      receiver!.child.kill("SIGTERM");
    });
    const upper = await run([
      "report",
      "--local",
      "--data",
      data,
      "--domain",
      "ALPHA.Example.",
      "--format",
      "json",
    ]);
    expect(upper.code).toBe(0);
    const summary = JSON.parse(upper.stdout) as { domains: { domain: string }[] };
    expect(summary.domains.map((d) => d.domain)).toEqual(["alpha.example"]);
    const other = JSON.parse(
      (
        await run([
          "report",
          "--local",
          "--data",
          data,
          "--domain",
          "bravo.example",
          "--format",
          "json",
        ])
      ).stdout,
    ) as { domains: unknown[] };
    expect(other.domains).toEqual([]);
  });
});
