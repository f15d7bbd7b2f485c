import { Surreal, type SurrealSession } from "surrealdb";
import type { CredentialsOption } from "../config/options.js";
import { isConfigError } from "../errors/ConfigError.js";
import { ConnectError } from "../errors/ConnectError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { withDeadline } from "../util/withDeadline.js";
import { makeStderrBlocking } from "./blockingStderr.js";
import type { Connector, RawConnection } from "./Connector.js";
import { Authenticator } from "./credentials/Authenticator.js";
import { SessionAuth } from "./credentials/SessionAuth.js";
import { loadEmbeddedEngine } from "./embeddedEngine.js";
import { guardedEngines } from "./guardedEngines.js";
import { resetSession } from "./resetSession.js";
import type { SessionBaseline } from "./sessionDrift.js";
import { switchTo } from "./switchTo.js";

export interface EmbeddedConnectorOptions {
  /** `mem://` or `surrealkv://DIR`. */
  endpoint: string;
  namespace: string;
  database: string;
  credentials?: CredentialsOption;
  /** The option that named `endpoint`, for the error when `@surrealdb/node` is not installed. */
  optionPath?: string;
  /** Deadline of opening the engine (FACTS: a second open of one surrealkv:// dir hangs). */
  connectTimeoutMs: number;
}

/**
 * Pools SurrealDB 3 sessions of ONE embedded engine. Separate connects to `mem://` would each get an
 * empty datastore of their own (FACTS), so the engine is opened once, lazily, and every pooled unit
 * is a `newSession()` of it with its own namespace, database, variables and auth.
 */
export class EmbeddedConnector implements Connector {
  /** The engine runs in this process: closing it under a running query panics natively. */
  readonly disposeAfterCalls = true;
  readonly endpoint: string;
  readonly #options: EmbeddedConnectorOptions;
  #engine: Promise<Surreal> | undefined;
  /** The engine once open: its root session (in the pool's namespace/database) serves `runShared`. */
  #open: Surreal | undefined;
  #ping: Promise<void> | undefined;
  readonly #authenticator: Authenticator | undefined;
  #disposed = false;

  constructor(options: EmbeddedConnectorOptions) {
    this.endpoint = options.endpoint;
    this.#options = options;
    this.#authenticator = options.credentials && new Authenticator(options.credentials, options.endpoint);
  }

  /**
   * The shared engine, opened on first use. A failed open is forgotten so the next call retries; after
   * `dispose()` it is never opened again (a late caller gets `PoolClosedError`).
   */
  engine(): Promise<Surreal> {
    if (this.#disposed) return Promise.reject(new PoolClosedError("closed"));
    if (!this.#engine) {
      const { endpoint, connectTimeoutMs, optionPath = "mode" } = this.#options;
      let surreal: Surreal | undefined;
      let abandoned = false; // the deadline passed while the package was still loading: open nothing
      this.#engine = withDeadline(
        loadEmbeddedEngine(endpoint, optionPath)
          .then(({ createNodeEngines }) => {
            if (abandoned) throw new Error("abandoned");
            // The engine writes debug dumps to our stderr wherever a change feed is in use: see the function.
            makeStderrBlocking();
            surreal = new Surreal({ engines: guardedEngines(createNodeEngines()) });
            return surreal.connect(endpoint);
          })
          // Define the namespace/database once, here, before many sessions race to do it (see switchTo).
          .then(() =>
            switchTo(surreal!, { namespace: this.#options.namespace, database: this.#options.database }),
          )
          .then(() => {
            this.#open = surreal;
            return surreal!;
          }),
        connectTimeoutMs,
        () =>
          new ConnectError(
            endpoint,
            `opening the embedded engine at ${endpoint} did not finish within ${connectTimeoutMs} ms; is another process (or another pool in this one) holding that directory?`,
          ),
      ).catch((error: unknown) => {
        abandoned = true;
        this.#engine = undefined;
        void surreal?.close().catch(() => {});
        throw error instanceof ConnectError || isConfigError(error)
          ? error
          : new ConnectError(endpoint, `cannot open the embedded engine at ${endpoint}: ${String(error)}`, {
              cause: error,
            });
      });
    }
    return this.#engine;
  }

  /**
   * One round trip to the engine, shared by every session that asks while it is in flight. Sessions
   * of one in-process engine cannot fail one by one (no transport between them), so a health pass over
   * N idle sessions needs one engine ping, not N; each session's own validity is checked locally.
   * The ping is the `version` RPC: it crosses into the engine like a query (and fails once the engine
   * is closed) but skips the parser and executor, ~45 µs against ~300 µs for `RETURN 1` here.
   */
  pingEngine(): Promise<void> {
    this.#ping ??= this.engine()
      .then((engine) => engine.version())
      .then(
        () => {
          this.#ping = undefined;
        },
        (error: unknown) => {
          this.#ping = undefined;
          throw error;
        },
      );
    return this.#ping;
  }

  async pingAll(units: readonly RawConnection[]): Promise<(Error | undefined)[]> {
    await this.track(this.pingEngine());
    return units.map((unit) =>
      unit.db.isValid ? undefined : new Error(`session of ${this.endpoint} is no longer valid`),
    );
  }

  open(signal: AbortSignal): Promise<RawConnection> {
    return this.track(this.#openSession(signal));
  }

  /**
   * A stateless call on the engine's root session, which no lease ever gets: calls of one in-process
   * engine need no socket, and a query's own `LET`/`USE` end with it. Undefined until the engine is open.
   */
  runShared<T>(work: (db: SurrealSession) => Promise<T>): Promise<T> | undefined {
    const engine = this.#open;
    return engine ? this.track(work(engine)) : undefined;
  }

  openSession(place: { namespace: string; database: string }, signedIn = true): Promise<RawConnection> {
    return this.track(this.#openSession(new AbortController().signal, place, signedIn));
  }

  async #openSession(
    signal: AbortSignal,
    place: { namespace: string; database: string } = this.#options,
    signedIn = true,
  ): Promise<RawConnection> {
    const engine = await this.engine();
    const session = await engine.newSession();
    try {
      const { namespace, database } = place;
      const auth =
        signedIn && this.#authenticator ? new SessionAuth(this.#authenticator, session) : undefined;
      const accessToken = auth ? await auth.signIn() : undefined;
      await switchTo(session, { namespace, database });
      if (signal.aborted) throw signal.reason;
      return new EmbeddedSession(session, this, { namespace, database, accessToken }, auth);
    } catch (error) {
      void this.track(session.closeSession()).catch(() => {});
      throw error;
    }
  }

  /** Work the pool started on the engine and that is still running: the engine closes only after it. */
  readonly #working = new Set<Promise<unknown>>();

  /**
   * @internal Tracks pool work on the engine (an open, a ping, a reset, a close), so that dispose()
   * does not close the engine under it.
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.#working.add(work);
    const done = () => this.#working.delete(work);
    work.then(done, done);
    return work;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const engine = this.#engine;
    this.#engine = undefined;
    this.#open = undefined;
    // Closing the engine while work on it still runs (a session closing, a reset, a ping) aborts the
    // process (a panic in the native engine, seen by the fuzzer): wait for that work first.
    while (this.#working.size > 0) await Promise.allSettled([...this.#working]);
    if (engine) await (await engine.catch(() => undefined))?.close();
  }
}

class EmbeddedSession implements RawConnection {
  baseline: SessionBaseline;
  #closed = false;

  constructor(
    readonly db: SurrealSession,
    private readonly connector: EmbeddedConnector,
    baseline: SessionBaseline,
    readonly auth: SessionAuth | undefined,
  ) {
    this.baseline = baseline;
  }

  async renewAuth(): Promise<void> {
    const accessToken = await this.connector.track(this.auth!.signIn());
    this.baseline = { ...this.baseline, accessToken };
  }

  async ping(): Promise<void> {
    if (!this.db.isValid) throw new Error(`session of ${this.connector.endpoint} is no longer valid`);
    await this.connector.track(this.connector.pingEngine());
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.baseline = await this.connector.track(
      resetSession(this.db, undo, this.baseline, this.auth, () => this.#closed),
    );
  }

  /**
   * Signed out first when the pool signs its sessions in: the SDK (2.0.8) forgets a closed session's
   * token-renewal timer without clearing it, and that timer would keep the process alive.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.db.isValid) return;
    // Signed out first whenever it holds a sign-in (the pool's, or an end user's): the SDK forgets a
    // closed session's token-renewal timer without clearing it, and that timer holds the process.
    if (this.auth || this.#holdsToken()) await this.connector.track(this.db.invalidate()).catch(() => {});
    await this.connector.track(this.db.closeSession());
  }

  #holdsToken(): boolean {
    try {
      return this.db.accessToken !== undefined;
    } catch {
      return false;
    }
  }

  onBroken(): void {
    // An in-process session has no transport that can drop; a session a borrower closed is caught
    // at release (isValid false).
  }
}
