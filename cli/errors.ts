// Errors a person can act on, printed by cli/main.ts as one line without a stack trace:
// UsageError (how the command was called: exit 2) and CommandFailure (the work failed: exit 1).
// A module of its own, so that main.ts can tell them apart without loading any command.

/** An unknown option value, a stack that does not exist, a bad date: exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The command could not do its work for a reason the message states with its fix (a port in use): exit status 1. */
export class CommandFailure extends Error {
  override name = "CommandFailure";
}
