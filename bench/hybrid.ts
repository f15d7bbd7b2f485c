import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startEndpoint } from "../test/support/endpoint.js";
import { type Row, ratioRow, round } from "./measure.js";

const WORKER = fileURLToPath(new URL("./hybridWorker.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

interface Figures {
  workers: number;
  localWritesPerS: number;
  remoteWritesPerS: number;
  shippedRecords: number;
  shipMs: number;
  syncRecordsPerS: number;
  steady: {
    rate: number;
    intervalMs: number;
    records: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
  };
}

/**
 * Hybrid mode against one real remote endpoint on loopback (a child process of test/support): local
 * writes (embedded mem:// store) vs the same writes through a remote-only pool to that endpoint; how
 * fast one syncNow() ships what was written; and replication lag under a steady paced load. Measured in
 * a child process whose stderr is discarded, because the embedded engine prints a debug dump on every
 * change-feed commit (SurrealDB 3.0.2).
 */
export async function hybrid(quick: boolean): Promise<Row[]> {
  const endpoint = await startEndpoint();
  try {
    const f = await measure(endpoint.url, quick);
    const extra = { workers: f.workers };
    return [
      ratioRow({
        bench: "hybrid",
        baseline: "remote-only pool",
        unit: "writes/s",
        subjectValue: f.localWritesPerS,
        baselineValue: f.remoteWritesPerS,
        extra: { ...extra, what: "local writes in hybrid mode vs the same writes to the remote" },
      }),
      ratioRow({
        bench: "hybrid",
        baseline: "remote-only pool",
        unit: "records/s",
        subjectValue: f.syncRecordsPerS,
        baselineValue: f.remoteWritesPerS,
        extra: {
          ...extra,
          what: "sync throughput (one syncNow of the backlog) vs writing them one by one to the remote",
          shippedRecords: f.shippedRecords,
          shipMs: round(f.shipMs),
        },
      }),
      ratioRow({
        bench: "hybrid",
        baseline: "syncIntervalMs",
        unit: "ms",
        subjectValue: f.steady.lagP50Ms,
        baselineValue: f.steady.intervalMs,
        extra: {
          what: `replication lag p50 at a steady ${f.steady.rate} writes/s`,
          lagP99Ms: round(f.steady.lagP99Ms),
          lagMaxMs: round(f.steady.lagMaxMs),
          records: f.steady.records,
        },
      }),
    ];
  } finally {
    await endpoint.stop();
  }
}

function measure(remote: string, quick: boolean): Promise<Figures> {
  const args = ["--import", TSX_LOADER, WORKER, "--remote", remote, ...(quick ? ["--quick"] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as Figures);
      else
        reject(new Error(`hybrid bench worker failed (code ${code}, signal ${signal}): ${out.slice(-500)}`));
    });
  });
}
