// Output of `mtasts check`: a line per check and a summary per domain for people; JSON for pipelines.
import type { DomainReport } from "../../check/check";

export function renderCheckText(reports: readonly DomainReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    const count = (s: string) => r.checks.filter((c) => c.status === s).length;
    out.push(
      `${r.domain}: ${r.ok ? "OK" : "FAIL"} (${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail)`,
    );
    const width = Math.max(...r.checks.map((c) => c.id.length));
    for (const c of r.checks)
      out.push(`  ${c.status.padEnd(4)}  ${c.id.padEnd(width)}  ${c.message}`);
  }
  return `${out.join("\n")}\n`;
}

export const renderCheckJson = (reports: readonly DomainReport[]) =>
  `${JSON.stringify({ domains: reports }, null, 2)}\n`;
