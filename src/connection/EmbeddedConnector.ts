import { createNodeEngines } from "@surrealdb/node";
import { Surreal, type SurrealSession } from "surrealdb";
import type { CredentialsOption } from "../config/options.js";
import { ConnectError } from "../errors/ConnectError.js";
import { withDeadline } from "../util/withDeadline.js";
import type { Connector, RawConnection } from "./Connector.js";
import { resetSession } from "./resetSession.js";
import type { SessionBaseline } from "./sessionDrift.js";
import { resolveCredentials, signIn } from "./signIn.js";
import { switchTo } from "./switchTo.js";

export interface EmbeddedConnectorOptions {
  /** `mem://` or `surrealkv://DIR`. */
  endpoint: string;
  namespace: string;
  database: string;
  credentials?: CredentialsOption;
  /** Deadline of opening the engine (FACTS: a second open of one surrealkv:// dir hangs). */
  connectTimeoutMs: number;
}

/**
 * Pools SurrealDB 3 sessions of ONE embedded engine. Separate connects to `mem://` would each get an
 * empty datastore of their own (FACTS), so the engine is opened once, lazily, and every pooled unit
 * is a `newSession()` of it with its own namespace, database, variables and auth.
 */
export class EmbeddedConnector implements Connector {
  readonly endpoint: string;
  readonly #options: EmbeddedConnectorOptions;
  #engine: Promise<Surreal> | undefined;
  #ping: Promise<void> | undefined;

  constructor(options: EmbeddedConnectorOptions) {
    this.endpoint = options.endpoint;
    this.#options = options;
  }

  /** The shared engine, opened on first use. A failed open is forgotten so the next call retries. */
  engine(): Promise<Surreal> {
    if (!this.#engine) {
      const surreal = new Surreal({ engines: createNodeEngines() });
      const { endpoint, connectTimeoutMs } = this.#options;
      this.#engine = withDeadline(
        // Define the namespace/database once, here, before many sessions race to do it (see switchTo).
        surreal
          .connect(endpoint)
          .then(() =>
            switchTo(surreal, { namespace: this.#options.namespace, database: this.#options.database }),
          )
          .then(() => surreal),
        connectTimeoutMs,
        () =>
          new ConnectError(
            endpoint,
            `opening the embedded engine at ${endpoint} did not finish within ${connectTimeoutMs} ms; is another process (or another pool in this one) holding that directory?`,
          ),
      ).catch((error: unknown) => {
        this.#engine = undefined;
        void surreal.close().catch(() => {});
        throw error instanceof ConnectError
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
   */
  pingEngine(): Promise<void> {
    this.#ping ??= this.engine()
      .then((engine) => engine.query("RETURN 1"))
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

  async open(signal: AbortSignal): Promise<RawConnection> {
    const engine = await this.engine();
    const session = await engine.newSession();
    try {
      const { namespace, database } = this.#options;
      const credentials = await resolveCredentials(this.#options.credentials);
      const accessToken = credentials ? await signIn(session, this.endpoint, credentials) : undefined;
      await switchTo(session, { namespace, database });
      if (signal.aborted) throw signal.reason;
      return new EmbeddedSession(session, this, { namespace, database, accessToken }, credentials);
    } catch (error) {
      void session.closeSession().catch(() => {});
      throw error;
    }
  }

  async dispose(): Promise<void> {
    const engine = this.#engine;
    this.#engine = undefined;
    if (engine) await (await engine.catch(() => undefined))?.close();
  }
}

class EmbeddedSession implements RawConnection {
  baseline: SessionBaseline;

  constructor(
    readonly db: SurrealSession,
    private readonly connector: EmbeddedConnector,
    baseline: SessionBaseline,
    private readonly credentials: Awaited<ReturnType<typeof resolveCredentials>>,
  ) {
    this.baseline = baseline;
  }

  async ping(): Promise<void> {
    if (!this.db.isValid) throw new Error(`session of ${this.connector.endpoint} is no longer valid`);
    await this.connector.pingEngine();
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.baseline = await resetSession(
      this.db,
      undo,
      this.baseline,
      this.connector.endpoint,
      this.credentials,
    );
  }

  async close(): Promise<void> {
    if (this.db.isValid) await this.db.closeSession();
  }

  onBroken(): void {
    // An in-process session has no transport that can drop; a session a borrower closed is caught
    // at release (isValid false).
  }
}
