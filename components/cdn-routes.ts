// What a policy host's CloudFront serves, shared by the grouped distributions (policy-site.ts)
// and the multi-tenant one (policy-tenants.ts), whose APIs shape the method lists differently.
import type * as pulumi from "@pulumi/pulumi";
import { REPORT_PATH } from "./receiver-addresses";

/** AWS managed cache policy "Managed-CachingDisabled": senders must see a new policy at once. */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** AWS managed origin request policy "Managed-AllViewerExceptHostHeader" (Function URLs need their own Host). */
export const ALL_VIEWER_EXCEPT_HOST_POLICY_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/** Reporters POST; the receiver answers every method itself. */
export const REPORT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
export const READ_METHODS = ["GET", "HEAD"];

/** The /tlsrpt route to the receiver's origin, without its method lists: nothing cached. */
export const reportRoute = (reportFunctionArn?: pulumi.Input<string>) => ({
  pathPattern: REPORT_PATH,
  targetOriginId: "tlsrpt-receiver",
  viewerProtocolPolicy: "https-only",
  cachePolicyId: CACHING_DISABLED_POLICY_ID,
  originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
  compress: false,
  ...(reportFunctionArn
    ? { functionAssociations: [{ eventType: "viewer-request", functionArn: reportFunctionArn }] }
    : {}),
});

/** The default route: the policy file from the bucket through the router, nothing cached. */
export const policyRoute = (originId: string, routerFunctionArn: pulumi.Input<string>) => ({
  targetOriginId: originId,
  viewerProtocolPolicy: "https-only",
  cachePolicyId: CACHING_DISABLED_POLICY_ID,
  compress: false,
  functionAssociations: [{ eventType: "viewer-request", functionArn: routerFunctionArn }],
});
