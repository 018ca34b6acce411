// The `mtasts` command. Exit codes: 0 fine, 1 the input or the result is wrong (an invalid stack
// config, a stack file that is not valid YAML, a failed check, a port in use), 2 a usage error
// (unknown option or value, a stack that does not exist or was not named).
// Each command's module is require()d when it runs, so `mtasts check --help` loads neither the
// Pulumi nor the AWS SDK. require(), not import(): bin/mtasts.cjs runs the sources through tsx's
// require hook, under which a dynamic import() of a .ts file fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { CommandFailure, UsageError } from "./errors";
import { errorStyle, startProgress } from "./term";

/* eslint-disable @typescript-eslint/no-require-imports -- command modules load lazily, see above */
const commands = {
  plan: () => require("./plan-command") as typeof import("./plan-command"),
  check: () => require("./check-command") as typeof import("./check-command"),
  preflight: () => require("./preflight-command") as typeof import("./preflight-command"),
  // Its modules import the local servers and mail parsers at load: name the missing ones first.
  receive: () => {
    (require("./optional-deps") as typeof import("./optional-deps")).assertInstalled(
      "mtasts receive",
    );
    return require("./receive-command") as typeof import("./receive-command");
  },
  report: () => require("./report-command") as typeof import("./report-command"),
  promote: () => require("./promote-command") as typeof import("./promote-command"),
  retire: () => require("./retire-command") as typeof import("./retire-command"),
  stackFile: () => require("./stack-file") as typeof import("./stack-file"),
  options: () => require("./options") as typeof import("./options"),
};
/* eslint-enable @typescript-eslint/no-require-imports */

const stackOption = (what: string) =>
  new Option(
    "-s, --stack <name>",
    `${what}; Pulumi.<name>.yaml and org/project/<name> work too`,
  ).env("PULUMI_STACK");
const dirOption = () =>
  new Option("--dir <path>", "project directory (holding Pulumi.yaml)").default(
    process.cwd(),
    "the current directory",
  );

function help(examples: string[], exit: string): string {
  return `\nExamples:\n${examples.map((e) => `  ${e}`).join("\n")}\n\nExit status: ${exit}\n`;
}

/**
 * The stack a command works on: -s/--stack or PULUMI_STACK; the only stack of the project for
 * commands that only read. Its file must exist (checked before the command's modules load).
 */
function stackFor(
  command: string,
  opts: { dir: string; stack?: string; configFile?: string },
  writes: boolean,
): string {
  const { resolveStack, stackFilePath } = commands.stackFile();
  const dir = path.resolve(opts.dir);
  const stack = resolveStack(dir, opts.stack, { command, writes });
  if (opts.configFile === undefined) stackFilePath(dir, stack);
  return stack;
}

/** How many domains the stack lists, for the progress line (nothing when the file cannot say). */
function domainCount(dir: string, stack: string, configFile?: string): string {
  try {
    const { configFromStackText, readProject, readStackConfig } = commands.stackFile();
    const project = readProject(path.resolve(dir));
    const map = configFile
      ? configFromStackText(fs.readFileSync(configFile, "utf8"), project.name, configFile)
      : readStackConfig(project, stack);
    const domains = JSON.parse(map["mta-sts:domains"] ?? "[]") as unknown[];
    return ` (${domains.length} domain${domains.length === 1 ? "" : "s"})`;
  } catch {
    return "";
  }
}

function version(): string {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    return "unknown";
  }
}

export function buildCli(): Command {
  const program = new Command("mtasts")
    .description(
      "MTA-STS and TLS-RPT for many domains: plan offline, check live domains, receive reports, promote and retire",
    )
    .version(version(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText(
      "after",
      "\nStacks: -s/--stack NAME, else PULUMI_STACK. plan and preflight take the project's only stack when\n" +
        "there is one; promote and retire rewrite Pulumi.<stack>.yaml, so they need it named.\n" +
        "Colour: only on a terminal; NO_COLOR=1 turns it off.\n\n" +
        "Exit status:\n" +
        "  0  success\n" +
        "  1  the input or the result is wrong: an invalid stack config (a stack file that is not valid\n" +
        "     YAML included), a failed check, conflicts found, a port in use\n" +
        "  2  usage error: an unknown option or value, a stack that does not exist or was not named\n",
    );

  program
    .command("plan")
    .description(
      "run the Pulumi program offline (mock runtime, no credentials) and print the DNS records, policies and resources",
    )
    .addOption(stackOption("stack whose Pulumi.<name>.yaml to read"))
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["text", "markdown", "json"])
        .default("text"),
    )
    .option(
      "--diff <ref>",
      "compare with the plan of this git ref (its stack file planned with its own code): records, policies, resources",
    )
    .option(
      "--detailed-exitcode",
      "with --diff: exit 0 when nothing changed, 2 when something did, 1 on any error (usage errors too)",
    )
    .option(
      "--full-plan-url <url>",
      "markdown: where the full plan is (e.g. the workflow's artifact), named where the comment is cut",
    )
    .addOption(dirOption())
    .option(
      "--program <path>",
      "the Pulumi program to run, if not Pulumi.yaml's main (any program that declares MtaStsFleet or MtaStsDomain)",
    )
    .addOption(
      new Option(
        "--config-file <path>",
        "read config from this file instead of the stack file",
      ).hideHelp(),
    )
    .option(
      "--existing",
      "also look up DNS: records that already exist at the plan's names, and CAA that forbids Amazon, become violations with their fix",
    )
    .option("--resolver <host:port>", "DNS server for --existing instead of the system resolver")
    .option(
      "--progress",
      "say on stderr what is being planned while it takes longer than 2 s (default: only on a terminal)",
    )
    .addHelpText(
      "after",
      help(
        [
          "mtasts plan -s production",
          "mtasts plan -s production --format markdown --diff origin/main > plan.md",
          "PULUMI_STACK=staging mtasts plan --format json",
          "mtasts plan -s dev --program src/mail.ts",
        ],
        "0 planned; 1 an invalid stack config, a mandatory policy violation or a base (--diff) that cannot be planned; 2 usage error. With --detailed-exitcode: 0 no changes, 2 changes, 1 any error.",
      ),
    )
    // --detailed-exitcode, as terraform plan's: 2 means "changes", so a usage error exits 1.
    .exitOverride((err) => {
      if (err.exitCode !== 0 && process.argv.includes("--detailed-exitcode")) process.exit(1);
      throw err;
    })
    .action(async (opts) => {
      const stack = stackFor("plan", opts, false);
      const progress = startProgress(
        () =>
          `mtasts plan: planning stack ${stack}${domainCount(opts.dir, stack, opts.configFile)} offline`,
        {
          asked: opts.progress === true,
          // Tests shorten the wait; people get the line only for work longer than about 2 s.
          delayMs: Number(process.env.MTASTS_PROGRESS_DELAY_MS ?? 2000),
          outputs: [process.stdout, process.stderr],
        },
      );
      try {
        process.exitCode = await commands.plan().planCommand({ ...opts, stack });
      } finally {
        progress.stop();
      }
    });
  program
    .command("check")
    .description(
      "check live domains the way a sending MTA sees them: TXT records, policy over HTTPS, MX coverage, STARTTLS",
    )
    .argument("<domain...>", "domains to check")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .option("--resolver <host:port>", "DNS server to ask instead of the system resolver")
    .option("--ca <file>", "PEM file of CA certificates to trust instead of the system roots")
    .option("--https-port <n>", "port of the policy host", "443")
    .option("--smtp-port <n>", "port of the MX hosts", "25")
    .option("--timeout <seconds>", "time limit per lookup, fetch and SMTP conversation", "10")
    .option("--concurrency <n>", "domains checked at once", "8")
    .option("--no-smtp", "skip the STARTTLS probes of the MX hosts")
    .addHelpText(
      "after",
      help(
        [
          "mtasts check example.com",
          "mtasts check example.com example.org --format json",
          "mtasts check example.com --no-smtp --resolver 1.1.1.1:53",
        ],
        "0 every check passed; 1 a check failed; 2 usage error.",
      ),
    )
    .action(async (domains: string[], opts) => {
      process.exitCode = await commands.check().checkCommand(domains, opts);
    });
  program
    .command("preflight")
    .description(
      "before the first pulumi up: read DNS and the stack's AWS account (read-only) and name every conflict with its fix",
    )
    .addOption(stackOption("stack whose Pulumi.<name>.yaml to read"))
    .addOption(dirOption())
    .option("--resolver <host:port>", "DNS server to ask instead of the system resolver")
    .addOption(
      new Option(
        "--aws <on|off>",
        "read the AWS account with the stack's credentials (off: DNS only; AWS checks listed as not checked)",
      )
        .choices(["on", "off"])
        .default("on"),
    )
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .option("--timeout <seconds>", "time limit per DNS lookup and AWS call", "10")
    .option("--concurrency <n>", "domains looked up at once", "8")
    .addHelpText(
      "after",
      help(
        [
          "mtasts preflight -s prod",
          "mtasts preflight -s prod --aws off --format json",
          "mtasts preflight -s staging --resolver 10.0.0.2:53",
        ],
        "0 no conflicts; 1 conflicts found (or an invalid stack config); 2 usage error.",
      ),
    )
    .action(async (opts) => {
      process.exitCode = await commands
        .preflight()
        .preflightCommand({ ...opts, stack: stackFor("preflight", opts, false) });
    });
  program
    .command("receive")
    .description(
      "run the TLS-RPT receiver on this machine: HTTP and SMTP listeners, local S3 + DynamoDB",
    )
    .option(
      "--local",
      "run locally (the only mode here; in AWS the Lambda functions run the same code)",
    )
    .option("--port <n>", "HTTP port for POSTed reports (0: any free port)", "8025")
    .option("--smtp-port <n>", "SMTP port that plays SES inbound (0: any free port)", "2525")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--data <dir>", "where reports and aggregates are kept", "./.mta-sts-data")
    .addOption(
      new Option("--dkim <on|off>", "verify DKIM on email reports (off: local experiments only)")
        .choices(["on", "off"])
        .default("on"),
    )
    .option(
      "--resolver <host:port>",
      "DNS server to ask for DKIM keys instead of the system resolver",
    )
    .addHelpText(
      "after",
      help(
        [
          "mtasts receive --local",
          "mtasts receive --local --port 8080 --smtp-port 2526 --data ./reports",
          "curl --data-binary @report.json -H 'content-type: application/tlsrpt+json' http://127.0.0.1:8025/",
        ],
        "0 stopped (Ctrl-C); 1 could not start (a port in use, the data directory held by another receiver); 2 usage error.",
      ),
    )
    .action(async (opts) => {
      const { portOption } = commands.options();
      portOption("--port", opts.port);
      portOption("--smtp-port", opts.smtpPort);
      process.exitCode = await commands.receive().receiveCommand(opts);
    });

  program
    .command("report")
    .description("print the daily TLS-RPT aggregates per domain")
    .option("--local", "read the local receiver's data directory")
    .option("--data <dir>", "data directory of mtasts receive --local", "./.mta-sts-data")
    .option("--table <name>", "DynamoDB table of the deployed receiver (stack output reportTable)")
    .option("--bucket <name>", "S3 bucket of the deployed receiver (stack output reportBucket)")
    .option(
      "--domain <domain>",
      "only this domain (IDNs and capitals are fine: example.com, EXAMPLE.com and bücher.example are normalised)",
    )
    .option("--since <YYYY-MM-DD>", "only days from this one")
    .addOption(
      new Option(
        "--format <format>",
        "text, json, csv (one row per domain, day, measure and name) or html (one self-contained page with charts)",
      )
        .choices(["text", "json", "html", "csv"])
        .default("text"),
    )
    .option(
      "--out <file>",
      "write the report to this file (replaced if it exists) instead of stdout",
    )
    .option(
      "-s, --stack <name>",
      "also read Pulumi.<name>.yaml: each domain's mode, and for testing domains with a rule what promotion still needs",
    )
    .addOption(dirOption())
    .addOption(
      new Option(
        "--today <YYYY-MM-DD>",
        "the date promotion is decided on (default: today, UTC)",
      ).hideHelp(),
    )
    .addHelpText(
      "after",
      help(
        [
          "mtasts report --local",
          "mtasts report --local --domain example.com --since 2024-03-01 --format json",
          "mtasts report --local -s dev --format html --out report.html",
          "mtasts report --table <reportTable> --bucket <reportBucket> --format csv > report.csv",
        ],
        "0 printed; 1 the data could not be read (e.g. the data directory is held by a running receiver) or an invalid stack config; 2 usage error (e.g. an unknown --format, --out naming a directory).",
      ),
    )
    .action(async (opts) => {
      const stack = opts.stack === undefined ? undefined : stackFor("report", opts, false);
      process.exitCode = await commands.report().reportCommand({ ...opts, stack });
    });
  program
    .command("promote")
    .description(
      "move domains from testing to enforce on the receiver's evidence: prints each decision, rewrites Pulumi.<stack>.yaml for the ready ones",
    )
    .addOption(stackOption("stack whose Pulumi.<name>.yaml to read and rewrite; required"))
    .addOption(dirOption())
    .option("--domain <domain>", "only this domain")
    .option("--dry-run", "decide and print, write nothing")
    .option("--resolver <host:port>", "DNS server for the live MX check")
    .option("--local", "read evidence from the local receiver's data directory")
    .option("--data <dir>", "data directory of mtasts receive --local", "./.mta-sts-data")
    .option("--table <name>", "DynamoDB table of the deployed receiver (stack output reportTable)")
    .addOption(
      new Option("--today <YYYY-MM-DD>", "the date to decide on (default: today, UTC)").hideHelp(),
    )
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      help(
        [
          "mtasts promote -s production --table <reportTable> --dry-run",
          "mtasts promote -s production --table <reportTable>     # then open a pull request with Pulumi.production.yaml",
          "mtasts promote -s dev --local --data ./.mta-sts-data --domain example.com",
        ],
        "0 decided (whether or not a domain was promoted); 1 an invalid stack config, or evidence that could not be read; 2 usage error (e.g. no stack named).",
      ),
    )
    .action(async (opts) => {
      const { domainOption, isoDate } = commands.options();
      const stack = stackFor("promote", opts, true);
      const domain = opts.domain === undefined ? undefined : domainOption("--domain", opts.domain);
      const today = opts.today === undefined ? undefined : isoDate("--today", opts.today);
      process.exitCode = await commands.promote().promoteCommand({ ...opts, stack, domain, today });
    });
  program
    .command("retire")
    .description(
      "start removing a domain (RFC 8461 8.3): mode none with a short max_age, and the date from which remove: true is accepted",
    )
    .requiredOption("--domain <domain>", "the domain to retire")
    .addOption(stackOption("stack whose Pulumi.<name>.yaml to rewrite; required"))
    .addOption(dirOption())
    .option("--max-age <seconds>", "max_age of the none policy", "86400")
    .option("--dry-run", "print, write nothing")
    .addOption(
      new Option("--today <YYYY-MM-DD>", "the date to count from (default: today, UTC)").hideHelp(),
    )
    .addHelpText(
      "after",
      help(
        [
          "mtasts retire -s production --domain old.example.com --dry-run",
          "mtasts retire -s production --domain old.example.com   # then pulumi up; remove: true from the date it prints",
        ],
        "0 done (or already retiring); 1 an invalid stack config; 2 usage error (e.g. no stack named, a domain the stack does not list).",
      ),
    )
    .action(async (opts) => {
      const { domainOption, isoDate } = commands.options();
      const stack = stackFor("retire", opts, true);
      const today = opts.today === undefined ? undefined : isoDate("--today", opts.today);
      process.exitCode = await commands
        .retire()
        .retireCommand({ ...opts, stack, domain: domainOption("--domain", opts.domain), today });
    });
  return program;
}

/** Errors whose message is the whole story, printed as one line; by name, so that this module loads none of their modules. */
const EXIT_BY_NAME: Readonly<Record<string, number>> = {
  UsageError: 2,
  ConfigError: 1,
  CommandFailure: 1,
  MissingPackageError: 1,
};

export async function main(argv: string[]): Promise<number> {
  let command = "";
  const print = (message: string) =>
    process.stderr.write(
      `${errorStyle(`mtasts${command ? ` ${command}` : ""}:`, process.stderr)} ${message}\n`,
    );
  try {
    const program = buildCli();
    program.hook("preAction", (_, action) => {
      command = action.name();
    });
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || err instanceof CommandFailure) {
      print(err.message);
      // plan --detailed-exitcode keeps 2 for "changes": every failure is 1 there (no stack named included).
      return err instanceof UsageError &&
        !(command === "plan" && argv.includes("--detailed-exitcode"))
        ? 2
        : 1;
    }
    const name =
      err instanceof Error ? (err.name !== "Error" ? err.name : err.constructor.name) : "";
    if (err instanceof Error && EXIT_BY_NAME[name] !== undefined) {
      print(err.message);
      return EXIT_BY_NAME[name];
    }
    print(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}

if (require.main === module || process.env.MTASTS_BIN === "1") {
  main(process.argv.slice(2)).then((code) => {
    // Flush before leaving: stdout may be a pipe, and the SDK may hold handles open.
    process.stdout.write("", () => process.exit(code));
  });
}
