// Reserved concurrency for the receiver's functions comes out of the account's pool, and Lambda
// keeps at least 100 executions unreserved: new accounts (limit 10) cannot reserve any.
import { GetAccountSettingsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { conflict, errorLine, type Finding, notChecked } from "./finding";

/** Executions Lambda never lets reservations take (UnreservedConcurrentExecutions stays at or above it). */
export const MIN_UNRESERVED = 100;

export interface LambdaDeps {
  readonly lambda: Pick<LambdaClient, "send">;
  readonly region: string;
  readonly timeoutMs: number;
}

export interface Reservation {
  /** Per function. */
  readonly reservedConcurrency: number;
  readonly functions: number;
}

/** The pure comparison: a finding when the reservation would leave fewer than 100 unreserved. */
export function concurrencyFinding(
  limit: number,
  unreserved: number,
  want: Reservation,
  region: string,
): Finding | undefined {
  const need = want.reservedConcurrency * want.functions;
  const left = unreserved - need;
  if (left >= MIN_UNRESERVED) return undefined;
  const maxPerFunction = Math.floor((unreserved - MIN_UNRESERVED) / want.functions);
  const raiseTo = limit + (MIN_UNRESERVED - left);
  const ask = `ask AWS for more (Service Quotas: Lambda "Concurrent executions", L-B99A9384) to at least ${raiseTo}`;
  return conflict(
    "lambda-concurrency",
    `Lambda concurrency (${region})`,
    `account limit ${limit}, ${unreserved} unreserved; reserving ${want.reservedConcurrency} x ${want.functions} function${want.functions === 1 ? "" : "s"} = ${need} would leave ${left}, and Lambda keeps at least ${MIN_UNRESERVED} unreserved`,
    maxPerFunction >= 1
      ? `lower mta-sts:receiver.reservedConcurrency to at most ${maxPerFunction}, leave it out (reserve none), or ${ask}`
      : `leave mta-sts:receiver.reservedConcurrency out (reserve none), or ${ask}`,
  );
}

export async function lambdaConcurrencyFindings(
  want: Reservation,
  deps: LambdaDeps,
): Promise<Finding[]> {
  const name = `Lambda concurrency (${deps.region})`;
  try {
    const out = await deps.lambda.send(new GetAccountSettingsCommand({}), {
      abortSignal: AbortSignal.timeout(deps.timeoutMs),
    });
    const limit = out.AccountLimit?.ConcurrentExecutions;
    const unreserved = out.AccountLimit?.UnreservedConcurrentExecutions;
    if (limit === undefined || unreserved === undefined)
      return [
        notChecked("lambda-concurrency", name, "GetAccountSettings returned no concurrency limits"),
      ];
    const finding = concurrencyFinding(limit, unreserved, want, deps.region);
    return finding ? [finding] : [];
  } catch (err) {
    return [notChecked("lambda-concurrency", name, errorLine(err))];
  }
}
