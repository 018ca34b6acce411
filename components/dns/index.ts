// DNS adapters and the factory that picks one from a domain's `dns:` config.
import type * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../../config";
import { type CloudflareTakeovers, CloudflareZone } from "./cloudflare";
import { ManualZone } from "./manual";
import { Route53Zone } from "./route53";
import type { DnsZone } from "./zone";

export * from "./zone";
export {
  CloudflareZone,
  quoteTxt,
  takeoverKey,
  COMMENT_PREFIX,
  type CloudflareTakeovers,
  type Takeover,
} from "./cloudflare";
export { ManualZone } from "./manual";
export { Route53Zone } from "./route53";

/**
 * The adapter for one domain's `dns:` config. `adopt` takes over records that already exist at its
 * names: Route53 overwrites them; Cloudflare imports those the world edge found (`takeovers`).
 */
export function zoneFor(
  name: string,
  dns: DnsConfig,
  opts?: pulumi.ComponentResourceOptions,
  existing: {
    readonly adopt?: boolean;
    readonly takeovers?: CloudflareTakeovers | Promise<CloudflareTakeovers | undefined>;
  } = {},
): DnsZone {
  switch (dns.provider) {
    case "route53":
      return new Route53Zone(name, { zoneId: dns.zoneId, adopt: existing.adopt }, opts);
    case "cloudflare":
      return new CloudflareZone(
        name,
        { zoneId: dns.zoneId, adopt: existing.adopt, takeovers: existing.takeovers },
        opts,
      );
    case "manual":
      return new ManualZone(name, {}, opts);
  }
}
