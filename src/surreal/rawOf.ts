import type { Endpoint } from "../core/Endpoint.js";
import type { PooledConnection } from "../core/PooledConnection.js";
import type { Connector, RawConnection } from "./Connector.js";

/**
 * The SurrealDB unit under an open pooled connection (leased, or just opened: read on every acquire,
 * so without `requireRaw`'s check). The core files units as `Unit`s; every unit it holds was opened by
 * one of the pool's `Connector`s, so this layer reads it back as what it made.
 */
export function rawOf(connection: PooledConnection): RawConnection {
  return connection.raw as RawConnection;
}

/** The connector of an endpoint (every endpoint of the pool is opened by a SurrealDB `Connector`). */
export function connectorOf(endpoint: Endpoint): Connector {
  return endpoint.connector as Connector;
}
