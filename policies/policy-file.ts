// The policy object itself (RFC 8461 3.2, 3.3), the id that announces it, and TLS-RPT beside enforce.
import { MAX_POLICY_BYTES, parsePolicy, PolicyError, policyId } from "../protocol/mta-sts";
import { parseStsRecord } from "../protocol/records";
import { resourcePolicy, stackPolicy } from "./lib/define";
import {
  domainOfLabel,
  ifKnown,
  isPolicyObject,
  policyObjectDomain,
  txtRecordOf,
} from "./lib/resources";

export const mtaStsPolicyFile = resourcePolicy({
  name: "mta-sts-policy-file",
  description:
    "An S3 object at .well-known/mta-sts.txt holds a valid RFC 8461 policy: CRLF lines, at most 64 KiB, text/plain, max_age in bounds, mx in enforce.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Render the policy with renderPolicy() (or MtaStsDomain), which writes canonical CRLF text; set contentType to text/plain; keep it under 64 KiB with wildcard mx patterns; give enforce at least one mx.",
  validateResource: (args, reportViolation) => {
    if (!isPolicyObject(args)) return args.notApplicable("not an MTA-STS policy object");
    const content = args.props.content as string | undefined;
    if (content === undefined)
      return args.notApplicable("content comes from a source asset, which a policy cannot read");
    const size = Buffer.byteLength(content, "utf8");
    if (size > MAX_POLICY_BYTES)
      reportViolation(`policy is ${size} bytes; senders read at most ${MAX_POLICY_BYTES}`);
    const contentType = String(args.props.contentType ?? "");
    if (!/^text\/plain(\s*;.*)?$/i.test(contentType)) {
      reportViolation(`contentType is "${contentType || "(not set)"}"; senders require text/plain`);
    }
    try {
      const { warnings } = parsePolicy(content);
      for (const w of warnings.filter((w) => w.includes("LF only"))) reportViolation(`policy ${w}`);
    } catch (err) {
      const problems = err instanceof PolicyError ? err.problems : [(err as Error).message];
      for (const p of problems) reportViolation(`policy is invalid: ${p}`);
    }
  },
});

export const mtaStsEnforceMaxAge = resourcePolicy({
  name: "mta-sts-enforce-max-age",
  description:
    "An enforce policy has max_age of at least a day, so a short outage of the policy host does not drop protection.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps:
    "Raise max_age to 604800 (a week, the default for enforce) or more once enforce is stable.",
  validateResource: (args, reportViolation) => {
    if (!isPolicyObject(args) || args.props.content === undefined)
      return args.notApplicable("not an MTA-STS policy object with inline content");
    const policy = ifKnown(() => parsePolicy(args.props.content as string).policy);
    if (policy?.mode === "enforce" && policy.maxAge < 86_400)
      reportViolation(
        `enforce with max_age ${policy.maxAge} s; senders re-fetch almost constantly and lose the policy quickly`,
      );
  },
});

interface ObjectInfo {
  urn: string;
  domain?: string;
  content: string;
}

function policyObjects(
  resources: readonly { urn: string; type: string; name: string; props: Record<string, any> }[],
): ObjectInfo[] {
  const out: ObjectInfo[] = [];
  for (const r of resources) {
    const info = ifKnown(() => {
      if (!isPolicyObject(r) || typeof r.props.content !== "string") return undefined;
      return {
        urn: r.urn,
        domain: policyObjectDomain(r.props.key as string),
        content: r.props.content as string,
      };
    });
    if (info) out.push(info);
  }
  return out;
}

export const mtaStsIdMatchesPolicy = stackPolicy({
  name: "mta-sts-id-matches-policy",
  description:
    "The id in _mta-sts.<domain> equals the id of the policy body it announces (recomputed from the object's content): a stale id means senders keep an old policy.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Derive the id from the policy bytes (policyId(), as MtaStsDomain does) so it changes exactly when the policy changes; never hand-edit one without the other.",
  validateStack: (args, reportViolation) => {
    const objects = policyObjects(args.resources);
    const records = args.resources.flatMap((r) => {
      const txt = ifKnown(() => txtRecordOf(r));
      return txt && (txt.name === "_mta-sts" || txt.name.startsWith("_mta-sts.")) ? [txt] : [];
    });
    for (const txt of records) {
      const domain = domainOfLabel(txt.name, "_mta-sts");
      // Match by host in the key; a stack with one record and one unkeyed object pairs them.
      const object =
        objects.find((o) => domain !== undefined && o.domain === domain) ??
        (records.length === 1 && objects.length === 1 && objects[0].domain === undefined
          ? objects[0]
          : undefined);
      if (!object) continue;
      const expected = policyId(object.content);
      for (const value of txt.values) {
        const id = ifKnown(() => {
          try {
            return parseStsRecord(value).id;
          } catch {
            return undefined; // mta-sts-txt-record reports the syntax
          }
        });
        if (id !== undefined && id !== expected) {
          reportViolation(
            `${txt.name} announces id ${id} but the policy body in ${object.urn.split("::").pop()} has id ${expected}: the id is stale`,
            txt.urn,
          );
        }
      }
    }
  },
});

export const mtaStsEnforceHasTlsRpt = stackPolicy({
  name: "mta-sts-enforce-has-tls-rpt",
  description:
    "Every domain whose policy is enforce, and whose _mta-sts record the stack manages, also publishes a _smtp._tls record, so delivery failures are reported rather than silent. (Domains whose DNS lives outside the stack, like manual zones, cannot be judged here; `mtasts check` sees their live records.)",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    'Add `rua: ["mailto:..."]` to the domain (or a TLS-RPT TXT record at _smtp._tls.<domain>) before enforcing.',
  validateStack: (args, reportViolation) => {
    const txts = args.resources.flatMap((r) => {
      const txt = ifKnown(() => txtRecordOf(r));
      return txt ? [txt] : [];
    });
    const tlsRptNames = new Set(
      txts.filter((t) => t.values.some((v) => v.startsWith("v=TLSRPTv1"))).map((t) => t.name),
    );
    const stsNames = new Set(txts.filter((t) => t.name.startsWith("_mta-sts.")).map((t) => t.name));
    for (const o of policyObjects(args.resources)) {
      if (!o.domain || !stsNames.has(`_mta-sts.${o.domain}`)) continue;
      const mode = ifKnown(() => {
        try {
          return parsePolicy(o.content).policy.mode;
        } catch {
          return undefined;
        }
      });
      if (mode === "enforce" && !tlsRptNames.has(`_smtp._tls.${o.domain}`)) {
        reportViolation(
          `${o.domain} enforces MTA-STS but the stack has no _smtp._tls.${o.domain} TLS-RPT record`,
          o.urn,
        );
      }
    }
  },
});
