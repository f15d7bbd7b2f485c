// Runs a TypeScript script as its own process (tsx) and times how long it takes to exit by itself after it
// prints a line starting with `marker` (its `{"shutdown"...}` line). Bounded either way: a child that hangs
// is killed, and reported as not having exited in time (`exitAfterMs` past the bound, `signal` SIGKILL).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface ExitOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the marker line to the exit; undefined when the marker never came. */
  exitAfterMs: number | undefined;
  /** The marker line, parsed. */
  report: Record<string, unknown> | undefined;
  /** The last of stdout and stderr (without the engine's debug dump), for messages. */
  output: string;
}

export interface RunOptions {
  marker?: string;
  /** The child's own work may take this long before it is killed. */
  workMs: number;
  /** Once the marker came: killed when still alive this long after (the bound checked, plus room). */
  exitMs: number;
}

/** Lines of the engine's change-feed debug dump (bytes and brackets): they say nothing here. */
const DUMP_LINE = /to_be_bytes|^\s*\d*,?\s*$|^\s*\]\s*$/;

export function runUntilExit(script: string, args: string[], options: RunOptions): Promise<ExitOutcome> {
  const marker = options.marker ?? '{"shutdown"';
  const child = spawn(process.execPath, ["--import", TSX_LOADER, script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  // stdout is read on its own: a stderr chunk between two stdout chunks would split the marker's line.
  let stdout = "";
  let output = "";
  let markedAt: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    output = (output + chunk.toString("utf8")).slice(-6_000);
    if (markedAt === undefined && stdout.includes(marker)) markedAt = performance.now();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    const text = chunk
      .toString("utf8")
      .split("\n")
      .filter((line) => !DUMP_LINE.test(line))
      .join("\n");
    output = (output + text).slice(-6_000);
  });
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), options.workMs);
    const watchdog = setInterval(() => {
      if (markedAt !== undefined && performance.now() - markedAt > options.exitMs + 5_000)
        child.kill("SIGKILL");
    }, 200);
    child.once("exit", (code, signal) => {
      clearTimeout(killer);
      clearInterval(watchdog);
      const line = stdout.split("\n").find((l) => l.startsWith(marker));
      resolve({
        code,
        signal,
        exitAfterMs: markedAt === undefined ? undefined : performance.now() - markedAt,
        report: line ? (JSON.parse(line) as Record<string, unknown>) : undefined,
        output,
      });
    });
  });
}
