// The receiver's pure core at its edges: what the bytes are (whatever the label says), the
// gunzip bound, the JSON it accepts (receiver/payload.ts), and every limit with its environment
// variable (receiver/limits.ts).
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  type IngestLimits,
  LIMIT_ENV,
  limitsFromEnv,
  limitsToEnv,
} from "../receiver/limits";
import { decodePayload, gunzipBounded, sniff } from "../receiver/payload";
import { Rejection } from "../receiver/reject";

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => new TextEncoder().encode(s);
const BOM = [0xef, 0xbb, 0xbf];
const OPEN = 0x7b; // "{"

/** The Rejection that `fn` throws. */
function rejection(fn: () => unknown): Rejection {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Rejection);
    return err as Rejection;
  }
  throw new Error("expected a Rejection");
}

describe("sniff", () => {
  it("knows gzip by its two magic bytes, nothing less", () => {
    expect(sniff(bytes(0x1f, 0x8b))).toBe("gzip");
    expect(sniff(gzipSync("{}"))).toBe("gzip");
    expect(sniff(bytes(0x1f))).toBe("unknown");
    expect(sniff(bytes(0x1f, 0x8c))).toBe("unknown");
    expect(sniff(bytes(0x1e, 0x8b))).toBe("unknown");
    expect(sniff(bytes(0x8b, 0x1f))).toBe("unknown");
  });

  it("knows JSON by a '{' after space, tab, CR, LF and a UTF-8 BOM", () => {
    expect(sniff(ascii("{}"))).toBe("json");
    expect(sniff(ascii(" \t\r\n{"))).toBe("json");
    expect(sniff(bytes(...BOM, OPEN))).toBe("json");
    expect(sniff(bytes(...BOM, 0x20, 0x0a, OPEN))).toBe("json");
  });

  it("calls anything else unknown: other leading bytes, a list, nothing at all", () => {
    expect(sniff(bytes())).toBe("unknown");
    expect(sniff(ascii("   "))).toBe("unknown");
    expect(sniff(ascii("[{}]"))).toBe("unknown");
    expect(sniff(ascii("\f{"))).toBe("unknown");
    expect(sniff(ascii("\v{"))).toBe("unknown");
    expect(sniff(ascii("x{"))).toBe("unknown");
    expect(sniff(bytes(0x00, OPEN))).toBe("unknown");
  });

  it("skips a BOM only when all three of its bytes are there", () => {
    expect(sniff(bytes(0xef, 0xbb, OPEN))).toBe("unknown");
    expect(sniff(bytes(0x20, 0xbb, 0xbf, OPEN))).toBe("unknown");
    expect(sniff(bytes(0xef, 0x20, 0xbf, OPEN))).toBe("unknown");
    expect(sniff(bytes(0xef, 0xbb, 0x20, OPEN))).toBe("unknown");
    expect(sniff(bytes(0xef, 0x20, 0x20, OPEN))).toBe("unknown");
    expect(sniff(bytes(0x20, ...BOM, OPEN))).toBe("unknown");
  });
});

describe("gunzipBounded", () => {
  const data = Buffer.from("x".repeat(1000));

  it("inflates up to the limit exactly", () => {
    expect(gunzipBounded(gzipSync(data), 1000).equals(data)).toBe(true);
  });

  it("refuses one byte more with 413, naming the limit", () => {
    const r = rejection(() => gunzipBounded(gzipSync(data), 999));
    expect([r.status, r.reason, r.message]).toEqual([
      413,
      "gzip inflates to more than 999 bytes (the limit)",
      "gzip inflates to more than 999 bytes (the limit)",
    ]);
  });

  it("stops a gzip bomb at the limit", () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(rejection(() => gunzipBounded(bomb, 1024 * 1024)).status).toBe(413);
  });

  it("refuses damaged gzip with 400 and zlib's reason", () => {
    const r = rejection(() => gunzipBounded(bytes(0x1f, 0x8b, 0x01, 0x02, 0x03), 1000));
    expect(r.status).toBe(400);
    expect(r.reason).toMatch(/^gzip is damaged: \S/);
    const cut = gzipSync(data).subarray(0, 15);
    expect(rejection(() => gunzipBounded(cut, 1000)).reason).toMatch(/^gzip is damaged: /);
  });
});

describe("decodePayload", () => {
  const doc = { "organization-name": "Org", n: 1 };

  it("parses JSON and gzip holding JSON, whatever they are labelled", () => {
    expect(decodePayload(ascii(JSON.stringify(doc)), 100)).toEqual({ value: doc, kind: "json" });
    expect(decodePayload(gzipSync(JSON.stringify(doc)), 100)).toEqual({ value: doc, kind: "gzip" });
  });

  it("drops a leading BOM, in JSON and in gzip, and keeps U+FEFF inside strings", () => {
    const withBom = Buffer.concat([Buffer.from(BOM), Buffer.from(JSON.stringify(doc))]);
    expect(decodePayload(withBom, 100).value).toEqual(doc);
    expect(decodePayload(gzipSync(withBom), 100).value).toEqual(doc);
    expect(decodePayload(ascii('{"a":"\uFEFFb"}'), 100).value).toEqual({ a: "\uFEFFb" });
    expect(
      decodePayload(Buffer.concat([Buffer.from(BOM), ascii('{"a":"\uFEFFb"}')]), 100).value,
    ).toEqual({ a: "\uFEFFb" });
  });

  it("does not bound plain JSON by the decompression limit (the body limit applies before)", () => {
    expect(decodePayload(ascii(JSON.stringify(doc)), 1).kind).toBe("json");
  });

  it("bounds what gzip inflates to", () => {
    const body = JSON.stringify(doc);
    expect(decodePayload(gzipSync(body), body.length).value).toEqual(doc);
    expect(rejection(() => decodePayload(gzipSync(body), body.length - 1)).status).toBe(413);
  });

  it("refuses what is neither gzip nor JSON", () => {
    for (const body of [bytes(), ascii("<html>"), ascii("[1,2]"), bytes(0x1f)]) {
      const r = rejection(() => decodePayload(body, 100));
      expect([r.status, r.reason]).toEqual([400, "body is neither gzip nor JSON"]);
    }
  });

  it("refuses gzip that holds something other than JSON", () => {
    for (const inner of ["hello", "[1]", ""]) {
      const r = rejection(() => decodePayload(gzipSync(inner), 100));
      expect([r.status, r.reason]).toEqual([400, "gzip does not hold JSON"]);
    }
    expect(rejection(() => decodePayload(gzipSync(gzipSync("{}")), 100)).reason).toBe(
      "gzip does not hold JSON",
    );
  });

  it("refuses JSON that does not parse, with the parser's reason", () => {
    const r = rejection(() => decodePayload(ascii('{"a": '), 100));
    expect(r.status).toBe(400);
    expect(r.reason).toMatch(/^JSON does not parse: \S/);
    expect(rejection(() => decodePayload(gzipSync("{oops}"), 100)).reason).toMatch(
      /^JSON does not parse: /,
    );
  });
});

describe("limits", () => {
  it("default to the values the README lists", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBodyBytes: 10 * 1024 * 1024,
      maxDecompressedBytes: 32 * 1024 * 1024,
      maxMimeDepth: 20,
      maxReportsPerEmail: 10,
      maxPolicies: 1_000,
      maxFailureDetails: 100_000,
    });
  });

  it("each have their own environment variable", () => {
    expect(LIMIT_ENV).toEqual({
      maxBodyBytes: "MTASTS_MAX_BODY_BYTES",
      maxDecompressedBytes: "MTASTS_MAX_DECOMPRESSED_BYTES",
      maxMimeDepth: "MTASTS_MAX_MIME_DEPTH",
      maxReportsPerEmail: "MTASTS_MAX_REPORTS_PER_EMAIL",
      maxPolicies: "MTASTS_MAX_POLICIES",
      maxFailureDetails: "MTASTS_MAX_FAILURE_DETAILS",
    });
  });
});

describe("limitsFromEnv", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.values(LIMIT_ENV)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it("gives the defaults when nothing is set, and ignores other variables", () => {
    expect(limitsFromEnv({})).toEqual(DEFAULT_LIMITS);
    expect(limitsFromEnv({ MTASTS_MAX_BODY: "1", PATH: "/bin" })).toEqual(DEFAULT_LIMITS);
  });

  it("takes each limit from its variable and leaves the others at their defaults", () => {
    for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof IngestLimits, string][]) {
      expect(limitsFromEnv({ [name]: "7" })).toEqual({ ...DEFAULT_LIMITS, [key]: 7 });
    }
    expect(limitsFromEnv({ MTASTS_MAX_POLICIES: "3", MTASTS_MAX_MIME_DEPTH: "4" })).toMatchObject({
      maxPolicies: 3,
      maxMimeDepth: 4,
      maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes,
    });
  });

  it("reads the process environment by default", () => {
    process.env.MTASTS_MAX_REPORTS_PER_EMAIL = "2";
    expect(limitsFromEnv().maxReportsPerEmail).toBe(2);
  });

  it("takes whole numbers from 1 up, leading zeros allowed", () => {
    expect(limitsFromEnv({ MTASTS_MAX_POLICIES: "1" }).maxPolicies).toBe(1);
    expect(limitsFromEnv({ MTASTS_MAX_POLICIES: "0010" }).maxPolicies).toBe(10);
    expect(limitsFromEnv({ MTASTS_MAX_BODY_BYTES: "104857600" }).maxBodyBytes).toBe(104_857_600);
  });

  it("refuses anything else, naming the variable and its value", () => {
    for (const v of ["0", "000", "-1", "1.5", "", " 5", "5 ", "5x", "x5", "1e3", "0x10", "ten"]) {
      expect(() => limitsFromEnv({ MTASTS_MAX_DECOMPRESSED_BYTES: v })).toThrow(
        new Error(`MTASTS_MAX_DECOMPRESSED_BYTES="${v}" must be a positive whole number`),
      );
    }
  });
});

describe("limitsToEnv", () => {
  it("gives the variables for the limits set, as decimal text", () => {
    expect(limitsToEnv({})).toEqual({});
    expect(limitsToEnv({ maxBodyBytes: 1024, maxFailureDetails: 5 })).toEqual({
      MTASTS_MAX_BODY_BYTES: "1024",
      MTASTS_MAX_FAILURE_DETAILS: "5",
    });
  });

  it("round-trips through limitsFromEnv", () => {
    const limits: IngestLimits = {
      maxBodyBytes: 11,
      maxDecompressedBytes: 12,
      maxMimeDepth: 3,
      maxReportsPerEmail: 4,
      maxPolicies: 5,
      maxFailureDetails: 6,
    };
    expect(limitsFromEnv(limitsToEnv(limits))).toEqual(limits);
  });
});
