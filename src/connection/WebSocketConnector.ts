import { createRemoteEngines, Surreal } from "surrealdb";
import { WebSocket as UndiciWebSocket } from "undici";
import type { CredentialsOption } from "../config/options.js";
import { ConnectError } from "../errors/ConnectError.js";
import { isSurrealPoolError } from "../errors/SurrealPoolError.js";
import type { Connector, RawConnection } from "./Connector.js";
import { probeTcp } from "./probeTcp.js";
import { resetSession } from "./resetSession.js";
import type { SessionBaseline } from "./sessionDrift.js";
import { resolveCredentials, signIn } from "./signIn.js";
import { switchTo } from "./switchTo.js";

export interface WebSocketConnectorOptions {
  /** `ws://host:port` or `wss://host:port`. */
  endpoint: string;
  namespace: string;
  database: string;
  credentials?: CredentialsOption;
}

/**
 * One SDK client (one socket) per pooled unit. The pool owns reconnection: the SDK's own reconnect is
 * switched off, so a dropped socket surfaces as a broken connection that the pool replaces, instead
 * of two owners racing to repair one socket (README, "Who owns reconnection").
 */
export class WebSocketConnector implements Connector {
  readonly endpoint: string;
  readonly #options: WebSocketConnectorOptions;

  constructor(options: WebSocketConnectorOptions) {
    this.endpoint = options.endpoint;
    this.#options = options;
  }

  async open(signal: AbortSignal): Promise<RawConnection> {
    // Node 20 has no global WebSocket; undici's works with the SDK, the `ws` package's does not (FACTS).
    const db = new Surreal({
      engines: createRemoteEngines(),
      websocketImpl: (globalThis.WebSocket ?? UndiciWebSocket) as unknown as typeof WebSocket,
    });
    // The SDK's connect() to a dead endpoint never settles (FACTS); the abort ends our wait for it.
    const abandon = () => void db.close().catch(() => {});
    signal.addEventListener("abort", abandon, { once: true });
    try {
      const { namespace, database } = this.#options;
      await probeTcp(this.endpoint, signal);
      await raceAbort(db.connect(this.endpoint, { reconnect: false }), signal);
      const credentials = await resolveCredentials(this.#options.credentials);
      const accessToken = credentials
        ? await raceAbort(signIn(db, this.endpoint, credentials), signal)
        : undefined;
      await raceAbort(switchTo(db, { namespace, database }), signal);
      return new SocketConnection(db, this.endpoint, { namespace, database, accessToken }, credentials);
    } catch (error) {
      abandon();
      if (isSurrealPoolError(error) || signal.aborted) throw error;
      throw new ConnectError(this.endpoint, `cannot connect to ${this.endpoint}: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      signal.removeEventListener("abort", abandon);
    }
  }

  async dispose(): Promise<void> {}
}

class SocketConnection implements RawConnection {
  baseline: SessionBaseline;

  constructor(
    readonly db: Surreal,
    private readonly endpoint: string,
    baseline: SessionBaseline,
    private readonly credentials: Awaited<ReturnType<typeof resolveCredentials>>,
  ) {
    this.baseline = baseline;
  }

  async ping(): Promise<void> {
    await this.db.query("RETURN 1");
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.baseline = await resetSession(this.db, undo, this.baseline, this.endpoint, this.credentials);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  onBroken(listener: (error: Error) => void): void {
    let fired = false;
    const fire = (error: Error) => {
      if (fired) return;
      fired = true;
      listener(error);
    };
    this.db.subscribe("disconnected", () => fire(new Error(`socket to ${this.endpoint} closed`)));
    this.db.subscribe("error", (error) => fire(error));
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return code ? `${error.message} (${String(code)})` : error.message;
  }
  return String(error);
}
