import os from "node:os";
import { acquireRelease } from "./acquireRelease.js";
import { agentLog } from "./agentLog.js";
import { clientCost } from "./clientCost.js";
import { e2eEmbedded } from "./e2eEmbedded.js";
import { failover } from "./failover.js";
import { handoff } from "./handoff.js";
import { healthCheckOverhead } from "./healthCheckOverhead.js";
import { hybrid } from "./hybrid.js";
import { installCost } from "./installCost.js";
import { latency } from "./latency.js";
import { live } from "./live.js";
import type { Row } from "./measure.js";
import { memory } from "./memory.js";
import { multiplex } from "./multiplex.js";
import { retrySuccess } from "./retrySuccess.js";
import { reuse } from "./reuse.js";
import { saturationRecovery } from "./saturationRecovery.js";
import { scalability } from "./scalability.js";
import { sustained } from "./sustained.js";
import { transactionBench } from "./transaction.js";
import { users } from "./users.js";

const args = new Set(process.argv.slice(2));
const json = args.has("--json");
const quick = args.has("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);

const benches: Record<string, (quick: boolean) => Promise<Row[]>> = {
  "acquire-release": acquireRelease,
  handoff,
  "e2e-embedded": e2eEmbedded,
  "agent-log": agentLog,
  sustained,
  reuse,
  "retry-success": retrySuccess,
  "saturation-recovery": saturationRecovery,
  "health-check-overhead": healthCheckOverhead,
  failover,
  scalability,
  memory,
  latency,
  hybrid,
  live,
  multiplex,
  "install-cost": installCost,
  transaction: transactionBench,
  "client-cost": clientCost,
  users,
};

/**
 * Left out of `--quick` unless asked for by name: install-cost packs the tarball and runs two fresh
 * `npm install`s (~80 s), and measures the package, not the pool.
 */
const SLOW_IN_QUICK = new Set(["install-cost"]);

if (!json) {
  console.log(
    `surreal-pool bench ${new Date().toISOString().slice(0, 10)} | node ${process.version} | ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"} | load average ${loadAverage()} | ${quick ? "quick" : "full"}`,
  );
}

/** The 1-, 5- and 15-minute load averages: a loaded machine slows throughput, and moves CPU per op less. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

/** Client CPU per operation beside throughput, where the row measured it. */
function cpuColumn(row: Row): string {
  if (typeof row.cpuUsPerOp !== "number") return "";
  if (typeof row.cpuRatio !== "number") return `  cpu ${row.cpuUsPerOp} µs/op`;
  const js = typeof row.jsThreadRatio === "number" ? `, JS thread ${row.jsThreadRatio}` : "";
  const range = Array.isArray(row.cpuRatioRange) ? ` (rounds ${row.cpuRatioRange.join("–")})` : "";
  return `  cpu ${row.cpuUsPerOp} vs ${row.baselineCpuUsPerOp} µs/op ratio ${row.cpuRatio}${range}${js}`;
}

/** p99 latency beside throughput, where the row measured it; and the row's note, where it has one. */
function p99AndNote(row: Row): string {
  const p99 = typeof row.p99Ms === "number" ? `  p99 ${row.p99Ms} vs ${row.baselineP99Ms} ms` : "";
  return typeof row.note === "string" ? `${p99}  (${row.note})` : p99;
}
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  if (quick && !only && SLOW_IN_QUICK.has(name)) {
    console.error(`# ${name}: skipped by --quick (run it with --only=${name})`);
    continue;
  }
  const started = performance.now();
  let rows: Row[];
  try {
    rows = await run(quick);
  } catch (error) {
    // One bench failing does not hide the others' rows: it is reported, and the run exits non-zero.
    console.error(`# ${name}: FAILED: ${(error as Error)?.stack ?? error}`);
    process.exitCode = 1;
    continue;
  }
  // How long each bench took, on stderr: the rows on stdout stay one per line (and JSON with --json).
  console.error(
    `# ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s, load average ${loadAverage()}`,
  );
  for (const row of rows) {
    if (json) console.log(JSON.stringify(row));
    else {
      const target = row.target ? `  target ${row.target}: ${row.met ? "met" : "NOT met"}` : "";
      console.log(
        `${row.bench.padEnd(22)} ${row.subject} ${row.subjectValue} ${row.unit} vs ${row.baseline} ${row.baselineValue} ${row.unit}  ratio ${row.ratio}${cpuColumn(row)}${p99AndNote(row)}${target}`,
      );
    }
  }
}
// No process.exit(): the bench ends when the last pool it used has shut down, so a row that leaves
// something running shows up as a bench that does not end.
