// Where reporters send TLS-RPT reports, known from the config before anything is deployed,
// so the _smtp._tls record a reviewer sees in a plan is the final one.

/** Path on mta-sts.<domain> that the policy distributions route to the receiver's Function URL. */
export const REPORT_PATH = "/tlsrpt";
/** Local part of the reporting mailbox: tlsrpt@<email domain>. */
export const MAILBOX = "tlsrpt";

/** The receiver's rua URIs for one domain. */
export function receiverRua(
  domain: string,
  opts: { emailDomain?: string; https: boolean },
): string[] {
  return [
    ...(opts.emailDomain ? [`mailto:${MAILBOX}@${opts.emailDomain}`] : []),
    ...(opts.https ? [`https://mta-sts.${domain}${REPORT_PATH}`] : []),
  ];
}
