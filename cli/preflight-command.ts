// `mtasts preflight` wiring: stack file -> parsed config -> resolver and the stack's AWS clients
// -> checks -> output and exit status (0 no conflicts, 1 conflicts or an invalid config, 2 usage).
import * as path from "node:path";
import { ACMClient } from "@aws-sdk/client-acm";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { SESClient } from "@aws-sdk/client-ses";
import { ConfigError, parseStackConfigMap, type StackConfig } from "../config";
import { makeResolver, parseResolverAddress } from "../net/resolver";
import { makeZoneRecords } from "../net/zone-records";
import { awsClientConfig } from "../world/aws";
import { errorLine } from "./preflight/finding";
import { type AwsClients, type PreflightDeps, runPreflight } from "./preflight/preflight";
import { renderPreflightJson, renderPreflightText } from "./preflight/render";
import { readProject, readStackConfig, UsageError } from "./stack-file";

export interface PreflightOptions {
  stack: string;
  dir: string;
  resolver?: string;
  aws: "on" | "off";
  format: "text" | "json";
  timeout: string;
  concurrency: string;
}

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`${name} ${value} must be a number in (0, ${max}]`);
  return n;
}

/** The stack's own account: clients with its region and credentials (CloudFront and ACM quotas live in us-east-1). */
function awsClients(raw: Record<string, string>): {
  region: string | undefined;
  aws: AwsClients | { skip: string };
  close: () => void;
} {
  let config;
  try {
    config = awsClientConfig(raw);
  } catch (err) {
    return {
      region: undefined,
      aws: { skip: `the stack's AWS config: ${errorLine(err)}` },
      close: () => {},
    };
  }
  const common = { credentials: config.credentials, maxAttempts: 2 };
  const clients = {
    ses: new SESClient({ ...common, region: config.region }),
    lambda: new LambdaClient({ ...common, region: config.region }),
    quotas: new ServiceQuotasClient({ ...common, region: "us-east-1" }),
    acm: new ACMClient({ ...common, region: "us-east-1" }),
  };
  return {
    region: config.region,
    aws: clients,
    close: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}

export async function preflightCommand(opts: PreflightOptions): Promise<number> {
  const project = readProject(path.resolve(opts.dir));
  const raw = readStackConfig(project, opts.stack);
  const timeoutMs = positive("--timeout", opts.timeout, 600) * 1000;
  const concurrency = positive("--concurrency", opts.concurrency, 256);
  let server: string | undefined;
  try {
    server = opts.resolver ? parseResolverAddress(opts.resolver) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  let config: StackConfig;
  try {
    config = parseStackConfigMap(raw).config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mtasts preflight: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const account =
    opts.aws === "off"
      ? { region: stackRegion(raw), aws: { skip: "--aws off" }, close: () => {} }
      : awsClients(raw);
  const deps: PreflightDeps = {
    dns: {
      resolver: makeResolver({ server, timeoutMs }),
      zone: makeZoneRecords({ server, timeoutMs }),
    },
    region: account.region,
    aws: account.aws,
    timeoutMs,
    concurrency,
  };
  try {
    const report = await runPreflight(opts.stack, config, deps);
    process.stdout.write(
      opts.format === "json" ? renderPreflightJson(report) : renderPreflightText(report),
    );
    return report.conflicts > 0 ? 1 : 0;
  } finally {
    account.close();
  }
}

/** The region without building credentials (--aws off still checks that SES receives email there). */
function stackRegion(raw: Record<string, string>): string | undefined {
  try {
    return awsClientConfig(raw).region;
  } catch {
    return raw["aws:region"];
  }
}
