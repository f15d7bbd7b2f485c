import type { ResolvedConfig } from "../config/resolveConfig.js";
import type { Endpoint } from "../core/Endpoint.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { Operations } from "../operations/Operations.js";
import { placeOwnSession } from "../surreal/openOwnSession.js";
import { EndUser, type UserHost } from "./EndUser.js";
import { parseIdentity } from "./UserIdentity.js";
import { UserSessions } from "./UserSessions.js";

export interface UsersOptions {
  config: ResolvedConfig;
  endpoints(): readonly Endpoint[];
  /** The manager's calls the handles run through (retries, breakers, the pool's leases). */
  operations: Operations;
  publish(event: PoolEvent): void;
}

/** How many end users' sessions the pool keeps, and how they are used (health status). */
export interface UsersHealth {
  /** `users.maxSessions`. */
  maxSessions: number;
  /** Sessions open for end users, in use or idle. */
  cached: number;
  /** Of them, leased or running a call. */
  inUse: number;
  /** Identities with at least one session. */
  users: number;
  /** Calls waiting for room under `maxSessions`. */
  waiting: number;
}

/** Where `manager.as()` and `manager.forget()` are served: the users' sessions and their handles. */
export class Users {
  readonly #options: UsersOptions;
  readonly #sessions: UserSessions;
  readonly #host: UserHost;
  /** Endpoints already said (once each) to give each user a socket of its own. */
  readonly #socketsSaid = new Set<string>();
  readonly #known = (key: string) => this.#sessions.known(key);
  /** The pool's namespace/database: where a handle runs unless its identity names another. */
  readonly #place: { namespace: string; database: string };

  constructor(options: UsersOptions) {
    this.#options = options;
    const { config, operations, publish } = options;
    this.#place = { namespace: config.namespace, database: config.database };
    const { connectTimeoutMs, connectionTimeoutMs, queryTimeoutMs, retryPolicy } = config.pool;
    this.#sessions = new UserSessions({
      maxSessions: config.users.maxSessions,
      waitMs: connectionTimeoutMs,
      publish,
      open: (at) =>
        placeOwnSession(options.endpoints(), "user", at, {
          connectTimeoutMs,
          onSocket: (endpoint, reason) => this.#sockets(endpoint, reason),
        }),
    });
    this.#host = {
      sessions: this.#sessions,
      acquire: (acquireOptions) => operations.acquire(acquireOptions),
      retried: (attempt, signal) => operations.retried(attempt, signal),
      record: (endpoint, error) => operations.record(endpoint, error),
      acquireTimeoutMs: connectionTimeoutMs,
      queryTimeoutMs,
      retryPolicy,
      publish,
    };
  }

  /** A handle acting as `identity` (checked now: a bad one is an `ArgumentError`, and nothing is cached). */
  as(identity: unknown): EndUser {
    return new EndUser(parseIdentity(identity, this.#place, this.#known), this.#host);
  }

  /** Logout: drops every cached session of `identity`; true when it had any. */
  forget(identity: unknown): boolean {
    return this.#sessions.forget(parseIdentity(identity, this.#place));
  }

  health(): UsersHealth {
    return this.#sessions.health();
  }

  close(): Promise<void> {
    return this.#sessions.close();
  }

  #sockets(endpoint: string, reason: string): void {
    if (this.#socketsSaid.has(endpoint)) return;
    this.#socketsSaid.add(endpoint);
    this.#options.publish({
      type: "user.sockets",
      ts: Date.now(),
      endpoint,
      reason: `${reason}: each end user's session there is a socket of its own`,
    });
  }
}
