// What the history run's client is given (by the parent, as JSON), and the schema the parent sets up first.

export const NS = "hist";
export const DB = "hist";

export interface HistoryConfig {
  seed: number;
  /** The cluster's nodes (through fault proxies): the pool under test runs in remote mode over them. */
  urls: string[];
  /** Hybrid mode: the local store's directory and the remote it ships to (through a fault proxy). */
  hybrid: { localDir: string; remote: string };
  /** Where the client writes its history (JSON lines). */
  historyFile: string;
  writers: number;
  recordsPerWriter: number;
  /** Live subscriptions on `reg`, started one after another. */
  subscribers: number;
  bankClients: number;
  isolationClients: number;
  agents: number;
  hybridWriters: number;
  /** Per-attempt deadline of every call. */
  timeoutMs: number;
  retryPolicy: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number; multiplier: number };
  pool: {
    minConnections: number;
    maxConnections: number;
    connectionTimeoutMs: number;
    connectTimeoutMs: number;
    healthCheckIntervalMs: number;
    validationTimeoutMs: number;
  };
  circuitBreaker: { failureThreshold: number; resetTimeoutMs: number };
  /** After "stop": how long the subscriptions keep delivering before they are read off. */
  settleMs: number;
  /** The closing burst's shutdown: when (a random moment within this) and its timeout. */
  shutdownWithinMs: number;
  shutdownTimeoutMs: number;
}

/** Accounts per bank client, and each one's opening balance. */
export const ACCOUNTS = 4;
export const OPENING_BALANCE = 100;

/** The schema, defined once before the client starts (many sockets defining tables at once conflict). */
export function setupQuery(config: Pick<HistoryConfig, "bankClients" | "isolationClients">): string {
  const accounts: string[] = [];
  for (let c = 0; c < config.bankClients; c++) {
    for (let i = 0; i < ACCOUNTS; i++) {
      accounts.push(`CREATE acct:b${c}_${i} SET c = ${c}, balance = ${OPENING_BALANCE};`);
    }
  }
  const namespaces: string[] = [];
  for (let c = 0; c < config.isolationClients; c++) {
    namespaces.push(
      `DEFINE NAMESPACE IF NOT EXISTS iso_${c}; USE NS iso_${c}; DEFINE DATABASE IF NOT EXISTS d; USE NS ${NS} DB ${DB};`,
    );
  }
  return [
    `DEFINE TABLE IF NOT EXISTS reg CHANGEFEED 2h;`,
    `DEFINE TABLE IF NOT EXISTS acct SCHEMALESS; DEFINE TABLE IF NOT EXISTS transfer SCHEMALESS;`,
    `DEFINE TABLE IF NOT EXISTS probe SCHEMALESS; CREATE probe:1 SET ok = true;`,
    ...accounts,
    ...namespaces,
  ].join("\n");
}
