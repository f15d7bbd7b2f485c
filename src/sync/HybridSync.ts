import { classifyEndpoint, isEmbedded } from "../config/endpointUrl.js";
import type { ResolvedConfig } from "../config/resolveConfig.js";
import type { SyncEvent } from "../events/SyncEvent.js";
import type { Connector } from "../surreal/Connector.js";
import { createConnector } from "../surreal/createConnector.js";
import { ensureChangeFeed } from "../surreal/feed/changeFeed.js";
import { LocalStore } from "./LocalStore.js";
import { RemoteLink } from "./RemoteLink.js";
import { RemoteSync } from "./RemoteSync.js";
import { SyncError } from "./SyncError.js";
import type { SyncHealth, SyncReport, UnsyncedRemote } from "./SyncReport.js";
import { loadAcks } from "./SyncStateStore.js";
import { type SyncTuning, syncTuningOf } from "./SyncTuning.js";
import { tableFilter } from "./syncedTables.js";

export interface HybridSyncOptions {
  config: ResolvedConfig;
  publish: (event: SyncEvent) => void;
  tuning?: Partial<SyncTuning>;
}

/** Default budget of the final sync when `shutdown()` did not set one. */
const DEFAULT_FINAL_MS = 30_000;

/**
 * Hybrid mode's sync: one `RemoteSync` (one machine) per remote in `remoteSync`, all reading the local
 * store's change feed through one session of their own. It also makes the pool's connector of the
 * local store (`connector`), so that the sync reads the very engine the pool serves, and so that when
 * the pool disposes of the store at the end of its shutdown (after leased work has drained) the final
 * sync runs first, and then the store closes.
 */
export class HybridSync {
  /** The local store's connector to give the pool in place of the original. */
  readonly connector: Connector;
  readonly #mode: ResolvedConfig["mode"] & { kind: "hybrid" };
  readonly #config: ResolvedConfig;
  readonly #tuning: SyncTuning;
  readonly #local: LocalStore;
  readonly #publish: (event: SyncEvent) => void;
  #remotes: RemoteSync[] = [];
  #started = false;
  #deadline: number | undefined;
  #final: Promise<UnsyncedRemote[]> | undefined;

  constructor(options: HybridSyncOptions) {
    const { config } = options;
    if (config.mode.kind !== "hybrid") throw new TypeError("HybridSync needs hybrid mode");
    const connector = localConnector(config, config.mode.localCache);
    this.#mode = config.mode;
    this.#config = config;
    this.#tuning = syncTuningOf(config, options.tuning);
    this.#publish = options.publish;
    this.#local = new LocalStore(connector, this.#tuning.localTimeoutMs);
    this.connector = {
      endpoint: connector.endpoint,
      open: (signal) => connector.open(signal),
      dispose: async () => {
        await this.finish().catch(() => []);
        await connector.dispose();
      },
    };
  }

  /**
   * Turns the change feed on (before the application can write), loads each remote's acknowledged
   * point and starts one sync loop per remote, each with a pass at once. Throws a `SyncError` when the
   * local store refuses the change feed (e.g. credentials that may not define the database).
   */
  async start(): Promise<void> {
    const { database } = this.#config;
    let retentionMs: number;
    let acks: Map<string, bigint>;
    try {
      retentionMs = await this.#local.run("defining the change feed", (db) => ensureChangeFeed(db, database));
      acks = await this.#local.run("loading the sync state", (db) => loadAcks(db));
    } catch (error) {
      await this.#local.close();
      throw new SyncError(
        "",
        "local",
        `hybrid mode could not set up the change feed on ${this.#mode.localCache} (database "${database}"): ${(error as Error)?.message ?? error}; the credentials must allow DEFINE DATABASE`,
        { cause: error },
      );
    }
    const isSynced = tableFilter(this.#mode.tables);
    this.#remotes = this.#mode.remoteSync.map(
      (remote) =>
        new RemoteSync({
          link: new RemoteLink({
            remote,
            namespace: this.#config.namespace,
            database,
            credentials: this.#config.credentials,
            connectTimeoutMs: this.#tuning.connectTimeoutMs,
            requestTimeoutMs: this.#tuning.requestTimeoutMs,
            allowExitOnIdle: this.#config.pool.allowExitOnIdle,
          }),
          local: this.#local,
          isSynced,
          acked: acks.get(remote),
          retentionMs,
          tuning: this.#tuning,
          publish: this.#publish,
          inspect: this.#config.inspect,
          allowExitOnIdle: this.#config.pool.allowExitOnIdle,
        }),
    );
    this.#started = true;
    for (const remote of this.#remotes) remote.start();
  }

  /** Ships now to every remote, each independently; resolves when each has finished a fresh pass. */
  async syncNow(): Promise<SyncReport> {
    const remotes = await Promise.all(this.#remotes.map((r) => r.requestSync()));
    return { ok: remotes.every((r) => r.ok), remotes };
  }

  health(): SyncHealth {
    const remotes = this.#remotes.map((r) => r.health());
    return { healthy: remotes.every((r) => r.healthy), intervalMs: this.#tuning.intervalMs, remotes };
  }

  /** The final sync may run until this `performance.now()` time (set by `shutdown({ timeoutMs })`). */
  setDeadline(deadline: number): void {
    this.#deadline ??= deadline;
  }

  /**
   * The final sync (once): every remote gets one last pass within the deadline, then the remotes' and
   * the local session close. Resolves with what could not be shipped.
   */
  finish(): Promise<UnsyncedRemote[]> {
    this.#final ??= this.#finish();
    return this.#final;
  }

  async #finish(): Promise<UnsyncedRemote[]> {
    if (!this.#started) return [];
    const deadline = this.#deadline ?? performance.now() + DEFAULT_FINAL_MS;
    await Promise.all(this.#remotes.map((r) => r.finish(deadline)));
    const resumable = !this.#mode.localCache.startsWith("mem");
    const unsynced = await Promise.all(
      this.#remotes.map((r) =>
        r.unsynced(resumable).catch(
          (error: unknown): UnsyncedRemote => ({
            remote: r.remote,
            records: 0,
            more: true,
            reason: `could not read the local change feed to count them: ${(error as Error)?.message ?? error}`,
            resumable,
          }),
        ),
      ),
    );
    for (const remote of this.#remotes) remote.close();
    await this.#local.close();
    return unsynced.filter((u): u is UnsyncedRemote => u !== undefined);
  }
}

/**
 * The local store's connector. `credentials` sign in to the remotes (and to a `ws://` local store); an
 * embedded local store runs without authentication, as embedded engines do, so it gets none.
 */
function localConnector(config: ResolvedConfig, localCache: string): Connector {
  return createConnector(
    localCache,
    isEmbeddedUrl(localCache) ? { ...config, credentials: undefined } : config,
  );
}

function isEmbeddedUrl(url: string): boolean {
  const kind = classifyEndpoint(url);
  return "kind" in kind && isEmbedded(kind.kind);
}
