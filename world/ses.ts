// The region's active SES receipt rule set, read before the program declares the receiver:
// the stack never takes over another set (only one is active per account and region).
import {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  type SESClientConfig,
} from "@aws-sdk/client-ses";

/** Name of the active receipt rule set, or null when none is active. */
export async function activeReceiptRuleSet(
  client: Pick<SESClient, "send">,
): Promise<string | null> {
  const out = await client.send(new DescribeActiveReceiptRuleSetCommand({}));
  return out.Metadata?.Name ?? null;
}

/** The lookup with the stack's credentials; an error names what failed and what to do. */
export async function lookUpActiveRuleSet(
  config: SESClientConfig,
  region: string,
): Promise<string | null> {
  try {
    return await activeReceiptRuleSet(new SESClient(config));
  } catch (err) {
    throw new Error(
      `could not read the active SES receipt rule set in ${region} (${(err as Error).name}: ${(err as Error).message}); the stack needs ses:DescribeActiveReceiptRuleSet to avoid taking over an existing set. Grant it, or turn email reports off (mta-sts:receiver.email)`,
    );
  }
}
