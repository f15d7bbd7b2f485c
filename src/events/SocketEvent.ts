/**
 * Events of the sockets a `ws(s)://` endpoint's pooled sessions share (README, "Sockets and sessions").
 * A socket is not a connection machine: its drop is what retires the connections (sessions) on it,
 * each through its own machine's `connection.broken`.
 */

interface SocketRef {
  /** Epoch milliseconds when the event happened. */
  ts: number;
  endpoint: string;
  /** Unique within the pool, e.g. "ws://127.0.0.1:8000#2". */
  socketId: string;
}

export interface SocketOpened extends SocketRef {
  type: "socket.opened";
  /** Sockets of this endpoint open now, this one included. */
  sockets: number;
}

export interface SocketClosed extends SocketRef {
  type: "socket.closed";
  /** Pooled sessions it carried when it closed: a drop retires exactly these. */
  sessions: number;
  /** Set when it dropped (the peer or the network closed it), not when the pool closed it. */
  error?: Error;
}

/**
 * How the endpoint's units are pooled, said once when the first socket tells: "sessions" (SurrealDB 3:
 * many sessions over `socketsPerEndpoint` sockets) or "sockets" (the server has no sessions, e.g.
 * SurrealDB 2.x: one socket per unit).
 */
export interface EndpointPooling {
  type: "endpoint.pooling";
  ts: number;
  endpoint: string;
  pooling: "sessions" | "sockets";
  /** Why, in words (the server's version, or its refusal of `attach`). */
  reason: string;
}

export type SocketEvent = SocketOpened | SocketClosed | EndpointPooling;
