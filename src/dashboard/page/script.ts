import { dashboardStats } from "./dashboardStats.js";

/**
 * The page's script, inlined (no build step, nothing fetched). Plain ES2017 so any current browser
 * runs it as is. It keeps one DOM element per connection, session and stat, and only touches what a
 * frame changed; charts are SVG polylines over the last minute.
 */
export const script = String.raw`
(function () {
  "use strict";
  var WINDOW_MS = 60000;
  var CLOSED_LINGER_MS = 4000;
  var conns = new Map();
  var sessions = new Map();
  var series = { throughput: [], waitMean: [], waitP99: [], errors: [] };
  var feed = { frames: 0, intervals: 0, snapshots: 0, coalesced: 0, events: 0, bytes: 0, since: Date.now() };

  function $(id) { return document.getElementById(id); }
  function setText(el, value) {
    var s = String(value);
    if (el && el.textContent !== s) el.textContent = s;
  }
  function num(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
    return String(Math.round(n));
  }
  function clock(ts) {
    var d = new Date(ts);
    return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0");
  }
  function pill(el, text, kind) {
    setText(el, text);
    el.className = "pill" + (kind ? " " + kind : "");
  }

  // --- connections ---------------------------------------------------------------------------
  function applyConnection(view, now) {
    var entry = conns.get(view.id);
    if (!entry) {
      var el = document.createElement("div");
      el.className = "conn";
      el.dataset.id = view.id;
      el.innerHTML = '<span class="cid"></span><span class="cst"></span>';
      $("connections").appendChild(el);
      entry = { el: el, removeAt: 0 };
      conns.set(view.id, entry);
    }
    entry.el.dataset.state = view.state;
    entry.el.title = view.id + " @ " + view.endpoint + "\n" + view.state + ", " + view.uses + " leases";
    setText(entry.el.firstChild, view.id);
    setText(entry.el.lastChild, view.state);
    entry.removeAt = view.state === "closed" || view.state === "failed" ? now + CLOSED_LINGER_MS : 0;
  }
  function sweepConnections(now) {
    conns.forEach(function (entry, id) {
      if (entry.removeAt && entry.removeAt <= now) {
        entry.el.remove();
        conns.delete(id);
      }
    });
    var live = 0;
    conns.forEach(function (entry) { if (!entry.removeAt) live++; });
    setText($("conn-count"), "(" + live + ")");
  }

  // --- numbers ---------------------------------------------------------------------------------
  // Every figure is the metrics fold's (the same numbers as /snapshot.json, Prometheus and OpenTelemetry),
  // and which figure goes where is the metric catalog's (STATS); data-value keeps the exact number
  // behind a shortened one.
  var STATS = ${JSON.stringify(
    [...dashboardStats("pool"), ...dashboardStats("live"), ...dashboardStats("users")].map(
      ({ id, field, of, perSecond, format }) => ({ id, field, of, perSecond, format }),
    ),
  )};
  function stat(id, value, text) {
    var el = $("stat-" + id);
    el.dataset.value = String(value);
    setText(el, text === undefined ? num(value) : text);
  }
  function applyNumbers(health, m, poolClosed) {
    var now = Date.now();
    STATS.forEach(function (s) {
      var value = m[s.field];
      stat(s.id, value, s.of ? value + " / " + m[s.of] : s.format === "percent" ? percent(value) : undefined);
      if (s.perSecond) perSecond(s, value, now);
    });
    pill($("pool-state"), poolClosed ? "closed" : health.state, health.state === "running" && !poolClosed ? "good" : "warn");
    pill($("healthy"), health.healthy ? "healthy" : "unhealthy", health.healthy ? "good" : "bad");
  }
  // A ratio between 0 and 1 (the end users' hit ratio), as a whole percentage.
  function percent(ratio) {
    return Math.round(ratio * 100) + "%";
  }
  // A rate between two figures (live notifications per second): the change since the previous one.
  var previous = {};
  function perSecond(s, value, now) {
    var last = previous[s.id];
    if (last && now > last.t) {
      var rate = ((value - last.n) * 1000) / (now - last.t);
      setText($(s.perSecond.id), num(Math.max(0, Math.round(rate))));
    }
    previous[s.id] = { n: value, t: now };
  }

  // --- endpoints: healthStatus().endpoints, every snapshot and frame --------------------------------
  // "carried by": sessions over shared sockets (SurrealDB 3), a socket per connection (a server without
  // sessions), or the embedded engine's sessions (no sockets).
  function carriedBy(e) {
    if (e.pooling === "sessions") return "sessions on shared sockets";
    if (e.pooling === "sockets") return "a socket per connection";
    if (e.pooling === "unknown") return "no socket open yet";
    return "embedded engine";
  }
  function renderEndpoints(list) {
    var body = $("endpoints-body");
    list.forEach(function (e, i) {
      var row = body.children[i];
      if (!row || row.dataset.endpoint !== e.endpoint) {
        row = document.createElement("tr");
        row.className = "endpoint-row";
        row.dataset.endpoint = e.endpoint;
        for (var c = 0; c < 8; c++) row.appendChild(document.createElement("td"));
        if (body.children[i]) body.replaceChild(row, body.children[i]);
        else body.appendChild(row);
      }
      row.dataset.pooling = e.pooling || "embedded";
      row.dataset.sockets = e.sockets === undefined ? "" : String(e.sockets);
      row.dataset.size = String(e.size);
      var cells = [e.endpoint, carriedBy(e), e.sockets === undefined ? "—" : e.sockets, e.size, e.inUse, e.idle,
        e.pending, e.breaker];
      cells.forEach(function (v, c) { setText(row.children[c], v); });
    });
    while (body.children.length > list.length) body.removeChild(body.lastChild);
  }

  // --- breakers ----------------------------------------------------------------------------------
  function renderBreakers(list) {
    var root = $("breakers");
    root.textContent = "";
    list.forEach(function (b) {
      var el = document.createElement("div");
      el.className = "breaker";
      el.dataset.state = b.state;
      el.dataset.endpoint = b.endpoint;
      var st = document.createElement("span");
      st.className = "st";
      st.textContent = b.state + (b.isolated ? " (isolated)" : "");
      var ep = document.createElement("span");
      ep.textContent = b.endpoint;
      var f = document.createElement("span");
      f.className = "muted";
      f.textContent = b.failures + " failures";
      el.appendChild(ep);
      el.appendChild(st);
      el.appendChild(f);
      root.appendChild(el);
    });
  }

  // --- sessions and logs ---------------------------------------------------------------------------
  function applySession(s) {
    var row = sessions.get(s.agentId);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.agent = s.agentId;
      $("sessions-body").appendChild(row);
      sessions.set(s.agentId, row);
    }
    row.dataset.state = s.state;
    var cells = [s.agentId, s.state, (s.namespace || "") + "/" + (s.database || ""), s.leases, s.pending,
      s.committed, s.aborted, s.lastSeq, s.durableSeq];
    row.innerHTML = "";
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.textContent = String(c);
      row.appendChild(td);
    });
    $("sessions").hidden = false;
    $("no-sessions").hidden = true;
  }
  function appendLog(id, lines, max) {
    var ol = $(id);
    lines.forEach(function (line) {
      var li = document.createElement("li");
      var ts = document.createElement("span");
      ts.className = "ts";
      ts.textContent = clock(line.ts);
      var ty = document.createElement("span");
      ty.className = "ty";
      ty.textContent = (line.agentId ? line.agentId + " " : "") + line.type;
      li.appendChild(ts);
      li.appendChild(ty);
      li.appendChild(document.createTextNode(line.text));
      // A line longer than its panel ends in an ellipsis; hovering shows all of it.
      li.title = line.text;
      ol.appendChild(li);
    });
    while (ol.children.length > max) ol.removeChild(ol.firstChild);
    if (lines.length) ol.scrollTop = ol.scrollHeight;
  }

  // --- charts --------------------------------------------------------------------------------------
  function push(name, t, v) {
    var s = series[name];
    s.push([t, v]);
    while (s.length && s[0][0] < t - WINDOW_MS) s.shift();
  }
  function draw(id, names, colours, now) {
    var svg = $(id);
    var w = 300, h = 70, max = 0, first = now;
    names.forEach(function (n) {
      series[n].forEach(function (p) { if (p[1] > max) max = p[1]; });
      if (series[n].length && series[n][0][0] < first) first = series[n][0][0];
    });
    // Until a minute of data exists, the x axis spans what there is, so a new page shows a curve.
    var span = Math.max(now - first, 2000);
    var top = max > 0 ? max * 1.15 : 1;
    var parts = [];
    names.forEach(function (n, i) {
      var pts = series[n].map(function (p) {
        var x = w - ((now - p[0]) / span) * w;
        var y = h - (p[1] / top) * (h - 4);
        return x.toFixed(1) + "," + y.toFixed(1);
      }).join(" ");
      parts.push('<polyline fill="none" stroke-width="1.6" stroke="' + colours[i] + '" points="' + pts + '"/>');
    });
    parts.push('<text x="2" y="10" font-size="9" fill="#667085">' + num(max) + "</text>");
    svg.innerHTML = parts.join("");
  }

  // --- stream --------------------------------------------------------------------------------------
  function onSnapshot(s) {
    var now = Date.now();
    $("connections").textContent = "";
    conns.clear();
    s.connections.forEach(function (c) { applyConnection(c, now); });
    sweepConnections(now);
    renderBreakers(s.breakers);
    s.sessions.forEach(applySession);
    $("session-log").textContent = "";
    $("pool-log").textContent = "";
    if (!s.poolLog.length) appendLog("pool-log", [{ ts: s.t, type: "dashboard", text: "watching; earlier events are not shown" }], 100);
    appendLog("session-log", s.sessionLog, 200);
    appendLog("pool-log", s.poolLog, 100);
    applyNumbers(s.health, s.metrics, s.poolClosed);
    renderEndpoints(s.health.endpoints);
    pill($("mode"), s.mode);
    setText($("endpoints"), s.endpoints.join(", "));
  }
  function onFrame(f) {
    var now = Date.now();
    var seconds = Math.max(f.dtMs, 1) / 1000;
    f.connections.forEach(function (c) { applyConnection(c, now); });
    sweepConnections(now);
    if (f.breakers) renderBreakers(f.breakers);
    f.sessions.forEach(applySession);
    appendLog("session-log", f.sessionLog, 200);
    appendLog("pool-log", f.poolLog, 100);
    applyNumbers(f.health, f.metrics, f.poolClosed);
    renderEndpoints(f.health.endpoints);
    var mean = f.wait.count ? f.wait.sumMs / f.wait.count : 0;
    push("throughput", now, f.acquisitions / seconds);
    push("waitMean", now, mean);
    push("waitP99", now, f.wait.p99Ms);
    push("errors", now, f.errors / seconds);
    setText($("now-throughput"), num(f.acquisitions / seconds) + "/s");
    setText($("now-wait"), mean.toFixed(2) + " · " + f.wait.p99Ms + " ms");
    setText($("now-errors"), num(f.errors / seconds) + "/s");
    draw("chart-throughput", ["throughput"], ["#2f80ed"], now);
    draw("chart-wait", ["waitP99", "waitMean"], ["#f2994a", "#9b51e0"], now);
    draw("chart-errors", ["errors"], ["#eb5757"], now);
    feed.frames++;
    feed.intervals += f.intervals;
    if (f.intervals > 1) feed.coalesced++;
    feed.events += f.events;
    showFeed(f.droppedLog);
  }
  function showFeed(dropped) {
    var el = $("feed-stats");
    el.dataset.frames = String(feed.frames);
    el.dataset.intervals = String(feed.intervals);
    el.dataset.snapshots = String(feed.snapshots);
    el.dataset.coalesced = String(feed.coalesced);
    var elapsed = Math.max(1, Date.now() - feed.since) / 1000;
    setText(el, feed.frames + " frames (" + feed.coalesced + " coalesced) · " + feed.snapshots + " snapshot(s) · " +
      num(feed.events / elapsed) + " pool events/s · " + (feed.bytes / 1024 / elapsed).toFixed(1) + " KiB/s over SSE" +
      (dropped ? " · " + dropped + " log lines skipped" : ""));
  }

  var es = new EventSource("events");
  es.addEventListener("snapshot", function (e) {
    feed.bytes += e.data.length;
    feed.snapshots++;
    onSnapshot(JSON.parse(e.data));
    showFeed(0);
  });
  es.addEventListener("frame", function (e) { feed.bytes += e.data.length; onFrame(JSON.parse(e.data)); });
  es.onopen = function () { pill($("stream"), "live", "good"); };
  es.onerror = function () { pill($("stream"), es.readyState === 2 ? "disconnected" : "reconnecting", "bad"); };
})();
`;
