// FeedOrder on the cases that concurrent writers make (the model test finds them at random; here each is
// pinned down): a commit that lands after a younger one was read, one that lands after a later change of
// its record, notifications that lag far behind the feed, and actions the feed or the record's history
// give without a notification.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveNotification } from "../../src/live/LiveNotification.js";
import { type Commit, changeOf, land, type Model, type Real, setup } from "../model/feedOrder/model.js";

let m: Model;
let r: Real;

function start(originals = false): void {
  ({ model: m, real: r } = setup(originals)());
}

function advance(ms: number): void {
  m.now += ms;
  vi.setSystemTime(m.now);
}

async function read(from: "window" | "tail"): Promise<void> {
  expect(r.order.accept(await r.order.read(r.db, from))).toBe(true);
}

function note(c: Commit): void {
  c.notified = true;
  r.order.noteLive(changeOf(c));
}

/** What went out, as `kind record:value` (gaps as `gap`). */
function take(force = false): string[] {
  return r.order
    .take(force)
    .changes.map((n: LiveNotification) =>
      n.kind === "gap"
        ? "gap"
        : `${n.kind}${n.backfilled ? "*" : ""} ${String(n.id)}:${(n.record as { v?: number })?.v ?? "-"}`,
    );
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  start();
  advance(10_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("FeedOrder", () => {
  it("reads a commit that landed after a younger one was read, once (a cursor at the last read skipped it)", async () => {
    const a = land(m, 0, false, 0);
    note(a);
    await read("tail");
    expect(take()).toEqual(["create t:0:1"]);
    // Stamped before `a`, landed after it was read.
    const late = land(m, 1, false, 300);
    note(late);
    await read("tail");
    expect(take()).toEqual([]);
    await read("window");
    expect(take()).toEqual(["create t:1:2"]);
    await read("window");
    expect(take(true)).toEqual([]);
  });

  it("puts a late commit before the later change of its record that is still waiting", async () => {
    land(m, 0, false, 0);
    await read("tail");
    const late = land(m, 1, false, 300); // t:1 created, landed late
    const after = land(m, 1, false, 0); // then updated
    await read("tail"); // finds the update only
    expect(take()).toEqual([]); // t:0 waits for its notification
    await read("window"); // finds the create, before the update
    note(after);
    note(late);
    expect(take(true)).toEqual(["update* t:0:1", "create* t:1:2", "update* t:1:3"]);
  });

  it("holds a change whose record's create landed late and was notified, until a window read finds the create", async () => {
    const a = land(m, 0, false, 0);
    note(a);
    await read("tail");
    expect(take()).toEqual(["create t:0:1"]);
    const late = land(m, 1, false, 300);
    const after = land(m, 1, false, 0);
    await read("tail"); // finds the update only
    note(late); // the create's notification, then the update's
    note(after);
    const held = r.order.take(false);
    expect(held.changes).toEqual([]);
    expect(held.readWindow).toBe(true);
    await read("window");
    expect(take()).toEqual(["create t:1:2", "update t:1:3"]);
  });

  it("sends a gap for a commit that landed after a later change of its record went out", async () => {
    const a = land(m, 0, false, 0);
    note(a);
    await read("tail");
    expect(take()).toEqual(["create t:0:1"]);
    const late = land(m, 1, false, 300);
    const after = land(m, 1, false, 0);
    note(after);
    await read("tail"); // finds the update only; its notification came before the read
    expect(take()).toEqual(["update t:1:3"]);
    note(late);
    await read("window");
    expect(take()).toEqual(["gap"]);
  });

  it("waits for notifications that lag far behind the feed while they keep coming in order", async () => {
    const commits = Array.from({ length: 200 }, (_, i) => land(m, i % 4, false, 0));
    // Four records written 50 times each: the first write of each is a create, the rest updates.
    await read("tail");
    expect(take()).toEqual([]);
    for (const c of commits.slice(0, 3)) note(c);
    advance(900);
    const out = take();
    expect(out.slice(0, 3)).toEqual(["create t:0:1", "create t:1:2", "create t:2:3"]);
    // t:3's first change needs its notification; the notifications are late, not lost: it waits.
    expect(out).toHaveLength(3);
    advance(900);
    note(commits[3]!);
    expect(take()).toHaveLength(197); // t:3's create, then every update: known from each record's history
  });

  it("gives up on a notification only when later changes far enough on had theirs", async () => {
    const commits = Array.from({ length: 100 }, (_, i) => land(m, i, false, 0));
    await read("tail");
    // Notifications for all but the first come; the first's never does.
    for (const c of commits.slice(1)) note(c);
    const out = take();
    expect(out[0]).toBe("update* t:0:1");
    expect(out).toHaveLength(100);
    expect(out.slice(1).every((s) => s.startsWith("create "))).toBe(true);
  });

  it("takes the action from a feed that keeps originals, without notifications", async () => {
    start(true);
    advance(10_000);
    land(m, 0, false, 0);
    land(m, 0, false, 0);
    land(m, 0, true, 0);
    land(m, 0, false, 0);
    await read("tail");
    expect(take()).toEqual(["create t:0:1", "update t:0:2", "delete t:0:-", "create t:0:3"]);
  });

  it("takes the action from the record's previous change: a write after a delete is a create", async () => {
    const first = land(m, 0, false, 0);
    note(first);
    land(m, 0, true, 0);
    land(m, 0, false, 0);
    land(m, 0, false, 0);
    await read("tail");
    expect(take()).toEqual(["create t:0:1", "delete t:0:-", "create t:0:2", "update t:0:3"]);
  });
});
