import type { ResolvedConfig } from "./resolveConfig.js";

/** The endpoint URLs a configuration serves, in order (hybrid: the local cache, which the pool serves). */
export function endpointsOf(config: ResolvedConfig): string[] {
  switch (config.mode.kind) {
    case "local":
      return [config.mode.endpoint];
    case "remote":
      return config.mode.endpoints;
    case "hybrid":
      return [config.mode.localCache];
  }
}
