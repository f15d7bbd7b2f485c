import { classifyEndpoint, isEmbedded } from "../config/endpointUrl.js";
import type { ResolvedConfig } from "../config/resolveConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { AuthRenewed } from "../events/LeaseSessionEvent.js";
import type { SocketEvent } from "../events/SocketEvent.js";
import type { Connector } from "./Connector.js";
import { EmbeddedConnector } from "./EmbeddedConnector.js";
import { assertEmbeddedEngineInstalled } from "./embeddedEngine.js";
import { SessionConnector } from "./SessionConnector.js";
import { assertStoreDirectoryUsable } from "./storeDirectory.js";

/**
 * The connector for one endpoint URL: sessions of one embedded engine, or sessions over a few shared
 * sockets (one socket per connection when the server has no sessions). `publish` gets socket events,
 * and the renewals of a shared socket's default session.
 */
export function createConnector(
  endpoint: string,
  config: ResolvedConfig,
  publish?: (event: SocketEvent | AuthRenewed) => void,
): Connector {
  const result = classifyEndpoint(endpoint);
  if ("error" in result) throw new ConfigError([{ path: "mode", message: result.error }]);
  const common = {
    endpoint,
    namespace: config.namespace,
    database: config.database,
    credentials: config.credentials,
  };
  if (isEmbedded(result.kind)) {
    const optionPath = config.mode.kind === "hybrid" ? "mode.localCache" : "mode.endpoint";
    assertEmbeddedEngineInstalled(endpoint, optionPath);
    assertStoreDirectoryUsable(endpoint, optionPath);
    return new EmbeddedConnector({
      ...common,
      optionPath,
      connectTimeoutMs: config.pool.connectTimeoutMs,
    });
  }
  if (result.kind === "websocket") {
    return new SessionConnector({
      ...common,
      allowExitOnIdle: config.pool.allowExitOnIdle,
      socketsPerEndpoint: config.pool.socketsPerEndpoint,
      connectTimeoutMs: config.pool.connectTimeoutMs,
      validationTimeoutMs: config.pool.validationTimeoutMs,
      publish,
    });
  }
  throw new ConfigError([
    { path: "mode", message: `"${endpoint}": http(s) endpoints cannot hold sessions; use ws:// or wss://` },
  ]);
}
