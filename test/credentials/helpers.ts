// A pool over a real loopback endpoint (auth on, root/root) whose credentials a test can change, and
// a root client beside it to define, alter and remove users.
import type { Surreal } from "surrealdb";
import type { Credentials, TokenCredentials } from "../../src/config/options.js";
import { ConnectionManager, type PoolEvent } from "../../src/index.js";
import { connectWs } from "../support/wsClient.js";

export const ROOT = { username: "root", password: "root" };

type Given = Credentials | TokenCredentials;

export interface SwitchablePool {
  manager: ConnectionManager;
  events: PoolEvent[];
  /** What the provider returns from now on (a value, or a function asked at every sign-in). */
  use(credentials: Given | (() => Given | Promise<Given>)): void;
  /** How often the provider was asked. */
  readonly calls: number;
}

/** A root client of `url`, in namespace/database t/t. */
export function rootClient(url: string): Promise<Surreal> {
  return connectWs(url, { namespace: "t", database: "t", auth: ROOT });
}

/** One connection (so a renewal is visibly the same connection), signed in through a switchable provider. */
export async function switchablePool(
  url: string,
  credentials: Given | (() => Given | Promise<Given>),
  extra: Record<string, unknown> = {},
): Promise<SwitchablePool> {
  let current = credentials;
  let calls = 0;
  const events: PoolEvent[] = [];
  const manager = await ConnectionManager.create({
    mode: { kind: "local", endpoint: url },
    namespace: "t",
    database: "t",
    credentials: () => {
      calls++;
      return typeof current === "function" ? current() : current;
    },
    events: (e) => events.push(e),
    pool: { minConnections: 1, maxConnections: 1, healthCheckIntervalMs: 600_000 },
    ...extra,
  });
  return {
    manager,
    events,
    use(next) {
      current = next;
    },
    get calls() {
      return calls;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ofType = <T extends PoolEvent["type"]>(events: PoolEvent[], type: T) =>
  events.filter((e): e is Extract<PoolEvent, { type: T }> => e.type === type);
