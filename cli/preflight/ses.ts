// SES before email reports go live: the region must receive email, the region's one active receipt
// rule set must not be someone else's, and the mail domain's SES identity must not exist unannounced.
import {
  DescribeActiveReceiptRuleSetCommand,
  GetIdentityVerificationAttributesCommand,
  type SESClient,
} from "@aws-sdk/client-ses";
import type { CheckResolver } from "../../net/resolver";
import { conflict, errorLine, type Finding, note, notChecked } from "./finding";
import type { ReceiverNeeds } from "./needs";

// One list of the regions where SES receives email, kept with the rule that plans check it.
import { SES_RECEIVING_REGIONS } from "../../policies/rules/ses";
export { SES_RECEIVING_REGIONS };

/** The MX target of SES inbound in a region (what the stack publishes at the receiver's mail domain). */
export const sesInboundHost = (region: string) => `inbound-smtp.${region}.amazonaws.com`;

/** Whether SES receives email in `region`: the documented list, else whether its inbound endpoint exists in DNS. */
export async function sesRegionFindings(
  region: string,
  resolver: Pick<CheckResolver, "addresses">,
): Promise<Finding[]> {
  if (SES_RECEIVING_REGIONS.includes(region)) return [];
  const host = sesInboundHost(region);
  const name = `SES email receiving (${region})`;
  let addresses: string[];
  try {
    addresses = await resolver.addresses(host);
  } catch (err) {
    return [
      notChecked(
        "ses-region",
        name,
        `${region} is not in the documented list of SES receiving regions, and looking up ${host} failed: ${errorLine(err)}`,
      ),
    ];
  }
  if (addresses.length > 0)
    return [
      note(
        "ses-region",
        name,
        `${region} is not in the list this tool knows, but ${host} exists, so AWS has added it`,
      ),
    ];
  return [
    conflict(
      "ses-region",
      name,
      `SES does not receive email in ${region} (${host} does not exist): reports sent to the mailto: address would bounce`,
      `use a stack region where SES receives email (${SES_RECEIVING_REGIONS.join(", ")}), or leave mta-sts:receiver.email out (https reports still work)`,
    ),
  ];
}

export interface SesDeps {
  readonly ses: Pick<SESClient, "send">;
  readonly region: string;
  readonly timeoutMs: number;
}

type Email = NonNullable<ReceiverNeeds["email"]>;

async function ruleSetFindings(email: Email, deps: SesDeps): Promise<Finding[]> {
  const name = `SES active receipt rule set (${deps.region})`;
  let active: string | undefined;
  try {
    const out = await deps.ses.send(new DescribeActiveReceiptRuleSetCommand({}), {
      abortSignal: AbortSignal.timeout(deps.timeoutMs),
    });
    active = out.Metadata?.Name;
  } catch (err) {
    return [notChecked("ses-rule-set", name, errorLine(err))];
  }
  if (active && active !== email.ruleSetName) {
    const configured = email.ruleSetName
      ? `, not mta-sts:receiver.email.ruleSetName "${email.ruleSetName}"`
      : "";
    return [
      conflict(
        "ses-rule-set",
        name,
        `"${active}" is active${configured}; a region has one active set, and activating another would stop the rules in "${active}"`,
        `set mta-sts:receiver.email.ruleSetName: ${active} to add the stack's rule to it`,
      ),
    ];
  }
  if (!active && email.ruleSetName) {
    return [
      conflict(
        "ses-rule-set",
        name,
        `no rule set is active, so the stack's rule in "${email.ruleSetName}" would never run`,
        `activate it (aws ses set-active-receipt-rule-set --rule-set-name ${email.ruleSetName} --region ${deps.region}), or leave ruleSetName out so the stack creates and activates its own`,
      ),
    ];
  }
  return [];
}

async function identityFindings(email: Email, deps: SesDeps): Promise<Finding[]> {
  const name = `SES identity ${email.domain} (${deps.region})`;
  let status: string | undefined;
  let exists: boolean;
  try {
    const out = await deps.ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: [email.domain] }),
      { abortSignal: AbortSignal.timeout(deps.timeoutMs) },
    );
    const attrs = out.VerificationAttributes?.[email.domain];
    exists = attrs !== undefined;
    status = attrs?.VerificationStatus;
  } catch (err) {
    return [notChecked("ses-identity", name, errorLine(err))];
  }
  if (exists && email.identity !== "existing") {
    return [
      conflict(
        "ses-identity",
        name,
        `exists already (verification ${status ?? "status unknown"}); the stack would try to create and own it`,
        "set mta-sts:receiver.email.identity: existing",
      ),
    ];
  }
  if (!exists && email.identity === "existing") {
    return [
      conflict(
        "ses-identity",
        name,
        "identity: existing is set, but there is no such SES identity",
        "leave identity out (the stack then creates and verifies it), or create the identity first",
      ),
    ];
  }
  return [];
}

/** Rule set and identity, read with the stack's credentials in its region. */
export async function sesAccountFindings(email: Email, deps: SesDeps): Promise<Finding[]> {
  return (await Promise.all([ruleSetFindings(email, deps), identityFindings(email, deps)])).flat();
}
