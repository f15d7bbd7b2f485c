// How to build an official-SDK client to a ws:// endpoint on Node 20, with every wait bounded.
import { type AuthProvider, Surreal } from "surrealdb";
import { WebSocket } from "undici";

export interface ConnectWsOptions {
  namespace?: string;
  database?: string;
  /** Sent by the SDK during connect (so a wrong password makes connect reject), e.g. {username, password}. */
  auth?: AuthProvider;
  /** Deadline for the whole connect (socket, version check, signin, use). Default 5 s. */
  timeoutMs?: number;
  /** Default false: in tests the caller (or the pool under test) owns reconnection, not the SDK. */
  reconnect?: boolean;
}

export class ConnectTimeoutError extends Error {
  constructor(url: string, ms: number) {
    super(`connect to ${url} did not finish within ${ms} ms`);
    this.name = "ConnectTimeoutError";
  }
}

/** A Surreal instance for ws:// on Node 20, which has no global WebSocket (undici's works with the SDK; ws's does not). */
export function createWsSurreal(): Surreal {
  return new Surreal({ websocketImpl: WebSocket as unknown as typeof globalThis.WebSocket });
}

/** close() of a half-open SDK connection may never settle: give it a moment, then walk away. */
export async function closeQuietly(db: Surreal, ms = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    db.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export async function connectWs(url: string, options: ConnectWsOptions = {}): Promise<Surreal> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const db = createWsSurreal();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe = () => {};
  // The SDK's connect() never settles when the endpoint is unreachable or the socket dies before the
  // handshake finished (FACTS.md), so both a deadline and an early "disconnected" end the wait.
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectTimeoutError(url, timeoutMs)), timeoutMs);
    unsubscribe = db.subscribe("disconnected", () =>
      reject(new Error(`connection to ${url} closed before it was ready`)),
    );
  });
  const connecting = db.connect(url, {
    namespace: options.namespace,
    database: options.database,
    authentication: options.auth,
    reconnect: options.reconnect ?? false,
  });
  connecting.catch(() => undefined); // abandoned after a timeout: its late rejection is not an error
  try {
    await Promise.race([connecting, failed]);
    return db;
  } catch (err) {
    await closeQuietly(db);
    throw err;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}
