// The world edge the program reads before declaring: the region's active SES receipt rule set
// (with the stack's credentials), and the evidence reader's refusal to guess.
import { DescribeActiveReceiptRuleSetCommand, SESClient } from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { activeReceiptRuleSet, lookUpActiveRuleSet } from "../world/ses";

const ses = mockClient(SESClient);
afterEach(() => ses.reset());

describe("the region's active SES receipt rule set", () => {
  it("names the active set, or null when none is active", async () => {
    ses
      .on(DescribeActiveReceiptRuleSetCommand)
      .resolves({ Metadata: { Name: "customer-rules" }, Rules: [] });
    expect(await activeReceiptRuleSet(new SESClient({ region: "eu-west-1" }))).toBe(
      "customer-rules",
    );
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({});
    expect(await activeReceiptRuleSet(new SESClient({ region: "eu-west-1" }))).toBeNull();
  });

  it("turns a denied lookup into an error naming the permission and the way out", async () => {
    ses
      .on(DescribeActiveReceiptRuleSetCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    await expect(lookUpActiveRuleSet({ region: "eu-west-1" }, "eu-west-1")).rejects.toThrow(
      "could not read the active SES receipt rule set in eu-west-1 (AccessDenied: not authorized); the stack needs ses:DescribeActiveReceiptRuleSet to avoid taking over an existing set. Grant it, or turn email reports off (mta-sts:receiver.email)",
    );
  });
});
