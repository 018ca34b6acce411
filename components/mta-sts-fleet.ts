// Every domain of a stack: one DNS adapter and one MtaStsDomain per domain, all served by
// one PolicySite. This is what index.ts declares; platform teams can use it or the parts.
import * as pulumi from "@pulumi/pulumi";
import type { DomainConfig, HostingConfig } from "../config";
import { zoneFor } from "./dns";
import type { DnsRecordSpec } from "./dns/zone";
import { MtaStsDomain } from "./mta-sts-domain";
import { PolicySite } from "./policy-site";

export interface MtaStsFleetArgs {
  /** Parsed domains (see config.ts); order decides distribution groups, so append new ones. */
  readonly domains: readonly DomainConfig[];
  /** Parsed hosting settings. */
  readonly hosting: HostingConfig;
}

/** What a reviewer needs per domain; also the stack output `domains`. */
export interface DomainSummary {
  readonly domain: string;
  readonly mode: pulumi.Output<string>;
  readonly dnsProvider: string;
  readonly group: number;
  readonly policy: { readonly id: pulumi.Output<string>; readonly text: pulumi.Output<string>; readonly url: string };
  readonly records: readonly DnsRecordSpec[];
}

export class MtaStsFleet extends pulumi.ComponentResource {
  readonly site: PolicySite;
  readonly domains: readonly MtaStsDomain[];
  readonly summary: readonly DomainSummary[];

  constructor(name: string, args: MtaStsFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:MtaStsFleet", name, {}, opts);
    const zones = args.domains.map((d) => zoneFor(`${name}-${d.domain}-dns`, d.dns, { parent: this }));
    this.site = new PolicySite(
      `${name}-site`,
      {
        hosts: args.domains.map((d, i) => ({ domain: d.domain, zone: zones[i] })),
        domainsPerDistribution: args.hosting.domainsPerDistribution,
        priceClass: args.hosting.priceClass,
      },
      { parent: this },
    );
    this.domains = args.domains.map(
      (d, i) =>
        new MtaStsDomain(
          `${name}-${d.domain}`,
          { domain: d.domain, zone: zones[i], site: this.site, mode: d.mode, mx: [...d.mx], maxAge: d.maxAge, rua: [...d.rua], ttl: d.ttl },
          { parent: this },
        ),
    );
    this.summary = this.domains.map((d, i) => ({
      domain: d.domain,
      mode: d.mode,
      dnsProvider: args.domains[i].dns.provider,
      group: this.site.groupIndex(d.domain),
      policy: { id: d.policyId, text: d.policyText, url: d.policyUrl },
      records: d.records,
    }));
    this.registerOutputs({});
  }
}
