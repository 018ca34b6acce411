// Remakes docs/report.png, the README's picture of `mtasts report --format html`: the example
// data set (test/helpers/report-example.ts) ingested into a local store, the report made by the
// real CLI, drawn by headless Chromium. Run: node bin/run-ts.cjs scripts/report-screenshot.ts
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findChromium, launchChromium } from "../test/helpers/chromium";
import { EXAMPLE_TODAY, seedReports, writeExampleProject } from "../test/helpers/report-example";

const root = path.resolve(__dirname, "..");
const out = path.join(root, "docs", "report.png");

async function main(): Promise<void> {
  const chromium = findChromium();
  if (!chromium)
    throw new Error("no Chromium found: apt-get install chromium, or set CHROMIUM_PATH");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mtasts-report-shot-"));
  try {
    await seedReports(path.join(work, "data"));
    writeExampleProject(path.join(work, "project"));
    const html = path.join(work, "report.html");
    execFileSync(
      process.execPath,
      [
        path.join(root, "bin", "mtasts.cjs"),
        "report",
        "--local",
        "--data",
        path.join(work, "data"),
        "-s",
        "example",
        "--dir",
        path.join(work, "project"),
        "--today",
        EXAMPLE_TODAY,
        "--domain",
        "alpha.example",
        "--format",
        "html",
        "--out",
        html,
      ],
      { stdio: "inherit" },
    );
    const browser = await launchChromium(chromium);
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 800, deviceScaleFactor: 1 });
      await page.goto(`file://${html}`, { waitUntil: "load" });
      // The first domain's four charts are drawn as its section comes into view.
      await page.waitForFunction(
        'Number(document.documentElement.getAttribute("data-charts-drawn")) >= 4',
      );
      const section = await page.$("section.domain");
      if (!section) throw new Error("the report has no domain section");
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await section.screenshot({ path: out as `${string}.png` });
    } finally {
      await browser.close();
    }
    process.stdout.write(
      `wrote ${path.relative(root, out)} (${fs.statSync(out).size.toLocaleString("en-US")} bytes)\n`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
