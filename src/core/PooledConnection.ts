import { type Actor, createActor, fromPromise } from "xstate";
import {
  type ConnectionEmitted,
  type ConnectionStateValue,
  connectionMachine,
  type EffectInput,
  type RetireReason,
  type Timed,
} from "../../machines/connection.machine.js";
import type { ConnectionEvent } from "../events/PoolEvent.js";
import type { Unit, UnitSource } from "./Unit.js";

/**
 * Where a connection is in the pool, as its Endpoint files it. One field instead of flags: a
 * connection is in exactly one of these, and every count the pool reports is derived from them.
 * - `opening`: connecting (the machine is in `connecting`);
 * - `idle`: open and on its endpoint's idle stack;
 * - `leased`: held by a borrower;
 * - `checking`: out for a ping or a reset;
 * - `retiring`: closing; counts toward the pool's size until closed;
 * - `gone`: closed, or its connect failed.
 */
export type ConnectionPlace = "opening" | "idle" | "leased" | "checking" | "retiring" | "gone";

export interface PooledConnectionOptions {
  id: string;
  connector: UnitSource;
  connectTimeoutMs: number;
  validationTimeoutMs: number;
  closeTimeoutMs: number;
  /** Lifetime after which the pool retires it between leases; already jittered. Infinity: never. */
  lifetimeMs: number;
  /** Receives every machine transition, stamped. */
  onEvent: (connection: PooledConnection, event: ConnectionEvent) => void;
  // biome-ignore lint/suspicious/noExplicitAny: XState's inspection observer is untyped across actor kinds.
  inspect?: any;
}

/**
 * The effects, provided once for every connection: each reads its connection from the machine's
 * `resource`. (A `.provide()` per connection built a new machine definition, ~20 KB of heap each.)
 */
const pooledConnectionMachine = connectionMachine.provide({
  actors: {
    open: fromPromise<Timed, EffectInput>(({ input, signal }) => connectionOf(input).open(signal)),
    ping: fromPromise<Timed, EffectInput>(({ input }) =>
      timed(() => connectionOf(input).requireRaw().ping()),
    ),
    reset: fromPromise<Timed, EffectInput>(({ input }) =>
      timed(() =>
        connectionOf(input)
          .requireRaw()
          .reset(input.undo ?? []),
      ),
    ),
    close: fromPromise<Timed, EffectInput>(({ input }) =>
      timed(async () => {
        await connectionOf(input).raw?.close();
      }),
    ),
  },
});

function connectionOf(input: EffectInput): PooledConnection {
  return input.resource as PooledConnection;
}

async function timed(work: () => Promise<void>): Promise<Timed> {
  const started = performance.now();
  await work();
  return { durationMs: performance.now() - started };
}

/**
 * The runtime of one connection machine: supplies its effects, forwards its transitions as pool
 * events, turns a transport drop into the machine's `connection.broken`, and turns "send and wait for
 * the outcome" into promises for the pool. The pool's bookkeeping for it (`place`, `uses`,
 * `idleSince`) is written by its Endpoint only.
 */
export class PooledConnection {
  readonly id: string;
  readonly endpoint: string;
  readonly createdAt = performance.now();
  readonly expiresAt: number;
  /** Set once open; undefined before and after a failed connect. */
  raw: Unit | undefined;

  // --- written by Endpoint only -----------------------------------------------------------------
  place: ConnectionPlace = "opening";
  /** Leases it has served. */
  uses = 0;
  /** performance.now() when a borrower last returned it (or it opened). A health check is not use. */
  idleSince = 0;
  /** performance.now() when it was last known good: opened, returned, or passed a check. */
  verifiedAt = 0;
  /** Where its lease sits in its endpoint's list of leases, while leased; -1 otherwise. */
  leaseSlot = -1;

  /** Settles when the connect does: resolves once open, rejects with why it never opened. */
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  readonly #actor: Actor<typeof pooledConnectionMachine>;
  readonly #connector: UnitSource;
  readonly #onEvent: PooledConnectionOptions["onEvent"];
  #settleCheck: ((ok: boolean) => void) | null = null;
  #resolveOpened!: () => void;
  #rejectOpened!: (error: Error) => void;
  #resolveClosed!: () => void;

  constructor(options: PooledConnectionOptions) {
    this.id = options.id;
    this.endpoint = options.connector.endpoint;
    this.#connector = options.connector;
    this.#onEvent = options.onEvent;
    this.expiresAt = this.createdAt + options.lifetimeMs;
    this.opened = new Promise<void>((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    this.opened.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#actor = createActor(pooledConnectionMachine, {
      id: `connection-${options.id}`,
      input: {
        connectionId: options.id,
        endpoint: this.endpoint,
        connectTimeoutMs: options.connectTimeoutMs,
        validationTimeoutMs: options.validationTimeoutMs,
        closeTimeoutMs: options.closeTimeoutMs,
        resource: this,
      },
      inspect: options.inspect,
    });
    this.#actor.on("*", (emitted) => this.#onEmitted(emitted as ConnectionEmitted));
  }

  /** Starts the machine (and so the connect). Separate from construction so the owner can file it first. */
  start(): this {
    this.#actor.start();
    return this;
  }

  get state(): ConnectionStateValue {
    return this.#actor.getSnapshot().value as ConnectionStateValue;
  }

  get lastError(): Error | null {
    return this.#actor.getSnapshot().context.lastError;
  }

  /** Pings it; resolves true when it answered in time, false when it failed (it is then retiring). */
  validate(): Promise<boolean> {
    return this.#check({ type: "connection.validate" });
  }

  /** Undoes a borrower's changes; resolves false when that failed (it is then retiring). */
  reset(undo: readonly string[]): Promise<boolean> {
    return this.#check({ type: "connection.reset", undo });
  }

  /** Records the outcome of a check made for many connections at once (one embedded engine ping). */
  checked(ok: boolean, durationMs: number, error?: Error): void {
    this.#send({ type: "connection.checked", ok, durationMs, ...(error ? { error } : {}) });
  }

  /** Closes it (bounded by closeTimeoutMs); resolves once closed. A second call keeps the first reason. */
  retire(reason: RetireReason): Promise<void> {
    this.#send({ type: "connection.retire", reason });
    return this.closed;
  }

  /** Stops waiting for a close still running (shutdown's deadline passed): the machine counts it closed. */
  abandonClose(): void {
    this.#send({ type: "connection.abandonClose" });
  }

  /** The transport reported it dead while open: the machine retires it. */
  broke(error: Error): void {
    this.#send({ type: "connection.broken", error });
  }

  /** @internal The `open` effect: connects, and wires the transport's drop to the machine. */
  async open(signal: AbortSignal): Promise<Timed> {
    const started = performance.now();
    try {
      const raw = await this.#connector.open(signal);
      if (signal.aborted) {
        // The machine gave up (timeout or retire) while the connect was in flight.
        void raw.close().catch(() => {});
        throw signal.reason;
      }
      this.raw = raw;
      raw.onBroken((error) => this.broke(error));
      return { durationMs: performance.now() - started };
    } catch (error) {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
        durationMs: performance.now() - started,
      });
    }
  }

  /** @internal */
  requireRaw(): Unit {
    if (!this.raw) throw new Error(`connection ${this.id} is not open`);
    return this.raw;
  }

  #send(event: Parameters<Actor<typeof pooledConnectionMachine>["send"]>[0]): void {
    // A closed (stopped) machine takes no more events: a late retire or drop changes nothing.
    if (this.#actor.getSnapshot().status === "active") this.#actor.send(event);
  }

  #check(
    event: { type: "connection.validate" } | { type: "connection.reset"; undo: readonly string[] },
  ): Promise<boolean> {
    if (this.state !== "ready") return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.#settleCheck = resolve;
      this.#actor.send(event);
    });
  }

  #onEmitted(emitted: ConnectionEmitted): void {
    const event = { ...emitted, ts: Date.now() } as ConnectionEvent;
    switch (event.type) {
      case "connection.opened":
        this.#resolveOpened();
        break;
      case "connection.connectFailed":
        this.#rejectOpened(event.error);
        this.#resolveClosed();
        break;
      case "connection.validated":
      case "connection.reset":
        this.#finishCheck(event.ok);
        break;
      case "connection.closed":
        this.#rejectOpened(new Error(`connection ${this.id} was closed before it opened`));
        this.#finishCheck(false);
        this.#resolveClosed();
        break;
    }
    this.#onEvent(this, event);
    if (event.type === "connection.closed" || event.type === "connection.connectFailed") this.#actor.stop();
  }

  #finishCheck(ok: boolean): void {
    const settle = this.#settleCheck;
    this.#settleCheck = null;
    settle?.(ok);
  }
}
