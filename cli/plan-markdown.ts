// `mtasts plan --format markdown`: a pull request comment that fits GitHub's 65,536 characters
// at any fleet size. What a reviewer must see comes first (summary, violations, policy changes,
// replacements, record changes); the rest follows collapsed, and is cut with a line saying how
// much was left out and where the full plan is.
import { hostingWords, type Plan, type PlanDomain } from "./plan";
import type { PlanDiff } from "./plan-diff";
import {
  headLines,
  policyLines,
  recordLines,
  replaceLines,
  resourceChangeLines,
  TAKES_OVER,
  zoneLine,
} from "./plan-words";
import { UNKNOWN } from "./program-runner";

/** Below GitHub's 65,536-character limit for a comment, with room for the cut notice. */
export const COMMENT_LIMIT = 60_000;

/** The hidden first line by which a workflow finds (and updates) its own comment. */
export const commentMarker = (stack: string) => `<!-- mtasts-plan: stack ${stack} -->`;

export interface MarkdownOptions {
  /** Cut the comment at this many characters (default COMMENT_LIMIT). */
  readonly limit?: number;
  /** Where the full plan is (e.g. the workflow run's artifact), named in the cut notice. */
  readonly fullPlanUrl?: string;
}

/** A section: its opening and closing lines always go together; its body lines may be cut. */
interface Block {
  readonly open: string[];
  readonly body: string[];
  readonly close: string[];
}

const block = (open: string[], body: string[], close: string[] = []): Block => ({
  open,
  body,
  close,
});
const fence = (lang: string, title: string[], body: string[], after: string[] = []): Block =>
  block([...title, "```" + lang], body, ["```", "", ...after]);
const collapsed = (summary: string, lang: string, body: string[]): Block =>
  block([`<details><summary>${summary}</summary>`, "", "```" + lang], body, [
    "```",
    "</details>",
    "",
  ]);
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
const count = (n: number) => n.toLocaleString("en-US");

function violationBlock(plan: Plan): Block {
  if (plan.violations.length === 0) return block(["### Policy pack", "", "No violations.", ""], []);
  const sorted = [...plan.violations].sort((a, b) =>
    a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1,
  );
  return block(
    [
      "### Policy pack",
      "",
      "| level | policy | resource | message | fix |",
      "|---|---|---|---|---|",
    ],
    sorted.map(
      (v) =>
        `| ${v.level} | ${v.policy} | \`${cell(v.resource)}\` | ${cell(v.message)} | ${cell(v.remediation)} |`,
    ),
    [""],
  );
}

function domainDetails(d: PlanDomain, note = ""): string[] {
  const adopted = d.records.filter((r) => r.adopt).length;
  const about = (r: PlanDomain["records"][number]) =>
    `${r.purpose}${r.adopt ? ` (${TAKES_OVER})` : ""}`;
  return [
    `<details><summary><b>${d.domain}</b>${note}: ${d.records.length} records${d.dnsProvider === "manual" ? " (add by hand)" : ""}${adopted > 0 ? `, ${adopted} ${adopted === 1 ? "takes" : "take"} over an existing record` : ""}</summary>`,
    "",
    "```dns",
    ...d.records.map((r) => `${zoneLine(r)} ; ${about(r)}`),
    "```",
    "",
    `Policy served at ${d.policy.url}:`,
    "",
    "```",
    ...d.policy.text.split("\r\n").filter(Boolean),
    "```",
    "</details>",
    "",
  ];
}

/** Domains the diff touches (a record, the policy, or a resource of theirs). */
function changedDomains(diff: PlanDiff): Set<string> {
  const r = diff.records;
  const s = diff.resources;
  return new Set([
    ...[...r.added, ...r.removed].map((x) => x.domain),
    ...r.changed.map((c) => c.after.domain),
    ...diff.policies.map((p) => p.domain),
    ...[...s.create, ...s.update, ...s.replace, ...s.delete]
      .map((x) => x.domain)
      .filter((d): d is string => d !== undefined),
  ]);
}

function diffBlocks(plan: Plan, diff: PlanDiff): Block[] {
  const out: Block[] = [];
  if (diff.policies.length > 0) {
    out.push(
      fence(
        "diff",
        [`### Policy changes (${count(diff.policies.length)})`, ""],
        diff.policies.flatMap((c) => {
          const p = policyLines(c);
          return [p.head, ...p.mx];
        }),
      ),
    );
  }
  if (diff.resources.replace.length > 0) {
    out.push(
      block(
        [`### Resources replaced (${count(diff.resources.replace.length)})`, ""],
        replaceLines(diff).map((l) => `- ${l}`),
        [""],
      ),
    );
  }
  const records = recordLines(diff.records);
  if (records.length > 0) {
    const r = diff.records;
    out.push(
      fence(
        "diff",
        [
          `### DNS record changes (${count(r.changed.length)} changed, ${count(r.added.length)} added, ${count(r.removed.length)} removed)`,
          "",
        ],
        records,
      ),
    );
  }
  const others = resourceChangeLines(diff);
  if (others.length > 0) {
    const s = diff.resources;
    out.push(
      collapsed(
        `Resources: ${count(s.create.length)} to create, ${count(s.update.length)} to update, ${count(s.delete.length)} to delete`,
        "",
        others,
      ),
    );
  }
  const touched = changedDomains(diff);
  const changed = plan.domains.filter((d) => touched.has(d.domain));
  if (changed.length > 0)
    out.push(
      block(
        [`### Changed domains (${count(changed.length)})`, ""],
        changed.flatMap((d) => domainDetails(d)),
      ),
    );
  const unchanged = plan.domains.filter((d) => !touched.has(d.domain));
  if (unchanged.length > 0) {
    out.push(
      block(
        [
          `<details><summary>${count(unchanged.length)} unchanged ${unchanged.length === 1 ? "domain" : "domains"}</summary>`,
          "",
          "| domain | mode | DNS | served by |",
          "|---|---|---|---|",
        ],
        unchanged.map((d) => `| ${d.domain} | ${d.mode} | ${d.dnsProvider} | ${tableHosting(d)} |`),
        ["", "</details>", ""],
      ),
    );
  }
  return out;
}

/** "group 0", "tenant mta-sts-…", "releasing": short enough for a table cell. */
const tableHosting = (d: PlanDomain) =>
  d.hosting?.placement === "releasing" ? "releasing" : hostingWords(d);

function planBlocks(plan: Plan): Block[] {
  return [
    block(
      ["| domain | mode | DNS | policy id | served by |", "|---|---|---|---|---|"],
      plan.domains.map(
        (d) =>
          `| ${d.domain} | ${d.mode} | ${d.dnsProvider} | \`${d.policy.id}\` | ${tableHosting(d)} |`,
      ),
      [""],
    ),
    block(
      [],
      plan.domains.flatMap((d) => domainDetails(d)),
    ),
  ];
}

function tailBlocks(plan: Plan): Block[] {
  const out: Block[] = [];
  if (plan.receiverRecords.length > 0)
    out.push(
      collapsed(
        "<b>TLS-RPT receiver mail domain</b>",
        "dns",
        plan.receiverRecords.map((r) => `${zoneLine(r)} ; ${r.purpose}`),
      ),
    );
  const t = plan.totals;
  out.push(
    collapsed(
      `Resources: ${count(t.cloudResources)} cloud resources for ${count(t.domains)} domains`,
      "",
      plan.resources.map(
        (r) =>
          `${r.custom ? "" : "(component) "}${r.type}  ${r.name}  [${r.domain ?? r.group ?? "shared"}]`,
      ),
    ),
  );
  return out;
}

/**
 * Lays out blocks within `limit` characters. A block that does not fit is cut inside its body
 * (its closing lines kept, so fences and details stay balanced), and a notice says what was
 * left out and where the whole is.
 */
function layout(
  head: string[],
  blocks: Block[],
  foot: string[],
  limit: number,
  fullPlan: string,
): string {
  const out = [...head];
  const reserve = size(foot) + 400 + fullPlan.length;
  let used = size(out);
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    const whole = [...b.open, ...b.body, ...b.close];
    if (used + size(whole) + reserve <= limit) {
      out.push(...whole);
      used += size(whole);
      continue;
    }
    // Cut: as many body lines as fit, the closing lines, then the notice.
    let kept = 0;
    const frame = size(b.open) + size(b.close);
    const framed = used + frame + reserve <= limit;
    if (framed) {
      let room = limit - reserve - used - frame;
      while (kept < b.body.length && b.body[kept].length + 1 <= room)
        room -= b.body[kept++].length + 1;
      out.push(...b.open, ...b.body.slice(0, kept), ...b.close);
    }
    const rest = [
      ...(framed ? b.body.slice(kept) : whole),
      ...blocks.slice(i + 1).flatMap((x) => [...x.open, ...x.body, ...x.close]),
    ];
    out.push(
      `**Cut to fit a pull request comment:** ${count(rest.length)} more lines (${count(size(rest))} characters) are left out. ${fullPlan}`,
      "",
    );
    break;
  }
  out.push(...foot);
  return `${out.join("\n")}\n`;
}

export function renderMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? COMMENT_LIMIT;
  const diff = plan.diff;
  const stackFile = `Pulumi.${plan.stack}.yaml`;
  const again = `mtasts plan --stack ${plan.stack}${diff ? ` --diff ${diff.base}` : ""}`;
  const fullPlan = opts.fullPlanUrl
    ? `The full plan: ${opts.fullPlanUrl}`
    : `The full plan: \`${again}\` (text) or \`--format json\`.`;
  const head = [
    commentMarker(plan.stack),
    `## MTA-STS plan: stack \`${plan.stack}\`${diff ? ` against \`${diff.base}\`` : ""}`,
    "",
  ];
  const blocks: Block[] = [];
  if (diff) {
    const [summary, ...more] = headLines(diff, stackFile);
    head.push(`**${summary}**`, "");
    for (const line of more) head.push(`> ${line}`, "");
    const mandatory = plan.violations.filter((v) => v.level === "mandatory").length;
    if (mandatory > 0)
      head.push(
        `:x: **${mandatory} mandatory policy violation(s): this change must not be applied as it is** (see the policy pack below).`,
        "",
      );
    blocks.push(violationBlock(plan), ...diffBlocks(plan, diff));
  } else {
    head.push(
      `**${count(plan.domains.length)} domains, ${count(plan.totals.cloudResources)} cloud resources; ${plan.violations.length} policy violation(s)**`,
      "",
    );
    blocks.push(violationBlock(plan), ...planBlocks(plan));
  }
  blocks.push(...tailBlocks(plan));
  const foot = [
    `_Offline plan (mock runtime): values only known after deploy are shown as "${UNKNOWN}". \`pulumi preview --diff\` stays the authority._`,
  ];
  return layout(head, blocks, foot, limit, fullPlan);
}
