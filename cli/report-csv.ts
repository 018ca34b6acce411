// `mtasts report --format csv`: the daily figures as one table for spreadsheets and pipelines,
// one row per domain, day, measure and name (RFC 4180: CRLF, fields quoted when they hold a
// comma, a quote or a line break). Names come from senders; a spreadsheet must not run them.
import { stringify } from "csv-stringify/sync";
import type { ReportSummary } from "../receiver/report";

export const CSV_COLUMNS = ["domain", "day", "measure", "name", "sessions"] as const;

/**
 * measure: successful and failed (name empty: the day's totals), result-type (name: the result
 * type, failed sessions), organisation-successful and organisation-failed (name: the reporting
 * organisation), receiving-mx (name: the MX host the failure details name, failed sessions).
 */
export type CsvMeasure =
  | "successful"
  | "failed"
  | "result-type"
  | "organisation-successful"
  | "organisation-failed"
  | "receiving-mx";

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe (OWASP's advice on CSV injection); "-", the name of nothing, stays as it is.
 */
export function neutraliseFormula(value: string): string {
  return value !== "-" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function renderCsv(summary: ReportSummary): string {
  const rows: (string | number)[][] = [];
  for (const d of summary.domains) {
    for (const day of d.days) {
      const row = (measure: CsvMeasure, name: string, n: number) =>
        rows.push([d.domain, day.day, measure, name, n]);
      row("successful", "", day.successful);
      row("failed", "", day.failed);
      for (const [type, n] of Object.entries(day.byResultType).sort(([a], [b]) => (a < b ? -1 : 1)))
        row("result-type", type, n);
      for (const [org, o] of Object.entries(day.byOrganisation ?? {}).sort(([a], [b]) =>
        a < b ? -1 : 1,
      )) {
        row("organisation-successful", org, o.successful);
        row("organisation-failed", org, o.failed);
      }
      for (const [mx, n] of Object.entries(day.byMx ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
        row("receiving-mx", mx, n);
    }
  }
  return stringify(rows, {
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: "windows",
    cast: { string: (value) => neutraliseFormula(value) },
  });
}
