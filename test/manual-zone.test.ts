// Manual DNS: `pulumi up` waits for the certificate, whose validation CNAME a person must add
// first, and stack outputs come only at the end: each record is said as soon as it is known.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { promiseOf, recordingMocks, settled } from "./helpers/pulumi";

const lines: string[] = [];
// A TLS-RPT value over 255 bytes: one zone-file character-string cannot hold it.
const LONG_RUA = Array.from({ length: 9 }, (_, i) => `mailto:tlsrpt-${i}@reports.example.org`);
let restore: () => void;

beforeAll(async () => {
  const spy = vi
    .spyOn(console, "log")
    .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  restore = () => spy.mockRestore();
  await recordingMocks();
  const { MtaStsFleet } = await import("../components/mta-sts-fleet");
  const { parseStackConfig } = await import("../config");
  const fleet = new MtaStsFleet("hand", {
    ...parseStackConfig({
      domains: [
        {
          domain: "example.net",
          dns: { provider: "manual" },
          mx: ["mx.example.net"],
          rua: ["mailto:tls@example.net"],
        },
        {
          domain: "example.org",
          dns: { provider: "manual" },
          mx: ["mx.example.org"],
          rua: LONG_RUA,
        },
      ],
      receiver: { enabled: false },
    }),
    mxResolver: "offline",
  });
  await promiseOf(fleet.domains[0].stsRecord);
  await settled();
});
afterAll(() => restore());

it("logs the ACM validation CNAME to add by hand while pulumi up is still running", () => {
  expect(lines).toContain(
    "info: [runtime] add by hand: _v.mta-sts.example.net. 300 IN CNAME _x.mta-sts.example.net.acm-validations.aws. ; ACM DNS validation for mta-sts.example.net",
  );
});

it("logs the policy host and both TXT records too, in zone-file form", () => {
  const hand = lines.filter((l) => l.includes("add by hand:"));
  expect(
    hand.some((l) =>
      /add by hand: mta-sts\.example\.net\. 300 IN CNAME hand-site-group-0-cdn\.cloudfront\.net\. ; policy host/.test(
        l,
      ),
    ),
  ).toBe(true);
  expect(
    hand.some((l) =>
      /add by hand: _mta-sts\.example\.net\. 300 IN TXT "v=STSv1; id=[0-9a-f]+;"/.test(l),
    ),
  ).toBe(true);
  expect(
    hand.some((l) =>
      l.includes(
        'add by hand: _smtp._tls.example.net. 300 IN TXT "v=TLSRPTv1; rua=mailto:tls@example.net" ; TLS-RPT reporting addresses',
      ),
    ),
  ).toBe(true);
});

it("splits a TXT value over 255 bytes into quoted 255-byte strings, as a DNS console takes them", () => {
  const value = `v=TLSRPTv1; rua=${LONG_RUA.join(",")}`;
  expect(value.length).toBeGreaterThan(255);
  const line = lines.find((l) => l.includes("add by hand: _smtp._tls.example.org."))!;
  expect(line).toContain(
    `_smtp._tls.example.org. 300 IN TXT "${value.slice(0, 255)}" "${value.slice(255)}" ; TLS-RPT reporting addresses`,
  );
});
