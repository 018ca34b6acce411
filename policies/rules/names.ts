// The name a resource will have in the cloud, and how long it will be, before the provider
// makes it: explicit, a Terraform-style prefix, or Pulumi's autoname from the logical name.

/** Pulumi autonaming appends "-" and 7 random hex characters to the logical name. */
// https://www.pulumi.com/docs/iac/concepts/resources/names/ (autonaming: logical name + random suffix)
export const AUTONAME_SUFFIX = 8;
/** The AWS provider's `namePrefix`/`bucketPrefix` append a 26-character unique id. */
// https://registry.terraform.io/providers/hashicorp/aws/latest/docs (name_prefix: "Creates a unique name beginning with the specified prefix")
export const PREFIX_SUFFIX = 26;

export interface PhysicalName {
  readonly kind: "explicit" | "prefix" | "autonamed";
  /** The name, the prefix, or the logical name the autoname starts with. */
  readonly value: string;
  /** The length of the name the provider will send. */
  readonly length: number;
}

/**
 * The physical name of a resource from its inputs: `props[field]` when set, else
 * `props[prefixField]` + 26 characters, else the logical name + 8 characters.
 * `transform` is what the provider does to an autoname (S3 lowercases it).
 */
export function physicalName(
  r: { readonly name: string; readonly props: Record<string, any> },
  field: string,
  opts: { prefixField?: string; transform?: (s: string) => string } = {},
): PhysicalName {
  const explicit = r.props[field];
  if (typeof explicit === "string")
    return { kind: "explicit", value: explicit, length: explicit.length };
  const prefix = opts.prefixField ? r.props[opts.prefixField] : undefined;
  if (typeof prefix === "string")
    return { kind: "prefix", value: prefix, length: prefix.length + PREFIX_SUFFIX };
  const value = (opts.transform ?? ((s: string) => s))(r.name);
  return { kind: "autonamed", value, length: value.length + AUTONAME_SUFFIX };
}

/** "x is 70 characters (the limit is 64)", saying where the length comes from. */
export function describeLength(n: PhysicalName, what: string, limit: number): string {
  const how =
    n.kind === "explicit"
      ? `${what} "${n.value}" is ${n.length} characters`
      : n.kind === "prefix"
        ? `${what} prefix "${n.value}" + the provider's ${PREFIX_SUFFIX}-character suffix is ${n.length} characters`
        : `${what} autonamed from "${n.value}" + Pulumi's ${AUTONAME_SUFFIX}-character suffix is ${n.length} characters`;
  return `${how} (the limit is ${limit})`;
}
