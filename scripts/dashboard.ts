/**
 * `npm run dashboard`: the demo workload (embedded mem://) and two agent sessions, with the live
 * dashboard served, printing its URL. Bounded: the workload runs --seconds=N (default 30), the page
 * shows the idle pool --linger=N more seconds (default 2), then the pool shuts down, which ends the
 * dashboard once its page got the shutdown's last frame.
 * Other options: --port=N (default: a free one), --workers=N (default 20), --pause=MS between a worker's
 * operations (default 0: full speed), --drill (every 10 s, injected connection errors open the breaker),
 * --screenshot=PATH (a few seconds in, headless Chromium opens the page and saves a PNG of it there;
 * `npm run visualize -- --dashboard` refreshes visualizations/dashboard.png this way).
 */
import { PoolConfig } from "../src/config/PoolConfig.js";
import { ConnectionManager } from "../src/manager/ConnectionManager.js";
import { screenshotDashboard } from "./dashboard/screenshot.js";
import { runAgent } from "./support/agentWork.js";
import { numberArg } from "./support/args.js";
import { DRILL_BREAKER, injectConnectionErrors } from "./support/drill.js";
import { runWorkload } from "./support/workload.js";

const seconds = numberArg("seconds", 30);
const linger = numberArg("linger", 2);
const workers = numberArg("workers", 20);
const pauseMs = numberArg("pause", 0);
const drill = process.argv.includes("--drill");
const screenshot = process.argv.find((a) => a.startsWith("--screenshot="))?.slice("--screenshot=".length);

const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint: "mem://" },
  namespace: "demo",
  database: "main",
  pool: { ...PoolConfig.development(), minConnections: 5, maxConnections: 10 },
  circuitBreaker: drill ? DRILL_BREAKER : {},
});
const dashboard = await manager.serveDashboard({ port: numberArg("port", 0) });
console.log(`dashboard: ${dashboard.url}  (running ${seconds} s; Ctrl-C to stop early)`);

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
const drillTimer = drill ? setInterval(() => injectConnectionErrors(manager), 10_000) : undefined;

// The demo workload, and beside it two agent sessions writing transaction logs.
const durationMs = seconds * 1_000;
// The picture is taken once the logs have filled (2 s in) and the charts have a few seconds of data.
const shot = screenshot
  ? new Promise((resolve) => setTimeout(resolve, 2_000)).then(() =>
      screenshotDashboard(dashboard.url, screenshot, { frames: Math.min(40, (seconds - 3) * 4) }),
    )
  : undefined;
const [result] = await Promise.all([
  runWorkload(manager, { durationMs, workers, pauseMs, signal: stop.signal }),
  runAgent(manager, { agentId: "agent-1", durationMs, signal: stop.signal }),
  runAgent(manager, { agentId: "agent-2", durationMs, everyMs: 400, signal: stop.signal }),
]);
if (shot) {
  const page = await shot;
  console.log(`screenshot: ${screenshot} (${page.frames} frames, ${page.snapshots} snapshot drawn)`);
}
if (drillTimer) clearInterval(drillTimer);
const elapsedS = result.elapsedMs / 1_000;
console.log(`workload: ${result.done} operations in ${elapsedS.toFixed(1)} s, ${result.failed} failed`);
if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, linger * 1_000));
const pages = dashboard.stats().clients;
await manager.shutdown({ timeoutMs: 5_000 }); // closes the dashboard too
const stats = { ...dashboard.stats(), clients: pages };
console.log(
  `dashboard fed ${stats.events} pool events (${Math.round(stats.events / elapsedS)}/s) to ${stats.clients} page(s)` +
    ` in ${stats.frames} frames (${stats.coalesced} coalesced) and ${stats.snapshots} snapshot(s),` +
    ` ${(stats.bytes / 1024).toFixed(1)} KiB (${(stats.bytes / 1024 / elapsedS).toFixed(1)} KiB/s)`,
);
