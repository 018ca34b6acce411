// Turns report bytes into JSON without trusting labels: gzip is recognised by its magic
// bytes and inflated with a hard output limit; anything else must be JSON text.
import { gunzipSync } from "node:zlib";
import { Rejection } from "./reject";

export type PayloadKind = "gzip" | "json" | "unknown";

/** What the bytes are, whatever they are labelled. */
export function sniff(bytes: Uint8Array): PayloadKind {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return "gzip";
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
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

/**
 * Decodes a report payload: gzip (holding JSON) or JSON. Returns the parsed value, the kind
 * found, and whether the label disagreed with the bytes. Throws Rejection with the reason.
 */
export function decodePayload(bytes: Uint8Array, maxDecompressedBytes: number): { value: unknown; kind: "gzip" | "json" } {
  const kind = sniff(bytes);
  if (kind === "unknown") throw new Rejection(400, "body is neither gzip nor JSON");
  const text = kind === "gzip" ? gunzipBounded(bytes, maxDecompressedBytes) : Buffer.from(bytes);
  if (kind === "gzip" && sniff(text) !== "json") throw new Rejection(400, "gzip does not hold JSON");
  try {
    return { value: JSON.parse(text.toString("utf8").replace(/^\uFEFF/, "")), kind };
  } catch (err) {
    throw new Rejection(400, `JSON does not parse: ${(err as Error).message}`);
  }
}
