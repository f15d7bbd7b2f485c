import { FRAME_POOL_LINES, FRAME_SESSION_LINES, type ViewChanges } from "./DashboardModel.js";
import type { ConnectionView, LogLine, SessionView } from "./types.js";

/** More distinct connections (or sessions) than this in one backlog: send the page a fresh snapshot. */
export const BACKLOG_MAX_ENTRIES = 2_000;

/**
 * The view changes a page missed while its connection was full, merged into one: the latest state per
 * connection and per session, the newest log lines up to one frame's worth (the rest counted as
 * dropped). Its size is bounded by the pool's connections and sessions, not by how long the page lags.
 */
export class ViewBacklog {
  readonly #connections = new Map<string, ConnectionView>();
  readonly #sessions = new Map<string, SessionView>();
  #sessionLog: LogLine[] = [];
  #poolLog: LogLine[] = [];
  #dropped = 0;
  #breakersChanged = false;
  /** Intervals merged so far. */
  intervals = 0;

  add(changes: ViewChanges): void {
    this.intervals++;
    for (const c of changes.connections) {
      this.#connections.delete(c.id); // re-inserted last: the page applies changes in order
      this.#connections.set(c.id, c);
    }
    for (const s of changes.sessions) this.#sessions.set(s.agentId, s);
    this.#sessionLog = this.#newest(this.#sessionLog, changes.sessionLog, FRAME_SESSION_LINES);
    this.#poolLog = this.#newest(this.#poolLog, changes.poolLog, FRAME_POOL_LINES);
    this.#dropped += changes.droppedLog;
    this.#breakersChanged ||= changes.breakersChanged;
  }

  /** Too much to merge any further: the page needs a snapshot instead. */
  get overflowed(): boolean {
    return this.#connections.size > BACKLOG_MAX_ENTRIES || this.#sessions.size > BACKLOG_MAX_ENTRIES;
  }

  take(): ViewChanges {
    return {
      connections: [...this.#connections.values()],
      sessions: [...this.#sessions.values()],
      sessionLog: this.#sessionLog,
      poolLog: this.#poolLog,
      droppedLog: this.#dropped,
      breakersChanged: this.#breakersChanged,
    };
  }

  #newest(kept: LogLine[], more: LogLine[], max: number): LogLine[] {
    const all = kept.concat(more);
    if (all.length <= max) return all;
    this.#dropped += all.length - max;
    return all.slice(all.length - max);
  }
}
