// The dashboard's "End users" panel: its figures are on the page, and the page's own script fills them
// from the fold's numbers (run here on a stand-in document holding only the page's elements, so a
// figure the script writes and the page lacks fails the test; the browser tests need a Chromium).
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { counters } from "../../src/dashboard/frameNumbers.js";
import { dashboardPage } from "../../src/dashboard/page/dashboardPage.js";
import { script } from "../../src/dashboard/page/script.js";
import type { DashboardFrame, DashboardSnapshot } from "../../src/dashboard/types.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { MetricsFold } from "../../src/observers/MetricsFold.js";

/** As much of a DOM element as the page's script touches. */
class FakeElement {
  textContent = "";
  innerHTML = "";
  className = "";
  title = "";
  hidden = false;
  scrollTop = 0;
  scrollHeight = 0;
  readonly dataset: Record<string, string> = {};
  readonly children: FakeElement[] = [];
  get firstChild() {
    return this.children[0];
  }
  get lastChild() {
    return this.children.at(-1);
  }
  appendChild(child: FakeElement) {
    this.children.push(child);
    return child;
  }
  removeChild(child: FakeElement) {
    this.children.splice(this.children.indexOf(child), 1);
    return child;
  }
  replaceChild(next: FakeElement, old: FakeElement) {
    this.children[this.children.indexOf(old)] = next;
    return old;
  }
  remove() {}
}

/** Runs the page's script against the page's elements; returns them and the stream it listens on. */
function runPage() {
  const page = dashboardPage();
  const elements = new Map([...page.matchAll(/ id="([^"]+)"/g)].map(([, id]) => [id!, new FakeElement()]));
  const listeners = new Map<string, (e: { data: string }) => void>();
  const document = {
    getElementById: (id: string) => elements.get(id) ?? null,
    createElement: () => new FakeElement(),
    createTextNode: () => new FakeElement(),
  };
  class EventSource {
    readyState = 1;
    addEventListener(type: string, listener: (e: { data: string }) => void) {
      listeners.set(type, listener);
    }
  }
  runInNewContext(script, { document, EventSource });
  const send = (type: "snapshot" | "frame", data: unknown) =>
    listeners.get(type)!({ data: JSON.stringify(data) });
  const shown = (id: string) => ({
    text: elements.get(`stat-${id}`)!.textContent,
    value: Number(elements.get(`stat-${id}`)!.dataset.value),
  });
  return { page, send, shown };
}

const A = "0123456789ab";
const opened = (cached: number): PoolEvent => ({
  type: "user.session.opened",
  ts: 1,
  user: A,
  endpoint: "mem://",
  durationMs: 1,
  signedIn: false,
  cached,
});
const reused: PoolEvent = { type: "user.session.reused", ts: 1, user: A };
const evicted = (cached: number): PoolEvent => ({
  type: "user.session.evicted",
  ts: 1,
  user: A,
  reason: "lru",
  cached,
});

const health = { state: "running", healthy: true, endpoints: [] };
function snapshotOf(fold: MetricsFold): DashboardSnapshot {
  return {
    t: 1,
    mode: "local",
    endpoints: ["mem://"],
    health,
    metrics: counters(fold.snapshot()),
    connections: [],
    breakers: [],
    sessions: [],
    sessionLog: [],
    poolLog: [],
    poolClosed: false,
    intervalMs: 250,
    lastLine: 0,
  } as unknown as DashboardSnapshot;
}
function frameOf(fold: MetricsFold): DashboardFrame {
  return {
    t: 2,
    dtMs: 250,
    intervals: 1,
    events: 0,
    acquisitions: 0,
    errors: 0,
    wait: { count: 0, sumMs: 0, p99Ms: 0 },
    connections: [],
    sessions: [],
    sessionLog: [],
    poolLog: [],
    droppedLog: 0,
    metrics: counters(fold.snapshot()),
    health,
    poolClosed: false,
  } as unknown as DashboardFrame;
}

describe("the dashboard's End users panel", () => {
  it("is a panel of its own, its figures in the catalog's order", () => {
    const { page } = runPage();
    const panel = /<h2>End users<\/h2>([\s\S]*?)<\/section>/.exec(page)?.[1] ?? "";
    expect([...panel.matchAll(/id="stat-([^"]+)"/g)].map(([, id]) => id)).toEqual([
      "user-sessions-cached",
      "user-sessions-opened",
      "user-sessions-reused",
      "user-hit-ratio",
      "user-evictions",
      "user-sessions-refused",
    ]);
  });

  it("shows the fold's figures, the hit ratio as a percentage, and the cached count falling", () => {
    const { send, shown } = runPage();
    const fold = new MetricsFold();
    for (const e of [opened(1), reused, reused, opened(2), reused, opened(3)]) fold.apply(e);
    send("snapshot", snapshotOf(fold));
    expect(shown("user-sessions-cached")).toEqual({ text: "3", value: 3 });
    expect(shown("user-sessions-opened")).toEqual({ text: "3", value: 3 });
    expect(shown("user-sessions-reused")).toEqual({ text: "3", value: 3 });
    expect(shown("user-hit-ratio")).toEqual({ text: "50%", value: 0.5 });
    expect(shown("user-evictions")).toEqual({ text: "0", value: 0 });

    // Two sessions leave, then a call reuses the one left: the next frame shows the cache smaller.
    for (const e of [evicted(2), evicted(1), reused]) fold.apply(e);
    send("frame", frameOf(fold));
    expect(shown("user-sessions-cached")).toEqual({ text: "1", value: 1 });
    expect(shown("user-evictions")).toEqual({ text: "2", value: 2 });
    expect(shown("user-hit-ratio")).toEqual({ text: "57%", value: 4 / 7 });
    expect(shown("user-sessions-refused")).toEqual({ text: "0", value: 0 });
  });

  it("shows a hit ratio of 0% before any end user's call", () => {
    const { send, shown } = runPage();
    send("snapshot", snapshotOf(new MetricsFold()));
    expect(shown("user-hit-ratio")).toEqual({ text: "0%", value: 0 });
  });
});
