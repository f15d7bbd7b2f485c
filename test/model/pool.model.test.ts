import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Lease } from "../../src/surreal/lease/Lease.js";
import { eventLogViolations, poolHarness } from "../pool/harness.js";
import { AbortWaiterCommand } from "./pool/AbortWaiterCommand.js";
import { AcquireCommand } from "./pool/AcquireCommand.js";
import { BreakIdleCommand } from "./pool/BreakIdleCommand.js";
import { DoubleReleaseCommand } from "./pool/DoubleReleaseCommand.js";
import { HealthCheckCommand } from "./pool/HealthCheckCommand.js";
import { newModel, newReal, type PoolModel, type PoolReal } from "./pool/model.js";
import { ReleaseCommand } from "./pool/ReleaseCommand.js";
import { ShutdownCommand } from "./pool/ShutdownCommand.js";
import { TimeoutWaiterCommand } from "./pool/TimeoutWaiterCommand.js";

/** minConnections <= maxConnections, both small so the pool fills up and queues often. */
const sizes = fc
  .integer({ min: 1, max: 4 })
  .chain((max) => fc.record({ min: fc.integer({ min: 0, max }), max: fc.constant(max) }));

/** Every command but Shutdown, which always comes last (it ends what the others can do). */
const commands = fc.commands<PoolModel, PoolReal, false>(
  [
    fc.constant(new AcquireCommand()),
    fc.constant(new AcquireCommand()),
    fc.constant(new AcquireCommand()),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, dirty]) => new ReleaseCommand(i, dirty)),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, dirty]) => new ReleaseCommand(i, dirty)),
    fc.nat().map((i) => new DoubleReleaseCommand(i)),
    fc.nat().map((i) => new AbortWaiterCommand(i)),
    fc.nat().map((i) => new AbortWaiterCommand(i)),
    fc.constant(new TimeoutWaiterCommand()),
    fc.constant(new HealthCheckCommand()),
    fc.nat().map((i) => new BreakIdleCommand(i)),
  ],
  { maxCommands: 40, size: "medium" },
);

describe("ConnectionPool against its model", () => {
  it("keeps leases exclusive, waiters FIFO, sizes in bounds and metrics equal to the event fold", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, commands, fc.boolean(), async ({ min, max }, cmds, releaseHeld) => {
        let last: { model: PoolModel; real: PoolReal } | undefined;
        try {
          await fc.asyncModelRun(async () => {
            last = { model: newModel(min, max), real: await newReal(min, max) };
            return last;
          }, cmds);
          if (last) await new ShutdownCommand(releaseHeld).run(last.model, last.real);
        } finally {
          await last?.real.h.pool.shutdown({ timeoutMs: 1 });
        }
      }),
      { numRuns: 100 },
    );
  });
});

type Op =
  | { kind: "acquire" }
  | { kind: "release"; index: number; dirty: boolean }
  | { kind: "break"; index: number }
  | { kind: "abort"; index: number }
  | { kind: "healthCheck" }
  | { kind: "endpointDown" }
  | { kind: "endpointUp" }
  | { kind: "shutdown" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: "acquire" as const }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constant("release" as const), index: fc.nat(), dirty: fc.boolean() }),
    weight: 3,
  },
  { arbitrary: fc.nat().map((index) => ({ kind: "break" as const, index })), weight: 2 },
  { arbitrary: fc.nat().map((index) => ({ kind: "abort" as const, index })), weight: 1 },
  { arbitrary: fc.constant({ kind: "healthCheck" as const }), weight: 1 },
  // Connects (and pings) start failing or work again: with a breaker threshold of 1 this opens and
  // closes the endpoint's breaker in the middle of everything else.
  { arbitrary: fc.constant({ kind: "endpointDown" as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: "endpointUp" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "shutdown" as const }), weight: 1 },
);

describe("ConnectionPool under scheduled interleavings", () => {
  it("holds the same invariants whatever order connects, pings, closes, releases, aborts, breaker changes and shutdown land in", async () => {
    let runsWithOpenBreaker = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        sizes,
        // Every run also takes the endpoint down once and breaks a connection (in an order the scheduler
        // picks among the rest), so the breaker opens in some runs and the refill fails.
        fc
          .tuple(fc.array(op, { maxLength: 15 }), fc.array(op, { maxLength: 15 }))
          .map(([before, after]): Op[] => [
            ...before,
            { kind: "endpointDown" },
            { kind: "break", index: 0 },
            { kind: "acquire" },
            { kind: "healthCheck" },
            ...after,
          ]),
        async (s, { min, max }, ops) => {
          const violations: string[] = [];
          const h = poolHarness({
            connector: { gate: (effect, id) => s.schedule(Promise.resolve(), `${effect}#${id}`) },
            pool: { minConnections: min, maxConnections: max, connectionTimeoutMs: 10_000 },
            extra: {
              circuitBreaker: {
                failureThreshold: 1,
                resetTimeoutMs: 5,
                baseResetTimeoutMs: 5,
                halfOpenMaxProbes: 1,
              },
            },
            onEvent: (_event, pool) => {
              if (pool.size + pool.pending > max)
                violations.push(`size+pending ${pool.size + pool.pending} > ${max}`);
            },
          });
          try {
            await s.waitFor(h.pool.start());
            expect(h.pool.size).toBe(min);

            const held: Lease[] = [];
            const acquires: { controller: AbortController; state: "pending" | "served" | "rejected" }[] = [];
            const acquire = () => {
              const entry = {
                controller: new AbortController(),
                state: "pending" as "pending" | "served" | "rejected",
              };
              acquires.push(entry);
              h.pool.acquire({ signal: entry.controller.signal }).then(
                (lease) => {
                  if (held.some((l) => l.connectionId === lease.connectionId)) {
                    violations.push(`connection ${lease.connectionId} leased twice`);
                  }
                  held.push(lease);
                  entry.state = "served";
                },
                () => {
                  entry.state = "rejected";
                },
              );
            };
            const release = (index: number, dirty: boolean) => {
              if (held.length === 0) return;
              const [lease] = held.splice(index % held.length, 1);
              // A dirty return goes through a (scheduled) reset before the connection is offered again.
              // A lease whose connection broke meanwhile refuses the call (LeaseReleasedError): release anyway.
              const done = () => lease!.release();
              if (!dirty) void done();
              else if (lease!.released) void done();
              else void lease!.db.set("borrower_var", index).then(done, done);
            };
            let shutdown: ReturnType<typeof h.pool.shutdown> | undefined;
            for (const o of ops) {
              void s.schedule(Promise.resolve(), o.kind).then(() => {
                if (o.kind === "acquire") acquire();
                else if (o.kind === "release") release(o.index, o.dirty);
                else if (o.kind === "break") {
                  const all = h.connector.connections;
                  all[o.index % Math.max(1, all.length)]?.breakTransport();
                } else if (o.kind === "abort") {
                  const pending = acquires.filter((a) => a.state === "pending");
                  pending[o.index % Math.max(1, pending.length)]?.controller.abort();
                } else if (o.kind === "healthCheck") void h.pool.healthCheck();
                else if (o.kind === "endpointDown") {
                  h.connector.outcome.open = "fail";
                  h.connector.outcome.ping = "fail";
                } else if (o.kind === "endpointUp") {
                  h.connector.outcome.open = "ok";
                  h.connector.outcome.ping = "ok";
                } else shutdown ??= h.pool.shutdown({ timeoutMs: 10_000 });
              });
            }
            await s.waitIdle();

            // The end: shut down (rejecting any waiter), then every borrower returns its lease.
            shutdown ??= h.pool.shutdown({ timeoutMs: 10_000 });
            await Promise.resolve();
            for (const lease of held.splice(0)) void lease.release();
            const report = await s.waitFor(shutdown);

            expect(violations).toEqual([]);
            expect(eventLogViolations(h.events)).toEqual([]);
            expect(report.abandoned).toEqual([]);
            expect(acquires.filter((a) => a.state === "pending")).toEqual([]);
            expect(held).toEqual([]);
            expect(h.pool.state).toBe("closed");
            expect([h.pool.size, h.pool.pending, h.pool.leased, h.pool.waiting]).toEqual([0, 0, 0, 0]);
            expect(h.connector.live()).toEqual([]);
            const snapshot = h.metrics.snapshot();
            expect(h.folded()).toEqual(snapshot);
            expect([
              snapshot.size,
              snapshot.pending,
              snapshot.inUse,
              snapshot.idle,
              snapshot.waiting,
            ]).toEqual([0, 0, 0, 0, 0]);
            expect([snapshot.checking, snapshot.retiring]).toEqual([0, 0]);
            expect(snapshot.acquisitions).toBe(snapshot.releases);
            if (h.of("breaker.transition").some((t) => t.to === "open")) runsWithOpenBreaker++;
          } finally {
            if (h.pool.state !== "closed") void h.pool.shutdown({ timeoutMs: 1 });
          }
        },
      ),
      { numRuns: 100 },
    );
    // The breaker really moved in some runs (the check above would be hollow otherwise).
    expect(runsWithOpenBreaker).toBeGreaterThan(0);
  });
});
