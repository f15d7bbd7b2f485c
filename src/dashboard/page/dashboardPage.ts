import { dashboardStats } from "./dashboardStats.js";
import { script } from "./script.js";
import { styles } from "./styles.js";

const STATES = ["connecting", "idle", "leased", "validating", "resetting", "retiring", "closed", "failed"];
/**
 * The figures of the pool panel, the live-query panel (`manager.live()`) and the end-user panel
 * (`manager.as()`), from the metric catalog.
 */
const STATS = dashboardStats("pool");
const LIVE_STATS = dashboardStats("live");
const USER_STATS = dashboardStats("users");

/** The whole dashboard as one HTML document: markup, inline styles, inline script. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>surreal-pool dashboard</title>
<style>${styles}</style>
</head>
<body>
<header>
  <h1>surreal-pool</h1>
  <span id="mode" class="pill">…</span>
  <span id="pool-state" class="pill">…</span>
  <span id="healthy" class="pill">…</span>
  <span id="stream" class="pill">connecting</span>
  <span id="endpoints" class="muted"></span>
</header>
<main>
  <section class="stats">
${STATS.map(({ id, label }) => `    <div class="stat"><span class="v" id="stat-${id}">0</span><span class="k">${label}</span></div>`).join("\n")}
  </section>
  <section class="charts">
    <figure><figcaption>acquisitions per second <b id="now-throughput"></b></figcaption><svg id="chart-throughput" viewBox="0 0 300 70" preserveAspectRatio="none"></svg></figure>
    <figure><figcaption>acquire wait, mean · p99 <b id="now-wait"></b></figcaption><svg id="chart-wait" viewBox="0 0 300 70" preserveAspectRatio="none"></svg></figure>
    <figure><figcaption>errors per second <b id="now-errors"></b></figcaption><svg id="chart-errors" viewBox="0 0 300 70" preserveAspectRatio="none"></svg></figure>
  </section>
  <section>
    <h2>Live queries</h2>
    <div class="stats">
${LIVE_STATS.flatMap(({ perSecond }) => (perSecond ? [`      <div class="stat"><span class="v" id="${perSecond.id}">0</span><span class="k">${perSecond.label}</span></div>`] : [])).join("\n")}
${LIVE_STATS.map(({ id, label }) => `      <div class="stat"><span class="v" id="stat-${id}">0</span><span class="k">${label}</span></div>`).join("\n")}
    </div>
  </section>
  <section>
    <h2>End users</h2>
    <div class="stats">
${USER_STATS.map(({ id, label }) => `      <div class="stat"><span class="v" id="stat-${id}">0</span><span class="k">${label}</span></div>`).join("\n")}
    </div>
  </section>
  <section>
    <h2>Endpoints</h2>
    <table id="endpoints-table">
      <thead><tr><th>endpoint</th><th>carried by</th><th>sockets</th><th>open</th><th>in use</th><th>idle</th><th>pending</th><th>breaker</th></tr></thead>
      <tbody id="endpoints-body"></tbody>
    </table>
  </section>
  <section>
    <h2>Connections <span id="conn-count"></span></h2>
    <div class="legend">${STATES.map((s) => `<span><i style="background:var(--${s})"></i>${s}</span>`).join("")}</div>
    <div id="connections" class="grid"></div>
  </section>
  <div class="two">
    <section><h2>Circuit breakers</h2><div id="breakers"></div></section>
    <section><h2>Pool events</h2><ol id="pool-log" class="log"></ol></section>
  </div>
  <section>
    <h2>Agent sessions</h2>
    <p id="no-sessions" class="muted">No agent session events yet.</p>
    <table id="sessions" hidden>
      <thead><tr><th>agent</th><th>state</th><th>ns/db</th><th>leases</th><th>pending tx</th><th>committed</th><th>aborted</th><th>log seq</th><th>durable</th></tr></thead>
      <tbody id="sessions-body"></tbody>
    </table>
    <ol id="session-log" class="log"></ol>
  </section>
</main>
<footer id="feed-stats"></footer>
<script>${script}</script>
</body>
</html>
`;
}
