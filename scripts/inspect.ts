/**
 * `npm run inspect`: the demo workload (embedded mem://) and one agent session, with the Stately
 * inspector attached through the pool's `inspect` option, entirely on loopback:
 * createWebSocketInspector -> the package's createInspectorServer on 127.0.0.1 -> createWebSocketReceiver,
 * which counts what arrived per kind of machine. After the workload a short breaker drill (injected
 * connection errors) makes the circuit breaker open, probe and close, so every kind of machine shows
 * transitions.
 *
 * `--live` is for watching it in Stately's inspector: the script prints the inspector server's page,
 * waits until a viewer (that page, or any WebSocket receiver) connects, and only then creates the pool
 * and runs the workload, so the viewer gets every event as it happens, from the pool's first
 * connection on. (Without --live the server keeps only its last 200 events for a late page.)
 *
 * Options: --live, --wait=N (seconds to wait for a viewer, default 300), --seconds=N (workload, default
 * 3; 30 with --live), --workers=N (default 20), --pause=N (ms between a worker's operations; default 0,
 * 50 with --live, a pace a person can follow), --port=N (default: a free one; 8080 with --live),
 * --hold=N (keep the server up N more seconds), --no-drill (skip the breaker drill).
 */

import { PoolConfig } from "../src/config/PoolConfig.js";
import { ConnectionManager } from "../src/manager/ConnectionManager.js";
import { startLocalInspector } from "./inspect/localInspector.js";
import { runAgent } from "./support/agentWork.js";
import { numberArg } from "./support/args.js";
import { runWorkload } from "./support/workload.js";

const live = process.argv.includes("--live");
const seconds = numberArg("seconds", live ? 30 : 3);
const workers = numberArg("workers", 20);
const pauseMs = numberArg("pause", live ? 50 : 0);
const hold = numberArg("hold", 0);
const waitS = numberArg("wait", 300);
const drill = !process.argv.includes("--no-drill");
const RESET_TIMEOUT_MS = 300;

const inspector = await startLocalInspector({ port: numberArg("port", live ? 8080 : 0) });
console.log(`inspector server: ws://127.0.0.1:${inspector.port} (createInspectorServer, loopback only)`);
if (live) {
  console.log(
    `open ${inspector.pageUrl} in a browser (it embeds https://stately.ai/inspect, so it needs internet);` +
      ` the workload starts when it connects (waiting up to ${waitS} s)`,
  );
  if (!(await inspector.waitForViewer(waitS * 1_000))) {
    console.error(`no viewer connected within ${waitS} s; nothing was run`);
    await inspector.close();
    process.exit(1);
  }
  console.log("viewer connected");
}
const started = performance.now();
const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint: "mem://" },
  namespace: "demo",
  database: "main",
  pool: { ...PoolConfig.development(), minConnections: 5, maxConnections: 10 },
  circuitBreaker: { failureThreshold: 3, resetTimeoutMs: RESET_TIMEOUT_MS },
  inspect: inspector.inspect,
});

// The demo workload, and beside it one agent session with a transaction log.
console.log(`workload started: ${workers} workers for ${seconds} s`);
const [result, agent] = await Promise.all([
  runWorkload(manager, { durationMs: seconds * 1_000, workers, pauseMs }),
  runAgent(manager, { agentId: "agent-1", durationMs: seconds * 1_000 }),
]);
console.log("workload finished");
console.log(`agent-1: ${agent.transactions} transactions logged, session closed`);
console.log(
  `workload: ${result.done} operations in ${(result.elapsedMs / 1_000).toFixed(1)} s, ${result.failed} failed`,
);
await manager.healthCheck(); // pings idle connections: validating -> ready on every connection machine

if (drill) {
  // Connection-level errors count against the endpoint: three open the breaker, a success after the
  // reset timeout closes it again.
  const connectionLost = () =>
    Object.assign(new Error("connection reset (injected)"), { code: "ECONNRESET" });
  for (let i = 0; i < 3; i++) {
    await manager
      .executeWithRetry(
        async () => {
          throw connectionLost();
        },
        { signal: AbortSignal.timeout(1_000) },
      )
      .catch(() => {});
  }
  const opened = manager.breakers()[0]?.state;
  await new Promise((resolve) => setTimeout(resolve, RESET_TIMEOUT_MS + 50));
  await manager.executeWithRetry((db) => db.query("RETURN 1"));
  console.log(`breaker drill: ${opened} -> ${manager.breakers()[0]?.state}`);
}
await manager.shutdown({ timeoutMs: 5_000 });
await inspector.settle();
const elapsedS = (performance.now() - started) / 1_000;

const { tally } = inspector;
console.log(
  `\ninspection events received by the receiver: ${tally.total} in ${elapsedS.toFixed(1)} s (${Math.round(tally.total / elapsedS)}/s)`,
);
console.table(tally.rows());
for (const [kind, counts] of [...tally.kinds].sort(([a], [b]) => a.localeCompare(b))) {
  if (counts.states.size > 0) console.log(`${kind} states seen: ${[...counts.states].join(", ")}`);
  const events = [...counts.eventTypes].filter((t) => !t.startsWith("xstate."));
  if (events.length > 0) console.log(`${kind} events seen: ${events.join(", ")}`);
}

if (hold > 0) {
  console.log(`\nholding the inspector server for ${hold} s (${inspector.pageUrl})`);
  await new Promise((resolve) => setTimeout(resolve, hold * 1_000));
} else if (!live) {
  console.log(
    "\nto watch it live in Stately's inspector (needs internet): npm run inspect -- --live, then open the printed page",
  );
}
await inspector.close();
