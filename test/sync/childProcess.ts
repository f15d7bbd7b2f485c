// Runs test/sync/hybridChild.ts as its own process (as test/support/endpoint.ts runs its servers) and
// reads its JSON lines. stderr (the engine's debug dumps) is drained and kept only for error messages.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { track } from "../support/childReaper.js";

const SCRIPT = fileURLToPath(new URL("./hybridChild.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export type ChildLine = Record<string, unknown>;

export class HybridChild {
  readonly lines: ChildLine[] = [];
  readonly exited: Promise<number | null>;
  #stderr = "";
  #waiters: Array<{ match: (line: ChildLine) => boolean; resolve: (line: ChildLine) => void }> = [];

  constructor(readonly child: ChildProcess) {
    let buffered = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        const text = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (!text.trim()) continue;
        const line = JSON.parse(text) as ChildLine;
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.match(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString("utf8")).slice(-8_192);
    });
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** The first line (already seen or to come) that matches, within `timeoutMs`. */
  waitFor(match: (line: ChildLine) => boolean, timeoutMs = 20_000): Promise<ChildLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `child: no matching line within ${timeoutMs} ms; got ${JSON.stringify(this.lines)}\n${this.#stderr.slice(-2_000)}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then((code) =>
        setTimeout(
          () => reject(new Error(`child exited (${code}) first; got ${JSON.stringify(this.lines)}`)),
          100,
        ),
      );
    });
  }

  kill(): Promise<number | null> {
    this.child.kill("SIGKILL");
    return this.exited;
  }
}

export function spawnHybridChild(args: string[]): HybridChild {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, SCRIPT, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  track(child);
  return new HybridChild(child);
}
