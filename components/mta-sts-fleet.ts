// Every domain of a stack: one DNS adapter and one MtaStsDomain per domain, all served by
// one PolicySite. This is what index.ts declares; platform teams can use it or the parts.
import * as pulumi from "@pulumi/pulumi";
import type { DomainConfig, HostingConfig, ReceiverConfig, WatchConfig } from "../config";
import { type CloudflareTakeovers, zoneFor } from "./dns";
import { receiverRua } from "./receiver-addresses";
import { DEFAULT_MAX_AGE } from "../protocol/mta-sts";
import { ReceiverStore } from "../receiver/store";
import { type AutoDecision, autoPromotion } from "../world/promotion";
import { liveMxCoverage, type MxCoverage } from "../net/mx-coverage";
import { makeResolver } from "../net/resolver";
import { limitsToEnv } from "../receiver/limits";
import { ReportReceiver } from "./report-receiver";
import { SelfCheck } from "./self-check";
import type { DnsRecordSpec } from "./dns/zone";
import { MtaStsDomain } from "./mta-sts-domain";
import { type Placement, PolicySite } from "./policy-site";

export interface MtaStsFleetArgs {
  /** Parsed domains (see config.ts); order decides distribution groups, so append new ones. Those with `remove: true` are left out. */
  readonly domains: readonly DomainConfig[];
  /** Parsed hosting settings. */
  readonly hosting: HostingConfig;
  /** Parsed receiver settings; no receiver when absent or disabled. */
  readonly receiver?: ReceiverConfig;
  /** The scheduled self-check (on by default; it runs only with the receiver, whose table and topic it uses). */
  readonly watch?: WatchConfig;
  /** The stack's AWS region (the receiver's dashboard and SES inbound). Required with the receiver on. */
  readonly region?: string;
  /**
   * The region's active SES receipt rule set, looked up by the program before declaring
   * (null: none active; undefined: not looked up, as in offline plans).
   */
  readonly activeRuleSet?: pulumi.Input<string | null | undefined>;
  /**
   * How the live MX check of enforced domains runs: a DNS server as HOST:PORT, the system
   * resolver ("system", the default), or "offline" (mtasts plan: reported as not run).
   */
  readonly mxResolver?: string;
  /** Today (UTC, YYYY-MM-DD) for automatic promotion; default the real today. */
  readonly today?: string;
  /**
   * Opens the receiver's store for automatic promotion, with the stack's own AWS credentials
   * (index.ts builds it from the aws provider config). Without it automatic promotion does not run.
   */
  readonly openStore?: (table: string) => ReceiverStore;
  /**
   * Existing Cloudflare records to take over, by domain (world/existing-records.ts, which refuses
   * the ones not to take over), or a promise of them; none in offline plans.
   */
  readonly existingRecords?:
    | Readonly<Record<string, CloudflareTakeovers>>
    | Promise<Readonly<Record<string, CloudflareTakeovers>>>;
}

/** What a reviewer needs per domain; also the stack output `domains`. */
export interface DomainSummary {
  readonly domain: string;
  readonly mode: pulumi.Output<string>;
  readonly dnsProvider: string;
  /** Index of the distribution group serving the domain; -1 when none does (a tenant of its own, or releasing). */
  readonly group: number;
  /** What serves the domain: its group's distribution, its own tenant, or nothing while it leaves its group. */
  readonly hosting: Placement;
  readonly policy: {
    readonly id: pulumi.Output<string>;
    readonly text: pulumi.Output<string>;
    readonly url: string;
  };
  /** RFC 8461 8.3: the day from which the domain may be removed, when it is retiring. */
  readonly retireAfter?: string;
  /** Live MX coverage (RFC 8461 4.1); checked for enforce only. */
  readonly mxCheck: pulumi.Output<{ status: string; message: string }>;
  /** promotion.apply auto: what pulumi up decided, and why. */
  readonly promotion: pulumi.Output<AutoDecision>;
  readonly records: readonly DnsRecordSpec[];
}

/** Set while create() constructs a fleet: the constructor then declares no domain itself. */
let declaringLater = false;

export class MtaStsFleet extends pulumi.ComponentResource {
  readonly site: PolicySite;
  /** One per domain of `args.domains` without `remove: true`, in order. */
  readonly domains: readonly MtaStsDomain[];
  readonly summary: readonly DomainSummary[];
  private readonly declared: MtaStsDomain[] = [];
  private readonly summarized: DomainSummary[] = [];
  /** The domains still to declare (all of them until the constructor or create() declares them). */
  private undeclared!: {
    domains: readonly DomainConfig[];
    declare(d: DomainConfig, i: number): void;
  };
  readonly receiver?: ReportReceiver;
  /** The scheduled self-check, when the receiver is on and mta-sts:watch is not turned off. */
  readonly selfCheck?: SelfCheck;
  /** Records of the receiver's mail domain (empty without email reports). */
  readonly receiverRecords: readonly DnsRecordSpec[];

  /**
   * The same fleet as `new MtaStsFleet(...)`, with the same resources in the same order, declared
   * `batchSize` domains at a time (default 250) with a turn of the event loop after each batch.
   * The SDK settles a batch's registrations before the next starts, so a program holds one
   * batch's pending state rather than every domain's: at 10,000 domains this halved the offline
   * plan's peak memory and time (README, "Performance of `mtasts plan`"). `domains` and `summary`
   * are complete once it resolves. Use it from a program that exports an async function
   * (`export = async () => { ... }`), as index.ts does.
   */
  static async create(
    name: string,
    args: MtaStsFleetArgs,
    opts?: pulumi.ComponentResourceOptions,
    options: { readonly batchSize?: number } = {},
  ): Promise<MtaStsFleet> {
    const batchSize = options.batchSize ?? 250;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`MtaStsFleet.create: batchSize ${batchSize} must be a whole number >= 1`);
    // Taken and cleared by the constructor's first statement, so a fleet constructed inside it
    // (by a transformation, say) is not affected.
    declaringLater = true;
    const fleet = new MtaStsFleet(name, args, opts);
    while (fleet.declareNext(batchSize)) await new Promise((resolve) => setImmediate(resolve));
    return fleet;
  }

  /** Declares up to `count` more domains; registers the outputs after the last. Returns whether any remain. */
  private declareNext(count: number): boolean {
    const { domains, declare } = this.undeclared;
    const from = this.declared.length;
    const to = Math.min(domains.length, from + count);
    for (let i = from; i < to; i++) declare(domains[i], i);
    if (to < domains.length) return true;
    this.registerOutputs({});
    return false;
  }

  /** False while create() is still declaring domains (a program must await it before it returns). */
  get complete(): boolean {
    return this.declared.length === this.undeclared.domains.length;
  }

  constructor(name: string, args: MtaStsFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const later = declaringLater;
    declaringLater = false;
    super("mta-sts:index:MtaStsFleet", name, {}, opts);
    this.domains = this.declared;
    this.summary = this.summarized;
    const r = args.receiver;
    // `remove: true` domains are left out (their resources are deleted); their slots stay, so
    // the domains after them keep their distribution groups. (index.ts refuses early removal.)
    const slots = args.domains.map((d, slot) => ({ d, slot })).filter(({ d }) => !d.remove);
    const domains = slots.map(({ d }) => d);
    const receiverOn = !!r?.enabled && domains.length > 0;
    let emailZone;
    if (receiverOn) {
      if (!args.region)
        throw new Error(
          "the TLS-RPT receiver needs the stack's AWS region (its dashboard and SES inbound live there); set it with pulumi config set aws:region <region>",
        );
      emailZone = r.email
        ? zoneFor(`${name}-receiver-dns`, r.email.dns, { parent: this })
        : undefined;
      this.receiver = new ReportReceiver(
        `${name}-receiver`,
        {
          region: args.region,
          onDestroy: r.onDestroy,
          retentionDays: r.retentionDays,
          reservedConcurrency: r.reservedConcurrency,
          failureRateThreshold: r.failureRateThreshold,
          alarmEmail: r.alarmEmail,
          limits: limitsToEnv(r.limits),
          enforcedDomains: domains.filter((d) => d.mode === "enforce").map((d) => d.domain),
          servedDomains: domains.map((d) => d.domain),
          selfCheck: args.watch?.enabled ?? true,
          ...(r.email && emailZone
            ? {
                email: {
                  domain: r.email.domain,
                  zone: emailZone,
                  ruleSetName: r.email.ruleSetName,
                  identity: r.email.identity,
                  activeRuleSet: args.activeRuleSet,
                },
              }
            : {}),
        },
        { parent: this },
      );
      const w = args.watch;
      if ((w?.enabled ?? true) && this.receiver.servedDomainsKey) {
        this.selfCheck = new SelfCheck(
          `${name}-watch`,
          {
            tableName: this.receiver.tableName,
            tableArn: this.receiver.tableArn,
            bucketName: this.receiver.bucketName,
            bucketArn: this.receiver.bucketArn,
            servedDomainsKey: this.receiver.servedDomainsKey,
            alarmTopicArn: this.receiver.alarmTopicArn,
            domainCount: domains.length,
            schedule: w?.schedule,
            smtp: w?.smtp,
            certificateDays: w?.certificateDays,
            retentionDays: r.retentionDays,
          },
          { parent: this },
        );
      }
    }
    this.receiverRecords = emailZone?.records ?? [];
    const https = receiverOn && r.https;
    const existing = args.existingRecords;
    const takeovers = (domain: string) =>
      existing instanceof Promise ? existing.then((e) => e[domain]) : existing?.[domain];
    const zones = domains.map((d) =>
      zoneFor(
        `${name}-${d.domain}-dns`,
        d.dns,
        { parent: this },
        {
          adopt: d.adopt,
          takeovers: d.dns.provider === "cloudflare" ? takeovers(d.domain) : undefined,
        },
      ),
    );
    const resolver =
      args.mxResolver === "offline"
        ? undefined
        : makeResolver({
            server: args.mxResolver && args.mxResolver !== "system" ? args.mxResolver : undefined,
            timeoutMs: 10_000,
          });
    const mxCheck = (d: DomainConfig): Promise<MxCoverage> => {
      if (d.mode !== "enforce")
        return Promise.resolve({ status: "not-run", message: `not needed in mode ${d.mode}` });
      if (!resolver)
        return Promise.resolve({
          status: "not-run",
          message: "not run: offline plan (pulumi up checks the live MX hosts)",
        });
      return liveMxCoverage(d.domain, d.mx, resolver);
    };
    const hosting = args.hosting;
    if (hosting.migration) {
      // A name left in the migration lists would keep a group (or a gap) for nothing: say so.
      const declared = new Set(domains.map((d) => d.domain));
      const stale = (["grouped", "releasing"] as const).flatMap((key) =>
        hosting
          .migration![key].filter((d) => !declared.has(d))
          .map((d) => `mta-sts:hosting.migration.${key}: ${d}`),
      );
      if (stale.length > 0)
        throw new pulumi.RunError(
          `${stale.join(", ")}: not among the domains this stack declares (mta-sts:domains, without remove: true); take it out of the list`,
        );
    }
    this.site = new PolicySite(
      `${name}-site`,
      {
        hosts: slots.map(({ d, slot }, i) => ({ domain: d.domain, zone: zones[i], slot })),
        // Stacks from before modes have no mode in their config, which parses as grouped: never rebuilt.
        mode: hosting.mode ?? "grouped",
        migration: hosting.migration,
        domainsPerDistribution: hosting.domainsPerDistribution,
        priceClass:
          hosting.mode === "tenants" && !hosting.migration ? undefined : hosting.priceClass,
        reportOriginHost: https ? this.receiver?.functionUrlHost : undefined,
      },
      { parent: this },
    );
    const today = args.today ?? new Date().toISOString().slice(0, 10);
    const declare = (d: DomainConfig, i: number) => {
      const decision = autoPromotion(d, {
        tableName: this.receiver?.tableName,
        openStore: args.openStore,
        resolver,
        today,
        reporters: r?.reporters,
      });
      const domain = new MtaStsDomain(
        `${name}-${d.domain}`,
        {
          domain: d.domain,
          zone: zones[i],
          site: this.site,
          // Automatic promotion decides the mode (and with it the default max_age).
          mode:
            d.promotion?.apply === "auto"
              ? decision.apply((x) => (x.outcome === "promote" ? "enforce" : d.mode))
              : d.mode,
          mx: [...d.mx],
          maxAge:
            d.promotion?.apply === "auto" && !d.maxAgeSet
              ? decision.apply((x) =>
                  x.outcome === "promote" ? DEFAULT_MAX_AGE.enforce : d.maxAge,
                )
              : d.maxAge,
          // The user's addresses, then the receiver's (both known before deploy).
          rua: [
            ...new Set([
              ...d.rua,
              ...(receiverOn ? receiverRua(d.domain, { emailDomain: r.email?.domain, https }) : []),
            ]),
          ],
          ttl: d.ttl,
          mxCheck: mxCheck(d),
        },
        { parent: this },
      );
      this.declared.push(domain);
      this.summarized.push({
        domain: domain.domain,
        mode: domain.mode,
        dnsProvider: d.dns.provider,
        group: this.site.placementOf(d.domain) === "group" ? this.site.groupIndex(d.domain) : -1,
        hosting: this.site.placementOf(d.domain),
        policy: { id: domain.policyId, text: domain.policyText, url: domain.policyUrl },
        records: domain.records,
        mxCheck: domain.mxCheck,
        promotion: decision,
        ...(d.retireAfter ? { retireAfter: d.retireAfter } : {}),
      });
    };
    this.undeclared = { domains, declare };
    if (later) return;
    this.declareNext(domains.length);
  }
}
