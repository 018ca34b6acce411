// `mtasts promote`: for each domain in testing with a promotion rule, weigh the receiver's
// evidence for the policy now published and check the live MX hosts; for the ready ones,
// rewrite Pulumi.<stack>.yaml to `mode: enforce`, keeping comments and layout, so a
// scheduled pipeline can open a pull request whose diff is the promotion.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ConfigError,
  type DomainConfig,
  parseStackConfigMap,
  type ReceiverConfig,
} from "../config";
import { DEFAULT_MAX_AGE } from "../protocol/mta-sts";
import { decidePromotion, type PromotionDecision } from "../protocol/promotion";
import { toALabels } from "../protocol/dns-name";
import type { WeighedEvidence } from "../receiver/evidence";
import { ReceiverStore } from "../receiver/store";
import { awsClientConfig } from "../world/aws";
import { evidenceReader } from "../world/evidence";
import { currentPolicyIds, today as todayUtc, weighedEvidence } from "../world/promotion";
import { liveMxCoverage, type MxCoverage } from "../net/mx-coverage";
import { makeResolver, parseResolverAddress } from "../net/resolver";
import { assertDataDirFree } from "./data-dir";
import { startAwsLocal } from "./local-aws";
import { setEnforce } from "./stack-edit";
import {
  configFromStackText,
  readProject,
  stackFileName,
  stackFilePath,
  UsageError,
} from "./stack-file";

export interface PromoteOptions {
  stack: string;
  dir: string;
  domain?: string;
  dryRun?: boolean;
  resolver?: string;
  local?: boolean;
  data: string;
  table?: string;
  today?: string;
  format: "text" | "json";
}

export interface DomainPromotion {
  domain: string;
  policyId: string;
  decision: PromotionDecision;
  mxCheck: MxCoverage;
  promote: boolean;
  /** STS sessions in reports below the rule's trust level: shown, never counted. */
  setAside: WeighedEvidence["setAside"];
}

async function openStore(
  opts: PromoteOptions,
  stackConfig: Record<string, string>,
): Promise<{ store: ReceiverStore; close: () => Promise<void> }> {
  if (opts.local) {
    const dir = path.resolve(opts.data);
    if (!fs.existsSync(path.join(dir, "dynamodb")))
      throw new UsageError(`--data ${dir} holds no receiver data`);
    await assertDataDirFree(dir, "promote"); // held by a running receiver: one line, not dynalite's late trace
    const aws = await startAwsLocal({ dataDir: dir, s3: false });
    return {
      store: new ReceiverStore({
        s3: aws.s3,
        dynamodb: aws.dynamodb,
        bucket: aws.bucket,
        table: aws.table,
      }),
      close: aws.close,
    };
  }
  if (!opts.table)
    throw new UsageError("give --local --data DIR, or --table NAME (the stack output reportTable)");
  // The stack's own AWS identity (aws:region, aws:profile, aws:assumeRoles), as pulumi up uses it.
  return { store: evidenceReader(awsClientConfig(stackConfig))(opts.table), close: async () => {} };
}

export async function promoteCommand(opts: PromoteOptions): Promise<number> {
  const project = readProject(path.resolve(opts.dir));
  const file = stackFilePath(project.dir, opts.stack);
  if (opts.today && !/^\d{4}-\d{2}-\d{2}$/.test(opts.today))
    throw new UsageError(`--today ${opts.today} must be YYYY-MM-DD`);
  const text = fs.readFileSync(file, "utf8");
  const raw = configFromStackText(text, project.name, file);
  let domains: readonly DomainConfig[];
  let receiver: ReceiverConfig;
  try {
    ({ domains, receiver } = parseStackConfigMap(raw).config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mtasts promote: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const candidates = domains.filter(
    (d) =>
      d.mode === "testing" && d.promotion && (!opts.domain || d.domain === toALabels(opts.domain)),
  );
  const resolver = makeResolver({
    server: opts.resolver ? parseResolverAddress(opts.resolver) : undefined,
    timeoutMs: 10_000,
  });
  const today = opts.today ?? todayUtc();
  const { store, close } = await openStore(opts, raw);
  const results: DomainPromotion[] = [];
  try {
    for (const d of candidates) {
      // The id of the testing policy now published, exactly as MtaStsDomain computes it.
      const id = currentPolicyIds(d).testing;
      const evidence = await weighedEvidence(store, d, receiver.reporters);
      const decision = decidePromotion(d.promotion!, id, evidence.days, today);
      const mxCheck = decision.ready
        ? await liveMxCoverage(d.domain, d.mx, resolver)
        : ({
            status: "not-run",
            message: "not checked: the evidence is not enough yet",
          } as MxCoverage);
      results.push({
        domain: d.domain,
        policyId: id,
        decision,
        mxCheck,
        promote: decision.ready && mxCheck.status === "pass",
        setAside: evidence.setAside,
      });
    }
  } finally {
    await close();
  }

  const ready = results.filter((r) => r.promote);
  if (ready.length > 0 && !opts.dryRun) {
    fs.writeFileSync(
      file,
      ready.reduce((t, r) => setEnforce(t, r.domain), text),
    );
  }
  if (opts.format === "json")
    process.stdout.write(
      `${JSON.stringify({ stack: opts.stack, today, dryRun: !!opts.dryRun, domains: results }, null, 2)}\n`,
    );
  else {
    const out: string[] = [];
    if (candidates.length === 0)
      out.push(
        `no domain in testing with a promotion rule${opts.domain ? ` named ${opts.domain}` : ""}`,
      );
    for (const r of results) {
      const f = r.decision.figures;
      out.push(
        `${r.domain}: ${r.promote ? "READY -> enforce" : "not ready"} (policy ${r.policyId})`,
      );
      out.push(
        `  window ${r.decision.window.from ?? "-"} .. ${r.decision.window.to ?? "-"} (${r.decision.window.days} days); ${f.sessions} sessions, ${f.stsFailures} STS failures (${(f.failureRate * 100).toFixed(3)}%), reporters ${f.reporters.join(", ") || "none"}`,
      );
      for (const reason of r.decision.reasons) out.push(`  - ${reason}`);
      const aside = r.setAside.signed + r.setAside.unsigned + r.setAside.known;
      if (aside > 0)
        out.push(
          `  - not counted (below promotion.evidence): ${r.setAside.unsigned} sessions in unsigned reports, ${r.setAside.signed} signed by unknown reporters`,
        );
      out.push(`  - live MX: ${r.mxCheck.status}: ${r.mxCheck.message}`);
    }
    if (ready.length > 0) {
      out.push(
        opts.dryRun
          ? `dry run: ${stackFileName(opts.stack)} left unchanged`
          : `${stackFileName(opts.stack)}: ${ready.map((r) => r.domain).join(", ")} set to mode: enforce (max_age follows the enforce default, ${DEFAULT_MAX_AGE.enforce}, unless maxAge is set)`,
      );
    }
    process.stdout.write(`${out.join("\n")}\n`);
  }
  return 0;
}
