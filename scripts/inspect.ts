/**
 * `npm run inspect`: the demo workload (embedded mem://) and one agent session, with the Stately
 * inspector attached through
 * the pool's `inspect` option, entirely on loopback: createWebSocketInspector -> the package's
 * createInspectorServer on 127.0.0.1 -> createWebSocketReceiver, which counts what arrived per kind of
 * machine. After the workload a short breaker drill (injected connection errors) makes the circuit
 * breaker open, probe and close, so every kind of machine shows transitions.
 *
 * Options: --seconds=N (workload, default 3), --workers=N (default 20), --port=N (default: a free
 * one), --hold=N (keep the inspector server up N more seconds to watch it in a browser; default 0),
 * --no-drill (skip the breaker drill).
 */

import { PoolConfig } from "../src/config/PoolConfig.js";
import { ConnectionManager } from "../src/pool/ConnectionManager.js";
import { startLocalInspector } from "./inspect/localInspector.js";
import { runAgent } from "./support/agentWork.js";
import { numberArg } from "./support/args.js";
import { runWorkload } from "./support/workload.js";

const seconds = numberArg("seconds", 3);
const workers = numberArg("workers", 20);
const hold = numberArg("hold", 0);
const drill = !process.argv.includes("--no-drill");
const RESET_TIMEOUT_MS = 300;

const inspector = await startLocalInspector({ port: numberArg("port", 0) });
console.log(`inspector server: ws://127.0.0.1:${inspector.port} (createInspectorServer, loopback only)`);
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
const [result, agent] = await Promise.all([
  runWorkload(manager, { durationMs: seconds * 1_000, workers }),
  runAgent(manager, { agentId: "agent-1", durationMs: seconds * 1_000 }),
]);
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
  console.log(
    `\nholding the inspector server for ${hold} s: open ${inspector.pageUrl} in a browser with internet access` +
      " (the page embeds https://stately.ai/inspect; the server replays its last 200 events to it)",
  );
  await new Promise((resolve) => setTimeout(resolve, hold * 1_000));
} else {
  console.log(
    `\nto watch this in Stately's inspector (needs internet): npm run inspect -- --hold=60, then open the printed page`,
  );
}
await inspector.close();
