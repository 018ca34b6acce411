// `mtasts report --format html` drawn by headless Chromium: reports with figures known by hand
// ingested into dynalite through the receiver, the page made by the real CLI, then opened as a
// file with no network. The charts must have drawn, the figures must be in the page, and names
// that senders chose (organisations, MX hosts) must show as text and never run.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "./helpers/chromium";
import {
  EXAMPLE_FIGURES,
  EXAMPLE_TODAY,
  exampleFindings,
  exampleReports,
  reportJson,
  seedReports,
  writeExampleProject,
} from "./helpers/report-example";

const root = path.resolve(__dirname, "..");
const chromium = findChromium();
if (!chromium)
  console.warn(
    "report-html.test.ts: skipped, no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it",
  );

/** Names a sender controls, each trying another way out of the text. */
const HOSTILE_ORG = `<script>window.__pwned = "org"</script> "onerror=window.__pwned='attr' </script><img src=x onerror="window.__pwned='img'">`;
const HOSTILE_MX = `<img src=x onerror=window.__pwned=3>.mx.example`;
const HOSTILE_FINDING = `_mta-sts.delta.example: "v=STSv1; id=<svg onload=window.__pwned=4>" is invalid; fix: publish "v=STSv1; id=<1-32 letters/digits>;"`;

function run(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [path.join(root, "bin", "mtasts.cjs"), "report", ...args],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-report-html-"));
const data = path.join(work, "data");
const project = path.join(work, "project");
const htmlFile = path.join(work, "report.html");

describe.skipIf(!chromium)("the HTML report in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const hostile = reportJson({
      org: HOSTILE_ORG,
      domain: "delta.example",
      mx: ["mx.delta.example"],
      mode: "testing",
      day: "2026-11-09",
      successful: 7,
      failures: [{ type: "certificate-host-mismatch", n: 3, mx: HOSTILE_MX }],
    });
    // A check's message quotes what DNS and the policy host answered: the domain's owner, or whoever spoofs them, writes it.
    const hostileFinding = {
      domain: "delta.example",
      day: "2026-11-10",
      at: "2026-11-10T06:00:00.000Z",
      ok: false,
      uncoveredMx: [],
      checks: [{ id: "sts-record", status: "fail" as const, message: HOSTILE_FINDING }],
    };
    await seedReports(data, [...exampleReports(), hostile], [...exampleFindings(), hostileFinding]);
    writeExampleProject(project);
    const made = await run([
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
      "html",
      "--out",
      htmlFile,
    ]);
    expect(made.stderr).toContain(`wrote ${htmlFile}`);
    expect(made.code).toBe(0);
    browser = await launchChromium(chromium!);
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    page.on("request", (r) => requests.push(r.url()));
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(`file://${htmlFile}`, { waitUntil: "load" });
    // Charts are drawn as their section nears the screen: a screen as tall as the page sees them all.
    const height = await page.$eval("html", (h) => h.scrollHeight);
    await page.setViewport({ width: 1200, height });
    await page.waitForFunction(
      'document.documentElement.getAttribute("data-charts-drawn") === "12"',
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("draws every chart: each canvas has painted pixels", async () => {
    const canvases = await page.$$eval("canvas", (els) =>
      els.map((c) => {
        const ctx = c.getContext("2d")!;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
        return { id: c.id, width: c.width, height: c.height, painted };
      }),
    );
    // alpha, bravo and delta: daily, by result type, by organisation, by MX; charlie has no reports.
    expect(canvases.map((c) => c.id).sort()).toEqual([
      "d0-daily",
      "d0-mx",
      "d0-orgs",
      "d0-types",
      "d1-daily",
      "d1-mx",
      "d1-orgs",
      "d1-types",
      "d3-daily",
      "d3-mx",
      "d3-orgs",
      "d3-types",
    ]);
    for (const c of canvases) {
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.painted, c.id).toBeGreaterThan(500);
    }
    expect(await page.$eval("html", (h) => h.getAttribute("data-charts-drawn"))).toBe("12");
    const shot = await page.screenshot({ fullPage: true, type: "png" });
    expect(Buffer.from(shot).subarray(1, 4).toString()).toBe("PNG");
    fs.writeFileSync(path.join(os.tmpdir(), "mtasts-report-html-test.png"), shot);
  });

  it("shows the figures seeded, as people read them", async () => {
    const figures = (domain: string) =>
      page.$eval(`section[data-domain="${domain}"]`, (s) =>
        Object.fromEntries(
          [...s.querySelectorAll("dl.figures dd")].map((dd) => [dd.className, dd.textContent]),
        ),
      );
    expect(await figures("alpha.example")).toEqual({
      days: "10",
      sessions: "15,080",
      successful: "15,000",
      failed: "80",
      rate: EXAMPLE_FIGURES.alpha.rate,
      orgs: "2",
    });
    expect(await figures("bravo.example")).toEqual({
      days: "3",
      sessions: "620",
      successful: "600",
      failed: "20",
      rate: EXAMPLE_FIGURES.bravo.rate,
      orgs: "1",
    });
    const rows = (domain: string, caption: string) =>
      page.$eval(
        `section[data-domain="${domain}"]`,
        (s, caption) => {
          const fig = [...s.querySelectorAll("figure")].find(
            (f) => f.querySelector("figcaption")?.textContent === caption,
          )!;
          return [...fig.querySelectorAll("tbody tr")].map((tr) =>
            [...tr.querySelectorAll("td")].map((td) => td.textContent),
          );
        },
        caption,
      );
    expect(await rows("alpha.example", "Failed sessions by result type")).toEqual([
      ["starttls-not-supported", "50"],
      ["certificate-expired", "30"],
    ]);
    expect(await rows("alpha.example", "Failed sessions by receiving MX")).toEqual([
      ["mx1.alpha.example", "50"],
      ["mx2.alpha.example", "30"],
    ]);
    expect(await rows("alpha.example", "Failed sessions by reporting organisation")).toEqual([
      ["Microsoft Corporation", "5,050", "50", "0.99%"],
      ["Google Inc.", "10,030", "30", "0.30%"],
    ]);
    expect(await rows("bravo.example", "Failed sessions by receiving MX")).toEqual([
      ["(MX not named in the report)", "20"],
    ]);
    expect((await rows("alpha.example", "Daily sessions and failure rate"))[4].slice(0, 4)).toEqual(
      ["2026-11-05", "1,500", "35", "2.28%"],
    );
  });

  it("shows each domain's promotion status and what is still missing", async () => {
    const text = (domain: string) =>
      page.$eval(`section[data-domain="${domain}"]`, (s) => s.textContent!.replace(/\s+/g, " "));
    const alpha = await text("alpha.example");
    expect(alpha).toContain("not ready for enforce");
    expect(alpha).toMatch(/Still missing: ?10 of 14 days with reports under policy [0-9a-f]{32}/);
    expect(alpha).toContain("failure rate 0.531% above 0.1% (80 STS failures)");
    expect(await text("bravo.example")).toContain("in enforce");
    const charlie = await text("charlie.example");
    expect(charlie).toContain("No reports for this domain yet.");
    expect(charlie).toContain("0 of 7 days with reports");
    // delta is in the store but not in the stack: no status to show.
    expect(await text("delta.example")).toContain("Not known");
  });

  it("shows the self-check's latest run per check, and the days it failed, from the store", async () => {
    const selfCheck = (domain: string) =>
      page.$eval(`section[data-domain="${domain}"]`, (s) => ({
        days: s.querySelector("p.selfcheck-days")?.textContent,
        rows: [...s.querySelectorAll("table.selfcheck tbody tr")].map((tr) =>
          [...tr.querySelectorAll("td")].map(
            (td) => `${td.className ? `${td.className}:` : ""}${td.textContent}`,
          ),
        ),
      }));
    const alpha = await selfCheck("alpha.example");
    expect(alpha.days).toBe("Checked on 3 days (2026-11-08 .. 2026-11-10): failed on 2026-11-09.");
    expect(alpha.rows.map((r) => r.slice(0, 2))).toEqual([
      ["mx-coverage", "ok:pass"],
      ["policy-fetch", "ok:pass"],
      ["policy-id", "ok:pass"],
      ["sts-record", "ok:pass"],
      ["tlsrpt-record", "ok:pass"],
    ]);
    expect(alpha.rows[1][2]).toBe(
      "https://mta-sts.alpha.example/.well-known/mta-sts.txt: 200 text/plain, certificate valid for 61 days",
    );
    const bravo = await selfCheck("bravo.example");
    expect(bravo.rows).toEqual([
      [
        "mx-coverage",
        "bad:fail",
        "mx2.bravo.example is not covered by the enforce policy: mail to it fails; fix: add it to mx and pulumi up",
      ],
      ["sts-record", "ok:pass", "_mta-sts.bravo.example: one v=STSv1 record"],
    ]);
    // The overview names each domain's worst status.
    const overview = await page.$$eval("table.overview tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(overview).toEqual([
      ["alpha.example", "10", "15,080", "80", "0.53%", "not ready for enforce", "pass"],
      ["bravo.example", "3", "620", "20", "3.23%", "in enforce", "fail"],
      ["charlie.example", "0", "0", "0", "0.00%", "not ready for enforce", "-"],
      ["delta.example", "1", "10", "3", "30.00%", "-", "fail"],
    ]);
  });

  it("shows names senders chose as text, and runs none of them", async () => {
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: unknown }).__pwned),
    ).toBeUndefined();
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    expect(await page.$$eval("[onerror]", (els) => els.length)).toBe(0);
    // Chart.js, the page's own script and the data block: nothing else became a script.
    expect(await page.$$eval("script", (els) => els.map((s) => s.type || "classic"))).toEqual([
      "application/json",
      "classic",
      "classic",
    ]);
    const delta = await page.$eval('section[data-domain="delta.example"]', (s) =>
      [...s.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(delta).toContain(HOSTILE_ORG);
    expect(delta).toContain(HOSTILE_MX);
    expect(delta).toContain(HOSTILE_FINDING);
    expect(await page.$$eval("svg", (els) => els.length)).toBe(0);
    const overviewOrgs = await page.$eval(
      'section[data-domain="delta.example"] dd.orgs',
      (dd) => dd.textContent,
    );
    expect(overviewOrgs).toBe("1");
  });

  it("opens with no network: the page is its only request", async () => {
    expect(requests).toEqual([`file://${htmlFile}`]);
    // Nothing that would load: no script src, no stylesheet link, a CSP that allows no fetch.
    const html = fs.readFileSync(htmlFile, "utf8");
    expect(html.match(/<script[^>]+src=|<link[^>]+href=/g)).toBeNull();
    expect(
      html.match(
        /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-[^"]+">/g,
      ),
    ).toHaveLength(1);
  });
});
