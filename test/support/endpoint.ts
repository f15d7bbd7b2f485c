// Starts real SurrealDB RPC endpoints (test/support/endpointServer.ts) as child processes on 127.0.0.1.
//
//   const ep = await startEndpoint({ store: `surrealkv://${dir}` });
//   const db = await connectWs(ep.url, { auth: { username: ep.username, password: ep.password } });
//   await ep.kill();     // crash (SIGKILL)
//   await ep.restart();  // same port, same directory
//   await ep.stop();     // graceful (SIGTERM)
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { track } from "./childReaper.js";

export type StoreUrl = "mem://" | `surrealkv://${string}`;

export interface StartEndpointOptions {
  /** Default `mem://` (empty on every start). `surrealkv://DIR` keeps data across kill/restart. */
  store?: StoreUrl;
  /** Default 0: the child picks a free port, then keeps it across restarts. */
  port?: number;
  /** Root user defined at first start. Default root/root. */
  username?: string;
  password?: string;
  /** Let sessions that never signed in touch data (a server's guest access). Default false. */
  allowGuests?: boolean;
  /** How long a start may take before the child is killed and the start rejects. Default 10 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it SIGKILLs. Default 5 s. */
  stopTimeoutMs?: number;
}

const SERVER_SCRIPT = fileURLToPath(new URL("./endpointServer.ts", import.meta.url));
// An absolute URL for `--import`, so the child does not depend on its cwd to find tsx.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const LOG_LIMIT = 32 * 1024;
const KILL_TIMEOUT_MS = 5_000;

interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

export class EndpointHandle {
  readonly store: StoreUrl;
  readonly username: string;
  readonly password: string;
  #options: StartEndpointOptions;
  #current: Started;
  #port: number;
  /** Output of earlier runs (before restarts), then the live tail of the current child. */
  #earlierLog = "";
  #logSource: () => string;

  private constructor(options: StartEndpointOptions, started: Started, log: () => string) {
    this.#options = options;
    this.store = options.store ?? "mem://";
    this.username = options.username ?? "root";
    this.password = options.password ?? "root";
    this.#current = started;
    this.#port = started.port;
    this.#logSource = log;
  }

  /** @internal */
  static async start(options: StartEndpointOptions): Promise<EndpointHandle> {
    const { started, log } = await spawnEndpoint(options, options.port ?? 0);
    return new EndpointHandle(options, started, log);
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
    await within(this.#current.exited, KILL_TIMEOUT_MS, `endpoint pid ${this.pid} did not die on SIGKILL`);
  }

  /** SIGTERM: graceful stop (sockets get close 1001, the store is flushed); SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#current.child.kill("SIGTERM");
    try {
      await within(this.#current.exited, this.#options.stopTimeoutMs ?? 5_000, "slow stop");
    } catch {
      await this.kill();
    }
  }

  /** Stops (gracefully) if running, then starts again on the same port with the same store. */
  async restart(): Promise<void> {
    await this.stop();
    this.#earlierLog = this.log;
    const { started, log } = await spawnEndpoint(this.#options, this.#port);
    this.#current = started;
    this.#logSource = log;
  }
}

export function startEndpoint(options: StartEndpointOptions = {}): Promise<EndpointHandle> {
  return EndpointHandle.start(options);
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function spawnEndpoint(
  options: StartEndpointOptions,
  port: number,
): Promise<{ started: Started; log: () => string }> {
  const args = [
    "--import",
    TSX_LOADER,
    SERVER_SCRIPT,
    "--port",
    String(port),
    "--store",
    options.store ?? "mem://",
    "--user",
    options.username ?? "root",
    "--pass",
    options.password ?? "root",
  ];
  if (options.allowGuests) args.push("--allow-guests");
  // stdin carries nothing: it is held open so the child sees EOF, and stops, when this process dies.
  args.push("--exit-on-stdin-end");
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

  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const readyPort = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => finish(new Error(`endpoint did not print READY within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      append(chunk);
      stdout += chunk.toString("utf8");
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`endpoint exited before READY (code ${code}, signal ${signal})`));
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
      reject(
        new Error(
          `${err?.message}; port ${port}, store ${options.store ?? "mem://"}\n--- child output ---\n${log}`,
        ),
      );
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
