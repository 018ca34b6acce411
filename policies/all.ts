// Every policy of the pack, in the order they are listed in the README. index.ts serves
// them; `mtasts plan` runs the same objects over the resources it recorded.
import type { MtaStsPolicy } from "./lib/define";
import { cloudflareTxtQuoted, mtaStsCertificate, mtaStsCloudflareNotProxied, mtaStsPolicyBucket, mtaStsPolicyHost } from "./hosting";
import { mtaStsEnforceHasTlsRpt, mtaStsEnforceMaxAge, mtaStsIdMatchesPolicy, mtaStsPolicyFile } from "./policy-file";
import { receiverBucketPrivate, receiverLambdaBounded, receiverLeastPrivilege, receiverSinglePublicEntry } from "./receiver";
import { mtaStsTxtRecord, mtaStsTxtUnique, tlsRptTxtRecord, tlsRptTxtUnique } from "./txt-records";

export const policies: readonly MtaStsPolicy[] = [
  mtaStsTxtRecord,
  mtaStsTxtUnique,
  tlsRptTxtRecord,
  tlsRptTxtUnique,
  mtaStsPolicyFile,
  mtaStsIdMatchesPolicy,
  mtaStsEnforceHasTlsRpt,
  mtaStsEnforceMaxAge,
  mtaStsPolicyBucket,
  mtaStsPolicyHost,
  mtaStsCertificate,
  mtaStsCloudflareNotProxied,
  cloudflareTxtQuoted,
  receiverLambdaBounded,
  receiverLeastPrivilege,
  receiverSinglePublicEntry,
  receiverBucketPrivate,
];
