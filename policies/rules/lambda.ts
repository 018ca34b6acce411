// Lambda rules: function names CreateFunction accepts, and what reserved concurrency takes
// from the account (a reservation an account with a small quota refuses outright).
import { resourcePolicy, stackPolicy } from "../lib/define";
import { ifKnown, TYPES } from "../lib/resources";
import { describeLength, physicalName } from "./names";

/** Function names are 1-64 characters of letters, digits, - and _. */
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName: "If you specify only the function name, it is limited to 64 characters")
export const FUNCTION_NAME_MAX = 64;

/** Lambda keeps 100 concurrent executions unreserved for functions without a reservation. */
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html ("You can reserve up to the Unreserved account concurrency value, minus 100")
export const UNRESERVED_MINIMUM = 100;

export function functionNameProblems(r: { name: string; props: Record<string, any> }): string[] {
  const name = physicalName(r, "name");
  const problems: string[] = [];
  if (name.length > FUNCTION_NAME_MAX)
    problems.push(describeLength(name, "function name", FUNCTION_NAME_MAX));
  const bad = [...new Set(name.value.replace(/[A-Za-z0-9_-]/g, ""))];
  if (bad.length > 0)
    problems.push(
      `function name ${name.kind === "autonamed" ? "autonamed from " : ""}"${name.value}" contains ${bad.map((c) => JSON.stringify(c)).join(", ")}; only letters, digits, "-" and "_" are allowed`,
    );
  return problems;
}

/** The account concurrency quota a set of reservations needs: 100 unreserved + the reservations. */
export function quotaNeeded(reservations: readonly number[]): number {
  return UNRESERVED_MINIMUM + reservations.reduce((a, b) => a + b, 0);
}

export const lambdaFunctionName = resourcePolicy({
  name: "lambda-function-name",
  description: `A Lambda function name is at most ${FUNCTION_NAME_MAX} characters of letters, digits, - and _; an autonamed function takes the logical name + 8 characters.`,
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: `Shorten the function's logical name to ${FUNCTION_NAME_MAX - 8} characters or fewer (or set name explicitly within ${FUNCTION_NAME_MAX}), without dots or other punctuation.`,
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.lambda) return args.notApplicable("not a Lambda function");
    for (const p of functionNameProblems(args)) reportViolation(p);
  },
});

export const lambdaReservedConcurrencyCost = stackPolicy({
  name: "lambda-reserved-concurrency-cost",
  description:
    "Says what a Lambda reserved concurrency costs: it is taken from the account's unreserved pool, and Lambda keeps 100 unreserved, so the account's concurrency quota must be at least 100 + all reservations (new accounts may have 10, and then refuse any reservation).",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    "Check the account's 'Concurrent executions' quota (Service Quotas, AWS Lambda) is at least the total shown; otherwise remove reservedConcurrentExecutions (mta-sts:receiver.reservedConcurrency) or request a quota increase.",
  validateStack: (args, reportViolation) => {
    const reserved = args.resources
      .filter((r) => r.type === TYPES.lambda)
      .map((r) => ({ r, n: ifKnown(() => r.props.reservedConcurrentExecutions) }))
      // -1 (the provider's default) means no reservation.
      .filter((x): x is { r: typeof x.r; n: number } => typeof x.n === "number" && x.n >= 0);
    const needed = quotaNeeded(reserved.map((x) => x.n));
    for (const { r, n } of reserved) {
      const note = n === 0 ? " (0 stops the function from running at all)" : "";
      reportViolation(
        `${r.name} reserves ${n} concurrent executions${note}, taken from the account's unreserved pool; with the stack's other reservations the account's concurrency quota must be at least ${needed} (100 stay unreserved)`,
        r.urn,
      );
    }
  },
});
