import { type Actor, createActor, fromPromise } from "xstate";
import {
  type ConnectionEmitted,
  type ConnectionMachine,
  type ConnectionStateValue,
  connectionMachine,
  type EffectInput,
  type Timed,
} from "../../machines/connection.machine.js";
import type { ConnectionEvent, RetireReason } from "../events/PoolEvent.js";
import type { Connector, RawConnection } from "./Connector.js";

export interface PooledConnectionOptions {
  id: string;
  connector: Connector;
  connectTimeoutMs: number;
  validationTimeoutMs: number;
  closeTimeoutMs: number;
  /** Lifetime after which the pool retires it between leases; already jittered. Infinity: never. */
  lifetimeMs: number;
  /** Receives every machine transition, stamped. */
  onEvent: (connection: PooledConnection, event: ConnectionEvent) => void;
  /** Told when the transport reports the connection dead while it is open. */
  onBroken: (connection: PooledConnection, error: Error) => void;
  // biome-ignore lint/suspicious/noExplicitAny: XState's inspection observer is untyped across actor kinds.
  inspect?: any;
}

/**
 * The runtime of one connection machine: supplies its effects, forwards its transitions as pool
 * events, and turns "send and wait for the outcome" into promises for the pool. Also carries the
 * pool's bookkeeping for this connection (lease, uses, idle time), which is deliberately not machine
 * state: see machines/connection.machine.ts.
 */
export class PooledConnection {
  readonly id: string;
  readonly endpoint: string;
  readonly createdAt = performance.now();
  readonly expiresAt: number;
  /** Set once open; undefined before and after a failed connect. */
  raw: RawConnection | undefined;

  // --- pool bookkeeping -------------------------------------------------------------------------
  /** The lease holding it, or null while idle/checking. */
  lease: { readonly acquiredAt: number } | null = null;
  uses = 0;
  idleSince = 0;
  /** The transport said it is dead; retire at the next chance. */
  broken = false;
  /** Why it is being retired, once decided (e.g. "idle"), so the pool does not decide twice. */
  retiring: RetireReason | null = null;

  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  #actor: Actor<ConnectionMachine>;
  #settleCheck: ((ok: boolean) => void) | null = null;
  #resolveOpened!: () => void;
  #rejectOpened!: (error: Error) => void;
  #resolveClosed!: () => void;
  readonly #options: PooledConnectionOptions;

  constructor(options: PooledConnectionOptions) {
    this.#options = options;
    this.id = options.id;
    this.endpoint = options.connector.endpoint;
    this.expiresAt = this.createdAt + options.lifetimeMs;
    this.opened = new Promise<void>((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    this.opened.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });

    const machine = connectionMachine.provide({
      actors: {
        open: fromPromise<Timed, EffectInput>(async ({ signal }) => {
          const started = performance.now();
          try {
            const raw = await options.connector.open(signal);
            if (signal.aborted) {
              // The machine gave up (timeout or retire) while the connect was in flight.
              void raw.close().catch(() => {});
              throw signal.reason;
            }
            this.raw = raw;
            raw.onBroken((error) => {
              this.broken = true;
              options.onBroken(this, error);
            });
            return { durationMs: performance.now() - started };
          } catch (error) {
            throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
              durationMs: performance.now() - started,
            });
          }
        }),
        ping: fromPromise<Timed, EffectInput>(async () => {
          const started = performance.now();
          await this.#requireRaw().ping();
          return { durationMs: performance.now() - started };
        }),
        reset: fromPromise<Timed, EffectInput>(async ({ input }) => {
          const started = performance.now();
          await this.#requireRaw().reset(input.undo ?? []);
          return { durationMs: performance.now() - started };
        }),
        close: fromPromise<Timed, EffectInput>(async () => {
          const started = performance.now();
          await this.raw?.close();
          return { durationMs: performance.now() - started };
        }),
      },
    });

    this.#actor = createActor(machine, {
      id: `connection-${options.id}`,
      input: {
        connectionId: options.id,
        endpoint: this.endpoint,
        connectTimeoutMs: options.connectTimeoutMs,
        validationTimeoutMs: options.validationTimeoutMs,
        closeTimeoutMs: options.closeTimeoutMs,
      },
      inspect: options.inspect,
    });
    this.#actor.on("*", (emitted) => this.#onEmitted(emitted as ConnectionEmitted));
  }

  /** Starts the machine (and so the connect). Separate from construction so the owner can register it first. */
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
  reset(undo: string[]): Promise<boolean> {
    return this.#check({ type: "connection.reset", undo });
  }

  /** Closes it (bounded by closeTimeoutMs); resolves once closed. */
  retire(reason: RetireReason): Promise<void> {
    if (this.retiring === null) this.retiring = reason;
    // Already closed (e.g. shutdown closed it while a health-check batch still held it): nothing to send.
    if (this.#actor.getSnapshot().status === "active") {
      this.#actor.send({ type: "connection.retire", reason: this.retiring });
    }
    return this.closed;
  }

  #check(
    event: { type: "connection.validate" } | { type: "connection.reset"; undo: string[] },
  ): Promise<boolean> {
    if (this.state !== "ready") return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.#settleCheck = resolve;
      this.#actor.send(event);
    });
  }

  #requireRaw(): RawConnection {
    if (!this.raw) throw new Error(`connection ${this.id} is not open`);
    return this.raw;
  }

  #onEmitted(emitted: ConnectionEmitted): void {
    const event = { ...emitted, ts: Date.now() } as ConnectionEvent;
    switch (event.type) {
      case "connection.opened":
        this.idleSince = performance.now();
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
    this.#options.onEvent(this, event);
    if (event.type === "connection.closed" || event.type === "connection.connectFailed") this.#actor.stop();
  }

  #finishCheck(ok: boolean): void {
    const settle = this.#settleCheck;
    this.#settleCheck = null;
    settle?.(ok);
  }
}
