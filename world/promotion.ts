// The state of the world a promotion weighs, in one place for `pulumi up` (promotion.apply:
// auto) and `mtasts promote`: the ids of the policy now published, the receiver's evidence
// weighed by trust, the live MX hosts, and today. Components only declare; they get the
// answer as an Output.
import * as pulumi from "@pulumi/pulumi";
import type { DomainConfig } from "../config";
import { liveMxCoverage, type MxCoverage } from "../net/mx-coverage";
import type { CheckResolver } from "../net/resolver";
import { DEFAULT_MAX_AGE, policyId, renderPolicy } from "../protocol/mta-sts";
import { decidePromotion, type PromotionDecision } from "../protocol/promotion";
import { type KnownReporter, reporterList } from "../protocol/trust";
import { evidenceFromAggregates, type WeighedEvidence } from "../receiver/evidence";
import type { ReceiverStore } from "../receiver/store";

/** Today, UTC (MTASTS_TODAY pins it for plans and tests). */
export const today = (env: NodeJS.ProcessEnv = process.env): string =>
  env.MTASTS_TODAY ?? new Date().toISOString().slice(0, 10);

/**
 * The ids reporters may have seen for a domain in testing: the testing policy now published,
 * and the enforce policy it becomes (once promoted, its days continue the window).
 */
export function currentPolicyIds(d: DomainConfig): { testing: string; enforce: string } {
  return {
    testing: policyId(renderPolicy({ mode: "testing", mx: d.mx, maxAge: d.maxAge })),
    enforce: policyId(
      renderPolicy({
        mode: "enforce",
        mx: d.mx,
        maxAge: d.maxAgeSet ? d.maxAge : DEFAULT_MAX_AGE.enforce,
      }),
    ),
  };
}

/** A domain's evidence from the receiver's store, weighed by the trust its rule accepts. */
export async function weighedEvidence(
  store: Pick<ReceiverStore, "aggregates">,
  d: DomainConfig,
  reporters: readonly KnownReporter[] = [],
): Promise<WeighedEvidence> {
  return evidenceFromAggregates(await store.aggregates(d.domain), {
    accept: d.promotion?.evidence ?? "known",
    reporters: reporterList(reporters),
  });
}

export interface AutoDecision {
  /** promote: publish enforce; stay: keep testing; not-run: could not decide (offline, no receiver). */
  readonly outcome: "promote" | "stay" | "not-run";
  readonly reasons: string[];
  readonly decision?: PromotionDecision;
  readonly mxCheck?: MxCoverage;
  /** STS sessions in reports below the rule's trust level (shown, never counted). */
  readonly setAside?: WeighedEvidence["setAside"];
}

export interface AutoPromotionDeps {
  /** The receiver's table name (known after its first deploy). */
  readonly tableName?: pulumi.Input<string>;
  /** Opens the store on that table, with the stack's own AWS identity (world/evidence.ts). */
  readonly openStore?: (table: string) => Pick<ReceiverStore, "aggregates">;
  readonly resolver?: CheckResolver;
  readonly today: string;
  /** mta-sts:receiver.reporters. */
  readonly reporters?: readonly KnownReporter[];
}

/** promotion.apply auto: the decision as an Output the fleet wires into the domain's mode. */
export function autoPromotion(
  d: DomainConfig,
  deps: AutoPromotionDeps,
): pulumi.Output<AutoDecision> {
  if (!d.promotion || d.promotion.apply !== "auto" || d.mode !== "testing") {
    return pulumi.output({
      outcome: "not-run" as const,
      reasons: ["no automatic promotion for this domain"],
    });
  }
  if (!deps.tableName || !deps.openStore || !deps.resolver) {
    return pulumi.output({
      outcome: "not-run" as const,
      reasons: ["not run: needs the receiver's table and DNS (offline plans do not read them)"],
    });
  }
  const ready = {
    openStore: deps.openStore,
    resolver: deps.resolver,
    today: deps.today,
    reporters: deps.reporters,
  };
  return pulumi.output(deps.tableName).apply((table) => decideAuto(d, table, ready));
}

/** The decision for one domain in testing with promotion.apply auto, on the table's evidence. */
export async function decideAuto(
  d: DomainConfig,
  table: string,
  deps: Required<Pick<AutoPromotionDeps, "openStore" | "resolver">> & {
    readonly today: string;
    readonly reporters?: readonly KnownReporter[];
  },
): Promise<AutoDecision> {
  if (!d.promotion)
    return { outcome: "not-run", reasons: ["no automatic promotion for this domain"] };
  const ids = currentPolicyIds(d);
  let evidence: WeighedEvidence;
  try {
    evidence = await weighedEvidence(deps.openStore(table), d, deps.reporters);
  } catch (err) {
    // Fail the update rather than guess: a silent "stay" would demote a promoted domain.
    throw new pulumi.RunError(
      `promotion of ${d.domain}: could not read the receiver's evidence from table ${table} (${(err as Error).name}: ${(err as Error).message}). Check the stack's AWS credentials (aws:profile, aws:assumeRoles) can read it, or set promotion.apply: propose for this domain`,
    );
  }
  const decision = decidePromotion(
    d.promotion,
    [ids.testing, ids.enforce],
    evidence.days,
    deps.today,
  );
  const setAside = evidence.setAside;
  if (!decision.ready) return { outcome: "stay", reasons: decision.reasons, decision, setAside };
  const mxCheck = await liveMxCoverage(d.domain, d.mx, deps.resolver);
  if (mxCheck.status !== "pass")
    return {
      outcome: "stay",
      reasons: [`live MX: ${mxCheck.message}`],
      decision,
      mxCheck,
      setAside,
    };
  return { outcome: "promote", reasons: decision.reasons, decision, mxCheck, setAside };
}
