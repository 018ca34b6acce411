// The two TXT records: `_mta-sts.<domain>` (RFC 8461 3.1) and `_smtp._tls.<domain>`
// (RFC 8460 3). Build the canonical value; parse what is live, strictly but with reasons.

const ID = /^[A-Za-z0-9]{1,32}$/;
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

export class RecordError extends Error {}

export const stsRecordName = (domain: string) => `_mta-sts.${domain}`;
export const tlsRptRecordName = (domain: string) => `_smtp._tls.${domain}`;

/** `v=STSv1; id=<id>;` Throws RecordError when the id is not 1-32 letters or digits. */
export function buildStsRecord(id: string): string {
  if (!ID.test(id))
    throw new RecordError(`id "${id}" must be 1-32 letters or digits (no "-", ":" or ".")`);
  return `v=STSv1; id=${id};`;
}

/** True for a TXT value that claims to be an MTA-STS record (what senders count). */
export const isStsRecord = (value: string) => value.startsWith("v=STSv1");
/** True for a TXT value that claims to be a TLS-RPT record. */
export const isTlsRptRecord = (value: string) => value.startsWith("v=TLSRPTv1");

function splitFields(value: string, version: string): string[] {
  const fields = value.split(/[ \t]*;[ \t]*/);
  if (fields[0] !== version) throw new RecordError(`record must start with "${version}"`);
  if (fields.length > 1 && fields[fields.length - 1] === "") fields.pop();
  return fields.slice(1);
}

export interface StsRecord {
  readonly id: string;
  readonly extensions: Readonly<Record<string, string>>;
}

/** Parses an `_mta-sts` TXT value (strings already concatenated). Throws RecordError. */
export function parseStsRecord(value: string): StsRecord {
  let id: string | undefined;
  const extensions: Record<string, string> = {};
  for (const field of splitFields(value, "v=STSv1")) {
    const eq = field.indexOf("=");
    if (eq <= 0) throw new RecordError(`field "${field}" is not name=value`);
    const name = field.slice(0, eq);
    const val = field.slice(eq + 1);
    if (name === "id") {
      if (id !== undefined) throw new RecordError("id appears twice");
      if (!ID.test(val)) throw new RecordError(`id "${val}" must be 1-32 letters or digits`);
      id = val;
    } else if (EXT_NAME.test(name) && EXT_VALUE.test(val)) {
      extensions[name] = val;
    } else {
      throw new RecordError(`field "${field}" is not a valid extension`);
    }
  }
  if (id === undefined) throw new RecordError("id is missing");
  return { id, extensions };
}

/**
 * Checks one TLS-RPT reporting URI. Returns it unchanged or throws RecordError with the fix.
 * RFC 8460 3: `mailto:` or `https:` only; "," and ";" must be percent-encoded.
 */
export function validateRuaUri(uri: string): string {
  if (/[,;\s]/.test(uri)) {
    throw new RecordError(
      `"${uri}" contains a space, "," or ";"; percent-encode them (RFC 8460 3)`,
    );
  }
  if (uri.startsWith("mailto:")) {
    const addr = decodeURIComponent(uri.slice(7).split("?")[0]);
    if (!/^[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/.test(addr)) {
      throw new RecordError(
        `"${uri}" is not mailto:<address>; write e.g. "mailto:tlsrpt@example.com"`,
      );
    }
    return uri;
  }
  if (uri.startsWith("https:")) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new RecordError(`"${uri}" is not a valid https URL`);
    }
    // Stryker disable next-line all: unreachable; the WHATWG URL parser gives every https: URL a host or throws
    if (url.hostname === "") throw new RecordError(`"${uri}" has no host`);
    return uri;
  }
  throw new RecordError(
    `"${uri}" must start with mailto: or https: (RFC 8460 3 allows no other scheme)`,
  );
}

/** `v=TLSRPTv1; rua=<uri>,<uri>`. Throws RecordError on an empty list or a bad URI. */
export function buildTlsRptRecord(rua: readonly string[]): string {
  if (rua.length === 0) throw new RecordError("rua needs at least one mailto: or https: URI");
  const uris = [...new Set(rua.map(validateRuaUri))];
  return `v=TLSRPTv1; rua=${uris.join(",")}`;
}

export interface TlsRptRecord {
  readonly rua: readonly string[];
  readonly extensions: Readonly<Record<string, string>>;
}

/** Parses a `_smtp._tls` TXT value (strings already concatenated). Throws RecordError. */
export function parseTlsRptRecord(value: string): TlsRptRecord {
  let rua: string[] | undefined;
  const extensions: Record<string, string> = {};
  for (const field of splitFields(value, "v=TLSRPTv1")) {
    const eq = field.indexOf("=");
    if (eq <= 0) throw new RecordError(`field "${field}" is not name=value`);
    const name = field.slice(0, eq);
    const val = field.slice(eq + 1);
    if (name === "rua") {
      if (rua !== undefined) throw new RecordError("rua appears twice");
      rua = val.split(/[ \t]*,[ \t]*/).map(validateRuaUri);
    } else if (EXT_NAME.test(name) && EXT_VALUE.test(val)) {
      extensions[name] = val;
    } else {
      throw new RecordError(`field "${field}" is not a valid extension`);
    }
  }
  if (rua === undefined) throw new RecordError("rua is missing");
  return { rua, extensions };
}

/** Bytes in one TXT character-string at most (RFC 1035 3.3: a length octet, then the bytes). */
export const TXT_STRING_BYTES = 255;

const utf8 = new TextEncoder();

/**
 * Splits a TXT value into character-strings of at most 255 bytes of UTF-8 (RFC 1035 3.3.14),
 * never inside a character. Resolvers hand them back as a list that readers concatenate.
 */
export function txtStrings(value: string): string[] {
  const out: string[] = [];
  let current = "";
  let bytes = 0;
  for (const char of value) {
    const size = utf8.encode(char).length;
    if (bytes + size > TXT_STRING_BYTES) {
      out.push(current);
      current = "";
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  out.push(current);
  return out;
}

/**
 * A TXT value in zone-file syntax (RFC 1035 5.1), as a person pastes it into a DNS console:
 * each character-string of txtStrings in double quotes, `"` and `\` escaped with `\`, control
 * characters as `\DDD`, separated by a space. The 255 bytes count the value, not the escapes.
 */
export function zoneTxt(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it finds
  const control = /[\x00-\x1f\x7f]/g;
  const escape = (s: string) =>
    s
      .replace(/["\\]/g, "\\$&")
      .replace(control, (c) => `\\${String(c.charCodeAt(0)).padStart(3, "0")}`);
  return txtStrings(value)
    .map((s) => `"${escape(s)}"`)
    .join(" ");
}
