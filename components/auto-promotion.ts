// promotion.apply: auto. `pulumi up` reads the receiver's evidence for a domain in testing
// and, when the rule holds and every live MX is covered, publishes it in enforce. The
// decision is exported per domain, so `pulumi preview` shows why.
import * as pulumi from "@pulumi/pulumi";
import type { DomainConfig } from "../config";
import { liveMxCoverage, type MxCoverage } from "../net/mx-coverage";
import type { CheckResolver } from "../net/resolver";
import { DEFAULT_MAX_AGE, policyId, renderPolicy } from "../protocol/mta-sts";
import { decidePromotion, type PromotionDecision } from "../protocol/promotion";
import { evidenceFromAggregates } from "../receiver/evidence";
import type { ReceiverStore } from "../receiver/store";

export interface AutoDecision {
  /** promote: publish enforce; stay: keep testing; not-run: could not decide (offline, no receiver). */
  readonly outcome: "promote" | "stay" | "not-run";
  readonly reasons: string[];
  readonly decision?: PromotionDecision;
  readonly mxCheck?: MxCoverage;
}

export interface AutoPromotionDeps {
  /** The receiver's table name (known after its first deploy). */
  readonly tableName?: pulumi.Input<string>;
  /** Opens the store on that table (tests point it at dynalite). */
  readonly openStore?: (table: string) => ReceiverStore;
  readonly resolver?: CheckResolver;
  readonly today: string;
}

export function autoPromotion(d: DomainConfig, deps: AutoPromotionDeps): pulumi.Output<AutoDecision> {
  if (!d.promotion || d.promotion.apply !== "auto" || d.mode !== "testing") {
    return pulumi.output({ outcome: "not-run" as const, reasons: ["no automatic promotion for this domain"] });
  }
  if (!deps.tableName || !deps.openStore || !deps.resolver) {
    return pulumi.output({ outcome: "not-run" as const, reasons: ["not run: needs the receiver's table and DNS (offline plans do not read them)"] });
  }
  const ready = { ...deps, openStore: deps.openStore, resolver: deps.resolver };
  return pulumi.output(deps.tableName).apply((table) => decideAuto(d, table, ready));
}

/** The decision for one domain in testing with promotion.apply auto, on the table's evidence. */
export async function decideAuto(d: DomainConfig, table: string, deps: Required<Pick<AutoPromotionDeps, "openStore" | "resolver">> & { readonly today: string }): Promise<AutoDecision> {
  if (!d.promotion) return { outcome: "not-run", reasons: ["no automatic promotion for this domain"] };
  const testing = policyId(renderPolicy({ mode: "testing", mx: d.mx, maxAge: d.maxAge }));
  // Once promoted, reporters see the enforce policy: its days count too, so the decision
  // holds (or, if failures rise, falls back to testing) rather than restarting.
  const enforce = policyId(renderPolicy({ mode: "enforce", mx: d.mx, maxAge: d.maxAgeSet ? d.maxAge : DEFAULT_MAX_AGE.enforce }));
  let rows;
  try {
    rows = await deps.openStore(table).aggregates(d.domain);
  } catch (err) {
    // Fail the update rather than guess: a silent "stay" would demote a promoted domain.
    throw new pulumi.RunError(
      `promotion of ${d.domain}: could not read the receiver's evidence from table ${table} (${(err as Error).name}: ${(err as Error).message}). Check the stack's AWS credentials (aws:profile, aws:assumeRoles) can read it, or set promotion.apply: propose for this domain`,
    );
  }
  const decision = decidePromotion(d.promotion, [testing, enforce], evidenceFromAggregates(rows), deps.today);
  if (!decision.ready) return { outcome: "stay", reasons: decision.reasons, decision };
  const mxCheck = await liveMxCoverage(d.domain, d.mx, deps.resolver);
  if (mxCheck.status !== "pass") return { outcome: "stay", reasons: [`live MX: ${mxCheck.message}`], decision, mxCheck };
  return { outcome: "promote", reasons: decision.reasons, decision, mxCheck };
}
