// Report date-times (protocol/tls-rpt.ts): the zone a value carries is the zone it is read in,
// whatever space surrounds it or whatever comment follows it; only a value with no zone is UTC.
import { afterEach, describe, expect, it } from "vitest";
import { parseReport } from "../protocol";

const STS = ["version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 86400"];
const report = (start: string, end: string) => ({
  "organization-name": "Org",
  "date-range": { "start-datetime": start, "end-datetime": end },
  "contact-info": "tlsrpt@org.example",
  "report-id": "r-1",
  policies: [
    {
      policy: {
        "policy-type": "sts",
        "policy-string": STS,
        "policy-domain": "example.com",
        "mx-host": ["mx.example.com"],
      },
      summary: { "total-successful-session-count": 1, "total-failure-session-count": 0 },
    },
  ],
});
const read = (start: string, end = "2024-05-02T23:59:59Z") => {
  const r = parseReport(report(start, end), undefined, { now: new Date("2024-05-03T00:00:00Z") });
  return { start: r.start, quirks: r.quirks };
};

describe("report date-times", () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it("read a zoned value with space around it in its zone", () => {
    expect(read(" 2024-05-01T10:00:00Z ")).toEqual({
      start: "2024-05-01T10:00:00.000Z",
      quirks: [],
    });
    expect(read("\t2024-05-01T10:00:00+02:00\n")).toEqual({
      start: "2024-05-01T08:00:00.000Z",
      quirks: [],
    });
    expect(read(" 2024-05-01T10:00:00-0500")).toEqual({
      start: "2024-05-01T15:00:00.000Z",
      quirks: [],
    });
  });

  it("read an RFC 2822 date with a zone comment in the zone it gives, not as UTC", () => {
    expect(read("Wed, 01 May 2024 10:00:00 +0200 (CEST)")).toEqual({
      start: "2024-05-01T08:00:00.000Z",
      quirks: [],
    });
    expect(read("Wed, 01 May 2024 10:00:00 -0700 (PDT) ")).toEqual({
      start: "2024-05-01T17:00:00.000Z",
      quirks: [],
    });
    expect(read("Wed, 01 May 2024 10:00:00 +0200")).toEqual({
      start: "2024-05-01T08:00:00.000Z",
      quirks: [],
    });
    expect(read("Wed, 01 May 2024 10:00:00 +0200(CEST)")).toEqual({
      start: "2024-05-01T08:00:00.000Z",
      quirks: [],
    });
  });

  it("read a value whose only zone is a comment as UTC, and record it", () => {
    process.env.TZ = "Asia/Kolkata";
    expect(read("Wed, 01 May 2024 10:00:00 (CEST)")).toEqual({
      start: "2024-05-01T10:00:00.000Z",
      quirks: ["date-without-timezone"],
    });
  });
});
