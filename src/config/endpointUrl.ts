/** The kinds of endpoint a URL can name. */
export type EndpointKind = "memory" | "surrealkv" | "websocket" | "http";

const kinds: Record<string, EndpointKind> = {
  "mem:": "memory",
  "memory:": "memory",
  "surrealkv:": "surrealkv",
  "surrealkv+versioned:": "surrealkv",
  "ws:": "websocket",
  "wss:": "websocket",
  "http:": "http",
  "https:": "http",
};

/**
 * Classifies an endpoint URL, or returns a sentence saying what is wrong with it. Embedded URLs
 * (`mem://`, `surrealkv://DIR`) are not WHATWG-parsable in every form, so they are checked by prefix.
 */
export function classifyEndpoint(url: string): { kind: EndpointKind } | { error: string } {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) {
    return { error: `"${url}" is not a URL; use mem://, surrealkv://DIR, ws://host:port or wss://host:port` };
  }
  const kind = kinds[scheme];
  if (!kind) {
    return {
      error: `unsupported scheme "${scheme}//" in "${url}"; use mem://, surrealkv://DIR, ws://host:port or wss://host:port`,
    };
  }
  if (kind === "surrealkv" && url.length <= scheme.length + 2) {
    return { error: `"${url}" names no directory; write surrealkv://path/to/dir` };
  }
  if (kind === "websocket" || kind === "http") {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname) return { error: `"${url}" has no host; write ws://host:port` };
    } catch {
      return { error: `"${url}" is not a valid URL; write ws://host:port` };
    }
  }
  return { kind };
}

export function isEmbedded(kind: EndpointKind): boolean {
  return kind === "memory" || kind === "surrealkv";
}
