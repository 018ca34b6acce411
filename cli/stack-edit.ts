// Edits of a stack file that a reviewer can read as a one-line diff: the YAML is parsed only
// to find where a value sits (its source range), and the text is changed there, so comments,
// quoting and flow style stay byte for byte.
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { toALabels } from "../protocol/dns-name";

/** Sets keys of one domain's entry in mta-sts:domains; missing keys go under its `domain:` line. */
export function setDomainKeys(
  text: string,
  domain: string,
  values: Record<string, string | number | boolean>,
): string {
  let out = text;
  // One key at a time, re-parsing, so each edit's ranges are current.
  for (const [key, value] of Object.entries(values)) {
    const doc = parseDocument(out);
    const domains = doc.getIn(["config", "mta-sts:domains"], true);
    if (!isSeq(domains)) throw new Error("mta-sts:domains is not a list");
    const item = domains.items.find(
      (i) =>
        isMap(i) &&
        typeof i.get("domain") === "string" &&
        toALabels(i.get("domain") as string) === domain,
    );
    if (!isMap(item)) throw new Error(`${domain} not found in mta-sts:domains`);
    const node = item.get(key, true);
    const rendered =
      typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `"${value}"` : String(value);
    if (isScalar(node) && node.range) {
      out = `${out.slice(0, node.range[0])}${rendered}${out.slice(node.range[1])}`;
      continue;
    }
    const domainKey = item.items.find((p) => isScalar(p.key) && p.key.value === "domain")?.key;
    if (!isScalar(domainKey) || !domainKey.range || item.flow)
      throw new Error(`${domain}: entry is not in block style; edit it by hand`);
    const lineStart = out.lastIndexOf("\n", domainKey.range[0]) + 1;
    const indent = " ".repeat(domainKey.range[0] - lineStart);
    const lineEnd = out.indexOf("\n", domainKey.range[0]);
    const at = lineEnd === -1 ? out.length : lineEnd + 1;
    out = `${out.slice(0, at)}${indent}${key}: ${rendered}\n${out.slice(at)}`;
  }
  return out;
}

export const setEnforce = (text: string, domain: string) =>
  setDomainKeys(text, domain, { mode: "enforce" });
