// Pure RFC 8461 / RFC 8460 code: no Pulumi, no AWS. Everything else builds on this.
export * from "./dns-name";
export * from "./mx";
export * from "./mta-sts";
export * from "./records";
export * from "./tls-rpt";
export * from "./promotion";
