// Preview-time unknowns as @pulumi/policy represents them. Its proxy throws UnknownValueError
// on access; the SDK reports that as "can't run during preview" (advisory), and so do we.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module without typings
const proxy = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(o: T): T;
  UnknownValueError: new (...args: unknown[]) => Error;
  unknownStringValue: string;
};

export const unknownCheckingProxy = proxy.unknownCheckingProxy;
export const UNKNOWN_STRING = proxy.unknownStringValue;
export const isUnknownValue = (err: unknown): err is Error =>
  err instanceof proxy.UnknownValueError;
