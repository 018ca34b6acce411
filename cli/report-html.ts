// `mtasts report --format html`: one self-contained page (Chart.js inlined, no network, a CSP
// that allows only its own two scripts) with, per domain, the daily sessions and failure rate,
// failures by result type, organisation and receiving MX, the promotion status and the
// self-check findings. Every name comes from senders: it reaches the page escaped, as text, or
// inside a JSON block that Chart.js draws onto a canvas, never as markup.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DaySummary, DomainReport, ReportSummary, SelfCheckFinding } from "../receiver/report";

export interface HtmlReportOptions {
  /** When the report was made (ISO 8601), printed in its header. */
  generatedAt: string;
  /** Where the figures come from ("local data ./.mta-sts-data", "table mta-sts-reports"). */
  source: string;
}

/** The most bars one chart shows; the rest add up in one bar (the tables list them all). */
export const MAX_BARS = 15;
/** A label on a chart is cut here (the tables show it whole). */
const MAX_LABEL = 48;

/** Totals of one domain over the days shown: what the charts and tables draw. */
export interface DomainTotals {
  successful: number;
  failed: number;
  failureRate: number;
  byResultType: [string, number][];
  byOrganisation: [string, { successful: number; failed: number }][];
  byMx: [string, number][];
  /** Failed sessions whose failure details named no receiving MX (by result type, minus by MX). */
  mxNotNamed: number;
}

export function domainTotals(days: readonly DaySummary[]): DomainTotals {
  const add = (into: Map<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into.set(k, (into.get(k) ?? 0) + v);
  };
  const types = new Map<string, number>();
  const mx = new Map<string, number>();
  const orgs = new Map<string, { successful: number; failed: number }>();
  let successful = 0;
  let failed = 0;
  for (const d of days) {
    successful += d.successful;
    failed += d.failed;
    add(types, d.byResultType);
    add(mx, d.byMx ?? {});
    for (const [org, o] of Object.entries(d.byOrganisation ?? {})) {
      const t = orgs.get(org) ?? { successful: 0, failed: 0 };
      orgs.set(org, { successful: t.successful + o.successful, failed: t.failed + o.failed });
    }
  }
  const sorted = <T>(m: Map<string, T>, n: (v: T) => number) =>
    [...m].sort((a, b) => n(b[1]) - n(a[1]) || (a[0] < b[0] ? -1 : 1));
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const total = successful + failed;
  return {
    successful,
    failed,
    failureRate: total === 0 ? 0 : failed / total,
    byResultType: sorted(types, (v) => v),
    byOrganisation: sorted(orgs, (v) => v.failed * 1e12 + v.successful),
    byMx: sorted(mx, (v) => v),
    mxNotNamed: Math.max(0, sum(types) - sum(mx)),
  };
}

/** Days from the first to the last, the missing ones included (a gap in reports is a gap on the chart, not a shorter axis). */
function dayRange(days: readonly DaySummary[]): string[] {
  if (days.length === 0) return [];
  const out: string[] = [];
  const last = days.at(-1)!.day;
  // Bounded: at most one entry per day between two days the store holds.
  for (let t = Date.parse(`${days[0].day}T00:00:00Z`); out.length <= 3660; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(day);
    if (day >= last) break;
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
/** Text for HTML content and quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** JSON that can sit inside <script type="application/json">: no "<", ">" or "&" to end the element or open a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const fmt = (n: number) => n.toLocaleString("en-US");
const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
const label = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);

/** The first MAX_BARS, then one bar for the rest. */
function topBars(pairs: readonly [string, number][], rest: string): [string, number][] {
  const top = pairs.slice(0, MAX_BARS).map(([k, v]) => [label(k), v] as [string, number]);
  const others = pairs.slice(MAX_BARS);
  return others.length
    ? [...top, [`${others.length} ${rest}`, others.reduce((n, [, v]) => n + v, 0)]]
    : top;
}

function table(head: string[], rows: (string | number)[][], cls = ""): string {
  const cell = (v: string | number) =>
    typeof v === "number" ? `<td class="num">${fmt(v)}</td>` : `<td>${escapeHtml(v)}</td>`;
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</tbody></table>`;
}

function chartBox(
  id: string,
  title: string,
  hasData: boolean,
  empty: string,
  bars: number,
  details: string,
): string {
  const height = bars === 0 ? 220 : 50 + 24 * Math.min(bars, MAX_BARS + 1);
  const body = hasData
    ? `<div class="chart" style="height:${height}px"><canvas id="${id}" role="img" aria-label="${escapeHtml(title)}"></canvas></div>`
    : `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${body}<details><summary>figures</summary>${details}</details></figure>`;
}

const STATUS_CLASS: Record<string, string> = {
  pass: "ok",
  ok: "ok",
  warn: "warn",
  warning: "warn",
  fail: "bad",
  error: "bad",
};
const worst = (fs: readonly SelfCheckFinding[]) =>
  ["fail", "error", "warn", "warning"].find((s) => fs.some((f) => f.status === s)) ??
  (fs.length ? "pass" : "");

function promotionHtml(d: DomainReport): string {
  const s = d.status;
  if (!s)
    return `<p class="empty">Not known: give --stack NAME to read each domain's mode and promotion rule.</p>`;
  const out = [
    `<p><strong class="${s.promotion ? (s.promotion.decision.ready ? "ok" : "warn") : s.mode === "enforce" ? "ok" : ""}">${escapeHtml(s.summary)}</strong> <span class="muted">mode ${escapeHtml(s.mode)}, policy id ${escapeHtml(s.policyId)}</span></p>`,
  ];
  const p = s.promotion;
  if (p) {
    const f = p.decision.figures;
    const w = p.decision.window;
    out.push(
      `<p>Rule: ${fmt(p.rule.minDays)} days, ${fmt(p.rule.minSessions)} sessions, failure rate at most ${escapeHtml(pct(p.rule.maxFailureRate))}, ${fmt(p.rule.minReporters)} reporting organisations (evidence: ${escapeHtml(p.rule.evidence ?? "known")}).</p>`,
      `<p>Window ${escapeHtml(w.from ?? "-")} .. ${escapeHtml(w.to ?? "-")} (${fmt(w.days)} days): <span class="promo-sessions">${fmt(f.sessions)}</span> sessions, ${fmt(f.stsFailures)} STS failures (${escapeHtml(pct(f.failureRate))}), reporters ${escapeHtml(f.reporters.join(", ") || "none")}.</p>`,
      `<p>${p.decision.ready ? "Conditions:" : "Still missing:"}</p><ul class="reasons">${p.decision.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>`,
    );
    const aside = p.setAside.known + p.setAside.signed + p.setAside.unsigned;
    if (aside > 0)
      out.push(
        `<p class="muted">Not counted (below the rule's evidence level): ${fmt(p.setAside.unsigned)} sessions in unsigned reports, ${fmt(p.setAside.signed)} signed by unknown reporters, ${fmt(p.setAside.known)} from known reporters.</p>`,
      );
  }
  return out.join("");
}

function selfCheckHtml(d: DomainReport, anyFindings: boolean): string {
  const days = d.selfCheckDays ?? [];
  const failed = days.filter((r) => !r.ok).map((r) => r.day);
  const shownDays =
    failed.length > 10
      ? `${failed.slice(-10).join(", ")} and ${fmt(failed.length - 10)} days before`
      : failed.join(", ");
  const runs = days.length
    ? `<p class="selfcheck-days">Checked on ${fmt(days.length)} day${days.length === 1 ? "" : "s"} (${escapeHtml(days[0].day)} .. ${escapeHtml(days.at(-1)!.day)}): ${failed.length ? `<span class="bad">failed on ${escapeHtml(shownDays)}</span>` : `<span class="ok">no failure</span>`}.</p>`
    : "";
  if (!d.selfCheck?.length)
    return `${runs}<p class="empty">${anyFindings ? "No self-check findings for this domain." : "No self-check findings in the store (the stack's scheduled self-check writes them)."}</p>`;
  const latest = `<p>Latest run ${escapeHtml(d.selfCheck[0].at)}: ${fmt(d.selfCheck.filter((f) => f.status === "pass").length)} of ${fmt(d.selfCheck.length)} checks passed.</p>`;
  const rows = d.selfCheck.map(
    (f) =>
      `<tr><td>${escapeHtml(f.check)}</td><td class="${STATUS_CLASS[f.status] ?? ""}">${escapeHtml(f.status)}</td><td>${escapeHtml(f.message)}</td></tr>`,
  );
  return `${runs}${latest}<table class="selfcheck"><thead><tr><th>check</th><th>status</th><th>message</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

interface ChartData {
  id: string;
  days: string[];
  successful: number[];
  failed: number[];
  /** Percent, null on a day without sessions. */
  rate: (number | null)[];
  byType: [string, number][];
  byOrg: [string, number][];
  byMx: [string, number][];
}

function domainSection(
  d: DomainReport,
  i: number,
  anyFindings: boolean,
  charts: ChartData[],
): string {
  const id = `d${i}`;
  const t = domainTotals(d.days);
  const range = dayRange(d.days);
  const byDay = new Map(d.days.map((x) => [x.day, x]));
  const mxBars =
    t.mxNotNamed > 0
      ? [...t.byMx, ["(MX not named in the report)", t.mxNotNamed] as [string, number]]
      : t.byMx;
  const orgFailed = t.byOrganisation
    .filter(([, o]) => o.failed > 0)
    .map(([k, o]) => [k, o.failed] as [string, number]);
  charts.push({
    id,
    days: range,
    successful: range.map((day) => byDay.get(day)?.successful ?? 0),
    failed: range.map((day) => byDay.get(day)?.failed ?? 0),
    rate: range.map((day) => {
      const x = byDay.get(day);
      return x && x.successful + x.failed > 0 ? Math.round(x.failureRate * 1e6) / 1e4 : null;
    }),
    byType: topBars(t.byResultType, "other result types"),
    byOrg: topBars(orgFailed, "other organisations"),
    byMx: topBars(mxBars, "other hosts"),
  });
  const figures = `<dl class="figures">
<div><dt>days with reports</dt><dd class="days">${fmt(d.days.length)}</dd></div>
<div><dt>sessions</dt><dd class="sessions">${fmt(t.successful + t.failed)}</dd></div>
<div><dt>successful</dt><dd class="successful">${fmt(t.successful)}</dd></div>
<div><dt>failed</dt><dd class="failed">${fmt(t.failed)}</dd></div>
<div><dt>failure rate</dt><dd class="rate">${pct(t.failureRate)}</dd></div>
<div><dt>organisations</dt><dd class="orgs">${fmt(t.byOrganisation.length)}</dd></div>
</dl>`;
  const dailyRows = d.days.map((x) => [
    x.day,
    x.successful,
    x.failed,
    pct(x.failureRate),
    x.policyIds.join(" "),
  ]);
  const charts4 =
    d.days.length === 0
      ? `<p class="empty">No reports for this domain yet.</p>`
      : `<div class="grid">
${chartBox(`${id}-daily`, "Daily sessions and failure rate", true, "", 0, table(["day", "successful", "failed", "failure rate", "policy ids"], dailyRows))}
${chartBox(`${id}-types`, "Failed sessions by result type", t.byResultType.length > 0, "No failures by result type.", t.byResultType.length, table(["result type", "failed sessions"], t.byResultType))}
${chartBox(
  `${id}-orgs`,
  "Failed sessions by reporting organisation",
  orgFailed.length > 0,
  "No organisation reported failures.",
  orgFailed.length,
  table(
    ["organisation", "sessions", "failed", "failure rate"],
    t.byOrganisation.map(([k, o]) => [
      k,
      o.successful + o.failed,
      o.failed,
      pct(o.successful + o.failed ? o.failed / (o.successful + o.failed) : 0),
    ]),
  ),
)}
${chartBox(`${id}-mx`, "Failed sessions by receiving MX", mxBars.length > 0, "No failures at any MX.", mxBars.length, table(["receiving MX", "failed sessions"], mxBars))}
</div>`;
  return `<section class="domain" id="${id}" data-domain="${escapeHtml(d.domain)}">
<h2>${escapeHtml(d.domain)}</h2>
${figures}
${charts4}
<div class="grid2"><div><h3>Promotion</h3>${promotionHtml(d)}</div><div><h3>Self-check</h3>${selfCheckHtml(d, anyFindings)}</div></div>
</section>`;
}

/**
 * The inline script: draws the charts from the JSON block; Chart.js puts text on canvas, never
 * into the DOM. A domain's charts are drawn when its section nears the screen (a fleet's page
 * would otherwise build hundreds of charts at once), and all of them before printing.
 */
const APP_SCRIPT = `(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var C = { ok: "rgba(46, 125, 50, 0.6)", fail: "#c62828", rate: "#1565c0", bar: "#ef6c00", org: "#6a1b9a", mx: "#00838f" };
  Chart.defaults.animation = false;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  var drawn = 0;
  function bars(id, pairs, label, color) {
    var el = document.getElementById(id);
    if (!el || pairs.length === 0) return;
    new Chart(el, {
      type: "bar",
      data: { labels: pairs.map(function (p) { return p[0]; }), datasets: [{ label: label, data: pairs.map(function (p) { return p[1]; }), backgroundColor: color }] },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    drawn++;
  }
  function draw(d) {
    if (d.drawn) return;
    d.drawn = true;
    var daily = document.getElementById(d.id + "-daily");
    if (daily) {
      new Chart(daily, {
        data: {
          labels: d.days,
          datasets: [
            { type: "line", label: "failure rate (%)", data: d.rate, borderColor: C.rate, backgroundColor: C.rate, yAxisID: "rate", spanGaps: false, pointRadius: 3, order: 0 },
            { type: "bar", label: "successful", data: d.successful, backgroundColor: C.ok, stack: "s", yAxisID: "y", order: 1 },
            { type: "bar", label: "failed", data: d.failed, backgroundColor: C.fail, stack: "s", yAxisID: "y", order: 1 }
          ]
        },
        options: {
          responsive: true, maintainAspectRatio: false,
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, title: { display: true, text: "sessions" }, ticks: { precision: 0 } },
            rate: { position: "right", beginAtZero: true, suggestedMax: 1, title: { display: true, text: "failure rate %" }, grid: { drawOnChartArea: false } }
          }
        }
      });
      drawn++;
    }
    bars(d.id + "-types", d.byType, "failed sessions", C.bar);
    bars(d.id + "-orgs", d.byOrg, "failed sessions", C.org);
    bars(d.id + "-mx", d.byMx, "failed sessions", C.mx);
    document.documentElement.setAttribute("data-charts-drawn", String(drawn));
  }
  var byId = {};
  data.domains.forEach(function (d) { byId[d.id] = d; });
  function drawAll() { data.domains.forEach(draw); }
  window.addEventListener("beforeprint", drawAll);
  if (!("IntersectionObserver" in window)) return drawAll();
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.isIntersecting) return;
      seen.unobserve(e.target);
      draw(byId[e.target.id]);
    });
  }, { rootMargin: "600px 0px" });
  document.querySelectorAll("section.domain").forEach(function (s) { seen.observe(s); });
})();`;

const STYLE = `
:root { color-scheme: light; --muted: #5f6368; --line: #dadce0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #202124; background: #f8f9fa; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.muted { color: var(--muted); }
section.domain { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 20px 16px; margin: 16px 0; }
h2 { font-size: 18px; margin: 12px 0 8px; word-break: break-all; }
h3 { font-size: 15px; margin: 12px 0 6px; }
dl.figures { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 8px; }
dl.figures div { min-width: 90px; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; font-size: 20px; font-weight: 600; }
dd.failed, .bad { color: #c62828; }
.ok { color: #2e7d32; }
.warn { color: #b26a00; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px 24px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
@media (max-width: 800px) { .grid, .grid2 { grid-template-columns: 1fr; } }
figure { margin: 0; min-width: 0; }
figcaption { font-weight: 600; margin: 8px 0 4px; }
.chart { position: relative; width: 100%; }
p.empty { color: var(--muted); font-style: italic; }
p.note { background: #fff8e1; border: 1px solid #ffe082; border-radius: 6px; padding: 8px 12px; }
details summary { color: var(--muted); cursor: pointer; font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; max-width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; word-break: break-word; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.reasons { margin: 4px 0; padding-left: 20px; }
table.selfcheck td:nth-child(-n+2), th { white-space: nowrap; word-break: normal; }
`;

/** Chart.js's own browser build, as shipped in its package. */
export function chartLibrary(): string {
  const file = path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js");
  const text = fs.readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  // It goes inside <script>: a "</script" or "<!--" in it would end or bend the element.
  if (/<\/script|<!--/i.test(text))
    throw new Error(`${file} holds "</script" or "<!--" and cannot be inlined as it is`);
  return text;
}

/** Domains that get a section of their own; a larger fleet's page keeps to those that need a look first (the overview lists all). */
export const MAX_SECTIONS = 200;

function withSections(domains: readonly DomainReport[]): Set<string> {
  if (domains.length <= MAX_SECTIONS) return new Set(domains.map((d) => d.domain));
  const failing = (d: DomainReport) => (d.selfCheck?.some((f) => f.status === "fail") ? 1 : 0);
  const failed = (d: DomainReport) => d.days.reduce((n, x) => n + x.failed, 0);
  const ranked = [...domains].sort(
    (a, b) => failing(b) - failing(a) || failed(b) - failed(a) || (a.domain < b.domain ? -1 : 1),
  );
  return new Set(ranked.slice(0, MAX_SECTIONS).map((d) => d.domain));
}

const sha256 = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

export function renderHtml(summary: ReportSummary, opts: HtmlReportOptions): string {
  const charts: ChartData[] = [];
  const anyFindings = summary.domains.some((d) => d.selfCheck?.length);
  const shown = withSections(summary.domains);
  const sections = summary.domains.flatMap((d, i) =>
    shown.has(d.domain) ? [domainSection(d, i, anyFindings, charts)] : [],
  );
  const overview = summary.domains.map((d, i) => {
    const t = domainTotals(d.days);
    const w = worst(d.selfCheck ?? []);
    const name = shown.has(d.domain)
      ? `<a href="#d${i}">${escapeHtml(d.domain)}</a>`
      : escapeHtml(d.domain);
    return `<tr><td>${name}</td><td class="num">${fmt(d.days.length)}</td><td class="num">${fmt(t.successful + t.failed)}</td><td class="num">${fmt(t.failed)}</td><td class="num">${pct(t.failureRate)}</td><td>${escapeHtml(d.status?.summary ?? "-")}</td><td class="${STATUS_CLASS[w] ?? ""}">${escapeHtml(w || "-")}</td></tr>`;
  });
  const lib = chartLibrary();
  // No network, no other script: a name that got past escaping still could not run. Styles
  // inline (the chart boxes' heights are style attributes; CSS runs no code).
  const csp = `default-src 'none'; script-src ${sha256(lib)} ${sha256(APP_SCRIPT)}; style-src 'unsafe-inline'; img-src data:`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MTA-STS / TLS-RPT report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>MTA-STS / TLS-RPT report</h1>
<p class="muted">Generated ${escapeHtml(opts.generatedAt)} from ${escapeHtml(opts.source)}. Sessions are STS and no-policy-found sessions as reporters counted them (TLSA left out: reporters list the same sessions under both). Reports refused: <span class="rejected">${fmt(summary.rejected)}</span>; duplicates: <span class="duplicates">${fmt(summary.duplicates)}</span>.</p>
</header>
<main>
${summary.domains.length === 0 ? `<p class="empty">No reports and no domains to show.</p>` : `<h2>Domains</h2>${`<table class="overview"><thead><tr><th>domain</th><th>days</th><th>sessions</th><th>failed</th><th>failure rate</th><th>promotion</th><th>self-check</th></tr></thead><tbody>${overview.join("")}</tbody></table>`}`}
${shown.size < summary.domains.length ? `<p class="note">Charts for the ${fmt(shown.size)} domains with the most failed sessions (a self-check failure first); the other ${fmt(summary.domains.length - shown.size)} are in the table above. One domain's page: <code>mtasts report --domain NAME --format html</code>; every figure: <code>--format csv</code>.</p>` : ""}
${sections.join("\n")}
</main>
<script type="application/json" id="report-data">${jsonForScript({ domains: charts })}</script>
<script>${lib}</script>
<script>${APP_SCRIPT}</script>
</body>
</html>
`;
}
