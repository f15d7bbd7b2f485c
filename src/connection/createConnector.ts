import { classifyEndpoint, isEmbedded } from "../config/endpointUrl.js";
import type { ResolvedConfig } from "../config/resolveConfig.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { Connector } from "./Connector.js";
import { EmbeddedConnector } from "./EmbeddedConnector.js";
import { WebSocketConnector } from "./WebSocketConnector.js";

/** The connector for one endpoint URL: sessions of one embedded engine, or one socket per connection. */
export function createConnector(endpoint: string, config: ResolvedConfig): Connector {
  const result = classifyEndpoint(endpoint);
  if ("error" in result) throw new ConfigError([{ path: "mode", message: result.error }]);
  const common = {
    endpoint,
    namespace: config.namespace,
    database: config.database,
    credentials: config.credentials,
  };
  if (isEmbedded(result.kind)) {
    return new EmbeddedConnector({ ...common, connectTimeoutMs: config.pool.connectionTimeoutMs });
  }
  if (result.kind === "websocket") return new WebSocketConnector(common);
  throw new ConfigError([
    { path: "mode", message: `"${endpoint}": http(s) endpoints cannot hold sessions; use ws:// or wss://` },
  ]);
}
