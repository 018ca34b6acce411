// The world edge for records that already exist at the stack's names in Cloudflare zones: what it
// lists, what it refuses (naming the record, its id and the fix), and what it hands over with adopt.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { acmTakeoverName } from "../components/dns/cloudflare";
import { parseStackConfig } from "../config";
import {
  findExistingRecords,
  type ListedRecord,
  type RecordLister,
  txtValue,
} from "../world/existing-records";

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const OTHER_ZONE = "11111111111111111111111111111111";
const cf = (domain: string, extra: Record<string, unknown> = {}) => ({
  domain,
  dns: { provider: "cloudflare", zoneId: ZONE },
  mx: [`mx.${domain}`],
  rua: [`mailto:tlsrpt@${domain}`],
  ...extra,
});
const config = (domains: unknown[], opts: { adopt?: unknown; receiver?: unknown } = {}) =>
  parseStackConfig({ domains, receiver: opts.receiver ?? { enabled: false }, adopt: opts.adopt });

/** A zone's records, served with Cloudflare's name filters (case-insensitive), recording each call. */
function zoneOf(records: Record<string, ListedRecord[]>) {
  const calls: string[] = [];
  const lister: RecordLister = async (zoneId, name) => {
    calls.push(`${zoneId} ${name.exact ? `exact ${name.exact}` : `contains ${name.contains}`}`);
    return (records[zoneId] ?? []).filter((r) =>
      name.exact
        ? r.name.toLowerCase() === name.exact
        : r.name.toLowerCase().includes(name.contains!),
    );
  };
  return { lister, calls };
}
const rec = (
  id: string,
  name: string,
  type: string,
  content: string,
  comment?: string,
): ListedRecord => ({ id, name, type, content, comment });
const STS = rec(
  "372e67954025e0ba6aaa6d586b9e0b59",
  "_mta-sts.example.org",
  "TXT",
  '"v=STSv1; id=20240101;"',
  "set up by hand",
);

async function refusal(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(err).toBeInstanceOf(pulumi.RunError);
  const [head, ...lines] = err!.message.split("\n");
  expect(head).toMatch(/^records already exist at names this stack writes \(\d+ problems?\):$/);
  return lines.map((l) => l.trim());
}

describe("an existing v=STSv1 record that the stack did not write", () => {
  it("stops the program, naming the record, its id and the fix, when adopt is off", async () => {
    const { lister } = zoneOf({ [ZONE]: [STS] });
    expect(await refusal(findExistingRecords(config([cf("example.org")]), lister))).toEqual([
      'mta-sts:domains[0] (example.org): _mta-sts.example.org TXT "v=STSv1; id=20240101;" (Cloudflare record 372e67954025e0ba6aaa6d586b9e0b59) exists and this stack did not write it; ' +
        "a second v=STSv1 record would mean none at all, so set adopt: true on mta-sts:domains[0] (or mta-sts:adopt: true for every domain) to take it over, or delete it",
    ]);
  });

  it("is handed over for the zone to import (<zone id>/<record id>) with the domain's adopt, or the stack's", async () => {
    const { lister } = zoneOf({ [ZONE]: [STS] });
    const expected = {
      "example.org": {
        records: {
          "_mta-sts.example.org TXT": {
            importId: `${ZONE}/372e67954025e0ba6aaa6d586b9e0b59`,
            name: "_mta-sts.example.org",
          },
        },
      },
    };
    expect(await findExistingRecords(config([cf("example.org", { adopt: true })]), lister)).toEqual(
      expected,
    );
    expect(await findExistingRecords(config([cf("example.org")], { adopt: true }), lister)).toEqual(
      expected,
    );
    // The domain's own adopt: false wins over the stack's.
    await refusal(
      findExistingRecords(config([cf("example.org", { adopt: false })], { adopt: true }), lister),
    );
  });

  it("takes none of two or more over: they already mean no policy, so all but one must go first", async () => {
    const second = rec(
      "5f0c0a2f3c7f4fd0b2a1e1b7f3b1a9c4",
      "_mta-sts.example.org",
      "TXT",
      '"v=STSv1; id=old;"',
    );
    const { lister } = zoneOf({ [ZONE]: [STS, second] });
    const [line] = await refusal(
      findExistingRecords(config([cf("example.org", { adopt: true })]), lister),
    );
    expect(line).toContain("2 v=STSv1 records at _mta-sts.example.org");
    expect(line).toContain("Cloudflare record 5f0c0a2f3c7f4fd0b2a1e1b7f3b1a9c4");
    expect(line).toContain(
      "two or more mean none at all; delete all but one (the stack then takes that one over)",
    );
  });

  it("beside the stack's own record, is to be deleted, adopt or not", async () => {
    const own = rec(
      "0b9a8c7d6e5f40312233445566778899",
      "_mta-sts.example.org",
      "TXT",
      '"v=STSv1; id=abc;"',
      "mta-sts: MTA-STS policy id",
    );
    const { lister } = zoneOf({ [ZONE]: [own, STS] });
    const [line] = await refusal(
      findExistingRecords(config([cf("example.org", { adopt: true })]), lister),
    );
    expect(line).toMatch(
      /: 2 v=STSv1 records at _mta-sts\.example\.org \(.*\): two or more mean none at all; delete 372e67954025e0ba6aaa6d586b9e0b59 \(not written by this stack\)$/,
    );
  });
});

describe("what passes", () => {
  it("the stack's own records (comment mta-sts:), other TXT strings, and domains not on Cloudflare or being removed", async () => {
    const { lister, calls } = zoneOf({
      [ZONE]: [
        rec(
          "a1",
          "_mta-sts.example.org",
          "TXT",
          '"v=STSv1; id=abc;"',
          "mta-sts: MTA-STS policy id",
        ),
        rec(
          "a2",
          "mta-sts.example.org",
          "CNAME",
          "mta-sts-site-group-0-cdn.cloudfront.net",
          "mta-sts: policy host -> CloudFront",
        ),
        rec("a3", "_mta-sts.example.org", "TXT", '"google-site-verification=abc"'),
        rec(
          "a4",
          "_smtp._tls.example.org",
          "TXT",
          '"v=TLSRPTv1; rua=mailto:tlsrpt@example.org"',
          "mta-sts: TLS-RPT reporting addresses",
        ),
      ],
    });
    const domains = [
      { ...cf("example.com"), dns: { provider: "route53", zoneId: "Z0123456789ABC" } },
      cf("example.org"),
      { ...cf("example.net"), dns: { provider: "manual" } },
      cf("old.example", { mode: "none", mx: [], retireAfter: "2026-01-01", remove: true }),
    ];
    expect(await findExistingRecords(config(domains), lister)).toEqual({});
    // Two look-ups per Cloudflare domain: every mta-sts name, and _smtp._tls.
    expect(calls.sort()).toEqual([
      `${ZONE} contains mta-sts.example.org`,
      `${ZONE} exact _smtp._tls.example.org`,
    ]);
  });

  it("a v=TLSRPTv1 record where the stack writes no _smtp._tls (no rua, no receiver)", async () => {
    const tlsRpt = rec(
      "b1",
      "_smtp._tls.example.org",
      "TXT",
      '"v=TLSRPTv1; rua=mailto:reports@other.example"',
    );
    const { lister } = zoneOf({ [ZONE]: [tlsRpt] });
    expect(await findExistingRecords(config([cf("example.org", { rua: [] })]), lister)).toEqual({});
    // With the receiver's https rua the stack does write it, so the record is in the way.
    const [line] = await refusal(
      findExistingRecords(
        config([cf("example.org", { rua: [] })], { receiver: { enabled: true } }),
        lister,
      ),
    );
    expect(line).toContain("_smtp._tls.example.org TXT");
    expect(line).toContain("a second v=TLSRPTv1 record would mean none at all");
  });
});

describe("the policy host and ACM's validation record", () => {
  const host = rec("c1", "mta-sts.example.org", "CNAME", "mta-sts.hosted-service.example");

  it("a CNAME from another service: refused without adopt, taken over (repointed) with it", async () => {
    const { lister } = zoneOf({ [ZONE]: [host] });
    const [line] = await refusal(findExistingRecords(config([cf("example.org")]), lister));
    expect(line).toContain(
      "mta-sts.example.org CNAME mta-sts.hosted-service.example (Cloudflare record c1) exists and this stack did not write it; set adopt: true on mta-sts:domains[0]",
    );
    expect(await findExistingRecords(config([cf("example.org", { adopt: true })]), lister)).toEqual(
      {
        "example.org": {
          records: {
            "mta-sts.example.org CNAME": { importId: `${ZONE}/c1`, name: "mta-sts.example.org" },
          },
        },
      },
    );
  });

  it("an A record at mta-sts, or a CNAME at _mta-sts, must be deleted even with adopt", async () => {
    const { lister } = zoneOf({
      [ZONE]: [
        rec("d1", "mta-sts.example.org", "A", "192.0.2.10"),
        rec("d2", "_mta-sts.example.org", "CNAME", "_mta-sts.hosted-service.example"),
      ],
    });
    expect(
      await refusal(findExistingRecords(config([cf("example.org", { adopt: true })]), lister)),
    ).toEqual([
      "mta-sts:domains[0] (example.org): _mta-sts.example.org CNAME _mta-sts.hosted-service.example (Cloudflare record d2) exists where the stack writes its v=STSv1 TXT, and no TXT can sit beside a CNAME; delete it",
      "mta-sts:domains[0] (example.org): mta-sts.example.org A 192.0.2.10 (Cloudflare record d1) exists where the stack writes its policy host CNAME, which cannot sit beside it; delete it",
    ]);
  });

  it("hands a lone ACM validation CNAME over only with adopt, and none of two", async () => {
    const acm = rec(
      "e1",
      "_0123456789abcdef0123456789abcdef.mta-sts.example.org",
      "CNAME",
      "_fedcba9876543210.xlfgrmvvlj.acm-validations.aws.",
    );
    const { lister } = zoneOf({ [ZONE]: [acm] });
    expect(await findExistingRecords(config([cf("example.org")]), lister)).toEqual({});
    expect(await findExistingRecords(config([cf("example.org", { adopt: true })]), lister)).toEqual(
      {
        "example.org": {
          acmValidation: {
            importId: `${ZONE}/e1`,
            name: "_0123456789abcdef0123456789abcdef.mta-sts.example.org",
          },
        },
      },
    );
    const two = zoneOf({ [ZONE]: [acm, { ...acm, id: "e2", name: "_aaaa.mta-sts.example.org" }] });
    expect(
      await findExistingRecords(config([cf("example.org", { adopt: true })]), two.lister),
    ).toEqual({});
  });

  it("imports ACM's record only when ACM asks for that very name", () => {
    const takeover = { importId: `${ZONE}/e1`, name: "_0123.mta-sts.example.org" };
    expect(acmTakeoverName(takeover, "_0123.mta-sts.example.org.")).toBe(
      "_0123.mta-sts.example.org.",
    );
    expect(() => acmTakeoverName(takeover, "_4567.mta-sts.example.org")).toThrow(pulumi.RunError);
    expect(() => acmTakeoverName(takeover, "_4567.mta-sts.example.org")).toThrow(
      "_0123.mta-sts.example.org: adopt found this ACM validation CNAME (Cloudflare record e1), but ACM asks for _4567.mta-sts.example.org: it belongs to another certificate or AWS account, so the stack will not take it over; delete it if nothing uses it any more, or set adopt: false for this domain",
    );
  });
});

describe("every problem at once", () => {
  it("orders them by domain, and says what to grant when a zone cannot be read", async () => {
    const { lister: inner } = zoneOf({
      [ZONE]: [STS, rec("f1", "_mta-sts.example.com", "TXT", "v=STSv1; id=x;")],
    });
    const lister: RecordLister = (zoneId, name) =>
      zoneId === OTHER_ZONE
        ? Promise.reject(new Error("Authentication error (10000)"))
        : inner(zoneId, name);
    const lines = await refusal(
      findExistingRecords(
        config([
          cf("example.com"),
          cf("example.net", { dns: { provider: "cloudflare", zoneId: OTHER_ZONE } }),
          cf("example.org"),
        ]),
        lister,
        1,
      ),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^mta-sts:domains\[1\] \(example\.net\): could not list the records of Cloudflare zone 1{32} \(Authentication error \(10000\)\); the stack's Cloudflare token needs DNS Read on the zone/,
      ),
      expect.stringMatching(
        /^mta-sts:domains\[0\] \(example\.com\): _mta-sts\.example\.com TXT "v=STSv1; id=x;" \(Cloudflare record f1\)/,
      ),
      expect.stringMatching(/^mta-sts:domains\[2\] \(example\.org\): _mta-sts\.example\.org TXT/),
    ]);
  });
});

describe("TXT content as Cloudflare stores it", () => {
  it.each([
    ['"v=STSv1; id=1;"', "v=STSv1; id=1;"],
    [
      '"v=TLSRPTv1; rua=mailto:a@example.com," "mailto:b@example.com"',
      "v=TLSRPTv1; rua=mailto:a@example.com,mailto:b@example.com",
    ],
    ['"say \\"hi\\""', 'say "hi"'],
    ["v=STSv1; id=unquoted;", "v=STSv1; id=unquoted;"],
  ])("%s", (content, value) => expect(txtValue(content)).toBe(value));
});
