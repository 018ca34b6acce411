// Manual adapter: for zones this stack may not write to. Nothing is created; the records
// are collected so `mtasts plan` and the stack output `domains` print them for a person to add.
import * as pulumi from "@pulumi/pulumi";
import { zoneTxt } from "../../protocol/records";
import { type DnsRecordSpec, type DnsZone, type RecordArgs, withoutDot } from "./zone";

export class ManualZone extends pulumi.ComponentResource implements DnsZone {
  readonly provider = "manual" as const;
  readonly records: DnsRecordSpec[] = [];

  constructor(
    name: string,
    _args: Record<string, never> = {},
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("mta-sts:dns:ManualZone", name, {}, opts);
    this.registerOutputs({});
  }

  private add(
    type: DnsRecordSpec["type"],
    args: RecordArgs,
    value: pulumi.Input<string>,
  ): DnsRecordSpec {
    const spec: DnsRecordSpec = {
      name: withoutDot(args.name),
      type,
      ttl: args.ttl,
      values: pulumi.output(value).apply((v) => [v.replace(/\.$/, "")]),
      alias: false,
      managedBy: "manual",
      purpose: args.purpose,
    };
    this.records.push(spec);
    // Stack outputs appear only when `pulumi up` ends, but up waits for the certificate, whose
    // validation record a person must add first: say each record as soon as its value is known.
    // Only during an update: previews and `mtasts plan` print the records themselves.
    if (!pulumi.runtime.isDryRun())
      pulumi
        .all([spec.name, spec.values])
        .apply(([n, v]) =>
          pulumi.log.info(
            `add by hand: ${n}. ${spec.ttl} IN ${type} ${type === "TXT" ? zoneTxt(v[0]) : `${v[0]}.`} ; ${args.purpose}`,
            this,
          ),
        );
    return spec;
  }

  txt(_suffix: string, args: RecordArgs & { value: pulumi.Input<string> }): DnsRecordSpec {
    return this.add("TXT", args, args.value);
  }

  cname(_suffix: string, args: RecordArgs & { target: pulumi.Input<string> }): DnsRecordSpec {
    return this.add("CNAME", args, args.target);
  }

  mx(
    _suffix: string,
    args: RecordArgs & { priority: number; host: pulumi.Input<string> },
  ): DnsRecordSpec {
    return this.add("MX", args, pulumi.interpolate`${args.priority} ${args.host}`);
  }

  cloudFrontAlias(
    _suffix: string,
    args: RecordArgs & { domainName: pulumi.Input<string> },
  ): DnsRecordSpec[] {
    return [this.add("CNAME", args, args.domainName)];
  }
}
