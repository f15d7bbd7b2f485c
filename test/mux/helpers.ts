// Shared pieces of the sessions-over-sockets tests: a manager over one loopback endpoint (optionally
// behind a fault proxy), with test-sized timeouts.
import type { ConnectionManagerOptions } from "../../src/config/options.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { remoteOptions } from "../remote/helpers.js";

export function muxOptions(
  url: string,
  pool: ConnectionManagerOptions["pool"] = {},
): ConnectionManagerOptions {
  // A roomier connect deadline than the remote tests': two other suites share these two cores.
  return remoteOptions([url], {
    pool: { minConnections: 4, maxConnections: 8, connectTimeoutMs: 5_000, ...pool },
  });
}

export function createMux(
  url: string,
  pool: ConnectionManagerOptions["pool"] = {},
): Promise<ConnectionManager> {
  return ConnectionManager.create(muxOptions(url, pool));
}

/** The one endpoint's health entry. */
export function endpointHealth(manager: ConnectionManager) {
  return manager.healthStatus().endpoints[0]!;
}
