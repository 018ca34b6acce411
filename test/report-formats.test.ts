// `mtasts report` beyond text: CSV (RFC 4180 quoting, formula cells), the HTML page's escaping
// checked on its text (no browser needed: the Chromium test draws it), the self-check findings
// and the promotion status in it, and the command's options: --format, --out, --stack, --help.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS, neutraliseFormula, renderCsv } from "../cli/report-csv";
import {
  domainTotals,
  escapeHtml,
  jsonForScript,
  MAX_SECTIONS,
  renderHtml,
} from "../cli/report-html";
import { annotate, type DaySummary, type ReportSummary } from "../receiver/report";
import { EXAMPLE_TODAY, seedReports, writeExampleProject } from "./helpers/report-example";

const root = path.resolve(__dirname, "..");

function day(over: Partial<DaySummary> & { day: string }): DaySummary {
  return {
    policyIds: [],
    successful: 0,
    failed: 0,
    failureRate: 0,
    byResultType: {},
    organisations: [],
    byOrganisation: {},
    byMx: {},
    byTrust: { known: 0, signed: 0, unsigned: 0 },
    ...over,
  };
}

const TRICKY_ORG = 'Evil, "Inc"\nsecond line';

const summary: ReportSummary = {
  domains: [
    {
      domain: "example.com",
      days: [
        day({
          day: "2026-11-02",
          successful: 90,
          failed: 10,
          failureRate: 0.1,
          byResultType: { "validation-failure": 10 },
          organisations: [TRICKY_ORG],
          byOrganisation: {
            [TRICKY_ORG]: { successful: 90, failed: 10 },
            '=HYPERLINK("http://x.example","y")': { successful: 0, failed: 0 },
          },
          byMx: { "mx.example.com": 6 },
        }),
      ],
    },
  ],
  rejected: 2,
  duplicates: 1,
};

describe("CSV", () => {
  it("is one row per domain, day, measure and name, RFC 4180 quoted, CRLF", () => {
    expect(renderCsv(summary)).toBe(
      [
        CSV_COLUMNS.join(","),
        "example.com,2026-11-02,successful,,90",
        "example.com,2026-11-02,failed,,10",
        "example.com,2026-11-02,result-type,validation-failure,10",
        `example.com,2026-11-02,organisation-successful,"'=HYPERLINK(""http://x.example"",""y"")",0`,
        `example.com,2026-11-02,organisation-failed,"'=HYPERLINK(""http://x.example"",""y"")",0`,
        'example.com,2026-11-02,organisation-successful,"Evil, ""Inc""\nsecond line",90',
        'example.com,2026-11-02,organisation-failed,"Evil, ""Inc""\nsecond line",10',
        "example.com,2026-11-02,receiving-mx,mx.example.com,6",
        "",
      ].join("\r\n"),
    );
  });

  it("neutralises cells a spreadsheet would run as a formula, and leaves '-' and plain names", () => {
    expect(["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"].map(neutraliseFormula)).toEqual([
      "'=1+1",
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
    ]);
    expect(["-", "Google Inc.", "a=b", ""].map(neutraliseFormula)).toEqual([
      "-",
      "Google Inc.",
      "a=b",
      "",
    ]);
  });

  it("is the header alone when there is nothing", () => {
    expect(renderCsv({ domains: [], rejected: 0, duplicates: 0 })).toBe(
      "domain,day,measure,name,sessions\r\n",
    );
  });
});

describe("HTML text", () => {
  const hostile = '</script><script>alert(1)</script><img src=x onerror="alert(2)">';
  const page = renderHtml(
    annotate(
      {
        domains: [
          {
            domain: "example.com",
            days: [
              day({
                day: "2026-11-02",
                successful: 5,
                failed: 1,
                failureRate: 1 / 6,
                byResultType: { [hostile]: 1 },
                byOrganisation: { [hostile]: { successful: 5, failed: 1 } },
                byMx: { [hostile]: 1 },
              }),
            ],
          },
        ],
        rejected: 0,
        duplicates: 0,
      },
      {
        selfCheck: [
          {
            domain: "example.com",
            check: "policy-fetch",
            status: "fail",
            message: `served 404 ${hostile}`,
            at: "2026-11-03T06:00:00Z",
          },
          {
            domain: "example.com",
            check: "txt-records",
            status: "pass",
            message: "one v=STSv1 record",
            at: "2026-11-03T06:00:00Z",
          },
          {
            domain: "other.example",
            check: "mx-coverage",
            status: "warn",
            message: "mx3.other.example not covered",
            at: "2026-11-03T06:00:00Z",
          },
        ],
      },
    ),
    { generatedAt: "2026-11-03T07:00:00Z", source: `table ${hostile}` },
  );

  it("carries no markup from a name: three script elements, no img, the names escaped", () => {
    expect(page.match(/<script/g)).toHaveLength(3);
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<script>alert");
    expect(page).toContain(escapeHtml(hostile));
    expect(escapeHtml(`<a href="x" title='y'>&`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;",
    );
  });

  it("puts data in a JSON block that nothing in it can close or comment out", () => {
    const json = jsonForScript({ name: "</script><!-- & \u2028" });
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual({ name: "</script><!-- & \u2028" });
    const block = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(
      page,
    )![1];
    expect(JSON.parse(block).domains[0].byMx).toEqual([[hostile.slice(0, 47) + "…", 1]]);
  });

  it("lists the self-check findings per domain, a domain with findings and no reports included", () => {
    const other = page.slice(page.indexOf('data-domain="other.example"'));
    expect(other).toContain("No reports for this domain yet.");
    expect(other).toContain(
      '<td>mx-coverage</td><td class="warn">warn</td><td>mx3.other.example not covered</td>',
    );
    expect(page).toContain('<td>policy-fetch</td><td class="bad">fail</td>');
    // The overview names the worst status of each domain.
    expect(page).toMatch(/<a href="#d0">example.com<\/a>.*<td class="bad">fail<\/td><\/tr>/);
  });
});

describe("annotate", () => {
  it("orders a domain's findings latest run first, then fail, warn, pass, then by check; days in order", () => {
    const at1 = "2026-11-02T06:00:00Z";
    const at2 = "2026-11-03T06:00:00Z";
    const f = (check: string, status: string, at: string) => ({
      domain: "a.example",
      check,
      status,
      message: "m",
      at,
    });
    const out = annotate(
      { domains: [], rejected: 0, duplicates: 0 },
      {
        selfCheck: [
          f("a-check", "pass", at2),
          f("z-check", "fail", at2),
          f("m-check", "warn", at2),
          f("b-check", "fail", at1),
        ],
        selfCheckDays: [
          { domain: "a.example", day: "2026-11-03", ok: false },
          { domain: "a.example", day: "2026-11-02", ok: true },
        ],
      },
    );
    expect(out.domains[0].selfCheck!.map((x) => `${x.at.slice(8, 10)} ${x.check}`)).toEqual([
      "03 z-check",
      "03 m-check",
      "03 a-check",
      "02 b-check",
    ]);
    expect(out.domains[0].selfCheckDays).toEqual([
      { day: "2026-11-02", ok: true },
      { day: "2026-11-03", ok: false },
    ]);
    expect(out.domains[0].days).toEqual([]);
  });
});

describe("HTML for a fleet", () => {
  it(`gives sections to the ${MAX_SECTIONS} domains with the most failures (a failing self-check first) and lists all in the overview`, () => {
    const n = MAX_SECTIONS + 2;
    const domains = Array.from({ length: n }, (_, i) => ({
      domain: `d${String(i).padStart(3, "0")}.example`,
      days: [day({ day: "2026-11-01", successful: 10, failed: i === 0 || i === 1 ? 0 : 1 })],
    }));
    const page = renderHtml(
      annotate(
        { domains, rejected: 0, duplicates: 0 },
        {
          selfCheck: [
            {
              domain: "d001.example",
              check: "policy-fetch",
              status: "fail",
              message: "404",
              at: "2026-11-02T00:00:00Z",
            },
          ],
        },
      ),
      { generatedAt: "t", source: "s" },
    );
    const sections = [
      ...page.matchAll(/<section class="domain" id="d(\d+)" data-domain="([^"]+)"/g),
    ].map((m) => m[2]);
    expect(sections).toHaveLength(MAX_SECTIONS);
    // d000 has no failures and no finding: the one left out (d001 has none either, but its self-check failed).
    expect(sections).not.toContain("d000.example");
    expect(sections).toContain("d001.example");
    expect(page.match(/<tr><td>(<a href="#d\d+">)?d\d{3}\.example/g)).toHaveLength(n);
    expect(page).toContain("<tr><td>d000.example</td>");
    expect(page).toContain(
      `Charts for the ${MAX_SECTIONS} domains with the most failed sessions (a self-check failure first); the other 2 are in the table above.`,
    );
    expect(
      JSON.parse(
        /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(page)![1],
      ).domains,
    ).toHaveLength(MAX_SECTIONS);
  });
});

describe("domain totals", () => {
  it("add up the days, largest first, and count failures whose details named no MX", () => {
    const t = domainTotals([
      day({
        day: "2026-11-01",
        successful: 10,
        failed: 4,
        byResultType: { a: 3, b: 1 },
        byMx: { "mx1.example": 2 },
        byOrganisation: { O: { successful: 10, failed: 4 } },
      }),
      day({
        day: "2026-11-02",
        successful: 5,
        failed: 1,
        byResultType: { b: 4 },
        byMx: { "mx2.example": 4 },
        byOrganisation: { P: { successful: 5, failed: 1 } },
      }),
    ]);
    expect(t).toEqual({
      successful: 15,
      failed: 5,
      failureRate: 0.25,
      byResultType: [
        ["b", 5],
        ["a", 3],
      ],
      byOrganisation: [
        ["O", { successful: 10, failed: 4 }],
        ["P", { successful: 5, failed: 1 }],
      ],
      byMx: [
        ["mx2.example", 4],
        ["mx1.example", 2],
      ],
      mxNotNamed: 2,
    });
  });
});

describe("mtasts report: formats, --out, --stack", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-report-formats-"));
  const data = path.join(work, "data");
  const project = path.join(work, "project");
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(root, "bin", "mtasts.cjs"), "report", ...args],
        { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const ours = (stderr: string) =>
    stderr.split("\n").filter((l) => l.startsWith("mtasts") || l.startsWith("error:"));

  beforeAll(async () => {
    await seedReports(data);
    writeExampleProject(project);
  }, 60_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("html and csv go to stdout without --out", async () => {
    const html = await run(["--local", "--data", data, "--format", "html"]);
    expect(html.code).toBe(0);
    expect(html.stdout.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.stdout).toContain('<dd class="sessions">15,080</dd>');
    const csv = await run([
      "--local",
      "--data",
      data,
      "--format",
      "csv",
      "--domain",
      "bravo.example",
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split("\r\n").slice(0, 4)).toEqual([
      "domain,day,measure,name,sessions",
      "bravo.example,2026-11-08,successful,,200",
      "bravo.example,2026-11-08,failed,,0",
      "bravo.example,2026-11-08,organisation-successful,Google Inc.,200",
    ]);
    expect(csv.stdout).toContain(
      "bravo.example,2026-11-09,result-type,sts-policy-fetch-error,20\r\n",
    );
  });

  it("--out writes the file (replacing one that is there) and prints nothing on stdout", async () => {
    const file = path.join(work, "report.csv");
    fs.writeFileSync(file, "old");
    const r = await run(["--local", "--data", data, "--format", "csv", "--out", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(ours(r.stderr)).toEqual([
      `mtasts report: wrote ${file} (${fs.readFileSync(file, "utf8").length.toLocaleString("en-US")} characters)`,
    ]);
    expect(fs.readFileSync(file, "utf8")).toMatch(
      /^domain,day,measure,name,sessions\r\nalpha\.example,2026-11-01,successful,,1500\r\n/,
    );
  });

  it.each([
    [
      ["--out", "."],
      "mtasts report: --out . is a directory; give a file name, e.g. --out report.html",
    ],
    [
      ["--out", "x/"],
      "mtasts report: --out x/ is a directory; give a file name, e.g. --out x/report.html",
    ],
    [
      ["--out", "no/such/dir/r.html"],
      `mtasts report: --out no/such/dir/r.html: the directory ${path.resolve("no/such/dir")} does not exist; create it first`,
    ],
    [
      ["--format", "pdf"],
      "error: option '--format <format>' argument 'pdf' is invalid. Allowed choices are text, json, html, csv.",
    ],
  ])("refuses %j as a usage error (exit 2), before reading anything", async (args, message) => {
    const r = await run(["--local", "--data", data, ...args]);
    expect(r.code).toBe(2);
    expect(ours(r.stderr)).toEqual([message]);
    expect(r.stdout).toBe("");
  });

  it("--stack adds each domain's status to json, a stack domain without reports included", async () => {
    const r = await run([
      "--local",
      "--data",
      data,
      "-s",
      "example",
      "--dir",
      project,
      "--today",
      EXAMPLE_TODAY,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as ReportSummary;
    expect(
      json.domains.map((d) => [d.domain, d.days.length, d.status?.mode, d.status?.summary]),
    ).toEqual([
      ["alpha.example", 10, "testing", "not ready for enforce"],
      ["bravo.example", 3, "enforce", "in enforce"],
      ["charlie.example", 0, "testing", "not ready for enforce"],
    ]);
    const alpha = json.domains[0].status!.promotion!;
    expect(alpha.decision.figures).toMatchObject({
      sessions: 15_080,
      stsFailures: 80,
      reporters: ["Google Inc. (unsigned)", "Microsoft Corporation (unsigned)"],
    });
    expect(json.domains[1].selfCheckDays).toEqual([{ day: "2026-11-10", ok: false }]);
    expect(json.domains[1].selfCheck!.map((f) => [f.check, f.status])).toEqual([
      ["mx-coverage", "fail"],
      ["sts-record", "pass"],
    ]);
    expect(alpha.decision.reasons).toEqual([
      `10 of 14 days with reports under policy ${json.domains[0].status!.policyId}`,
      "failure rate 0.531% above 0.1% (80 STS failures)",
    ]);
  });

  it("text shows the self-check's days and the latest run's failing checks", async () => {
    const r = await run(["--local", "--data", data, "--domain", "bravo.example"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "  self-check: 1 day checked, failed on 2026-11-10\n  self-check 2026-11-10T06:00:00.000Z: 1 of 2 checks passed\n    fail mx-coverage: mx2.bravo.example is not covered by the enforce policy: mail to it fails; fix: add it to mx and pulumi up\n",
    );
  });

  it("text with --stack says each domain's status and what promotion still needs", async () => {
    const r = await run([
      "--local",
      "--data",
      data,
      "-s",
      "example",
      "--dir",
      project,
      "--today",
      EXAMPLE_TODAY,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\n {2}status: not ready for enforce \(policy [0-9a-f]{32}\)\n {4}- 10 of 14 days with reports under policy [0-9a-f]{32}\n {4}- failure rate 0\.531% above 0\.1% \(80 STS failures\)\n/,
    );
    expect(r.stdout).toMatch(
      /\nbravo\.example\n(.*\n){3} {2}status: in enforce \(policy [0-9a-f]{32}\)\n/,
    );
    expect(r.stdout).toMatch(
      /\ncharlie\.example\n {2}no reports yet\n {2}status: not ready for enforce/,
    );
  });

  it("--stack naming a stack the project lacks is a usage error", async () => {
    const r = await run(["--local", "--data", data, "-s", "nope", "--dir", project]);
    expect(r.code).toBe(2);
    expect(ours(r.stderr).join("\n")).toMatch(/nope/);
  });

  it("--help shows the formats with an example, and the exit codes", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    // Commander wraps to the terminal's width: compare with white space folded.
    const text = r.stdout.replace(/\s+/g, " ");
    expect(text).toContain(
      "--format <format> text, json, csv (one row per domain, day, measure and name) or html (one self-contained page with charts)",
    );
    expect(text).toContain('(choices: "text", "json", "html", "csv", default: "text")');
    expect(text).toContain("mtasts report --local -s dev --format html --out report.html");
    expect(text).toContain("--out <file> write the report to this file");
    expect(text).toMatch(
      /Exit status: 0 printed; 1 .*; 2 usage error \(e\.g\. an unknown --format, --out naming a directory\)/,
    );
  });
});
