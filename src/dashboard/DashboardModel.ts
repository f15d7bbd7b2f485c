import type { ConnectionStateValue } from "../../machines/connection.machine.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import { isSessionEvent, type SessionEvent } from "../events/SessionEvent.js";
import type { ConnectionView, ConnectionViewState, LogLine, SessionView } from "./types.js";

/** What the dashboard needs of a live connection to seed its view before any event. */
export interface LiveConnection {
  readonly id: string;
  readonly endpoint: string;
  readonly state: ConnectionStateValue;
  readonly lease: unknown;
  readonly uses: number;
}

/** Recent lines kept for a page that connects later. */
const RECENT_SESSION_LINES = 200;
const RECENT_POOL_LINES = 100;

/** What changed in the view since the last `takeChanges()`: latest states only, logs bounded. */
export interface ViewChanges {
  connections: ConnectionView[];
  sessions: SessionView[];
  sessionLog: LogLine[];
  poolLog: LogLine[];
  /** Log lines left out to keep the changes small. */
  droppedLog: number;
  breakersChanged: boolean;
}

/** Most lines one frame carries; the rest are counted as dropped (a busy agent must not flood the page). */
export const FRAME_SESSION_LINES = 200;
export const FRAME_POOL_LINES = 50;

/**
 * The dashboard's view of `events$`: each connection's state, agent sessions and their log. It keeps
 * no metrics (the page's numbers come from the metrics fold); events are folded as they come (a map
 * update each) and `takeChanges()` hands out what changed since the last call, coalesced, so a
 * connection leased 200 times in one interval costs the page one entry.
 */
export class DashboardModel {
  readonly #connections = new Map<string, ConnectionView>();
  readonly #changed = new Set<string>();
  readonly #sessions = new Map<string, SessionView & { open: Set<string> }>();
  readonly #changedSessions = new Set<string>();
  readonly #recentSession: LogLine[] = [];
  readonly #recentPool: LogLine[] = [];
  #frameSession: LogLine[] = [];
  #framePool: LogLine[] = [];
  #dropped = 0;
  #breakersChanged = false;
  /** Numbers the log lines, so a page that got some in its snapshot can skip them in the next frame. */
  #lineSeq = 0;

  constructor(seed: Iterable<LiveConnection> = []) {
    for (const c of seed) {
      const state: ConnectionViewState = c.state === "ready" ? (c.lease ? "leased" : "idle") : c.state;
      this.#connections.set(c.id, { id: c.id, endpoint: c.endpoint, state, uses: c.uses });
    }
  }

  apply(e: PoolEvent): void {
    switch (e.type) {
      case "connection.connecting":
        this.#set(e.connectionId, e.endpoint, "connecting");
        break;
      case "connection.opened":
        this.#set(e.connectionId, e.endpoint, "idle", ["connecting"]);
        break;
      case "connection.connectFailed":
        this.#set(e.connectionId, e.endpoint, "failed");
        this.#poolLine(e.ts, e.type, `${e.connectionId} ${e.endpoint}: ${e.error.message}`);
        break;
      case "connection.validating":
        this.#set(e.connectionId, e.endpoint, "validating");
        break;
      case "connection.validated":
        if (e.ok) this.#set(e.connectionId, e.endpoint, "idle", ["validating"]);
        break;
      case "connection.resetting":
        this.#set(e.connectionId, e.endpoint, "resetting");
        break;
      case "connection.reset":
        if (e.ok) this.#set(e.connectionId, e.endpoint, "idle", ["resetting"]);
        break;
      case "connection.retiring":
        this.#set(e.connectionId, e.endpoint, "retiring");
        this.#poolLine(e.ts, e.type, `${e.connectionId} ${e.endpoint}: ${e.reason}`);
        break;
      case "connection.closed":
        this.#set(e.connectionId, e.endpoint, "closed");
        break;
      case "lease.acquired": {
        const view = this.#set(e.connectionId, e.endpoint, "leased");
        view.uses++;
        break;
      }
      case "lease.released":
        this.#set(e.connectionId, e.endpoint, "idle", ["leased"]);
        break;
      case "lease.leaked":
        this.#poolLine(e.ts, e.type, `${e.connectionId} held ${Math.round(e.heldMs)} ms`);
        break;
      case "acquire.failed":
        this.#poolLine(e.ts, e.type, `${e.reason} after ${Math.round(e.waitMs)} ms: ${e.error.message}`);
        break;
      case "operation.failed":
        this.#poolLine(e.ts, e.type, `after ${e.attempts} attempt(s): ${e.error.message}`);
        break;
      case "breaker.transition":
        this.#breakersChanged = true;
        this.#poolLine(e.ts, e.type, `${e.endpoint}: ${e.from} -> ${e.to} (${e.failures} failures)`);
        break;
      case "pool.started":
        this.#poolLine(e.ts, e.type, `${e.mode}: ${e.endpoints.join(", ")}`);
        break;
      case "pool.shutdown":
        this.#poolLine(e.ts, e.type, e.phase === "closed" ? `closed, ${e.abandoned} abandoned` : e.phase);
        break;
      default:
        if (isSessionEvent(e)) this.#session(e);
        break;
    }
  }

  /** What changed since the last call; closed and failed connections are forgotten once reported. */
  takeChanges(): ViewChanges {
    const connections = [...this.#changed].map((id) => ({ ...this.#connections.get(id)! }));
    for (const c of connections)
      if (c.state === "closed" || c.state === "failed") this.#connections.delete(c.id);
    const changes: ViewChanges = {
      connections,
      sessions: [...this.#changedSessions].map((id) => this.#sessionView(id)),
      sessionLog: this.#frameSession,
      poolLog: this.#framePool,
      droppedLog: this.#dropped,
      breakersChanged: this.#breakersChanged,
    };
    this.#changed.clear();
    this.#changedSessions.clear();
    this.#frameSession = [];
    this.#framePool = [];
    this.#dropped = 0;
    this.#breakersChanged = false;
    return changes;
  }

  /** Everything a newly connected page needs besides the live health, metrics and breakers. */
  current(): {
    connections: ConnectionView[];
    sessions: SessionView[];
    sessionLog: LogLine[];
    poolLog: LogLine[];
    /** The `seq` of the last log line so far. */
    lastLine: number;
  } {
    return {
      connections: [...this.#connections.values()].map((c) => ({ ...c })),
      sessions: [...this.#sessions.keys()].map((id) => this.#sessionView(id)),
      sessionLog: [...this.#recentSession],
      poolLog: [...this.#recentPool],
      lastLine: this.#lineSeq,
    };
  }

  /**
   * Moves a connection's view to `state`; with `onlyFrom`, only out of those states (a release after
   * the connection already went on to retire must not paint it idle again).
   */
  #set(
    id: string,
    endpoint: string,
    state: ConnectionViewState,
    onlyFrom?: ConnectionViewState[],
  ): ConnectionView {
    let view = this.#connections.get(id);
    if (!view) {
      view = { id, endpoint, state, uses: 0 };
      this.#connections.set(id, view);
    } else if (!onlyFrom || onlyFrom.includes(view.state)) {
      view.state = state;
    }
    this.#changed.add(id);
    return view;
  }

  #session(e: SessionEvent): void {
    let s = this.#sessions.get(e.agentId);
    if (!s) {
      s = {
        agentId: e.agentId,
        state: "active",
        leases: 0,
        pending: 0,
        committed: 0,
        aborted: 0,
        lastSeq: 0,
        durableSeq: 0,
        open: new Set(),
      };
      this.#sessions.set(e.agentId, s);
    }
    this.#changedSessions.add(e.agentId);
    let text = "";
    switch (e.type) {
      case "session.created":
        s.state = "active";
        s.namespace = e.namespace;
        s.database = e.database;
        text = `created in ${e.namespace}/${e.database}${e.restoredEvents ? `, ${e.restoredEvents} events restored` : ""}`;
        break;
      case "session.leaseAcquired":
        s.leases++;
        text = `leased ${e.connectionId} after ${e.waitMs.toFixed(1)} ms`;
        break;
      case "session.leaseReleased":
        s.leases = Math.max(0, s.leases - 1);
        text = `released ${e.connectionId} after ${e.heldMs.toFixed(1)} ms${e.forced ? " (forced)" : ""}`;
        break;
      case "session.closing":
        s.state = "closing";
        text = `closing: ${e.activeLeases} leases, ${e.pendingTransactions} pending`;
        break;
      case "session.closed":
        s.state = "closed";
        text = `closed: ${e.forcedReleases} forced releases, ${e.pendingTransactions} pending`;
        break;
      case "session.failed":
        s.state = "failed";
        text = `failed while ${e.phase}: ${e.error.message}`;
        break;
      case "session.logFlushed":
        s.durableSeq = e.durableSeq;
        text = `flushed ${e.events} events, durable up to #${e.durableSeq}`;
        break;
      case "session.logFlushFailed":
        text = `flush of ${e.events} events failed: ${e.error.message}`;
        break;
      case "txlog.recorded":
        s.open.add(e.txId);
        s.lastSeq = e.seq;
        text = `#${e.seq} ${e.txId} ${describeOperation(e.operation)}`;
        break;
      case "txlog.committed":
        s.open.delete(e.txId);
        s.committed++;
        s.lastSeq = e.seq;
        text = `#${e.seq} ${e.txId} committed`;
        break;
      case "txlog.aborted":
        s.open.delete(e.txId);
        s.aborted++;
        s.lastSeq = e.seq;
        text = `#${e.seq} ${e.txId} aborted${e.reason ? `: ${e.reason}` : ""}`;
        break;
    }
    s.pending = s.open.size;
    const line: LogLine = {
      seq: ++this.#lineSeq,
      ts: e.ts,
      agentId: e.agentId,
      type: e.type,
      text: clip(text),
    };
    pushBounded(this.#recentSession, line, RECENT_SESSION_LINES);
    if (this.#frameSession.length < FRAME_SESSION_LINES) this.#frameSession.push(line);
    else this.#dropped++;
  }

  #sessionView(id: string): SessionView {
    const { open: _open, ...view } = this.#sessions.get(id)!;
    return view;
  }

  #poolLine(ts: number, type: string, text: string): void {
    const line: LogLine = { seq: ++this.#lineSeq, ts, type, text: clip(text) };
    pushBounded(this.#recentPool, line, RECENT_POOL_LINES);
    if (this.#framePool.length < FRAME_POOL_LINES) this.#framePool.push(line);
    else this.#dropped++;
  }
}

function describeOperation(op: unknown): string {
  const o = op as { type?: string; path?: string; text?: string; kind?: string } | undefined;
  switch (o?.type) {
    case "write":
    case "read":
    case "delete":
      return `${o.type} ${o.path ?? ""}`;
    case "query":
      return `query ${o.text ?? ""}`;
    case "custom":
      return `custom ${o.kind ?? ""}`;
    default:
      return JSON.stringify(op) ?? "";
  }
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
