// What anyone on the Internet can send the receiver, refused before it costs memory or time:
// deep nesting, long strings and keys, many keys, many object shapes, many values (the JSON
// scan in receiver/payload.ts), emails whose reports together exceed one report's budget or
// that hold thousands of MIME parts (receiver/email.ts), and reasons that would break a log line
// (receiver/reject.ts). Each test sits on the bound: one side passes, the other is refused.
import { gzipSync } from "node:zlib";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { extractReports } from "../receiver/email";
import {
  DEFAULT_JSON_BOUNDS,
  DEFAULT_LIMITS,
  type IngestLimits,
  type JsonBounds,
  jsonBoundsFor,
  MAX_MIME_PARTS,
} from "../receiver/limits";
import { decodePayload, newJsonBudget, parseJsonBounded, scanJson } from "../receiver/payload";
import { MAX_REASON_CHARS, oneLine, Rejection } from "../receiver/reject";

const ascii = (s: string) => Buffer.from(s, "utf8");

function rejection(fn: () => unknown): Rejection {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Rejection);
    return err as Rejection;
  }
  throw new Error("expected a Rejection");
}

async function rejectionOf(p: Promise<unknown>): Promise<Rejection> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Rejection);
    return err as Rejection;
  }
  throw new Error("expected a Rejection");
}

const refusal = (r: Rejection) => [r.status, r.reason];
const bounds = (over: Partial<JsonBounds>): JsonBounds => ({ ...DEFAULT_JSON_BOUNDS, ...over });
/** `{"a":` then `depth - 1` arrays inside each other, closed: `depth` levels in all. */
const nested = (depth: number) => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

describe("the JSON bounds", () => {
  it("are derived from the report limits: 10 values a failure detail, 64 a policy, 1,024 besides", () => {
    expect(DEFAULT_JSON_BOUNDS).toEqual({
      maxDepth: 32,
      maxStringBytes: 65_536,
      maxKeyBytes: 256,
      maxKeysPerObject: 64,
      maxShapes: 1_000,
      maxValues: 1_065_024,
    });
    expect(jsonBoundsFor({ maxPolicies: 2, maxFailureDetails: 3 }).maxValues).toBe(
      30 + 128 + 1_024,
    );
    expect(MAX_MIME_PARTS).toBe(1_000);
  });

  it("keep the default decompressed size at 32 MiB (a report at the failure-details limit is 17-30 MB)", () => {
    expect(DEFAULT_LIMITS.maxDecompressedBytes).toBe(32 * 1024 * 1024);
  });
});

describe("nesting", () => {
  it("parses 32 levels and refuses the 33rd with 400, naming the byte where it started", () => {
    expect(parseJsonBounded(ascii(nested(32)))).toEqual({
      a: JSON.parse(`${"[".repeat(31)}${"]".repeat(31)}`),
    });
    // {"a": is bytes 0-4: the 32nd "[" (the 33rd level) is byte 36.
    expect(refusal(rejection(() => parseJsonBounded(ascii(nested(33)))))).toEqual([
      400,
      "JSON nests deeper than 32 levels (at byte 36)",
    ]);
  });

  it("refuses the 48 KB gzip of nested '[' that once took 2.6 GB, after gunzip and before JSON.parse", () => {
    const bomb = gzipSync(`{"a":${"[".repeat(30 * 1024 * 1024)}`, { level: 9 });
    expect(bomb.length).toBeLessThan(48 * 1024);
    expect(
      refusal(rejection(() => decodePayload(bomb, DEFAULT_LIMITS.maxDecompressedBytes))),
    ).toEqual([400, "JSON nests deeper than 32 levels (at byte 36)"]);
  });

  it("counts objects and arrays alike, and closing brackets give levels back", () => {
    expect(() => scanJson(ascii(`{"a":[{"b":[{}]}]}`), bounds({ maxDepth: 5 }))).not.toThrow();
    expect(
      rejection(() => scanJson(ascii(`{"a":[{"b":[{}]}]}`), bounds({ maxDepth: 4 }))).reason,
    ).toBe("JSON nests deeper than 4 levels (at byte 12)");
    // Ten siblings at level 2 are still level 2.
    expect(() =>
      scanJson(ascii(`{"a":[${Array(10).fill("[]").join(",")}]}`), bounds({ maxDepth: 3 })),
    ).not.toThrow();
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const text = `{"a":"${"[".repeat(100)}\\"${"{".repeat(100)}","b\\"[[":"\\\\"}`;
    expect(parseJsonBounded(ascii(text), bounds({ maxDepth: 1 }))).toEqual({
      a: `${"[".repeat(100)}"${"{".repeat(100)}`,
      'b"[[': "\\",
    });
  });
});

describe("strings and keys", () => {
  it("takes a string of 65,536 bytes and refuses one of 65,537 with 413", () => {
    const at = (n: number) => ascii(`{"a":"${"x".repeat(n)}"}`);
    expect((parseJsonBounded(at(65_536)) as { a: string }).a).toHaveLength(65_536);
    expect(refusal(rejection(() => parseJsonBounded(at(65_537))))).toEqual([
      413,
      "JSON string of more than 65536 bytes (at byte 5)",
    ]);
  });

  it("measures strings as written: an escape counts its backslash", () => {
    expect(() => scanJson(ascii(`{"a":"\\n\\n"}`), bounds({ maxStringBytes: 4 }))).not.toThrow();
    expect(
      rejection(() => scanJson(ascii(`{"a":"\\n\\n"}`), bounds({ maxStringBytes: 3 }))).status,
    ).toBe(413);
  });

  it("refuses a 30 MB string held in 30 KB of gzip", () => {
    const gz = gzipSync(`{"a":"${"x".repeat(30 * 1024 * 1024)}"}`, { level: 9 });
    expect(gz.length).toBeLessThan(48 * 1024);
    expect(
      refusal(rejection(() => decodePayload(gz, DEFAULT_LIMITS.maxDecompressedBytes))),
    ).toEqual([413, "JSON string of more than 65536 bytes (at byte 5)"]);
  });

  it("takes a key of 256 bytes and refuses one of 257", () => {
    expect(() => scanJson(ascii(`{"${"k".repeat(256)}":1}`))).not.toThrow();
    expect(refusal(rejection(() => scanJson(ascii(`{"${"k".repeat(257)}":1}`))))).toEqual([
      413,
      "JSON object key of more than 256 bytes (at byte 1)",
    ]);
  });

  it("judges a string as a key only where a key goes: after '{' or a ',' inside an object", () => {
    const long = "k".repeat(300);
    // As values (in an object and in an array), 300 bytes are fine.
    expect(() => scanJson(ascii(`{"a":"${long}","b":["${long}","${long}"]}`))).not.toThrow();
    expect(rejection(() => scanJson(ascii(`{"a":1,"${long}":2}`))).reason).toBe(
      "JSON object key of more than 256 bytes (at byte 7)",
    );
    expect(rejection(() => scanJson(ascii(`{"a":[1],"${long}":2}`))).reason).toBe(
      "JSON object key of more than 256 bytes (at byte 9)",
    );
  });
});

describe("keys and shapes", () => {
  const object = (keys: number, prefix = "k") =>
    `{${Array.from({ length: keys }, (_, i) => `"${prefix}${i}":0`).join(",")}}`;

  it("takes 64 keys in an object and refuses the 65th with 413", () => {
    expect(Object.keys(parseJsonBounded(ascii(object(64))) as object)).toHaveLength(64);
    const r = rejection(() => parseJsonBounded(ascii(object(65))));
    expect([r.status, r.reason]).toEqual([
      413,
      `JSON object with more than 64 keys (at byte ${object(64).length - 1 + 1})`,
    ]);
  });

  it("counts keys per object: nested objects start again", () => {
    const inner = object(3);
    expect(() =>
      scanJson(ascii(`{"a":${inner},"b":${inner},"c":${inner}}`), bounds({ maxKeysPerObject: 3 })),
    ).not.toThrow();
    expect(
      rejection(() =>
        scanJson(
          ascii(`{"a":${inner},"b":${inner},"c":${inner},"d":1}`),
          bounds({ maxKeysPerObject: 3 }),
        ),
      ).reason,
    ).toMatch(/^JSON object with more than 3 keys/);
  });

  it("takes 1,000 object shapes and refuses the 1,001st (V8 builds a hidden class per shape)", () => {
    // The outer object is one shape; each {"k<i>":0} another.
    const doc = (shapes: number) =>
      `{"a":[${Array.from({ length: shapes - 1 }, (_, i) => `{"k${i}":0}`).join(",")}]}`;
    expect(() => scanJson(ascii(doc(1_000)))).not.toThrow();
    const r = rejection(() => scanJson(ascii(doc(1_001))));
    // The outer object's shape is the 1,001st, known at its closing brace.
    expect([r.status, r.reason]).toEqual([
      413,
      `JSON has objects of more than 1000 different shapes (key lists) (at byte ${doc(1_001).length - 1})`,
    ]);
  });

  it("counts a shape once however many objects have it, and tells key orders apart", () => {
    const same = `{"a":[${Array(5_000).fill(`{"x":1,"y":2}`).join(",")}]}`;
    expect(() => scanJson(ascii(same), bounds({ maxShapes: 2 }))).not.toThrow();
    expect(() =>
      scanJson(ascii(`{"a":[{"x":1,"y":2},{"y":1,"x":2}]}`), bounds({ maxShapes: 2 })),
    ).toThrow(/more than 2 different shapes/);
    // ["ab","c"] and ["a","bc"] are different key lists.
    expect(() =>
      scanJson(ascii(`{"a":[{"ab":1,"c":2},{"a":1,"bc":2}]}`), bounds({ maxShapes: 2 })),
    ).toThrow(/more than 2 different shapes/);
  });

  it("refuses 50,000 objects with keys in random orders (100,000 took 93 MB and 1.8 s for JSON.parse)", () => {
    const keys = Array.from({ length: 10 }, (_, i) => `"k${i}":0`);
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const shuffled = () => {
      const k = [...keys];
      for (let i = k.length - 1; i > 0; i--) {
        const j = random(i + 1);
        [k[i], k[j]] = [k[j], k[i]];
      }
      return k;
    };
    const doc = `{"a":[${Array.from({ length: 50_000 }, () => `{${shuffled().join(",")}}`).join(",")}]}`;
    expect(
      rejection(() => decodePayload(gzipSync(doc), DEFAULT_LIMITS.maxDecompressedBytes)).reason,
    ).toMatch(
      /^JSON has objects of more than 1000 different shapes \(key lists\) \(at byte \d+\)$/,
    );
  });
});

describe("values", () => {
  it("counts every value once: objects, arrays, strings, numbers, true, false, null; keys are not values", () => {
    expect(scanJson(ascii(`{"a":[1,-2.5e3,3],"b":"x","c":true,"d":null,"e":{},"f":false}`))).toBe(
      10,
    );
    expect(scanJson(ascii(` { "a" : [ 1 , 2 ] } `))).toBe(4);
    expect(() => scanJson(ascii(`{"a":[1,2,3]}`), bounds({ maxValues: 5 }))).not.toThrow();
    expect(
      refusal(rejection(() => scanJson(ascii(`{"a":[1,2,3,4]}`), bounds({ maxValues: 5 })))),
    ).toEqual([413, "JSON holds more than 5 values (at byte 12)"]);
    expect(
      rejection(() => scanJson(ascii(`{"a":["x","y"]}`), bounds({ maxValues: 3 }))).reason,
    ).toBe("JSON holds more than 3 values (at byte 10)");
    expect(rejection(() => scanJson(ascii(`{"a":[{},[]]}`), bounds({ maxValues: 3 }))).reason).toBe(
      "JSON holds more than 3 values (at byte 9)",
    );
  });

  it("refuses a flat array of 2 million numbers (4 MB of text, 16 MB parsed) and one of 2 million empty objects", () => {
    const zeros = gzipSync(`{"a":[${Array(2_000_000).fill("0").join(",")}]}`);
    expect(
      rejection(() => decodePayload(zeros, DEFAULT_LIMITS.maxDecompressedBytes)).reason,
    ).toMatch(/^JSON holds more than 1065024 values \(at byte \d+\)$/);
    const objects = gzipSync(`{"a":[${Array(2_000_000).fill("{}").join(",")}]}`);
    expect(
      rejection(() => decodePayload(objects, DEFAULT_LIMITS.maxDecompressedBytes)).status,
    ).toBe(413);
  });

  it("lets a report at the failure-details limit through", () => {
    const detail = {
      "result-type": "certificate-expired",
      "sending-mta-ip": "198.51.100.1",
      "receiving-mx-hostname": "mx.example.com",
      "receiving-mx-helo": "mx.example.com",
      "receiving-ip": "203.0.113.1",
      "failed-session-count": 1,
      "failure-reason-code": "x",
      "additional-information": "https://example.com/",
    };
    const report = {
      "organization-name": "Org",
      policies: Array.from({ length: 1_000 }, () => ({
        policy: {
          "policy-type": "sts",
          "policy-string": ["version: STSv1", "mode: testing"],
          "policy-domain": "example.com",
          "mx-host": ["mx.example.com"],
        },
        summary: { "total-successful-session-count": 1, "total-failure-session-count": 1 },
        "failure-details": Array(100).fill(detail),
      })),
    };
    const text = JSON.stringify(report);
    expect(text.length).toBeLessThan(DEFAULT_LIMITS.maxDecompressedBytes);
    // The report, its name and its list; per policy 13 values and 100 details of 9.
    expect(scanJson(ascii(text))).toBe(3 + 1_000 * (13 + 100 * 9));
  });

  it("shares a budget across documents, and says so", () => {
    const budget = newJsonBudget();
    expect(scanJson(ascii(`{"a":[1,2]}`), bounds({ maxValues: 6 }), budget)).toBe(4);
    expect(budget.values).toBe(4);
    expect(scanJson(ascii(`{"b":1}`), bounds({ maxValues: 6 }), budget)).toBe(2);
    expect(rejection(() => scanJson(ascii(`{}`), bounds({ maxValues: 6 }), budget)).reason).toBe(
      "JSON holds more than 6 values (with the message's other reports) (at byte 0)",
    );
    expect(budget.shapes.size).toBe(2);
  });
});

describe("decodePayload", () => {
  it("applies the bounds it is given, and the defaults otherwise", () => {
    expect(decodePayload(ascii(`{"a":[1]}`), 100, bounds({ maxValues: 3 }))).toEqual({
      value: { a: [1] },
      kind: "json",
    });
    expect(
      rejection(() => decodePayload(ascii(`{"a":[1,2,3]}`), 100, bounds({ maxValues: 3 }))).status,
    ).toBe(413);
    expect(rejection(() => decodePayload(gzipSync(nested(33)), 1_000)).status).toBe(400);
  });

  it("still says why JSON does not parse, on one line", () => {
    const r = rejection(() => decodePayload(ascii('{\r\n"a": nope\r\nFAKE LOG LINE}'), 100));
    expect(r.status).toBe(400);
    expect(r.reason).toMatch(/^JSON does not parse: /);
    expect(r.reason).not.toMatch(/[\r\n]/);
    expect(r.reason).toContain("\\r\\n");
  });
});

describe("emails", () => {
  const report = (id: string, details = 1) =>
    JSON.stringify({
      "organization-name": "Org",
      "date-range": {
        "start-datetime": "2026-11-19T00:00:00Z",
        "end-datetime": "2026-11-19T23:59:59Z",
      },
      "report-id": id,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-domain": "example.com" },
          summary: { "total-successful-session-count": 1, "total-failure-session-count": details },
          "failure-details": Array.from({ length: details }, () => ({
            "result-type": "validation-failure",
            "failed-session-count": 1,
          })),
        },
      ],
    });

  async function message(
    attachments: { content: Buffer | string; filename?: string; contentType?: string }[],
  ): Promise<Buffer> {
    const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await t.sendMail({
      from: "r@reporter.example",
      to: "tlsrpt@example.com",
      subject: "Report",
      text: "see attached",
      attachments,
    });
    return info.message as Buffer;
  }

  it("refuses an email of ten nested-'[' attachments at the first (it once killed the process)", async () => {
    const bomb = gzipSync(`{"a":${"[".repeat(30 * 1024 * 1024)}`, { level: 9 });
    const raw = await message(
      Array.from({ length: 10 }, (_, i) => ({
        filename: `r${i}.json.gz`,
        content: bomb,
        contentType: "application/tlsrpt+gzip",
      })),
    );
    expect(raw.length).toBeLessThan(700 * 1024);
    expect(refusal(await rejectionOf(extractReports(raw, DEFAULT_LIMITS)))).toEqual([
      400,
      "JSON nests deeper than 32 levels (at byte 36)",
    ]);
  });

  it("still returns every report with its kind and file name", async () => {
    const raw = await message([
      {
        filename: "a.json.gz",
        content: gzipSync(report("a")),
        contentType: "application/tlsrpt+gzip",
      },
      { filename: "b.json", content: report("b"), contentType: "application/octet-stream" },
    ]);
    const found = await extractReports(raw, DEFAULT_LIMITS);
    expect(
      found.reports.map((r) => [
        r.kind,
        r.filename,
        (r.value as { "report-id": string })["report-id"],
      ]),
    ).toEqual([
      ["gzip", "a.json.gz", "a"],
      ["json", "b.json", "b"],
    ]);
  });

  it("gives all of a message's reports one report's decompressed budget", async () => {
    const one = gzipSync(report("a"));
    const size = report("a").length;
    const limits: IngestLimits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 2 * size };
    const two = await message([
      { filename: "a.gz", content: one },
      { filename: "b.gz", content: one },
    ]);
    expect((await extractReports(two, limits)).reports).toHaveLength(2);
    const three = await message([
      { filename: "a.gz", content: one },
      { filename: "b.gz", content: one },
      { filename: "c.gz", content: one },
    ]);
    expect(refusal(await rejectionOf(extractReports(three, limits)))).toEqual([
      413,
      `the message's reports inflate to more than ${2 * size} bytes together (the limit)`,
    ]);
    // Plain JSON counts the same way.
    const plain = await message([
      { filename: "a.json", content: report("a") },
      { filename: "b.json", content: report("a") },
      { filename: "c.json", content: report("a") },
    ]);
    expect((await rejectionOf(extractReports(plain, limits))).reason).toBe(
      `the message's reports inflate to more than ${2 * size} bytes together (the limit)`,
    );
    // A single part over the limit is told in gunzip's words.
    expect(
      (
        await rejectionOf(
          extractReports(await message([{ filename: "a.gz", content: one }]), {
            ...limits,
            maxDecompressedBytes: size - 1,
          }),
        )
      ).reason,
    ).toBe(`gzip inflates to more than ${size - 1} bytes (the limit)`);
  });

  it("gives all of a message's reports one report's value budget", async () => {
    // maxFailureDetails 40 and maxPolicies 1: 400 + 64 + 1,024 = 1,488 values; a report of 100 details holds 315.
    const limits: IngestLimits = { ...DEFAULT_LIMITS, maxFailureDetails: 40, maxPolicies: 1 };
    expect(scanJson(ascii(report("0", 100)))).toBe(315);
    const parts = (n: number) =>
      message(
        Array.from({ length: n }, (_, i) => ({
          filename: `${i}.json`,
          content: report(String(i), 100),
        })),
      );
    expect((await extractReports(await parts(4), limits)).reports).toHaveLength(4);
    const r = await rejectionOf(extractReports(await parts(5), limits));
    expect([r.status, r.reason]).toEqual([
      413,
      expect.stringMatching(
        /^JSON holds more than 1488 values \(with the message's other reports\) \(at byte \d+\)$/,
      ),
    ]);
  });

  it("refuses a message of more than 1,000 MIME parts before parsing it", async () => {
    const parts = (n: number) =>
      message(
        Array.from({ length: n }, (_, i) => ({
          filename: `${i}.txt`,
          content: "x",
          contentType: "text/plain",
        })),
      );
    // nodemailer adds the text part and the closing boundary: n attachments make n + 2 "--" lines.
    expect(refusal(await rejectionOf(extractReports(await parts(998), DEFAULT_LIMITS)))).toEqual([
      400,
      expect.stringMatching(/^no TLS-RPT report in the message/),
    ]);
    expect(refusal(await rejectionOf(extractReports(await parts(999), DEFAULT_LIMITS)))).toEqual([
      413,
      "message has more than 1000 MIME parts",
    ]);
  });
});

describe("reasons", () => {
  it("escape CR, LF, tab and other control or line-separator characters", () => {
    const r = new Rejection(400, "a\r\nb\u2028c\u2029d\u0000e\tf\u007fg\u0085h");
    expect(r.reason).toBe("a\\r\\nb\\u2028c\\u2029d\\u0000e\\tf\\u007fg\\u0085h");
    expect(r.message).toBe(r.reason);
    expect([r.status, r.name]).toEqual([400, "Rejection"]);
    expect(oneLine("plain text, unchanged: é ü 😀")).toBe("plain text, unchanged: é ü 😀");
  });

  it(`are cut at ${MAX_REASON_CHARS} characters, saying how much was left out`, () => {
    expect(new Rejection(413, "x".repeat(MAX_REASON_CHARS)).reason).toBe(
      "x".repeat(MAX_REASON_CHARS),
    );
    expect(new Rejection(413, "x".repeat(MAX_REASON_CHARS + 5)).reason).toBe(
      `${"x".repeat(MAX_REASON_CHARS)}... (5 more characters)`,
    );
    expect(oneLine("abcdef", 3)).toBe("abc... (3 more characters)");
  });
});
