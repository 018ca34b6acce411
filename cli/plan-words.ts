// The plan and its diff in words and zone-file lines: shared by the text and markdown renderers,
// so a pull request comment and a terminal say the same thing.
import type { DiffRecord, PlanDiff, PolicyChange, RecordChange, ResourceRef } from "./plan-diff";
import { zoneTxt } from "../protocol/records";
import { UNKNOWN } from "./program-runner";

/** Said beside every record the stack takes over (adopt), so a reviewer sees it. */
export const TAKES_OVER = "takes over an existing record";

/** One zone-file line; TXT values as 255-byte quoted character-strings, aliases marked, unknowns said as such. */
export function zoneLine(r: {
  name: string;
  type: string;
  ttl: number;
  values: string[];
  alias: boolean;
}): string {
  const name = r.name === UNKNOWN ? UNKNOWN : `${r.name}.`;
  const values = r.values.map((v) => {
    const target = v === UNKNOWN ? UNKNOWN : r.type === "TXT" ? zoneTxt(v) : `${v}.`;
    return r.alias ? `ALIAS ${target}` : target;
  });
  return `${name} ${r.ttl} IN ${r.type} ${values.join(" ")}`;
}

const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Where a record lives; manual records are a person's job, and say so. */
function where(r: DiffRecord, verb: "add" | "remove" | "change"): string {
  if (r.provider === "manual") return `manual DNS: ${verb} by hand`;
  return `${r.provider} zone ${r.zone ?? "(not recorded)"}`;
}

/** The record's name for a reviewer: the name, or its purpose when the name is known only after deploy. */
export const recordLabel = (r: { name: string; type: string; purpose: string }) =>
  r.name === UNKNOWN ? `${r.type} ${r.purpose}` : `${r.name} ${r.type}`;

export function summaryLine(diff: PlanDiff): string {
  const r = diff.records;
  const s = diff.resources;
  return (
    `${plural(r.changed.length, "record")} changed, ${count(r.added.length)} added, ${count(r.removed.length)} removed; ` +
    `${plural(diff.policies.length, "policy", "policies")} changed; ` +
    `resources: ${count(s.create.length)} to create, ${count(s.update.length)} to update, ${count(s.replace.length)} to replace, ${count(s.delete.length)} to delete`
  );
}

export function headLines(diff: PlanDiff, stackFile: string): string[] {
  const at = `${diff.base}${diff.commit ? ` (${diff.commit.slice(0, 12)})` : ""}`;
  const out = [`Changes against ${at}: ${summaryLine(diff)}`];
  if (diff.newStack)
    out.push(`${stackFile} does not exist at ${diff.base}: a new stack, so everything is added`);
  for (const n of diff.notes) out.push(`note: ${n}`);
  return out;
}

/** `example.com: mode testing -> enforce, max_age 86400 -> 604800 (id a -> b)` then `- mx:` / `+ mx:` lines. */
export function policyLines(c: PolicyChange): { head: string; mx: string[] } {
  const { before: b, after: a } = c;
  if (!b && a)
    return {
      head: `${c.domain}: new policy: mode ${a.mode}, max_age ${a.maxAge} (id ${a.id})`,
      mx: a.mx.map((m) => `+ mx: ${m}`),
    };
  if (b && !a)
    return {
      head: `${c.domain}: policy removed (was mode ${b.mode}, max_age ${b.maxAge}, id ${b.id})`,
      mx: b.mx.map((m) => `- mx: ${m}`),
    };
  if (!a || !b) return { head: `${c.domain}: no policy`, mx: [] };
  const words: string[] = [];
  if (b.mode !== a.mode) words.push(`mode ${b.mode} -> ${a.mode}`);
  if (b.maxAge !== a.maxAge) words.push(`max_age ${b.maxAge} -> ${a.maxAge}`);
  const removed = b.mx.filter((m) => !a.mx.includes(m));
  const added = a.mx.filter((m) => !b.mx.includes(m));
  if (removed.length + added.length > 0 && words.length === 0) words.push("mx changed");
  const id = b.id === a.id ? "" : `(id ${b.id} -> ${a.id})`;
  return {
    head: `${c.domain}: ${[words.join(", "), id].filter(Boolean).join(" ")}`,
    mx: [...removed.map((m) => `- mx: ${m}`), ...added.map((m) => `+ mx: ${m}`)],
  };
}

function fieldWords(c: RecordChange): string {
  const { before: b, after: a } = c;
  return c.fields
    .map((f) => {
      if (f === "ttl") return `ttl ${b.ttl} -> ${a.ttl}`;
      if (f === "zone") return `zone ${b.zone ?? "none"} -> ${a.zone ?? "none"}`;
      if (f === "provider") return `provider ${b.provider} -> ${a.provider}`;
      if (f === "adopt")
        return a.adopt
          ? `${TAKES_OVER} (adopt turned on)`
          : `no longer ${TAKES_OVER} (adopt turned off)`;
      return "value";
    })
    .join(", ");
}

/** Diff-style lines: `+`/`-` zone-file lines, and for a change a `~` line in words then old and new. */
export function recordLines(records: PlanDiff["records"]): string[] {
  const out: string[] = [];
  for (const r of records.added)
    out.push(
      `+ ${zoneLine(r)} ; ${r.purpose}; ${where(r, "add")}${r.adopt ? `; ${TAKES_OVER}` : ""}`,
    );
  for (const r of records.removed)
    out.push(`- ${zoneLine(r)} ; ${r.purpose}; ${where(r, "remove")}`);
  for (const c of records.changed) {
    out.push(`~ ${recordLabel(c.after)}: ${fieldWords(c)}`);
    out.push(
      `- ${zoneLine(c.before)} ; ${where(c.before, "change")}`,
      `+ ${zoneLine(c.after)} ; ${where(c.after, "change")}`,
    );
  }
  return out;
}

const owner = (r: ResourceRef) =>
  r.domain ? ` (${r.domain})` : r.group ? ` (group ${r.group})` : "";

export const replaceLines = (diff: PlanDiff) =>
  diff.resources.replace.map((r) => `replace ${r.type} ${r.name}${owner(r)}: ${r.reason}`);

export function resourceChangeLines(diff: PlanDiff): string[] {
  const s = diff.resources;
  return [
    ...s.create.map((r) => `create ${r.type} ${r.name}${owner(r)}`),
    ...s.update.map((r) => `update ${r.type} ${r.name}${owner(r)}: ${r.inputs.join(", ")}`),
    ...s.delete.map((r) => `delete ${r.type} ${r.name}${owner(r)}`),
  ];
}

/** The diff as text, first in `mtasts plan` output. */
export function diffTextLines(diff: PlanDiff, stackFile = "the stack file"): string[] {
  const out = headLines(diff, stackFile);
  if (diff.policies.length > 0) {
    out.push("", "Policies:");
    for (const c of diff.policies) {
      const p = policyLines(c);
      out.push(`  ${p.head}`, ...p.mx.map((m) => `    ${m}`));
    }
  }
  const records = recordLines(diff.records);
  if (records.length > 0) out.push("", "DNS records:", ...records.map((l) => `  ${l}`));
  if (diff.resources.replace.length > 0)
    out.push("", "Resources replaced:", ...replaceLines(diff).map((l) => `  ${l}`));
  const others = resourceChangeLines(diff);
  if (others.length > 0)
    out.push("", "Resources created, updated, deleted:", ...others.map((l) => `  ${l}`));
  return out;
}
