import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import fc from "fast-check";
import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { DashboardFeed, type DashboardSource } from "../../src/dashboard/DashboardFeed.js";
import { counters } from "../../src/dashboard/frameNumbers.js";
import type { ConnectionView, DashboardFrame, DashboardSnapshot } from "../../src/dashboard/types.js";
import { BACKLOG_MAX_ENTRIES } from "../../src/dashboard/ViewBacklog.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import type { HealthStatus } from "../../src/observers/healthStatus.js";
import { PoolMetrics } from "../../src/observers/PoolMetrics.js";
import { poolEvent } from "../observers/arbitraryEvents.js";

/**
 * A page's side of one SSE stream: what the server wrote, parsed, and a socket whose buffer the test
 * fills and drains at will.
 */
class FakePage extends EventEmitter {
  /** The next write fills the buffer (and returns false). */
  fillsNext = false;
  full = false;
  /** Chunks written after a write returned false and before "drain": the feed must write none. */
  writesWhileFull = 0;
  readonly snapshots: DashboardSnapshot[] = [];
  readonly frames: DashboardFrame[] = [];
  writeHead() {
    return this;
  }
  write(chunk: string): boolean {
    if (this.full) this.writesWhileFull++;
    if (this.fillsNext) {
      this.fillsNext = false;
      this.full = true;
    }
    const event = /^event: (.*)$/m.exec(chunk)![1]!;
    const data = JSON.parse(/^data: (.*)$/m.exec(chunk)![1]!);
    if (event === "snapshot") this.snapshots.push(data);
    else this.frames.push(data);
    return !this.full;
  }
  drain() {
    if (!this.full) return;
    this.full = false;
    this.emit("drain");
  }
  end() {}
  /** The connection boxes as the page shows them: the snapshot's, then each frame's changes in order. */
  boxes(): Map<string, ConnectionView> {
    const boxes = new Map<string, ConnectionView>();
    for (const c of this.snapshots[0]?.connections ?? []) boxes.set(c.id, c);
    for (const f of this.frames) for (const c of f.connections) boxes.set(c.id, c);
    return boxes;
  }
}

const health = { state: "running", healthy: true, endpoints: [] } as unknown as HealthStatus;

function feedOf(events: Subject<PoolEvent>) {
  const metrics = new PoolMetrics(events);
  const source: DashboardSource = {
    events$: events,
    config: { mode: { kind: "local" } },
    healthStatus: () => health,
    metrics: () => metrics,
    breakers: () => [],
  };
  // The timer never fires within a test: intervals are the test's `tick` commands.
  return { feed: new DashboardFeed(source, [], 3_600_000), metrics };
}

type Action =
  | { kind: "event"; event: PoolEvent }
  | { kind: "tick" }
  | { kind: "fill" | "drain" | "connect"; page: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: poolEvent.map((event) => ({ kind: "event" as const, event })) },
  { weight: 2, arbitrary: fc.constant({ kind: "tick" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom("fill", "drain", "connect" as const), page: fc.nat(2) }),
  },
);

describe("DashboardFeed: every page's numbers are the metrics fold's", () => {
  it("for any events, intervals and slow pages: frames add up to the fold, and slow pages converge", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 150 }), (actions) => {
        const events = new Subject<PoolEvent>();
        const { feed, metrics } = feedOf(events);
        const pages: FakePage[] = [new FakePage()];
        feed.addClient(pages[0] as unknown as ServerResponse);
        let ticks = 0;
        for (const a of actions) {
          if (a.kind === "event") events.next(a.event);
          else if (a.kind === "tick") {
            feed.tick();
            ticks++;
          } else if (a.kind === "connect") {
            if (pages.length < 3) {
              pages.push(new FakePage());
              feed.addClient(pages.at(-1) as unknown as ServerResponse);
            }
          } else {
            const page = pages[a.page % pages.length]!;
            if (a.kind === "fill") page.fillsNext = true;
            else page.drain();
          }
        }
        for (const page of pages) page.drain();
        feed.tick();
        ticks++;
        const final = metrics.snapshot();
        for (const page of pages) {
          // One snapshot per page, and never more frames than intervals; nothing written to a full buffer.
          expect(page.snapshots.length).toBe(1);
          expect(page.frames.length).toBeLessThanOrEqual(ticks);
          expect(page.writesWhileFull).toBe(0);
          // The snapshot's totals plus every frame's differences are the fold's totals now.
          const start = page.snapshots[0]!.metrics;
          const sum = (pick: (f: DashboardFrame) => number) => page.frames.reduce((n, f) => n + pick(f), 0);
          expect(start.events + sum((f) => f.events)).toBe(final.events);
          expect(start.acquisitions + sum((f) => f.acquisitions)).toBe(final.acquisitions);
          expect(start.failures + sum((f) => f.errors)).toBe(counters(final).failures);
          // One acquire wait per lease, so the snapshot's acquisitions are the waits counted before it.
          expect(start.acquisitions + sum((f) => f.wait.count)).toBe(final.acquireWaitMs.count);
          expect(sum((f) => f.intervals)).toBeLessThanOrEqual(ticks);
          // The last frame carries the fold's totals as they are now, field by field.
          expect(page.frames.at(-1)!.metrics).toEqual(counters(final));
        }
        // A page that lagged shows the same connections as the first one.
        for (const page of pages.slice(1)) {
          for (const [id, box] of page.boxes()) expect(pages[0]!.boxes().get(id)).toEqual(box);
        }
        feed.stop();
      }),
      { numRuns: 300 },
    );
  });

  it("a page that cannot keep up gets one coalesced frame when it drains, not a snapshot storm", () => {
    const events = new Subject<PoolEvent>();
    const { feed, metrics } = feedOf(events);
    const page = new FakePage();
    feed.addClient(page as unknown as ServerResponse);
    page.fillsNext = true;
    const ref = { connectionId: "c1", endpoint: "mem://", ts: 1 };
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < 100; j++) {
        events.next({ ...ref, type: "lease.acquired", requestId: j, reused: true, queued: false, waitMs: 1 });
        events.next({ ...ref, type: "lease.released", heldMs: 1 });
      }
      feed.tick();
    }
    // The first frame filled its buffer; the 49 intervals after it wrote nothing, queued nothing.
    expect(page.frames.map((f) => f.intervals)).toEqual([1]);
    page.drain();
    feed.tick();
    expect(page.snapshots.length).toBe(1);
    expect(page.frames.length).toBe(2);
    expect(page.frames[1]).toMatchObject({ intervals: 50, acquisitions: 4_900, events: 9_800 });
    expect(page.frames[1]!.connections).toEqual([
      { id: "c1", endpoint: "mem://", state: "idle", uses: 5_000 },
    ]);
    expect(page.frames[1]!.metrics.acquisitions).toBe(metrics.snapshot().acquisitions);
    expect(feed.stats()).toMatchObject({ snapshots: 1, coalesced: 1, frames: 51 });
    feed.stop();
  });

  it("a backlog past 2,000 connections is replaced by one fresh snapshot, then frames again", () => {
    const events = new Subject<PoolEvent>();
    const { feed, metrics } = feedOf(events);
    const page = new FakePage();
    feed.addClient(page as unknown as ServerResponse);
    page.fillsNext = true;
    feed.tick(); // this frame fills the buffer
    for (let i = 0; i < BACKLOG_MAX_ENTRIES + 1; i++)
      events.next({ type: "connection.connecting", ts: 1, connectionId: `c${i}`, endpoint: "mem://" });
    feed.tick();
    feed.tick();
    page.drain();
    feed.tick(); // the resync
    events.next({ type: "acquire.queued", ts: 1, requestId: 1, waiting: 1 });
    feed.tick();
    expect(page.snapshots.length).toBe(2);
    expect(page.snapshots[1]!.connections.length).toBe(BACKLOG_MAX_ENTRIES + 1);
    expect(page.snapshots[1]!.metrics).toEqual({
      ...counters(metrics.snapshot()),
      waiting: 0,
      events: 2_001,
    });
    expect(page.frames.length).toBe(2);
    expect(page.frames[1]).toMatchObject({ intervals: 1, events: 1, metrics: counters(metrics.snapshot()) });
    expect(feed.stats().snapshots).toBe(2);
    feed.stop();
  });
});
