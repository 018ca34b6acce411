// The `mtasts` command. Exit codes: 0 fine, 1 the input or the result is wrong (e.g. an
// invalid stack config), 2 a usage error (unknown option, missing stack file).
import { Command, CommanderError, Option } from "commander";
import { checkCommand } from "./check-command";
import { planCommand } from "./plan-command";
import { preflightCommand } from "./preflight-command";
import { promoteCommand } from "./promote-command";
import { receiveCommand } from "./receive-command";
import { reportCommand } from "./report-command";
import { retireCommand } from "./retire-command";
import { UsageError } from "./stack-file";

export function buildCli(): Command {
  const program = new Command("mtasts")
    .description("MTA-STS and TLS-RPT for many domains: plan offline, and more")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command("plan")
    .description("run the Pulumi program offline (mock runtime, no credentials) and print the DNS records, policies and resources")
    .option("--stack <name>", "stack whose Pulumi.<name>.yaml to read", "example")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .option("--diff <ref>", "compare with the plan of this git ref (its stack file planned with its own code): records, policies, resources")
    .option("--detailed-exitcode", "with --diff: exit 0 when nothing changed, 2 when something did, 1 on any error (usage errors too)")
    .option("--full-plan-url <url>", "markdown: where the full plan is (e.g. the workflow's artifact), named where the comment is cut")
    .option("--dir <path>", "project directory (holding Pulumi.yaml)", process.cwd())
    .addOption(new Option("--config-file <path>", "read config from this file instead of the stack file").hideHelp())
    .option("--existing", "also look up DNS: records that already exist at the plan's names, and CAA that forbids Amazon, become violations with their fix")
    .option("--resolver <host:port>", "DNS server for --existing instead of the system resolver")
    // --detailed-exitcode, as terraform plan's: 2 means "changes", so a usage error exits 1.
    .exitOverride((err) => {
      if (err.exitCode !== 0 && process.argv.includes("--detailed-exitcode")) process.exit(1);
      throw err;
    })
    .action(async (opts) => {
      process.exitCode = await planCommand(opts);
    });
  program
    .command("check")
    .description("check live domains the way a sending MTA sees them: TXT records, policy over HTTPS, MX coverage, STARTTLS")
    .argument("<domain...>", "domains to check")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--resolver <host:port>", "DNS server to ask instead of the system resolver")
    .option("--ca <file>", "PEM file of CA certificates to trust instead of the system roots")
    .option("--https-port <n>", "port of the policy host", "443")
    .option("--smtp-port <n>", "port of the MX hosts", "25")
    .option("--timeout <seconds>", "time limit per lookup, fetch and SMTP conversation", "10")
    .option("--concurrency <n>", "domains checked at once", "8")
    .option("--no-smtp", "skip the STARTTLS probes of the MX hosts")
    .action(async (domains: string[], opts) => {
      process.exitCode = await checkCommand(domains, opts);
    });
  program
    .command("preflight")
    .description("before the first pulumi up: read DNS and the stack's AWS account (read-only) and name every conflict with its fix")
    .requiredOption("--stack <name>", "stack whose Pulumi.<name>.yaml to read")
    .option("--dir <path>", "project directory (holding Pulumi.yaml)", process.cwd())
    .option("--resolver <host:port>", "DNS server to ask instead of the system resolver")
    .addOption(new Option("--aws <on|off>", "read the AWS account with the stack's credentials (off: DNS only; AWS checks listed as not checked)").choices(["on", "off"]).default("on"))
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--timeout <seconds>", "time limit per DNS lookup and AWS call", "10")
    .option("--concurrency <n>", "domains looked up at once", "8")
    .addHelpText(
      "after",
      "\nExamples:\n  mtasts preflight --stack prod\n  mtasts preflight --stack prod --aws off --format json\n  mtasts preflight --stack staging --resolver 10.0.0.2:53\n\nExit status: 0 no conflicts, 1 conflicts found (or an invalid stack config), 2 usage error.",
    )
    .action(async (opts) => {
      process.exitCode = await preflightCommand(opts);
    });
  program
    .command("receive")
    .description("run the TLS-RPT receiver on this machine: HTTP and SMTP listeners, local S3 + DynamoDB")
    .option("--local", "run locally (the only mode here; in AWS the Lambda functions run the same code)")
    .option("--port <n>", "HTTP port for POSTed reports", "8025")
    .option("--smtp-port <n>", "SMTP port that plays SES inbound", "2525")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--data <dir>", "where reports and aggregates are kept", "./.mta-sts-data")
    .addOption(new Option("--dkim <on|off>", "verify DKIM on email reports (off: local experiments only)").choices(["on", "off"]).default("on"))
    .option("--resolver <host:port>", "DNS server to ask for DKIM keys instead of the system resolver")
    .action(async (opts) => {
      process.exitCode = await receiveCommand(opts);
    });

  program
    .command("report")
    .description("print the daily TLS-RPT aggregates per domain")
    .option("--local", "read the local receiver's data directory")
    .option("--data <dir>", "data directory of mtasts receive --local", "./.mta-sts-data")
    .option("--table <name>", "DynamoDB table of the deployed receiver (stack output reportTable)")
    .option("--bucket <name>", "S3 bucket of the deployed receiver (stack output reportBucket)")
    .option("--domain <domain>", "only this domain")
    .option("--since <YYYY-MM-DD>", "only days from this one")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (opts) => {
      process.exitCode = await reportCommand(opts);
    });
  program
    .command("promote")
    .description("move domains from testing to enforce on the receiver's evidence: prints each decision, rewrites Pulumi.<stack>.yaml for the ready ones")
    .option("--stack <name>", "stack whose Pulumi.<name>.yaml to read and rewrite", "example")
    .option("--dir <path>", "project directory (holding Pulumi.yaml)", process.cwd())
    .option("--domain <domain>", "only this domain")
    .option("--dry-run", "decide and print, write nothing")
    .option("--resolver <host:port>", "DNS server for the live MX check")
    .option("--local", "read evidence from the local receiver's data directory")
    .option("--data <dir>", "data directory of mtasts receive --local", "./.mta-sts-data")
    .option("--table <name>", "DynamoDB table of the deployed receiver (stack output reportTable)")
    .addOption(new Option("--today <YYYY-MM-DD>", "the date to decide on (default: today, UTC)").hideHelp())
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (opts) => {
      process.exitCode = await promoteCommand(opts);
    });
  program
    .command("retire")
    .description("start removing a domain (RFC 8461 8.3): mode none with a short max_age, and the date from which remove: true is accepted")
    .requiredOption("--domain <domain>", "the domain to retire")
    .option("--stack <name>", "stack whose Pulumi.<name>.yaml to rewrite", "example")
    .option("--dir <path>", "project directory (holding Pulumi.yaml)", process.cwd())
    .option("--max-age <seconds>", "max_age of the none policy", "86400")
    .option("--dry-run", "print, write nothing")
    .addOption(new Option("--today <YYYY-MM-DD>", "the date to count from (default: today, UTC)").hideHelp())
    .action(async (opts) => {
      process.exitCode = await retireCommand(opts);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`mtasts: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`mtasts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

if (require.main === module || process.env.MTASTS_BIN === "1") {
  main(process.argv.slice(2)).then((code) => {
    // Flush before leaving: stdout may be a pipe, and the SDK may hold handles open.
    process.stdout.write("", () => process.exit(code));
  });
}
