/**
 * The largest duration a Node.js timer honours: `setTimeout`/`setInterval` clamp any delay above
 * 2^31 - 1 ms (about 24.8 days) to 1 ms, so "wait 30 days" would fire at once. Every duration option
 * is refused above this instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The largest pool one process may ask for (`maxConnections`, hence `minConnections`). Measured on
 * this project's 2-core machine with the embedded engine: warming 1 000 connections blocks the event
 * loop for ~0.7 s and holds ~35 MB of heap, 5 000 block it for ~3.3 s, and 1 000 000 for well over
 * 20 s. SurrealDB 3 multiplexes many requests over one socket, so past a few hundred connections a
 * bigger pool adds cost and no throughput; a number above this is taken as a mistake.
 */
export const MAX_CONNECTIONS = 1_000;

/** Sockets a `ws(s)://` endpoint's pooled sessions share by default (measured: bench/multiplex.ts). */
export const DEFAULT_SOCKETS_PER_ENDPOINT = 2;

/**
 * Sessions a SurrealDB 3 server keeps attached to one WebSocket (its default limit): a socket that
 * carries this many takes no more, and the next session opens a socket of its own.
 */
export const SESSIONS_PER_SOCKET = 256;

/**
 * Sessions (every kind: pooled, live, agents') the pool keeps open on one endpoint by default: eight
 * full sockets of a SurrealDB 3 server. Above it, an agent's lease runs on a pooled session instead
 * and a live query on another endpoint.
 */
export const DEFAULT_SESSIONS_PER_ENDPOINT = 8 * SESSIONS_PER_SOCKET;

/** The largest `maxSessionsPerEndpoint` accepted: a server's sessions each hold memory there. */
export const MAX_SESSIONS_PER_ENDPOINT = 100_000;

/**
 * End users' sessions kept by default (`users.maxSessions`): half the default bound of an endpoint,
 * so end users leave the pool's own sessions room.
 */
export const DEFAULT_USER_SESSIONS = 4 * SESSIONS_PER_SOCKET;
