// Runs a TypeScript script (with tsx) as its own process that reports one JSON object per stdout line:
// the tests that SIGKILL a client process, or check that it exits by itself, drive it through this.
// stderr (the engine's debug dumps, among others) is drained and kept only for error messages.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { track } from "./childReaper.js";

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export type JsonLine = Record<string, unknown>;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  at: number;
}

export class JsonLinesChild {
  readonly lines: JsonLine[] = [];
  readonly exited: Promise<ChildExit>;
  #stderr = "";
  #waiters: Array<{ match: (line: JsonLine) => boolean; resolve: (line: JsonLine) => void }> = [];

  constructor(readonly child: ChildProcess) {
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        const text = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (!text.trim().startsWith("{")) continue; // not ours (a stray print)
        const line = JSON.parse(text) as JsonLine;
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.match(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString("utf8")).slice(-16_384);
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The first line (already seen or to come) that matches, within `timeoutMs`. */
  waitFor(match: (line: JsonLine) => boolean, timeoutMs = 20_000): Promise<JsonLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) =>
        reject(
          new Error(
            `child ${why}; last lines ${JSON.stringify(this.lines.slice(-5))}\n${this.#stderr.slice(-3_000)}`,
          ),
        );
      const timer = setTimeout(() => fail(`printed no matching line within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((exit) =>
        setTimeout(() => {
          clearTimeout(timer);
          fail(`exited (code ${exit.code}, signal ${exit.signal}) first`);
        }, 100),
      );
    });
  }

  /** Writes one line to the child's stdin. */
  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<ChildExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    return this.exited;
  }
}

/** Starts `script` with `args`. Its stdin stays open (a pipe) so it can tell when this process dies. */
export function spawnJsonLinesChild(script: string, args: string[]): JsonLinesChild {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  track(child);
  return new JsonLinesChild(child);
}
