// When a domain in `testing` may move to `enforce`: a pure decision from the rule, the id of
// the testing policy now published, and the receiver's daily evidence.

export interface PromotionRule {
  /** Days with reports under the current testing policy id. */
  readonly minDays: number;
  /** Successful + failed STS sessions in those days. */
  readonly minSessions: number;
  /** STS failures / sessions, at most. */
  readonly maxFailureRate: number;
  /** Distinct reporting organisations, at least. */
  readonly minReporters: number;
}

/** One day of evidence for one domain, as the receiver aggregates it. */
export interface DayEvidence {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  /** One entry per reporting organisation and policy id seen that day (policyId "-" when the report had none). */
  readonly entries: readonly {
    readonly org: string;
    readonly policyType: string;
    readonly policyId: string;
    readonly successful: number;
    readonly failed: number;
    /** Failure sessions by result type. */
    readonly byResultType: Readonly<Record<string, number>>;
  }[];
}

/**
 * Result types that would make delivery fail once the policy is enforced, or that show the
 * policy itself is not served right. TLSA/DANE results are about another mechanism.
 */
export const STS_FAILURE_TYPES: ReadonlySet<string> = new Set([
  "starttls-not-supported",
  "certificate-host-mismatch",
  "certificate-expired",
  "certificate-not-trusted",
  "validation-failure",
  "sts-webpki-invalid",
  "sts-policy-fetch-error",
  "sts-policy-invalid",
]);

export interface PromotionDecision {
  readonly ready: boolean;
  readonly reasons: string[];
  /** The days that count: from the first day under the current id (after any change) to yesterday. */
  readonly window: {
    readonly from?: string;
    readonly to?: string;
    readonly days: number;
    readonly restartedOn?: string;
  };
  readonly figures: {
    readonly sessions: number;
    readonly successful: number;
    readonly stsFailures: number;
    readonly failureRate: number;
    readonly reporters: string[];
    /** Failures by result type within the window (STS types only). */
    readonly byResultType: Record<string, number>;
    /** Result types seen but not counted (TLSA/DANE, unknown), for the record. */
    readonly ignoredResultTypes: string[];
  };
}

/**
 * Decides readiness. `today` is excluded: a day counts only once it is over (reports for it
 * may still arrive). Evidence under another STS policy id after the last current-id day, or
 * in between, restarts the window: the policy reporters saw was not this one.
 */
export function decidePromotion(
  rule: PromotionRule,
  currentPolicyId: string | readonly string[],
  evidence: readonly DayEvidence[],
  today: string,
): PromotionDecision {
  // Several ids: the same policy in testing and in enforce (automatic promotion keeps
  // weighing the evidence after it has promoted).
  const ids = new Set(typeof currentPolicyId === "string" ? [currentPolicyId] : currentPolicyId);
  const label = [...ids].join(" or ");
  const days = [...evidence]
    .filter((d) => d.day < today)
    .sort((a, b) => a.day.localeCompare(b.day));
  // The window starts after the last day on which reporters saw a different STS policy.
  let restartedOn: string | undefined;
  let start = 0;
  days.forEach((d, i) => {
    if (
      d.entries.some((e) => e.policyType === "sts" && e.policyId !== "-" && !ids.has(e.policyId))
    ) {
      restartedOn = d.day;
      start = i + 1;
    }
  });
  const windowDays = days
    .slice(start)
    .filter((d) => d.entries.some((e) => e.policyType === "sts" && ids.has(e.policyId)));
  let successful = 0;
  let stsFailures = 0;
  const reporters = new Set<string>();
  // No prototype: a result type named "__proto__" or "constructor" is an ordinary key.
  const byResultType = Object.create(null) as Record<string, number>;
  const ignored = new Set<string>();
  for (const d of windowDays) {
    for (const e of d.entries) {
      if (e.policyType !== "sts" || !ids.has(e.policyId)) continue;
      reporters.add(e.org);
      successful += e.successful;
      // Failures without details cannot be told apart: count them (the safe side).
      if (Object.keys(e.byResultType).length === 0 && e.failed > 0) {
        stsFailures += e.failed;
        byResultType.unspecified = (byResultType.unspecified ?? 0) + e.failed;
      }
      for (const [type, n] of Object.entries(e.byResultType)) {
        if (STS_FAILURE_TYPES.has(type)) {
          stsFailures += n;
          byResultType[type] = (byResultType[type] ?? 0) + n;
        } else ignored.add(type);
      }
    }
  }
  const sessions = successful + stsFailures;
  const failureRate = sessions === 0 ? 0 : stsFailures / sessions;
  const reasons: string[] = [];
  if (restartedOn)
    reasons.push(
      `reporters saw another policy on ${restartedOn}; evidence counts from the day after`,
    );
  if (days.length < evidence.length)
    reasons.push(`today (${today}) is not counted until it is over`);
  if (windowDays.length < rule.minDays)
    reasons.push(`${windowDays.length} of ${rule.minDays} days with reports under policy ${label}`);
  if (sessions < rule.minSessions) reasons.push(`${sessions} of ${rule.minSessions} sessions`);
  // With no sessions the rate is 0, never above a maximum (0..1); the line after says why.
  if (failureRate > rule.maxFailureRate)
    reasons.push(
      `failure rate ${formatRate(failureRate)} above ${formatRate(rule.maxFailureRate)} (${stsFailures} STS failures)`,
    );
  if (sessions === 0 && rule.maxFailureRate < 1)
    reasons.push("no sessions: the failure rate is unknown");
  if (reporters.size < rule.minReporters)
    reasons.push(`${reporters.size} of ${rule.minReporters} reporting organisations`);
  const blocking = reasons.filter(
    (r) => !r.startsWith("reporters saw another policy") && !r.startsWith("today ("),
  );
  return {
    ready: blocking.length === 0,
    reasons: blocking.length === 0 ? ["every condition holds", ...reasons] : reasons,
    window: {
      from: windowDays[0]?.day,
      to: windowDays.at(-1)?.day,
      days: windowDays.length,
      ...(restartedOn ? { restartedOn } : {}),
    },
    figures: {
      sessions,
      successful,
      stsFailures,
      failureRate,
      reporters: [...reporters].sort(),
      byResultType,
      ignoredResultTypes: [...ignored].sort(),
    },
  };
}

/** Up to three decimals; a rate above 0 that rounds to nothing must not read as "0%". */
function formatRate(r: number): string {
  const text = (r * 100).toFixed(3).replace(/\.?0+$/, "");
  return text === "0" && r > 0 ? "under 0.001%" : `${text}%`;
}
