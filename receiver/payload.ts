// Turns report bytes into JSON without trusting labels: gzip is recognised by its magic
// bytes and inflated with a hard output limit; anything else must be JSON text. The JSON's
// shape is bounded in one pass over the bytes before JSON.parse builds anything.
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { DEFAULT_JSON_BOUNDS, type JsonBounds } from "./limits";
import { Rejection } from "./reject";

export type PayloadKind = "gzip" | "json" | "unknown";

const hasBom = (b: Uint8Array) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** What the bytes are, whatever they are labelled. */
export function sniff(bytes: Uint8Array): PayloadKind {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return "gzip";
  let i = hasBom(bytes) ? 3 : 0; // UTF-8 BOM
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
  )
    i++;
  return bytes[i] === 0x7b ? "json" : "unknown"; // "{"
}

/** Inflates gzip, refusing to produce more than `maxBytes` (zlib stops there: no bomb gets further). */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new Rejection(413, `gzip inflates to more than ${maxBytes} bytes (the limit)`);
    }
    throw new Rejection(400, `gzip is damaged: ${(err as Error).message}`);
  }
}

/** What JSON the bounds have already let through, when several documents share them (one email). */
export interface JsonBudget {
  /** Values in the documents before this one. */
  values: number;
  /** Shape hashes seen so far (V8's hidden classes outlive one JSON.parse). */
  readonly shapes: Set<number>;
}

export const newJsonBudget = (): JsonBudget => ({ values: 0, shapes: new Set() });

// Shape hashes are keyed per process, so nobody outside can make two shapes collide on purpose.
const SEED = randomBytes(4).readInt32LE(0);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the quote that closes the string opened at `open` (or the length if it never closes). */
function stringEnd(buf: Buffer, open: number): number {
  for (let from = open + 1; ;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0) return buf.length;
    let b = q - 1;
    while (b > open && buf[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q; // an even run of backslashes escapes itself, not the quote
    from = q + 1;
  }
}

/**
 * Checks the shape of JSON text in one pass, without building it: nesting depth, string and key
 * lengths, keys per object, distinct object shapes and the number of values (for an email,
 * counted with `budget` across its reports). Returns the values counted; throws Rejection
 * (400 for nesting, 413 for sizes) naming the bound and the byte offset. Syntax is left to
 * JSON.parse.
 */
export function scanJson(
  text: Uint8Array,
  bounds: JsonBounds = DEFAULT_JSON_BOUNDS,
  budget: JsonBudget = newJsonBudget(),
): number {
  const buf = Buffer.isBuffer(text)
    ? text
    : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const { maxDepth, maxStringBytes, maxKeyBytes, maxKeysPerObject, maxShapes, maxValues } = bounds;
  const more = budget.values > 0 ? " (with the message's other reports)" : "";
  const inObject = new Uint8Array(maxDepth + 2);
  const keys = new Int32Array(maxDepth + 2);
  const shape = new Int32Array(maxDepth + 2);
  const lastShape = new Int32Array(maxDepth + 2);
  const n = buf.length;
  let depth = 0;
  let values = budget.values;
  let expectKey = false;
  let inScalar = false;
  const tooMany = (at: number) =>
    new Rejection(413, `JSON holds more than ${maxValues} values${more} (at byte ${at})`);

  for (let i = 0; i < n; i++) {
    const c = buf[i];
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > maxDepth)
          throw new Rejection(400, `JSON nests deeper than ${maxDepth} levels (at byte ${i})`);
        if (++values > maxValues) throw tooMany(i);
        inObject[depth] = c === 0x7b ? 1 : 0;
        keys[depth] = 0;
        shape[depth] = SEED;
        expectKey = c === 0x7b;
        inScalar = false;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        if (depth > 0 && inObject[depth] === 1 && keys[depth] > 0) {
          // The key list's hash (keyed, 32 bits: a small integer, nothing allocated), with its
          // length. Siblings mostly share a shape: the Set is asked only when it changes.
          const id = Math.imul(shape[depth] ^ keys[depth], 0x5bd1e995) | 0;
          if (id !== lastShape[depth]) {
            lastShape[depth] = id;
            budget.shapes.add(id);
            if (budget.shapes.size > maxShapes)
              throw new Rejection(
                413,
                `JSON has objects of more than ${maxShapes} different shapes (key lists)${more} (at byte ${i})`,
              );
          }
        }
        if (depth > 0) depth--;
        expectKey = false;
        inScalar = false;
        break;
      case 0x2c: // ,
        expectKey = inObject[depth] === 1;
        inScalar = false;
        break;
      case 0x3a: // :
        expectKey = false;
        inScalar = false;
        break;
      case QUOTE: {
        if (expectKey && depth > 0) {
          // Keys are most of a report's bytes: find the end natively, check the length, then hash
          // four bytes a step (multiply, and shift so that high bits reach the low ones).
          const end = stringEnd(buf, i);
          const length = end - i - 1;
          if (length > maxKeyBytes)
            throw new Rejection(
              413,
              `JSON object key of more than ${maxKeyBytes} bytes (at byte ${i})`,
            );
          if (++keys[depth] > maxKeysPerObject)
            throw new Rejection(
              413,
              `JSON object with more than ${maxKeysPerObject} keys (at byte ${i})`,
            );
          let h = shape[depth] ^ 0x9e3779b9;
          let k = i + 1;
          for (; k + 3 < end; k += 4) {
            h = Math.imul(
              h ^ (buf[k] | (buf[k + 1] << 8) | (buf[k + 2] << 16) | (buf[k + 3] << 24)),
              0x5bd1e995,
            );
            h ^= h >>> 15;
          }
          for (; k < end; k++) {
            h = Math.imul(h ^ buf[k], 0x5bd1e995);
            h ^= h >>> 15;
          }
          // The length closes the key, so ["ab","c"] and ["a","bc"] differ.
          shape[depth] = Math.imul(h ^ length, 0x5bd1e995);
          expectKey = false;
          i = end;
        } else {
          const end = stringEnd(buf, i);
          if (end - i - 1 > maxStringBytes)
            throw new Rejection(
              413,
              `JSON string of more than ${maxStringBytes} bytes (at byte ${i})`,
            );
          if (++values > maxValues) throw tooMany(i);
          i = end;
        }
        inScalar = false;
        break;
      }
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        inScalar = false;
        break;
      default:
        // A number, true, false or null starts here (JSON.parse judges the rest of it).
        if (!inScalar) {
          inScalar = true;
          if (++values > maxValues) throw tooMany(i);
        }
    }
  }
  const counted = values - budget.values;
  budget.values = values;
  return counted;
}

/** Parses JSON text (UTF-8, a leading BOM dropped) after scanJson has bounded its shape. */
export function parseJsonBounded(
  text: Uint8Array,
  bounds: JsonBounds = DEFAULT_JSON_BOUNDS,
  budget: JsonBudget = newJsonBudget(),
): unknown {
  scanJson(text, bounds, budget);
  const buf = Buffer.isBuffer(text)
    ? text
    : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  try {
    return JSON.parse(buf.toString("utf8", hasBom(buf) ? 3 : 0));
  } catch (err) {
    throw new Rejection(400, `JSON does not parse: ${(err as Error).message}`);
  }
}

/**
 * Decodes a report payload: gzip (holding JSON) or JSON. Returns the parsed value and the kind
 * found. Throws Rejection with the reason. `bounds` limit the JSON's shape (see scanJson).
 */
export function decodePayload(
  bytes: Uint8Array,
  maxDecompressedBytes: number,
  bounds: JsonBounds = DEFAULT_JSON_BOUNDS,
): { value: unknown; kind: "gzip" | "json" } {
  const kind = sniff(bytes);
  if (kind === "unknown") throw new Rejection(400, "body is neither gzip nor JSON");
  const text = kind === "gzip" ? gunzipBounded(bytes, maxDecompressedBytes) : bytes;
  if (kind === "gzip" && sniff(text) !== "json")
    throw new Rejection(400, "gzip does not hold JSON");
  return { value: parseJsonBounded(text, bounds), kind };
}
