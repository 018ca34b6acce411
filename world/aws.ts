// The stack's AWS identity for SDK clients outside the Pulumi engine (mtasts preflight, the world
// edge): the same region, profile and role chain as the stack's aws:* config gives `pulumi up`.
import { fromIni, fromTemporaryCredentials } from "@aws-sdk/credential-providers";

/** A credential provider as the SDK clients take it (the type of the credential-providers' results). */
export type AwsCredentialProvider = ReturnType<typeof fromIni>;

/** What every SDK v3 client constructor accepts: spread it into `new XClient({ ...config })`. */
export interface AwsClientConfig {
  /** aws:region, else AWS_REGION / AWS_DEFAULT_REGION (as the provider reads them); undefined when none. */
  readonly region: string | undefined;
  /** Absent when the stack sets none of aws:profile, aws:assumeRoles, aws:assumeRole: the SDK's default chain, as the provider uses. */
  readonly credentials?: AwsCredentialProvider;
}

/** One role of aws:assumeRoles (v7: a list, assumed in order) or aws:assumeRole (v6: one). */
export interface AssumeRoleConfig {
  readonly roleArn: string;
  readonly sessionName?: string;
  readonly externalId?: string;
  readonly durationSeconds?: number;
}

const SECRET = "[secret: not decrypted offline]";

function plain(key: string, value: string | undefined): string | undefined {
  if (value === SECRET)
    throw new Error(
      `${key} is a secret, which only the Pulumi CLI can decrypt; set it in plain text or use the environment (AWS_PROFILE, ...)`,
    );
  return value === undefined || value === "" ? undefined : value;
}

/** "1h", "15m", "900s", "1h30m" (the provider's duration strings) -> seconds. */
function durationSeconds(key: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number") return value;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(value));
  if (!m || m[0] === "")
    throw new Error(`${key}: "${String(value)}" is not a duration such as 1h, 15m or 900s`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function roleFrom(key: string, raw: unknown): AssumeRoleConfig {
  if (typeof raw !== "object" || raw === null)
    throw new Error(`${key} must be an object with a roleArn`);
  const r = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = r[k];
    if (v !== null && typeof v === "object" && "secure" in v)
      throw new Error(
        `${key}.${k} is a secret, which only the Pulumi CLI can decrypt; set it in plain text`,
      );
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const roleArn = str("roleArn");
  if (!roleArn) throw new Error(`${key}.roleArn is missing; give the ARN of the role to assume`);
  return {
    roleArn,
    sessionName: str("sessionName"),
    externalId: str("externalId"),
    durationSeconds: durationSeconds(`${key}.duration`, r.duration ?? r.durationSeconds),
  };
}

/** The roles to assume, in order: aws:assumeRoles when set, else aws:assumeRole. */
export function stackAssumeRoles(stackConfig: Record<string, string>): AssumeRoleConfig[] {
  const parse = (key: string): unknown => {
    const text = plain(key, stackConfig[key]);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${key} is not a list or object of roles (roleArn, sessionName, externalId)`);
    }
  };
  const many = parse("aws:assumeRoles");
  if (many !== undefined) {
    if (!Array.isArray(many))
      throw new Error("aws:assumeRoles must be a list of roles (roleArn, sessionName, externalId)");
    return many.map((r, i) => roleFrom(`aws:assumeRoles[${i}]`, r));
  }
  const one = parse("aws:assumeRole");
  return one === undefined ? [] : [roleFrom("aws:assumeRole", one)];
}

/**
 * Region and credentials from the stack's config map (cli/stack-file.ts): aws:profile through the
 * shared files (aws:sharedCredentialsFiles / aws:sharedConfigFiles when given), then each role of
 * aws:assumeRoles assumed with the credentials before it. Throws on a value it cannot use (a secret,
 * a role without roleArn), naming the key.
 */
export function awsClientConfig(
  stackConfig: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  const region =
    plain("aws:region", stackConfig["aws:region"]) ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined);
  const profile = plain("aws:profile", stackConfig["aws:profile"]);
  const firstFile = (key: string): string | undefined => {
    const text = plain(key, stackConfig[key]);
    if (text === undefined) return undefined;
    try {
      const files = JSON.parse(text) as unknown;
      return Array.isArray(files) && typeof files[0] === "string" ? files[0] : undefined;
    } catch {
      return text;
    }
  };
  const filepath = firstFile("aws:sharedCredentialsFiles");
  const configFilepath = firstFile("aws:sharedConfigFiles");

  let credentials: AwsCredentialProvider | undefined =
    profile || filepath || configFilepath
      ? fromIni({ profile, filepath, configFilepath, clientConfig: { region } })
      : undefined;
  for (const role of stackAssumeRoles(stackConfig)) {
    credentials = fromTemporaryCredentials({
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName,
        ExternalId: role.externalId,
        DurationSeconds: role.durationSeconds,
      },
      masterCredentials: credentials,
      clientConfig: { region },
    });
  }
  return credentials ? { region, credentials } : { region };
}
