// A server run as its own child process on 127.0.0.1 that prints `READY <port>` once it accepts
// connections: the endpoints (endpoint.ts) and the simulated cluster's nodes (cluster.ts) are both
// started, SIGKILLed, stopped and restarted on the same port through this.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { track } from "./childReaper.js";

// An absolute URL for `--import`, so the child does not depend on its cwd to find tsx.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const LOG_LIMIT = 32 * 1024;
const KILL_TIMEOUT_MS = 5_000;

export interface ChildServerSpec {
  /** The TypeScript file the child runs (with tsx). */
  script: string;
  /** Its arguments for a given port (0: the child picks one; restarts pass the port it picked). */
  args: (port: number) => string[];
  /** Named in errors, e.g. "endpoint" or "cluster node". */
  label: string;
  /** Shown in a failed start's error, e.g. the store URL. */
  detail?: string;
  /** How long a start may take before the child is killed and the start rejects. Default 10 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it SIGKILLs. Default 5 s. */
  stopTimeoutMs?: number;
}

/** A spawned child that printed READY. */
export interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

/** A running child server: kill (crash), stop (graceful), restart on the same port, its output. */
export class ChildServer {
  readonly #spec: ChildServerSpec;
  #current: Started;
  #port: number;
  /** Output of earlier runs (before restarts), then the live tail of the current child. */
  #earlierLog = "";
  #logSource: () => string;

  protected constructor(spec: ChildServerSpec, started: Started, log: () => string) {
    this.#spec = spec;
    this.#current = started;
    this.#port = started.port;
    this.#logSource = log;
  }

  /** Spawns the child and waits for its READY line. */
  protected static async spawn(
    spec: ChildServerSpec,
    port: number,
  ): Promise<{ started: Started; log: () => string }> {
    return spawnChildServer(spec, port);
  }

  /** What the SDK connects to. (The SDK appends `/rpc` itself when a ws:// URL lacks it.) */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}/rpc`;
  }
  get port(): number {
    return this.#port;
  }
  get pid(): number {
    return this.#current.child.pid ?? -1;
  }
  get running(): boolean {
    const child = this.#current.child;
    return child.exitCode === null && child.signalCode === null;
  }
  /** The child's stdout and stderr (last 32 KiB), for a failing test's message. */
  get log(): string {
    return (this.#earlierLog + this.#logSource()).slice(-LOG_LIMIT);
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#current.child.kill("SIGKILL");
    await within(
      this.#current.exited,
      KILL_TIMEOUT_MS,
      `${this.#spec.label} pid ${this.pid} did not die on SIGKILL`,
    );
  }

  /** SIGTERM: graceful stop; SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#current.child.kill("SIGTERM");
    try {
      await within(this.#current.exited, this.#spec.stopTimeoutMs ?? 5_000, "slow stop");
    } catch {
      await this.kill();
    }
  }

  /** SIGSTOP: the process freezes with its sockets open (nothing answers, nothing closes). */
  pause(): void {
    if (this.running) this.#current.child.kill("SIGSTOP");
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    if (this.running) this.#current.child.kill("SIGCONT");
  }

  /** Stops (gracefully) if running, then starts again on the same port. */
  async restart(): Promise<void> {
    this.resume();
    await this.stop();
    this.#earlierLog = this.log;
    const { started, log } = await spawnChildServer(this.#spec, this.#port);
    this.#current = started;
    this.#logSource = log;
  }
}

export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function spawnChildServer(
  spec: ChildServerSpec,
  port: number,
): Promise<{ started: Started; log: () => string }> {
  // stdin carries nothing: it is held open so the child sees EOF, and stops, when this process dies.
  const args = ["--import", TSX_LOADER, spec.script, ...spec.args(port), "--exit-on-stdin-end"];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  track(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

  // stderr is kept, not printed: the engine writes debug dumps there (e.g. on SHOW CHANGES) that would flood
  // test output. It is surfaced in the error of a failed start, and via handle.log.
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-LOG_LIMIT);
  };
  child.stderr?.on("data", append);

  const timeoutMs = spec.startTimeoutMs ?? 10_000;
  const readyPort = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => finish(new Error(`${spec.label} did not print READY within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      append(chunk);
      stdout += chunk.toString("utf8");
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`${spec.label} exited before READY (code ${code}, signal ${signal})`));
    const onError = (err: Error) => finish(err);
    function finish(err?: Error, readyOn?: number) {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
      if (readyOn !== undefined) {
        resolve(readyOn);
        return;
      }
      child.kill("SIGKILL");
      const detail = spec.detail ? `, ${spec.detail}` : "";
      reject(new Error(`${err?.message}; port ${port}${detail}\n--- child output ---\n${log}`));
    }
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });

  // Keep draining stdout (a full pipe would block the child), but let this process exit without waiting
  // for the child: the exit hook in childReaper kills it then.
  child.stdout?.on("data", append);
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  (child.stdin as { unref?: () => void } | null)?.unref?.();
  return { started: { child, port: readyPort, exited }, log: () => log };
}
