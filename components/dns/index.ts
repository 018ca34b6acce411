// DNS adapters and the factory that picks one from a domain's `dns:` config.
import type * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../../config";
import { CloudflareZone } from "./cloudflare";
import { ManualZone } from "./manual";
import { Route53Zone } from "./route53";
import type { DnsZone } from "./zone";

export * from "./zone";
export { CloudflareZone, quoteTxt } from "./cloudflare";
export { ManualZone } from "./manual";
export { Route53Zone } from "./route53";

/** The adapter for one domain's `dns:` config. */
export function zoneFor(name: string, dns: DnsConfig, opts?: pulumi.ComponentResourceOptions): DnsZone {
  switch (dns.provider) {
    case "route53":
      return new Route53Zone(name, { zoneId: dns.zoneId }, opts);
    case "cloudflare":
      return new CloudflareZone(name, { zoneId: dns.zoneId }, opts);
    case "manual":
      return new ManualZone(name, {}, opts);
  }
}
