// `mtasts preflight`: a stack's needs against what exists, read-only. DNS per domain (records at
// the stack's names, CAA), the receiver's mail domain, then the AWS account (SES, Lambda, quotas).
// Every dependency is passed in, so tests use a local DNS server and mocked SDK clients.
import type { ACMClient } from "@aws-sdk/client-acm";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import type { SESClient } from "@aws-sdk/client-ses";
import type { StackConfig } from "../../config";
import { mapBounded } from "../check-command";
import { caaConflicts } from "./caa";
import { type DnsDeps, domainRecordConflicts, receiverMailDomainConflicts } from "./dns-conflicts";
import { conflict, type Finding, notChecked } from "./finding";
import { lambdaConcurrencyFindings } from "./lambda-concurrency";
import { stackNeeds, type StackNeeds } from "./needs";
import { QUOTAS, quotaFindings, TENANT_QUOTA } from "./quotas";
import { sesAccountFindings, sesRegionFindings } from "./ses";

export interface AwsClients {
  /** In the stack's region. */
  readonly ses: Pick<SESClient, "send">;
  /** In the stack's region. */
  readonly lambda: Pick<LambdaClient, "send">;
  /** In us-east-1. */
  readonly quotas: Pick<ServiceQuotasClient, "send">;
  /** In us-east-1; counts the certificates already there. */
  readonly acm?: Pick<ACMClient, "send">;
}

export interface PreflightDeps {
  readonly dns: DnsDeps;
  /** The stack's region (aws:region), if any. */
  readonly region: string | undefined;
  /** The account's clients, or why the account is not looked at ("--aws off", a config error). */
  readonly aws: AwsClients | { readonly skip: string };
  readonly timeoutMs: number;
  /** Domains looked up at once. */
  readonly concurrency: number;
}

export interface PreflightReport {
  readonly stack: string;
  readonly region?: string;
  readonly domains: number;
  readonly conflicts: number;
  readonly notChecked: number;
  readonly notes: number;
  readonly findings: readonly Finding[];
}

async function dnsFindings(needs: StackNeeds, deps: PreflightDeps): Promise<Finding[]> {
  const perDomain = await mapBounded(needs.domains, deps.concurrency, async (d) => [
    ...(await domainRecordConflicts(d, deps.dns)),
    ...(await caaConflicts(d.domain, deps.dns.zone)),
  ]);
  const email = needs.receiver?.email;
  return [
    ...perDomain.flat(),
    ...(email ? await receiverMailDomainConflicts(email, deps.dns) : []),
  ];
}

/** The AWS checks that apply to this stack, by id and name (for "not checked" lines). */
function awsChecks(
  needs: StackNeeds,
  region: string | undefined,
): { check: string; name: string }[] {
  const r = region ?? "no region";
  const email = needs.receiver?.email;
  return [
    ...(email
      ? [
          { check: "ses-rule-set", name: `SES active receipt rule set (${r})` },
          { check: "ses-identity", name: `SES identity ${email.domain} (${r})` },
        ]
      : []),
    ...(needs.receiver?.reservedConcurrency !== undefined
      ? [{ check: "lambda-concurrency", name: `Lambda concurrency (${r})` }]
      : []),
    ...(needs.tenants > 0 ? [{ check: "quota-tenants", name: TENANT_QUOTA.label }] : []),
    ...(needs.distributions > 0
      ? [
          { check: "quota-distributions", name: QUOTAS.distributions.label },
          ...(needs.certificates > 0
            ? [{ check: "quota-certificates", name: QUOTAS.certificates.label }]
            : []),
        ]
      : []),
  ];
}

async function accountFindings(
  needs: StackNeeds,
  config: StackConfig,
  deps: PreflightDeps,
): Promise<Finding[]> {
  if ("skip" in deps.aws) {
    const why = deps.aws.skip;
    return awsChecks(needs, deps.region).map(({ check, name }) => notChecked(check, name, why));
  }
  const clients = deps.aws;
  const out: Finding[] = [];
  const email = needs.receiver?.email;
  const regional = deps.region;
  if (email) {
    out.push(
      ...(regional
        ? await sesAccountFindings(email, {
            ses: clients.ses,
            region: regional,
            timeoutMs: deps.timeoutMs,
          })
        : awsChecks(needs, undefined)
            .filter((c) => c.check.startsWith("ses-"))
            .map(({ check, name }) => notChecked(check, name, "the stack has no aws:region"))),
    );
  }
  const reserved = needs.receiver?.reservedConcurrency;
  if (needs.receiver && reserved !== undefined) {
    out.push(
      ...(regional
        ? await lambdaConcurrencyFindings(
            { reservedConcurrency: reserved, functions: needs.receiver.functions },
            { lambda: clients.lambda, region: regional, timeoutMs: deps.timeoutMs },
          )
        : [
            notChecked(
              "lambda-concurrency",
              "Lambda concurrency (no region)",
              "the stack has no aws:region",
            ),
          ]),
    );
  }
  if (needs.distributions > 0) {
    out.push(
      ...(await quotaFindings(
        {
          distributions: needs.distributions,
          certificates: needs.certificates,
          domainsPerDistribution: config.hosting.domainsPerDistribution,
          tenants: needs.tenants,
        },
        { quotas: clients.quotas, acm: clients.acm, timeoutMs: deps.timeoutMs },
      )),
    );
  }
  return out;
}

/** Runs every check for a parsed stack config; never throws for what it finds (each problem is a finding). */
export async function runPreflight(
  stack: string,
  config: StackConfig,
  deps: PreflightDeps,
): Promise<PreflightReport> {
  const needs = stackNeeds(config);
  const email = needs.receiver?.email;
  const regionFindings: Finding[] = [];
  if (email) {
    if (deps.region)
      regionFindings.push(...(await sesRegionFindings(deps.region, deps.dns.resolver)));
    else {
      regionFindings.push(
        conflict(
          "ses-region",
          "aws:region",
          "mta-sts:receiver.email needs the stack's aws:region (the region of the SES inbound endpoint), and none is set",
          "pulumi config set aws:region <region>, a region where SES receives email",
        ),
      );
    }
  }
  const [dns, account] = await Promise.all([
    dnsFindings(needs, deps),
    accountFindings(needs, config, deps),
  ]);
  const findings = [...dns, ...regionFindings, ...account];
  const count = (s: Finding["status"]) => findings.filter((f) => f.status === s).length;
  return {
    stack,
    ...(deps.region ? { region: deps.region } : {}),
    domains: needs.domains.length,
    conflicts: count("conflict"),
    notChecked: count("not-checked"),
    notes: count("note"),
    findings,
  };
}
