// The local receiver's data directory is a LevelDB store (through dynalite), which one process
// holds at a time. A second opener does not fail where it opens: dynalite throws "Database is
// closed" later, inside its request handler, as an uncaught exception. So look first, and turn
// that late exception into the same one line should it come anyway.
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandFailure } from "./errors";

/** Why the directory cannot be opened, and the fix, for `command`. */
export function heldMessage(dir: string, command: "receive" | "report" | "promote"): string {
  const fix =
    command === "receive"
      ? "stop it first (Ctrl-C where it runs), or give this receiver another --data directory"
      : "stop it first (Ctrl-C where it runs), then run this again";
  return `${dir} is in use by another process (an mtasts receive --local running on it?); ${fix}`;
}

/** Throws CommandFailure when another process holds the LevelDB lock of `dir`'s DynamoDB data. */
export async function assertDataDirFree(
  dir: string,
  command: "receive" | "report" | "promote",
): Promise<void> {
  const db = path.join(dir, "dynamodb");
  if (!fs.existsSync(path.join(db, "LOCK"))) return; // no store yet: nobody holds it
  let Level: new (
    location: string,
    options: object,
  ) => { open(): Promise<void>; close(): Promise<void> };
  try {
    // dynalite's own copy of level, so the probe opens the store exactly as dynalite will.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, found beside dynalite
    ({ Level } = require(
      require.resolve("level", { paths: [path.dirname(require.resolve("dynalite"))] }),
    ));
  } catch {
    return; // local mode not installed: startAwsLocal says which package is missing
  }
  const store = new Level(db, { createIfMissing: false });
  try {
    await store.open();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED")
      throw new CommandFailure(heldMessage(dir, command));
    return; // something else: dynalite reports it in its own words
  }
  await store.close();
}

/**
 * Runs `work` with dynalite's late "Database is closed" (another process took the store between the
 * check and the open) turned into the one-line message and exit status 1 instead of a trace.
 */
export async function withDataDir<T>(
  dir: string,
  command: "receive" | "report" | "promote",
  work: () => Promise<T>,
): Promise<T> {
  await assertDataDirFree(dir, command);
  const late = (err: Error) => {
    // A listener replaces Node's own crash for every error, so the others end as main() ends them.
    process.stderr.write(
      `mtasts ${command}: ${err?.message === "Database is closed" ? heldMessage(dir, command) : (err?.stack ?? String(err))}\n`,
    );
    process.exit(1);
  };
  process.on("uncaughtException", late);
  try {
    return await work();
  } finally {
    process.off("uncaughtException", late);
  }
}
