// One mail domain: its policy object in the site's bucket, `_mta-sts` (written only after
// the policy it announces is served) and `_smtp._tls`.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_MAX_AGE, type Mode, policyId, policyUrl, renderPolicy } from "../protocol/mta-sts";
import {
  buildStsRecord,
  buildTlsRptRecord,
  stsRecordName,
  tlsRptRecordName,
} from "../protocol/records";
import type { DnsRecordSpec, DnsZone } from "./dns/zone";
import type { PolicySite } from "./policy-site";
import { policyObjectKey } from "./router-function";

export interface MtaStsDomainArgs {
  /** The mail domain, A-labels (e.g. "example.com"). */
  readonly domain: string;
  /** Zone for this domain's records. */
  readonly zone: DnsZone;
  /** The site that serves `mta-sts.<domain>`; it must list this domain among its hosts. */
  readonly site: PolicySite;
  /** none | testing | enforce. */
  readonly mode: pulumi.Input<Mode>;
  /** MX patterns the policy allows; "*." only as the whole leftmost label. */
  readonly mx: pulumi.Input<pulumi.Input<string>[]>;
  /** Policy max_age in seconds; defaults to 86400 (none, testing) or 604800 (enforce). */
  readonly maxAge?: pulumi.Input<number>;
  /** TLS-RPT reporting URIs (mailto: / https:); no `_smtp._tls` record when empty. */
  readonly rua?: pulumi.Input<pulumi.Input<string>[]>;
  /** TTL of the TXT records, seconds (default 300). */
  readonly ttl?: number;
  /**
   * Result of the live MX coverage check (RFC 8461 4.1). In enforce, anything but "pass" or
   * "not-run" refuses the deployment of this domain's policy (and so of its new id).
   */
  readonly mxCheck?: pulumi.Input<{
    status: "pass" | "fail" | "error" | "not-run";
    message: string;
  }>;
}

export class MtaStsDomain extends pulumi.ComponentResource {
  readonly domain: string;
  readonly mode: pulumi.Output<Mode>;
  /** Canonical policy text (CRLF) as served. */
  readonly policyText: pulumi.Output<string>;
  /** Content-derived id announced in `_mta-sts`. */
  readonly policyId: pulumi.Output<string>;
  readonly policyUrl: string;
  /** Value of `_mta-sts.<domain>`; resolves only once the policy is served. */
  readonly stsRecord: pulumi.Output<string>;
  /** Value of `_smtp._tls.<domain>`, or undefined when there is no rua. */
  readonly tlsRptRecord: pulumi.Output<string | undefined>;
  /** Every record declared in this domain's zone (certificate validation and host, then its TXT records). */
  readonly records: readonly DnsRecordSpec[];
  readonly mxCheck: pulumi.Output<{ status: string; message: string }>;

  constructor(name: string, args: MtaStsDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mta-sts:index:MtaStsDomain", name, {}, opts);
    this.domain = args.domain;
    const ttl = args.ttl ?? 300;
    this.mode = pulumi.output(args.mode);
    this.policyText = pulumi
      .all([args.mode, args.mx, args.maxAge])
      .apply(([mode, mx, maxAge]) =>
        renderPolicy({ mode, mx, maxAge: maxAge ?? DEFAULT_MAX_AGE[mode] }),
      );
    this.policyId = this.policyText.apply(policyId);
    this.policyUrl = policyUrl(args.domain);

    this.mxCheck = pulumi.output(
      args.mxCheck ?? { status: "not-run" as const, message: "no live MX check configured" },
    );
    // Enforce only over MX hosts the policy covers: a failed check stops the policy (and the id).
    const content = pulumi
      .all([this.policyText, this.mode, this.mxCheck])
      .apply(([text, mode, check]) => {
        if (mode === "enforce" && (check.status === "fail" || check.status === "error")) {
          throw new Error(`${args.domain}: refusing mode enforce: ${check.message}`);
        }
        return text;
      });
    const object = new aws.s3.BucketObjectv2(
      `${name}-policy`,
      {
        bucket: args.site.bucketName,
        key: policyObjectKey(args.domain),
        content,
        contentType: "text/plain",
        cacheControl: "no-store",
      },
      { parent: this },
    );

    // RFC 8461 8.1: senders fetch the policy when they see a new id. The value depends, as
    // data, on the uploaded object and on the deployed distribution (or this domain's tenant,
    // with its certificate), so the engine cannot write the record before the new body is served.
    // In mode tenants, serve() declares the tenant and its host record here, as this domain's own.
    const served = args.site.serve(args.domain, { parent: this, name });
    this.stsRecord = pulumi
      .all([this.policyId, object.id, served])
      .apply(([id]) => buildStsRecord(id));
    args.zone.txt("sts-txt", {
      name: stsRecordName(args.domain),
      value: this.stsRecord,
      ttl,
      purpose: "MTA-STS policy id",
    });

    this.tlsRptRecord = pulumi
      .output(args.rua ?? [])
      .apply((rua) => (rua.length > 0 ? buildTlsRptRecord(rua) : undefined));
    const rua = args.rua;
    if (rua !== undefined && !(Array.isArray(rua) && rua.length === 0)) {
      args.zone.txt("tlsrpt-txt", {
        name: tlsRptRecordName(args.domain),
        value: this.tlsRptRecord.apply((v) => {
          if (v === undefined)
            throw new Error(
              `${args.domain}: rua resolved to an empty list; give at least one mailto: or https: URI`,
            );
          return v;
        }),
        ttl,
        purpose: "TLS-RPT reporting addresses",
      });
    }
    this.records = args.zone.records;
    this.registerOutputs({
      policyId: this.policyId,
      policyText: this.policyText,
      stsRecord: this.stsRecord,
    });
  }
}
