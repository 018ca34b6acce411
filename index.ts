// The Pulumi program: stack config -> components, nothing else. The library API is in
// lib.ts (the package root re-exports it when imported as a dependency).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, domainsToDeclare, parseStackConfigMap } from "./config";
import { MtaStsFleet } from "./components/mta-sts-fleet";
import { awsClientConfig } from "./world/aws";
import { evidenceReader } from "./world/evidence";
import { findExistingRecords } from "./world/existing-records";
import { lookUpActiveRuleSet } from "./world/ses";

let parsed;
let mxResolver: string | undefined;
try {
  // Every mta-sts:* key, through the same reader as the CLI: unknown keys and an empty stack are errors.
  const settings = parseStackConfigMap(pulumi.runtime.allConfig());
  const all = settings.config;
  mxResolver = settings.mxResolver;
  // MTASTS_TODAY pins the date for plans and tests; otherwise today, UTC.
  // Refuses `remove: true` before its retireAfter date; the fleet leaves removed domains out.
  domainsToDeclare(all, process.env.MTASTS_TODAY ?? new Date().toISOString().slice(0, 10));
  parsed = all;
} catch (err) {
  // RunError: Pulumi prints the message alone, without a stack trace, and declares nothing.
  if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
  throw err;
}

// The world edge: what the program reads before declaring, with the stack's own AWS identity
// (aws:region, aws:profile, aws:assumeRoles), never the default chain. Offline plans read nothing.
const offline = process.env.MTASTS_OFFLINE === "1";
const aws = offline
  ? {
      region:
        new pulumi.Config("aws").get("region") ??
        process.env.AWS_REGION ??
        process.env.AWS_DEFAULT_REGION,
    }
  : awsClientConfig(pulumi.runtime.allConfig());
const receiverOn = parsed.receiver.enabled && parsed.domains.some((d) => !d.remove);
if (receiverOn && !aws.region) {
  throw new pulumi.RunError(
    new ConfigError([
      "aws:region: is not set, and the TLS-RPT receiver (on by default) lives in a region (its functions, dashboard and SES inbound); set it with pulumi config set aws:region <region>, or turn the receiver off with mta-sts:receiver: { enabled: false }",
    ]).message,
  );
}

// The program is an async function (Pulumi awaits it; its result is the stack's outputs) so the
// fleet can declare its domains in batches (MtaStsFleet.create): a 10,000-domain stack then holds
// one batch's pending registrations at a time, not every domain's.
export = async () => {
  // Started here, not at module load: a lookup that fails before the program is called would be
  // an unhandled rejection, reported with a stack trace.
  const activeRuleSet =
    !offline && receiverOn && parsed.receiver.email && aws.region
      ? lookUpActiveRuleSet({ ...aws }, aws.region)
      : undefined;
  const fleet = await MtaStsFleet.create("mta-sts", {
    ...parsed,
    region: aws.region,
    activeRuleSet,
    openStore: offline ? undefined : evidenceReader(aws),
    // Records already at the names the stack writes in Cloudflare zones: refused, or taken over with adopt.
    existingRecords: offline ? undefined : findExistingRecords(parsed),
    // mtasts plan sets MTASTS_OFFLINE; a stack can name a resolver (mta-sts:mxResolver HOST:PORT).
    mxResolver: offline ? "offline" : mxResolver,
    today: process.env.MTASTS_TODAY,
  });
  return {
    /** Per domain: mode, policy id/text/URL, and every DNS record (copy the manual ones by hand). */
    domains: fleet.summary,
    policyBucket: fleet.site.bucketName,
    /** Records of the receiver's mail domain (SES verification, DKIM, MX), if email reports are on. */
    receiverRecords: fleet.receiverRecords,
    reportBucket: fleet.receiver?.bucketName,
    reportTable: fleet.receiver?.tableName,
  };
};
