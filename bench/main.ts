import os from "node:os";
import { acquireRelease } from "./acquireRelease.js";
import { agentLog } from "./agentLog.js";
import { e2eEmbedded } from "./e2eEmbedded.js";
import { failover } from "./failover.js";
import { healthCheckOverhead } from "./healthCheckOverhead.js";
import { hybrid } from "./hybrid.js";
import { latency } from "./latency.js";
import type { Row } from "./measure.js";
import { retrySuccess } from "./retrySuccess.js";
import { reuse } from "./reuse.js";
import { saturationRecovery } from "./saturationRecovery.js";
import { scalability } from "./scalability.js";
import { sustained } from "./sustained.js";

const args = new Set(process.argv.slice(2));
const json = args.has("--json");
const quick = args.has("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);

const benches: Record<string, (quick: boolean) => Promise<Row[]>> = {
  "acquire-release": acquireRelease,
  "e2e-embedded": e2eEmbedded,
  "agent-log": agentLog,
  sustained,
  reuse,
  "retry-success": retrySuccess,
  "saturation-recovery": saturationRecovery,
  "health-check-overhead": healthCheckOverhead,
  failover,
  scalability,
  latency,
  hybrid,
};

if (!json) {
  console.log(
    `surreal-pool bench ${new Date().toISOString().slice(0, 10)} | node ${process.version} | ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"} | ${quick ? "quick" : "full"}`,
  );
}
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  const rows = await run(quick);
  for (const row of rows) {
    if (json) console.log(JSON.stringify(row));
    else {
      const target = row.target ? `  target ${row.target}: ${row.met ? "met" : "NOT met"}` : "";
      console.log(
        `${row.bench.padEnd(22)} ${row.subject} ${row.subjectValue} ${row.unit} vs ${row.baseline} ${row.baselineValue} ${row.unit}  ratio ${row.ratio}${target}`,
      );
    }
  }
}
