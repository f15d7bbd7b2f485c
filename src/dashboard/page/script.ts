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
  var series = { throughput: [], waitMean: [], waitMax: [], errors: [] };
  var feed = { frames: 0, events: 0, bytes: 0, since: Date.now() };

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
  function applyNumbers(health, m, poolClosed) {
    setText($("stat-acquisitions"), num(m.acquisitions));
    setText($("stat-releases"), num(m.releases));
    setText($("stat-inuse"), health.inUse + " / " + health.poolSize);
    setText($("stat-idle"), health.availableConnections);
    setText($("stat-waiting"), health.waiting);
    setText($("stat-created"), num(m.connectionsCreated));
    setText($("stat-reused"), num(m.connectionsReused));
    setText($("stat-successes"), num(m.successes));
    setText($("stat-errors"), num(m.errors + m.acquireTimeouts + m.acquireRejections + m.connectFailures));
    setText($("stat-retries"), num(m.retries));
    setText($("stat-breaker-opens"), num(m.breakerOpens));
    pill($("pool-state"), poolClosed ? "closed" : health.state, health.state === "running" && !poolClosed ? "good" : "warn");
    pill($("healthy"), health.healthy ? "healthy" : "unhealthy", health.healthy ? "good" : "bad");
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
    var acquired = f.counts["lease.acquired"] || 0;
    push("throughput", now, acquired / seconds);
    push("waitMean", now, f.wait.count ? f.wait.sumMs / f.wait.count : 0);
    push("waitMax", now, f.wait.maxMs);
    push("errors", now, f.errors / seconds);
    setText($("now-throughput"), num(acquired / seconds) + "/s");
    setText($("now-wait"), (f.wait.count ? (f.wait.sumMs / f.wait.count).toFixed(2) : "0.00") + " · " + f.wait.maxMs.toFixed(1) + " ms");
    setText($("now-errors"), num(f.errors / seconds) + "/s");
    draw("chart-throughput", ["throughput"], ["#2f80ed"], now);
    draw("chart-wait", ["waitMax", "waitMean"], ["#f2994a", "#9b51e0"], now);
    draw("chart-errors", ["errors"], ["#eb5757"], now);
    feed.frames++;
    feed.events += f.events;
    var elapsed = Math.max(1, now - feed.since) / 1000;
    setText($("feed-stats"), feed.frames + " frames · " + num(feed.events / elapsed) + " pool events/s · " +
      (feed.bytes / 1024 / elapsed).toFixed(1) + " KiB/s over SSE" + (f.droppedLog ? " · " + f.droppedLog + " log lines skipped" : ""));
  }

  var es = new EventSource("events");
  es.addEventListener("snapshot", function (e) { feed.bytes += e.data.length; onSnapshot(JSON.parse(e.data)); });
  es.addEventListener("frame", function (e) { feed.bytes += e.data.length; onFrame(JSON.parse(e.data)); });
  es.onopen = function () { pill($("stream"), "live", "good"); };
  es.onerror = function () { pill($("stream"), es.readyState === 2 ? "disconnected" : "reconnecting", "bad"); };
})();
`;
