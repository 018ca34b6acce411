// Each domain's status for `mtasts report --stack`: its mode, the id of the policy it publishes,
// and for a domain in testing with a promotion rule the decision `mtasts promote` would make on
// the same evidence (world/promotion.ts, protocol/promotion.ts), without its live MX check.
import type { DomainConfig } from "../config";
import { policyId, renderPolicy } from "../protocol/mta-sts";
import { decidePromotion } from "../protocol/promotion";
import type { KnownReporter } from "../protocol/trust";
import type { DomainStatus } from "../receiver/report";
import type { ReceiverStore } from "../receiver/store";
import { currentPolicyIds, weighedEvidence } from "../world/promotion";

export async function domainStatuses(
  domains: readonly DomainConfig[],
  store: Pick<ReceiverStore, "aggregates">,
  opts: { today: string; reporters?: readonly KnownReporter[] },
): Promise<Map<string, DomainStatus>> {
  const out = new Map<string, DomainStatus>();
  for (const d of domains) {
    const published = policyId(renderPolicy({ mode: d.mode, mx: d.mx, maxAge: d.maxAge }));
    if (d.mode !== "testing" || !d.promotion) {
      const summary =
        d.mode === "enforce"
          ? "in enforce"
          : d.mode === "none"
            ? d.retireAfter
              ? `mode none, retiring (removable from ${d.retireAfter})`
              : "mode none"
            : "testing, no promotion rule";
      out.set(d.domain, { mode: d.mode, policyId: published, summary });
      continue;
    }
    const ids = currentPolicyIds(d);
    const evidence = await weighedEvidence(store, d, opts.reporters);
    // As each way of promoting weighs it: `promote` the testing id; auto the enforce one too.
    const decision = decidePromotion(
      d.promotion,
      d.promotion.apply === "auto" ? [ids.testing, ids.enforce] : ids.testing,
      evidence.days,
      opts.today,
    );
    out.set(d.domain, {
      mode: d.mode,
      policyId: published,
      // The live MX check comes before promoting (mtasts promote, or pulumi up with apply: auto); a report does not look at DNS.
      summary: decision.ready
        ? "ready for enforce (once the live MX check passes)"
        : "not ready for enforce",
      promotion: { rule: d.promotion, decision, setAside: { ...evidence.setAside } },
    });
  }
  return out;
}
