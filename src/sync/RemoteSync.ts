import { type Actor, createActor, fromPromise } from "xstate";
import {
  type PassInput,
  type PassOutput,
  type SyncMachineEmitted,
  type SyncTrigger,
  syncMachine,
  syncStateOf,
} from "../../machines/sync.machine.js";
import type { SyncEvent, SyncLag } from "../events/SyncEvent.js";
import { type FeedEntry, readChanges } from "../surreal/feed/changeFeed.js";
import { FeedCursor } from "../surreal/feed/FeedCursor.js";
import { timeOfVersionstamp, versionstampAt } from "../surreal/feed/versionstamp.js";
import { unrefClock } from "../util/unrefClock.js";
import { batchSize, coalesce } from "./coalesce.js";
import type { LocalStore } from "./LocalStore.js";
import type { RemoteLink } from "./RemoteLink.js";
import { resync } from "./resync.js";
import { isSyncError, SyncError } from "./SyncError.js";
import type { RemoteSyncHealth, RemoteSyncResult, UnsyncedRemote } from "./SyncReport.js";
import { saveAck } from "./SyncStateStore.js";
import type { SyncTuning } from "./SyncTuning.js";

export interface RemoteSyncOptions {
  link: RemoteLink;
  local: LocalStore;
  isSynced: (table: string) => boolean;
  /** The point stored in the local store by an earlier run; undefined for a remote never synced. */
  acked: bigint | undefined;
  /** How long the local change feed keeps entries. */
  retentionMs: number;
  tuning: SyncTuning;
  publish: (event: SyncEvent) => void;
  // biome-ignore lint/suspicious/noExplicitAny: XState's inspection observer is untyped across actor kinds.
  inspect?: any;
  /** `pool.allowExitOnIdle`: the wait for the next pass (or retry) does not keep the process alive. */
  allowExitOnIdle?: boolean;
}

interface Waiter {
  /** Resolved by the first pass numbered above this. */
  after: number;
  resolve: (result: RemoteSyncResult) => void;
}

/** A remote's point is re-synced from a snapshot once it is this close to the feed's retention. */
const RETENTION_MARGIN = 0.9;

/**
 * The runtime of one remote's sync machine: supplies its `ship` effect (one pass: read the local change
 * feed from this remote's acknowledged point, apply each batch on the remote in one transaction, then
 * advance and store the point) and publishes its transitions, stamped and with the pass's figures.
 */
export class RemoteSync {
  readonly remote: string;
  readonly #o: RemoteSyncOptions;
  readonly #actor: Actor<typeof syncMachine>;
  /**
   * What is on the remote: every change up to its `safe` point (the acknowledged point, stored in the
   * local store as it moves), and the changes above it already applied. Undefined: never synced.
   */
  #cursor: FeedCursor | undefined;
  #persisted: bigint | undefined;
  #lag = { records: 0, more: false, oldest: undefined as number | undefined };
  #current = { pass: 0, trigger: "start" as SyncTrigger, records: 0, batches: 0, started: 0 };
  readonly #totals = {
    records: 0,
    batches: 0,
    passes: 0,
    failures: 0,
    lastSuccessAt: null as number | null,
    lastError: undefined as string | undefined,
  };
  #waiters: Waiter[] = [];
  readonly #stopped: Promise<void>;
  #markStopped!: () => void;

  constructor(options: RemoteSyncOptions) {
    this.#o = options;
    this.remote = options.link.remote;
    this.#cursor = options.acked === undefined ? undefined : this.#cursorAt(options.acked);
    this.#persisted = options.acked;
    this.#stopped = new Promise((resolve) => {
      this.#markStopped = resolve;
    });
    const { tuning } = options;
    const machine = syncMachine.provide({
      actors: {
        ship: fromPromise<PassOutput, PassInput>(({ input, signal }) => this.#ship(input, signal)),
      },
    });
    this.#actor = createActor(machine, {
      input: {
        remote: this.remote,
        intervalMs: tuning.intervalMs,
        initialBackoffMs: tuning.initialBackoffMs,
        maxBackoffMs: tuning.maxBackoffMs,
        multiplier: tuning.multiplier,
      },
      systemId: `sync:${this.remote}`,
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.allowExitOnIdle ? { clock: unrefClock } : {}),
    });
    this.#actor.on("*", (event) => this.#onTransition(event as SyncMachineEmitted));
  }

  /** Starts the loop with a pass at once (changes left by an earlier run ship at start-up). */
  start(): void {
    this.#actor.start();
  }

  get stopped(): boolean {
    return this.#actor.getSnapshot().status !== "active";
  }

  /** Asks for a pass and resolves with the first one that STARTS after this call. */
  requestSync(): Promise<RemoteSyncResult> {
    if (this.stopped) return Promise.resolve(this.#stoppedResult());
    return new Promise((resolve) => {
      this.#waiters.push({ after: this.#actor.getSnapshot().context.pass, resolve });
      this.#actor.send({ type: "sync.now" });
    });
  }

  /** One last pass, bounded by `deadline` (performance.now() ms); then stopped. */
  async finish(deadline: number): Promise<void> {
    if (this.stopped) return;
    this.#actor.send({ type: "sync.finish" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    });
    await Promise.race([this.#stopped, late]);
    clearTimeout(timer);
    this.stop();
    await this.#stopped;
  }

  /** Stops at once; a pass in flight is cancelled (its batches already committed stay committed). */
  stop(): void {
    if (!this.stopped) this.#actor.send({ type: "sync.stop" });
  }

  /** Stops and closes the remote connection. */
  close(): void {
    this.stop();
    this.#o.link.close();
  }

  health(): RemoteSyncHealth {
    const snapshot = this.#actor.getSnapshot();
    const context = snapshot.context;
    return {
      remote: this.remote,
      state: syncStateOf(snapshot),
      healthy: context.consecutiveFailures === 0 && this.#totals.passes > 0,
      ackedVersionstamp: this.#cursor?.safe.toString() ?? null,
      ...this.#lagNow(),
      recordsShipped: this.#totals.records,
      batches: this.#totals.batches,
      passes: this.#totals.passes,
      failures: this.#totals.failures,
      consecutiveFailures: context.consecutiveFailures,
      lastSuccessAt: this.#totals.lastSuccessAt,
      ...(this.#totals.lastError ? { lastError: this.#totals.lastError } : {}),
    };
  }

  /** What is still not on the remote (read from the local feed); undefined when nothing is waiting. */
  async unsynced(resumable: boolean): Promise<UnsyncedRemote | undefined> {
    const cursor = this.#cursor;
    const since = cursor?.since("window") ?? 1n;
    const read = await this.#o.local.run("counting unsynced changes", (db) =>
      readChanges(db, since, this.#o.tuning.batchLimit * 10),
    );
    const fresh = freshIn(read.entries, cursor);
    this.#measureLag(fresh, read.truncated);
    if (cursor === undefined && fresh.length === 0) return undefined;
    const { lagRecords, lagMore } = this.#lagNow();
    if (lagRecords === 0 && cursor !== undefined) return undefined;
    return {
      remote: this.remote,
      records: lagRecords,
      more: lagMore || cursor === undefined,
      ...(this.#lag.oldest === undefined ? {} : { oldestChangeAt: this.#lag.oldest }),
      reason: this.#totals.lastError ?? "the final sync did not finish within the shutdown timeout",
      resumable,
    };
  }

  // --- one pass ---------------------------------------------------------------------------------------

  async #ship(input: PassInput, signal: AbortSignal): Promise<PassOutput> {
    this.#current = {
      pass: input.pass,
      trigger: input.trigger,
      records: 0,
      batches: 0,
      started: performance.now(),
    };
    try {
      await this.#shipAll(signal);
      return { records: this.#current.records, batches: this.#current.batches };
    } catch (error) {
      const failure = isSyncError(error)
        ? error
        : new SyncError(
            this.remote,
            signal.aborted ? "stopped" : "local",
            signal.aborted
              ? `the sync to ${this.remote} was stopped during a pass`
              : `reading the local store failed: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
      failure.records = this.#current.records;
      failure.batches = this.#current.batches;
      throw failure;
    }
  }

  async #shipAll(signal: AbortSignal): Promise<void> {
    const { local, link, tuning, isSynced } = this.#o;
    const readFrom = (since: bigint) =>
      local.run("reading the change feed", (db) => readChanges(db, since, tuning.batchLimit));
    let since = this.#cursor?.since("window") ?? 1n;
    let read = await readFrom(since);
    const acked = this.#cursor?.safe;
    const expired =
      acked !== undefined && read.now - timeOfVersionstamp(acked) > this.#o.retentionMs * RETENTION_MARGIN;
    if (acked === undefined || expired) {
      await this.#resync(expired ? "expired" : "initial", read.now, signal);
      since = this.#cursor!.since("window");
      read = await readFrom(since);
    }
    const cursor = this.#cursor!;
    let shipped = false;
    for (;;) {
      const fresh = freshIn(read.entries, cursor);
      this.#measureLag(fresh, read.truncated);
      const batch = coalesce(fresh, isSynced);
      const size = batchSize(batch);
      if (size > 0) {
        const started = performance.now();
        await link.apply(batch, signal);
        this.#current.records += size;
        this.#current.batches++;
        this.#publish({
          type: "sync.batch",
          pass: this.#current.pass,
          records: size,
          upserts: batch.upserts.length,
          deletes: batch.deletes.length,
          fromVersionstamp: fresh[0]!.versionstamp.toString(),
          toVersionstamp: fresh[fresh.length - 1]!.versionstamp.toString(),
          durationMs: performance.now() - started,
        });
        shipped = true;
      }
      // Everything read is on the remote. The acknowledged point follows the cursor's rule: never past
      // the landing horizon, which commits in flight may still land below.
      cursor.take(since, read);
      await this.#persist(size > 0);
      if (!read.truncated) break;
      since = cursor.since("tail");
      if (signal.aborted) throw signal.reason;
      read = await readFrom(since);
    }
    // Nothing to ship: still prove the remote is there, so health says the truth about it.
    if (!shipped) await link.ping(signal);
    this.#lag = { records: 0, more: false, oldest: undefined };
  }

  async #resync(reason: "initial" | "expired", now: number, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    // Taken before the snapshot: the feed is replayed from here afterwards, so a write made while the
    // snapshot is read is shipped again, in order. Replaying is idempotent.
    const head = versionstampAt(now - this.#o.tuning.horizonMs);
    const result = await resync({
      local: this.#o.local,
      link: this.#o.link,
      isSynced: this.#o.isSynced,
      reason,
      pageSize: this.#o.tuning.pageSize,
      signal,
      onPage: (records) => {
        this.#current.records += records;
        this.#current.batches++;
      },
    });
    this.#current.records += result.deleted;
    this.#cursor = this.#cursorAt(head);
    await this.#persist(true);
    this.#publish({
      type: "sync.resynced",
      pass: this.#current.pass,
      reason,
      tables: result.tables,
      records: result.records,
      deleted: result.deleted,
      durationMs: performance.now() - started,
    });
  }

  #cursorAt(acked: bigint): FeedCursor {
    return new FeedCursor(acked, this.#o.tuning.horizonMs);
  }

  /** Stores the acknowledged point when it moved and something shipped (or it grew stale). */
  async #persist(shipped: boolean): Promise<void> {
    const to = this.#cursor?.safe;
    const persisted = this.#persisted;
    if (to === undefined || (persisted !== undefined && to <= persisted)) return;
    const stale =
      persisted === undefined ||
      timeOfVersionstamp(to) - timeOfVersionstamp(persisted) > this.#o.retentionMs / 8 ||
      this.#current.trigger === "final";
    if (!shipped && !stale) return;
    await this.#o.local.run("storing the acknowledged point", (db) => saveAck(db, this.remote, to));
    this.#persisted = to;
  }

  #measureLag(fresh: readonly FeedEntry[], more: boolean): void {
    let records = 0;
    let oldest: number | undefined;
    for (const entry of fresh) {
      for (const change of entry.changes) {
        const id = change.kind === "update" ? change.record.id : change.id;
        if (!this.#o.isSynced(id.table.name)) continue;
        records++;
        oldest ??= timeOfVersionstamp(entry.versionstamp);
      }
    }
    this.#lag = { records, more, oldest };
  }

  #lagNow(): SyncLag {
    const { records, more, oldest } = this.#lag;
    return {
      lagRecords: records,
      lagMore: more,
      lagMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
    };
  }

  // --- transitions -> events$ ---------------------------------------------------------------------------

  #onTransition(event: SyncMachineEmitted): void {
    switch (event.type) {
      case "sync.started":
        this.#publish({ type: "sync.started", pass: event.pass, trigger: event.trigger });
        return;
      case "sync.completed": {
        this.#totals.passes++;
        this.#totals.records += event.output.records;
        this.#totals.batches += event.output.batches;
        this.#totals.lastSuccessAt = Date.now();
        this.#totals.lastError = undefined;
        const durationMs = performance.now() - this.#current.started;
        this.#publish({
          type: "sync.completed",
          pass: event.pass,
          trigger: this.#current.trigger,
          records: event.output.records,
          batches: event.output.batches,
          durationMs,
          ackedVersionstamp: this.#cursor?.safe.toString() ?? "0",
          ...this.#lagNow(),
        });
        this.#settle(event.pass, { ok: true, ...event.output, durationMs });
        return;
      }
      case "sync.failed": {
        const error = event.error;
        const records = isSyncError(error) ? error.records : 0;
        const batches = isSyncError(error) ? error.batches : 0;
        this.#totals.passes++;
        this.#totals.failures++;
        this.#totals.records += records;
        this.#totals.batches += batches;
        this.#totals.lastError = error.message;
        const durationMs = performance.now() - this.#current.started;
        this.#publish({
          type: "sync.failed",
          pass: event.pass,
          trigger: this.#current.trigger,
          error,
          consecutiveFailures: event.consecutiveFailures,
          retryInMs: event.retryInMs,
          records,
          batches,
          durationMs,
          ...this.#lagNow(),
        });
        // #ship throws SyncErrors only; anything else (a machine effect's own failure) is the local side's.
        const failure = isSyncError(error)
          ? error
          : new SyncError(this.remote, "local", error.message, { cause: error });
        this.#settle(event.pass, { ok: false, records, batches, durationMs, error: failure });
        return;
      }
      case "sync.stopped":
        this.#publish({ type: "sync.stopped" });
        for (const waiter of this.#waiters.splice(0)) waiter.resolve(this.#stoppedResult());
        this.#markStopped();
        return;
    }
  }

  #settle(pass: number, result: Omit<RemoteSyncResult, "remote">): void {
    const remaining: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (pass > waiter.after) waiter.resolve({ remote: this.remote, ...result });
      else remaining.push(waiter);
    }
    this.#waiters = remaining;
  }

  #stoppedResult(): RemoteSyncResult {
    return {
      remote: this.remote,
      ok: false,
      records: 0,
      batches: 0,
      durationMs: 0,
      error: new SyncError(
        this.remote,
        "stopped",
        `the sync to ${this.remote} is stopped (the manager shut down)`,
      ),
    };
  }

  #publish(event: DistributiveOmit<SyncEvent, "ts" | "remote">): void {
    this.#o.publish({ ...event, ts: Date.now(), remote: this.remote } as SyncEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The entries not yet on the remote (all of them for a remote never synced). */
function freshIn(entries: readonly FeedEntry[], cursor: FeedCursor | undefined): FeedEntry[] {
  return cursor ? entries.filter((e) => cursor.isFresh(e.versionstamp)) : [...entries];
}
