import type { Surreal } from "surrealdb";
import type { Connector, RawConnection } from "./Connector.js";
import { Authenticator } from "./credentials/Authenticator.js";
import type { SessionAuth } from "./credentials/SessionAuth.js";
import { withUnitRenewal } from "./credentials/withRenewal.js";
import { resetSession } from "./resetSession.js";
import type { SessionBaseline } from "./sessionDrift.js";
import {
  closeWithin,
  onSocketDrop,
  openSocketClient,
  type SocketClient,
  type SocketClientOptions,
  type SocketTap,
} from "./socketClient.js";

export type WebSocketConnectorOptions = SocketClientOptions;

/**
 * One SDK client (one socket) per pooled unit: the pooling of a server without sessions (SurrealDB
 * 2.x), which `SessionConnector` falls back to. The pool owns reconnection (see `openSocketClient`).
 */
export class WebSocketConnector implements Connector {
  readonly endpoint: string;
  readonly #options: WebSocketConnectorOptions;
  readonly #authenticator: Authenticator | undefined;

  /** `authenticator`: shared with the connector this one is the fallback of (one learned session lifetime). */
  constructor(options: WebSocketConnectorOptions, authenticator?: Authenticator) {
    this.endpoint = options.endpoint;
    this.#options = options;
    this.#authenticator =
      authenticator ?? (options.credentials && new Authenticator(options.credentials, options.endpoint));
  }

  async open(signal: AbortSignal): Promise<RawConnection> {
    return this.adopt(await openSocketClient(this.#options, signal, this.#authenticator));
  }

  /** A unit of a client already open (signed in, in the pool's namespace/database). */
  adopt({ db, tap, accessToken, auth }: SocketClient): RawConnection {
    const { namespace, database } = this.#options;
    return new SocketConnection(db, tap, this.endpoint, { namespace, database, accessToken }, auth);
  }

  async dispose(): Promise<void> {}
}

class SocketConnection implements RawConnection {
  baseline: SessionBaseline;

  constructor(
    readonly db: Surreal,
    private readonly tap: SocketTap,
    private readonly endpoint: string,
    baseline: SessionBaseline,
    readonly auth: SessionAuth | undefined,
  ) {
    this.baseline = baseline;
  }

  renewedInPing: RawConnection["renewedInPing"];

  async renewAuth(): Promise<void> {
    this.baseline = { ...this.baseline, accessToken: await this.auth!.signIn() };
  }

  async ping(): Promise<void> {
    await withUnitRenewal(this, () => this.db.query("RETURN 1"));
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.baseline = await resetSession(this.db, undo, this.baseline, this.auth);
  }

  async close(): Promise<void> {
    await closeWithin(this.db, this.tap);
  }

  onBroken(listener: (error: Error) => void): void {
    onSocketDrop(this.db, this.endpoint, listener);
  }
}
