// The two TXT records (protocol/records.ts) rule by rule: names, the id's and the extensions'
// character rules at their edges, field separators, rua URIs, and the messages a user reads.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildStsRecord,
  buildTlsRptRecord,
  isStsRecord,
  isTlsRptRecord,
  parseStsRecord,
  parseTlsRptRecord,
  RecordError,
  stsRecordName,
  tlsRptRecordName,
  TXT_STRING_BYTES,
  txtStrings,
  validateRuaUri,
  zoneTxt,
} from "../protocol";

/** The message of the RecordError that `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RecordError);
    return (err as Error).message;
  }
  throw new Error("expected a RecordError");
}

describe("record names", () => {
  it("are _mta-sts.<domain> and _smtp._tls.<domain>", () => {
    expect(stsRecordName("example.com")).toBe("_mta-sts.example.com");
    expect(tlsRptRecordName("example.com")).toBe("_smtp._tls.example.com");
  });
});

describe("which TXT values count as a record", () => {
  it("only those that start with the version tag, as senders count them", () => {
    expect(isStsRecord("v=STSv1; id=abc;")).toBe(true);
    expect(isStsRecord("v=STSv1")).toBe(true);
    expect(isStsRecord("x v=STSv1")).toBe(false);
    expect(isStsRecord("id=abc; v=STSv1")).toBe(false);
    expect(isTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com")).toBe(true);
    expect(isTlsRptRecord("v=TLSRPTv1")).toBe(true);
    expect(isTlsRptRecord("rua=mailto:a@example.com; v=TLSRPTv1")).toBe(false);
    expect(isTlsRptRecord("v=STSv1; id=abc;")).toBe(false);
  });
});

describe("_mta-sts id", () => {
  it("is 1 to 32 letters or digits", () => {
    expect(buildStsRecord("a")).toBe("v=STSv1; id=a;");
    expect(buildStsRecord("Z".repeat(32))).toBe(`v=STSv1; id=${"Z".repeat(32)};`);
    expect(buildStsRecord("20240501T0900")).toBe("v=STSv1; id=20240501T0900;");
    expect(parseStsRecord(`v=STSv1; id=${"9".repeat(32)}`).id).toBe("9".repeat(32));
  });

  it("refuses an empty id, 33 characters, and anything but letters and digits, with the fix", () => {
    for (const id of ["", "a".repeat(33), "abc-1", "a:b", "a.b", "a_b", "a b", "ü"]) {
      expect(refusal(() => buildStsRecord(id))).toBe(
        `id "${id}" must be 1-32 letters or digits (no "-", ":" or ".")`,
      );
    }
    expect(refusal(() => parseStsRecord("v=STSv1; id="))).toBe(
      'id "" must be 1-32 letters or digits',
    );
    expect(refusal(() => parseStsRecord(`v=STSv1; id=${"a".repeat(33)}`))).toBe(
      `id "${"a".repeat(33)}" must be 1-32 letters or digits`,
    );
    expect(refusal(() => parseStsRecord("v=STSv1; id=2024-05-01"))).toBe(
      'id "2024-05-01" must be 1-32 letters or digits',
    );
  });
});

describe("parsing _mta-sts values", () => {
  it("reads the id and the extensions", () => {
    expect(parseStsRecord("v=STSv1; id=abc123;")).toEqual({ id: "abc123", extensions: {} });
    expect(parseStsRecord("v=STSv1; ext.a_1-b=x!y; id=abc")).toEqual({
      id: "abc",
      extensions: { "ext.a_1-b": "x!y" },
    });
  });

  it("allows spaces and tabs around ';', and one trailing ';'", () => {
    for (const v of [
      "v=STSv1;id=abc",
      "v=STSv1 ; id=abc ;",
      "v=STSv1\t;\tid=abc\t;\t",
      "v=STSv1  ;  id=abc",
      "v=STSv1; id=abc;",
    ]) {
      expect(parseStsRecord(v).id).toBe("abc");
    }
  });

  it("refuses values that do not start with the version", () => {
    expect(refusal(() => parseStsRecord("v=STSv2; id=abc"))).toBe(
      'record must start with "v=STSv1"',
    );
    expect(refusal(() => parseStsRecord(" v=STSv1; id=abc"))).toBe(
      'record must start with "v=STSv1"',
    );
    expect(refusal(() => parseStsRecord("v=STSv1x; id=abc"))).toBe(
      'record must start with "v=STSv1"',
    );
  });

  it("refuses empty fields and fields without a name", () => {
    expect(refusal(() => parseStsRecord("v=STSv1; id=abc;;"))).toBe('field "" is not name=value');
    expect(refusal(() => parseStsRecord("v=STSv1;; id=abc"))).toBe('field "" is not name=value');
    expect(refusal(() => parseStsRecord("v=STSv1; id"))).toBe('field "id" is not name=value');
    expect(refusal(() => parseStsRecord("v=STSv1; =abc; id=abc"))).toBe(
      'field "=abc" is not name=value',
    );
  });

  it("refuses a second id and a missing one", () => {
    expect(refusal(() => parseStsRecord("v=STSv1; id=abc; id=abc"))).toBe("id appears twice");
    expect(refusal(() => parseStsRecord("v=STSv1"))).toBe("id is missing");
    expect(refusal(() => parseStsRecord("v=STSv1; ext=1"))).toBe("id is missing");
  });

  it("takes extension names of 1-32 characters starting with a letter or digit", () => {
    const name32 = `a${"b".repeat(31)}`;
    expect(parseStsRecord(`v=STSv1; id=a; ${name32}=1`).extensions).toEqual({ [name32]: "1" });
    expect(parseStsRecord("v=STSv1; id=a; 9=1").extensions).toEqual({ 9: "1" });
    for (const name of [`a${"b".repeat(32)}`, "-a", "_a", ".a", "a b", "a/b"]) {
      expect(refusal(() => parseStsRecord(`v=STSv1; id=a; ${name}=1`))).toBe(
        `field "${name}=1" is not a valid extension`,
      );
    }
  });

  it("takes extension values of printable characters except '=' and ';', not empty", () => {
    expect(parseStsRecord("v=STSv1; id=a; e=!:<>~").extensions).toEqual({ e: "!:<>~" });
    for (const value of ["", "a=b", "a b", "é", "a\u007f"]) {
      expect(refusal(() => parseStsRecord(`v=STSv1; id=a; e=${value}`))).toBe(
        `field "e=${value}" is not a valid extension`,
      );
    }
  });
});

describe("rua URIs", () => {
  it("accept mailto: addresses, with a query", () => {
    for (const uri of [
      "mailto:tlsrpt@example.com",
      "mailto:a.b+c@mail.example.co.uk",
      "mailto:tls%2Brpt@example.com",
      "mailto:x@example.com?subject=tls",
      "mailto:rpt!@example.com",
    ]) {
      expect(validateRuaUri(uri)).toBe(uri);
    }
  });

  it("refuse mailto: that is not one address at a dotted domain, with an example", () => {
    for (const uri of [
      "mailto:",
      "mailto:nobody",
      "mailto:@example.com",
      "mailto:a@b@example.com",
      "mailto:tls@localhost",
      "mailto:tls@example.com/x",
      "mailto:tls@example.",
      "mailto:tls@exa_mple.com",
      "mailto:a%40b@example.com",
    ]) {
      expect(refusal(() => validateRuaUri(uri))).toBe(
        `"${uri}" is not mailto:<address>; write e.g. "mailto:tlsrpt@example.com"`,
      );
    }
  });

  it("accept https: URLs with a host", () => {
    for (const uri of [
      "https://r.example.com",
      "https://r.example.com:8443/tlsrpt?k=v",
      "https://[2001:db8::1]/r",
    ]) {
      expect(validateRuaUri(uri)).toBe(uri);
    }
  });

  it("refuse https: URLs that do not parse", () => {
    for (const uri of ["https:", "https://", "https://exa%mple.com/"]) {
      expect(refusal(() => validateRuaUri(uri))).toBe(`"${uri}" is not a valid https URL`);
    }
  });

  it("refuse every other scheme, and schemes in capitals", () => {
    for (const uri of [
      "http://r.example.com",
      "ftp://r.example.com",
      "tlsrpt@example.com",
      "MAILTO:a@example.com",
      "HTTPS://r.example.com",
      "xhttps://r.example.com",
    ]) {
      expect(refusal(() => validateRuaUri(uri))).toBe(
        `"${uri}" must start with mailto: or https: (RFC 8460 3 allows no other scheme)`,
      );
    }
  });

  it("refuse a space, ',' or ';' anywhere; they must be percent-encoded", () => {
    for (const uri of [
      "mailto:a@example.com,mailto:b@example.com",
      "https://r.example.com/a;b",
      "mailto:a b@example.com",
      "https://r.example.com/\tx",
      "https://r.example.com/x\n",
    ]) {
      expect(refusal(() => validateRuaUri(uri))).toBe(
        `"${uri}" contains a space, "," or ";"; percent-encode them (RFC 8460 3)`,
      );
    }
  });
});

describe("_smtp._tls values", () => {
  it("are built from the URIs in order, without duplicates", () => {
    expect(buildTlsRptRecord(["mailto:a@example.com"])).toBe(
      "v=TLSRPTv1; rua=mailto:a@example.com",
    );
    expect(
      buildTlsRptRecord([
        "https://r.example.com/x",
        "mailto:a@example.com",
        "https://r.example.com/x",
      ]),
    ).toBe("v=TLSRPTv1; rua=https://r.example.com/x,mailto:a@example.com");
  });

  it("refuse an empty list, and any bad URI in it", () => {
    expect(refusal(() => buildTlsRptRecord([]))).toBe(
      "rua needs at least one mailto: or https: URI",
    );
    expect(
      refusal(() => buildTlsRptRecord(["mailto:a@example.com", "http://r.example.com"])),
    ).toMatch(/^"http:\/\/r\.example\.com" must start with mailto: or https:/);
  });

  it("are parsed into the URIs and extensions, spaces and tabs allowed around ',' and ';'", () => {
    expect(parseTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com")).toEqual({
      rua: ["mailto:a@example.com"],
      extensions: {},
    });
    expect(
      parseTlsRptRecord(
        "v=TLSRPTv1;rua=mailto:a@example.com \t,\t https://r.example.com/x ; ext=1;",
      ),
    ).toEqual({
      rua: ["mailto:a@example.com", "https://r.example.com/x"],
      extensions: { ext: "1" },
    });
  });

  it("refuse a wrong version, a second rua, a missing rua, bad fields and bad URIs", () => {
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv2; rua=mailto:a@example.com"))).toBe(
      'record must start with "v=TLSRPTv1"',
    );
    expect(
      refusal(() =>
        parseTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"),
      ),
    ).toBe("rua appears twice");
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv1"))).toBe("rua is missing");
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv1; rua"))).toBe(
      'field "rua" is not name=value',
    );
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv1; =x; rua=mailto:a@example.com"))).toBe(
      'field "=x" is not name=value',
    );
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com; -x=1"))).toBe(
      'field "-x=1" is not a valid extension',
    );
    expect(refusal(() => parseTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com; x=a=b"))).toBe(
      'field "x=a=b" is not a valid extension',
    );
    expect(
      refusal(() =>
        parseTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com"),
      ),
    ).toBe('"" must start with mailto: or https: (RFC 8460 3 allows no other scheme)');
  });
});

describe("TXT character-strings", () => {
  it("are at most 255 bytes each, in order", () => {
    expect(TXT_STRING_BYTES).toBe(255);
    expect(txtStrings("")).toEqual([""]);
    expect(txtStrings("abc")).toEqual(["abc"]);
    expect(txtStrings("a".repeat(255))).toEqual(["a".repeat(255)]);
    expect(txtStrings(`${"a".repeat(255)}b`)).toEqual(["a".repeat(255), "b"]);
    expect(txtStrings(`${"a".repeat(255)}${"b".repeat(255)}c`)).toEqual([
      "a".repeat(255),
      "b".repeat(255),
      "c",
    ]);
  });

  it("count UTF-8 bytes and never split a character", () => {
    expect(txtStrings("é".repeat(127))).toEqual(["é".repeat(127)]); // 254 bytes
    expect(txtStrings("é".repeat(128))).toEqual(["é".repeat(127), "é"]); // 256 bytes
    expect(txtStrings(`${"a".repeat(253)}é`)).toEqual([`${"a".repeat(253)}é`]); // 255 bytes
    expect(txtStrings(`${"a".repeat(254)}é`)).toEqual(["a".repeat(254), "é"]);
    expect(txtStrings(`${"a".repeat(251)}😀`)).toEqual([`${"a".repeat(251)}😀`]); // 4 bytes, 2 UTF-16 units
    expect(txtStrings(`${"a".repeat(252)}😀b`)).toEqual(["a".repeat(252), "😀b"]);
  });
});

/** Reads zone-file character-strings back (the inverse of zoneTxt): what a DNS console stores. */
function fromZone(text: string): string[] {
  const strings = [...text.matchAll(/"((?:[^"\\]|\\\d{3}|\\.)*)"/g)].map((m) => m[1]);
  expect(strings.map((s) => `"${s}"`).join(" ")).toBe(text); // nothing but quoted strings, one space apart
  return strings.map((s) =>
    s.replace(/\\(\d{3}|.)/g, (_, e: string) =>
      e.length === 3 ? String.fromCharCode(Number(e)) : e,
    ),
  );
}

describe("TXT values as zone-file lines", () => {
  it("quote a short value as one character-string", () => {
    expect(zoneTxt("v=STSv1; id=abc;")).toBe('"v=STSv1; id=abc;"');
    expect(zoneTxt("")).toBe('""');
  });

  it("print a value over 255 bytes as several quoted 255-byte strings, separated by spaces", () => {
    const rua = `v=TLSRPTv1; rua=${Array.from({ length: 12 }, (_, i) => `mailto:tlsrpt-${i}@reports.example.com`).join(",")}`;
    expect(rua.length).toBe(449);
    expect(zoneTxt(rua)).toBe(`"${rua.slice(0, 255)}" "${rua.slice(255)}"`);
    expect(zoneTxt("x".repeat(600))).toBe(
      `"${"x".repeat(255)}" "${"x".repeat(255)}" "${"x".repeat(90)}"`,
    );
    expect(zoneTxt("x".repeat(255))).toBe(`"${"x".repeat(255)}"`);
  });

  it("escape quotes, backslashes and control characters, which do not count toward the 255 bytes", () => {
    expect(zoneTxt('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(zoneTxt("a\tb\nc\x7f")).toBe('"a\\009b\\010c\\127"');
    expect(zoneTxt(`${"a".repeat(254)}"b`)).toBe(`"${"a".repeat(254)}\\"" "b"`);
    expect(zoneTxt(`${"a".repeat(254)}\\b`)).toBe(`"${"a".repeat(254)}\\\\" "b"`);
    expect(zoneTxt("é")).toBe('"é"');
  });

  it("read back, give the value, in strings of at most 255 bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 700 }), (value) => {
        const strings = fromZone(zoneTxt(value));
        expect(strings.join("")).toBe(value);
        expect(strings).toEqual(txtStrings(value));
        for (const s of strings)
          expect(new TextEncoder().encode(s).length).toBeLessThanOrEqual(255);
        // Full strings until the last: a DNS console gets no more strings than needed.
        for (const s of strings.slice(0, -1))
          expect(new TextEncoder().encode(s).length).toBeGreaterThan(251);
      }),
    );
  });
});
