// The CloudFront Function is plain JavaScript: run it here on the events CloudFront sends.
import { describe, expect, it } from "vitest";
import {
  policyObjectKey,
  REPORT_DOMAIN_HEADER,
  REPORT_FUNCTION_CODE,
  ROUTER_FUNCTION_CODE,
} from "../components/router-function";

type Req = { uri: string; headers: Record<string, { value: string }> };
const handler = new Function(`${ROUTER_FUNCTION_CODE}; return handler;`)() as (e: {
  request: Req;
}) => Req & { statusCode?: number };
const request = (host: string | undefined, uri: string): { request: Req } => ({
  request: { uri, headers: host === undefined ? {} : { host: { value: host } } },
});

describe("router function", () => {
  it("maps the policy path to the host's own object key", () => {
    const out = handler(request("MTA-STS.Example.COM", "/.well-known/mta-sts.txt"));
    expect(out.statusCode).toBeUndefined();
    expect(out.uri).toBe(`/${policyObjectKey("example.com")}`);
  });

  it.each([
    ["another path", "mta-sts.example.com", "/index.html"],
    ["the root", "mta-sts.example.com", "/"],
    [
      "a path that only starts like the policy",
      "mta-sts.example.com",
      "/.well-known/mta-sts.txt.bak",
    ],
    ["a host that is not mta-sts.*", "d111.cloudfront.net", "/.well-known/mta-sts.txt"],
    [
      "a host trying to escape the key prefix",
      "mta-sts.example.com/../x",
      "/.well-known/mta-sts.txt",
    ],
    ["no Host header", undefined, "/.well-known/mta-sts.txt"],
  ])("answers 404 for %s", (_, host, uri) => {
    expect(handler(request(host, uri)).statusCode).toBe(404);
  });
});

describe("report-domain function (the /tlsrpt path)", () => {
  const tag = new Function(`${REPORT_FUNCTION_CODE}; return handler;`)() as (e: {
    request: Req;
  }) => Req;
  it("names the domain of https://mta-sts.<domain>/tlsrpt for the receiver", () => {
    expect(tag(request("MTA-STS.Example.COM", "/tlsrpt")).headers[REPORT_DOMAIN_HEADER]).toEqual({
      value: "example.com",
    });
  });
  it("replaces a value the client sent, and removes it for a host that is not mta-sts.*", () => {
    const forged = request("mta-sts.example.com", "/tlsrpt");
    forged.request.headers[REPORT_DOMAIN_HEADER] = { value: "victim.test" };
    expect(tag(forged).headers[REPORT_DOMAIN_HEADER]).toEqual({ value: "example.com" });
    const other = request("d111.cloudfront.net", "/tlsrpt");
    other.request.headers[REPORT_DOMAIN_HEADER] = { value: "victim.test" };
    expect(tag(other).headers[REPORT_DOMAIN_HEADER]).toBeUndefined();
  });
});
