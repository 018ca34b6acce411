// Output of `mtasts preflight`: a summary and one line per finding (status, name, what, fix) for
// people; the report as JSON for pipelines.
import type { FindingStatus } from "./finding";
import type { PreflightReport } from "./preflight";

const LABEL: Record<FindingStatus, string> = {
  conflict: "conflict",
  "not-checked": "not checked",
  note: "note",
};

export function renderPreflightText(r: PreflightReport): string {
  const where = `${r.domains} domain${r.domains === 1 ? "" : "s"}${r.region ? `, region ${r.region}` : ""}`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const out = [
    `preflight of stack ${r.stack} (${where}): ${r.conflicts === 0 ? "no conflicts" : plural(r.conflicts, "conflict")}, ${r.notChecked} not checked, ${plural(r.notes, "note")}`,
  ];
  const nameWidth = Math.max(0, ...r.findings.map((f) => f.name.length));
  for (const f of r.findings) {
    out.push(
      `  ${LABEL[f.status].padEnd(11)}  ${f.name.padEnd(nameWidth)}  ${f.what}${f.fix ? `; fix: ${f.fix}` : ""}`,
    );
  }
  return `${out.join("\n")}\n`;
}

export const renderPreflightJson = (r: PreflightReport) => `${JSON.stringify(r, null, 2)}\n`;
