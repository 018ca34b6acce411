// What the CLI does differently on a terminal: colour (only on a TTY, never with NO_COLOR) and a
// progress line on stderr for long work (on a TTY, or when asked), so pipes and CI logs stay plain.

interface Stream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** https://no-color.org: NO_COLOR set to anything non-empty turns colour off; FORCE_COLOR (not 0) turns it on. */
export function colourEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0";
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Bold red on a colour terminal, the text as it is otherwise. */
export function errorStyle(
  text: string,
  stream: Stream,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return colourEnabled(stream, env) ? `\x1b[1;31m${text}\x1b[0m` : text;
}

export interface Progress {
  /** Ends the progress line (cleared on a terminal) before the command prints its result. */
  stop(): void;
}

// Runs in a worker thread and writes with writeSync: the plan keeps the main thread's event loop
// busy with promise callbacks for its whole run, so a timer there would never fire.
const WORKER = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const { fd, tty, label, started, delayMs, everyMs, shared } = workerData;
const state = new Int32Array(shared); // [0]: 0 idle, 1 writing, 2 stopped; [1]: 1 once something is shown
const tick = () => {
  if (Atomics.compareExchange(state, 0, 0, 1) !== 0) return process.exit(0);
  const line = label + " (" + Math.round((Date.now() - started) / 1000) + " s)";
  try {
    fs.writeSync(fd, tty ? "\\r\\x1b[K" + line : line + "\\n");
    Atomics.store(state, 1, 1);
  } catch {}
  Atomics.store(state, 0, 0);
};
setTimeout(() => {
  tick();
  setInterval(tick, everyMs);
}, delayMs);
`;

/**
 * After `delayMs` of work, says on stderr what is going on and for how long: rewritten in place on
 * a terminal (every second), one line every `everyMs` otherwise (only when asked, e.g. --progress
 * in a CI log). Quick work prints nothing. The first write anyone else makes to one of `outputs`
 * (the command's result, an error) stops it, so a half-drawn line never runs into the output.
 */
export function startProgress(
  label: () => string,
  opts: {
    asked?: boolean;
    delayMs?: number;
    everyMs?: number;
    outputs?: Stream[];
    stream?: NodeJS.WriteStream & { fd: number };
  } = {},
): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  if (!tty && !opts.asked) return { stop() {} };
  const shared = new SharedArrayBuffer(8);
  const state = new Int32Array(shared);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only loaded when a progress line can show
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      fd: stream.fd,
      tty,
      label: label(),
      started: Date.now(),
      delayMs: opts.delayMs ?? 2000,
      everyMs: tty ? 1000 : (opts.everyMs ?? 10_000),
      shared,
    },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  let stopped = false;
  const patched = (opts.outputs ?? []).map((out) => {
    const own = Object.prototype.hasOwnProperty.call(out, "write");
    const original = out.write;
    (out as { write: Stream["write"] }).write = function (this: Stream, ...args: unknown[]) {
      stop();
      return (out.write as (...a: unknown[]) => unknown).apply(this, args);
    };
    return () => {
      if (own) (out as { write: Stream["write"] }).write = original;
      else delete (out as { write?: Stream["write"] }).write;
    };
  });
  function stop() {
    if (stopped) return;
    stopped = true;
    for (const restore of patched) restore();
    // Wait out a write in progress (microseconds), then no more: the worker sees 2 and ends.
    while (Atomics.compareExchange(state, 0, 0, 2) === 1);
    if (tty && Atomics.load(state, 1) === 1) stream.write("\r\x1b[K");
    void worker.terminate();
  }
  return { stop };
}
