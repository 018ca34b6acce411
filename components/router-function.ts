// The CloudFront Function (cloudfront-js-2.0) shared by every policy distribution. It maps
// the Host header to the host's object key and answers 404 for any other path or host, so
// one function serves any number of domains and adding a domain never changes it.
import { POLICY_PATH } from "../protocol/mta-sts";

export const ROUTER_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : "";
  if (request.uri !== "${POLICY_PATH}" || !/^mta-sts\\.[a-z0-9.-]+$/.test(host)) {
    return { statusCode: 404, statusDescription: "Not Found", headers: { "content-type": { value: "text/plain" } } };
  }
  request.uri = "/" + host + "${POLICY_PATH}";
  return request;
}
`;

/** The S3 key the router reads for a domain's policy: `mta-sts.<domain>/.well-known/mta-sts.txt`. */
export const policyObjectKey = (domain: string) => `mta-sts.${domain}${POLICY_PATH}`;

/** The header that carries the domain a report was POSTed for to the receiver. */
export const REPORT_DOMAIN_HEADER = "x-tlsrpt-domain";

/**
 * The CloudFront Function on the report path: tells the receiver which domain's address the
 * report came to (https://mta-sts.<domain>/tlsrpt), from the Host header; a value the client
 * sent itself is replaced or removed. Postfix 3.10 can leave policy-domain out of a report.
 */
export const REPORT_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : "";
  if (/^mta-sts\\.[a-z0-9.-]+$/.test(host)) request.headers["${REPORT_DOMAIN_HEADER}"] = { value: host.slice(8) };
  else delete request.headers["${REPORT_DOMAIN_HEADER}"];
  return request;
}
`;
