// The hybrid manager's LOCAL store for tests: the same real endpoint as test/support (endpointServer.ts,
// a child process), started with its stderr discarded instead of piped.
//
// Why not startEndpoint(): hybrid mode turns on the change feed of the local store, and SurrealDB 3.0.2
// then prints a ~10-line debug dump to stderr on every commit. An endpoint whose stderr is a pipe that
// the test process reads late can fill it, and the engine then aborts (SIGABRT) on the failed write
// (see src/surreal/blockingStderr.ts). Remotes have no change feed, so startEndpoint() is fine for them.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { track } from "../support/childReaper.js";

const SERVER = fileURLToPath(new URL("../support/endpointServer.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface LocalEndpoint {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalEndpoint(store = "mem://", timeoutMs = 10_000): Promise<LocalEndpoint> {
  const child = spawn(
    process.execPath,
    ["--import", TSX_LOADER, SERVER, "--port", "0", "--store", store, "--exit-on-stdin-end"],
    { stdio: ["pipe", "pipe", "ignore"] },
  );
  track(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`local endpoint did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /^READY (\d+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local endpoint exited before READY (code ${code})`));
    });
  });
  child.stdout!.resume(); // keep draining stdout
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
