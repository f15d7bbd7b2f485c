// The log lines of end users' sessions: at what level each event is logged, that a reuse (every call
// of a cached user) is not logged at all, and that no line holds a token or credentials, even when the
// server's error carries them in its own fields or causes.
import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/config/Logger.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import type { UserEvictionReason } from "../../src/events/UserEvent.js";
import { logEvents } from "../../src/observers/logging.js";

type Level = "debug" | "info" | "warn" | "error";
interface Line {
  level: Level;
  fields: object;
  message: string | undefined;
}

/** A logger that keeps every line (children log into the same list, with their bindings). */
function recordingLogger(lines: Line[], bindings: object = {}): Logger {
  const at =
    (level: Level) =>
    (first: object | string, message?: string): void => {
      if (typeof first === "string") lines.push({ level, fields: bindings, message: first });
      else lines.push({ level, fields: { ...bindings, ...first }, message });
    };
  return {
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2VjcmV0LXNpZ25hdHVyZQ";
const PASSWORD = "hunter2-f00d";
const USER = "0123456789ab";

/** A server refusal whose error, like an SDK's, carries the call that held the secrets. */
function refusal(): Error {
  const cause = Object.assign(new Error(`signin failed for ${PASSWORD}`), { params: [{ pass: PASSWORD }] });
  return Object.assign(new Error("There was a problem with authentication", { cause }), {
    request: { method: "authenticate", params: [TOKEN] },
  });
}

function logged(events: PoolEvent[]): Line[] {
  const lines: Line[] = [];
  const bus = new Subject<PoolEvent>();
  const subscription = logEvents(bus, recordingLogger(lines));
  for (const e of events) bus.next(e);
  subscription.unsubscribe();
  return lines;
}

const evicted = (reason: UserEvictionReason): PoolEvent => ({
  type: "user.session.evicted",
  ts: 1,
  user: USER,
  reason,
  cached: 0,
});

describe("logging end users' sessions", () => {
  it("a refusal is a warning naming the user's hash and the server's message, and nothing else of the error", () => {
    const lines = logged([
      { type: "user.session.refused", ts: 1, user: USER, endpoint: "ws://a", error: refusal() },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "warn",
      fields: { user: USER, endpoint: "ws://a", error: "There was a problem with authentication" },
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PASSWORD);
  });

  it("an eviction is info when the session was refused or dropped, debug when it is the cache's routine", () => {
    const reasons: UserEvictionReason[] = [
      "lru",
      "expired",
      "forgotten",
      "dropped",
      "refused",
      "changed",
      "shutdown",
    ];
    const levels = Object.fromEntries(reasons.map((r) => [r, logged([evicted(r)]).map((l) => l.level)]));
    expect(levels).toEqual({
      lru: ["debug"],
      expired: ["debug"],
      forgotten: ["debug"],
      dropped: ["info"],
      refused: ["info"],
      changed: ["debug"],
      shutdown: ["debug"],
    });
  });

  it("an open is debug; a reuse, which every call of a cached user makes, is not logged", () => {
    const lines = logged([
      {
        type: "user.session.opened",
        ts: 1,
        user: USER,
        endpoint: "ws://a",
        durationMs: 2,
        signedIn: true,
        cached: 1,
      },
      ...Array.from({ length: 50 }, (): PoolEvent => ({ type: "user.session.reused", ts: 1, user: USER })),
    ]);
    expect(lines.map((l) => [l.level, l.fields])).toEqual([
      ["debug", { component: "surreal-pool", user: USER, endpoint: "ws://a", signedIn: true, cached: 1 }],
    ]);
  });

  it("a server without sessions is said once, at info", () => {
    const lines = logged([{ type: "user.sockets", ts: 1, endpoint: "ws://a", reason: "SurrealDB 2.x" }]);
    expect(lines.map((l) => l.level)).toEqual(["info"]);
  });
});
