// What a report's signer is worth (protocol/trust.ts): known reporters by their signing
// domains and subdomains, any other valid signer, nobody; which levels each rule accepts;
// and how the user's reporters join the built-in list.
import { describe, expect, it } from "vitest";
import {
  classify,
  counts,
  type EvidenceTrust,
  KNOWN_REPORTERS,
  reporterList,
  type TrustLevel,
} from "../protocol/trust";

describe("classify", () => {
  it("counts a known reporter's signing domain as that reporter, in any case", () => {
    expect(classify("google.com")).toEqual({ level: "known", reporter: "Google" });
    expect(classify("Microsoft.COM")).toEqual({ level: "known", reporter: "Microsoft" });
    expect(classify("yahooinc.com")).toEqual({ level: "known", reporter: "Yahoo" });
    expect(classify("messagingengine.com")).toEqual({ level: "known", reporter: "Fastmail" });
  });

  it("counts a subdomain of a signing domain as the domain, but not a name that only ends the same", () => {
    expect(classify("mail.google.com")).toEqual({ level: "known", reporter: "Google" });
    expect(classify("a.b.microsoft.com")).toEqual({ level: "known", reporter: "Microsoft" });
    expect(classify("notgoogle.com")).toEqual({ level: "signed", reporter: "notgoogle.com" });
    expect(classify("google.com.evil.example")).toEqual({
      level: "signed",
      reporter: "google.com.evil.example",
    });
  });

  it("counts another valid signer as signed, named by its lower-cased domain", () => {
    expect(classify("Reports.Example.ORG")).toEqual({
      level: "signed",
      reporter: "reports.example.org",
    });
  });

  it("counts no signer ('-' or empty) as unsigned", () => {
    expect(classify("-")).toEqual({ level: "unsigned", reporter: "unsigned" });
    expect(classify("")).toEqual({ level: "unsigned", reporter: "unsigned" });
  });

  it("reads the list it is given (compared in lower case), not the built-in one", () => {
    const mine = [{ name: "Acme", domains: ["Acme.Example"] }];
    expect(classify("dkim.acme.example", mine)).toEqual({ level: "known", reporter: "Acme" });
    expect(classify("google.com", mine)).toEqual({ level: "signed", reporter: "google.com" });
  });
});

describe("counts", () => {
  const table: [TrustLevel, EvidenceTrust, boolean][] = [
    ["known", "known", true],
    ["signed", "known", false],
    ["unsigned", "known", false],
    ["known", "signed", true],
    ["signed", "signed", true],
    ["unsigned", "signed", false],
    ["known", "any", true],
    ["signed", "any", true],
    ["unsigned", "any", true],
  ];
  it.each(table)("%s evidence under a rule accepting %s: %s", (level, minimum, expected) => {
    expect(counts(level, minimum)).toBe(expected);
  });
});

describe("reporterList", () => {
  it("is the built-in list when nothing is added", () => {
    expect(reporterList()).toEqual(KNOWN_REPORTERS);
    expect(reporterList().map((r) => r.name)).toEqual([
      "Google",
      "Microsoft",
      "Yahoo",
      "Comcast",
      "Mail.ru",
      "Yandex",
      "Fastmail",
      "Proton",
      "Zoho",
    ]);
  });

  it("adds the user's reporters after the built-in ones", () => {
    const acme = { name: "Acme", domains: ["acme.example"] };
    expect(reporterList([acme])).toEqual([...KNOWN_REPORTERS, acme]);
  });

  it("lets the user's entry replace a built-in one of the same name, whatever the case", () => {
    const google = { name: "GOOGLE", domains: ["google.example"] };
    const list = reporterList([google]);
    expect(list.filter((r) => r.name.toLowerCase() === "google")).toEqual([google]);
    expect(list).toHaveLength(KNOWN_REPORTERS.length);
    expect(classify("google.com", list)).toEqual({ level: "signed", reporter: "google.com" });
  });
});
