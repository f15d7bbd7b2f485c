import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { optionalDuration, optionalName, optionalPort, optionsObject } from "../util/arguments.js";
import { DashboardFeed, type DashboardSource, type DashboardStats } from "./DashboardFeed.js";
import type { LiveConnection } from "./DashboardModel.js";
import { dashboardPage } from "./page/dashboardPage.js";

export interface DashboardOptions {
  /** Port to listen on; 0 (default) picks a free one, see `url`. */
  port?: number;
  /** Interface to listen on. Default "127.0.0.1": the page shows endpoints and errors, keep it local. */
  host?: string;
  /** How often the page gets a frame of changes, in ms. Default 200. */
  intervalMs?: number;
}

/**
 * A dashboard being served. It keeps the process alive until closed: by `close()`, at the end of an
 * `await using` block, or by its manager's `shutdown()`.
 */
export interface DashboardServer extends AsyncDisposable {
  /** `http://host:port/`: the page. `events` is its SSE stream, `snapshot.json` the state as JSON. */
  url: string;
  /** Events, frames and bytes so far, and pages connected. */
  stats(): DashboardStats;
  /** Ends every page's stream and closes the server. Idempotent. */
  close(): Promise<void>;
}

/** Extra routes a manager may serve next to the page (e.g. its Prometheus text). */
export interface DashboardExtras {
  connections: () => Iterable<LiveConnection>;
  prometheus?: () => Promise<string>;
}

/**
 * A live dashboard of one pool on node:http: a single self-contained page (inline script and styles,
 * nothing fetched from elsewhere), fed by Server-Sent Events from the pool's `events$`.
 */
export async function serveDashboard(
  source: DashboardSource,
  extras: DashboardExtras,
  options?: DashboardOptions,
): Promise<DashboardServer> {
  // Refused before anything listens or subscribes.
  const o = optionsObject<DashboardOptions>("serveDashboard(options)", options);
  const port = optionalPort("serveDashboard(options).port", o.port) ?? 0;
  const host = optionalName("serveDashboard(options).host", o.host) ?? "127.0.0.1";
  const intervalMs = optionalDuration("serveDashboard(options).intervalMs", o.intervalMs) ?? 200;
  const feed = new DashboardFeed(source, extras.connections(), intervalMs);
  const page = dashboardPage();

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(String((error as Error)?.message ?? error));
    });
  });
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://dashboard").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "text/plain", "GET only");
    switch (path) {
      case "/":
        return reply(res, 200, "text/html", page, {
          // Everything is inline; allow nothing else, and only this origin for the event stream.
          "content-security-policy":
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        });
      case "/events":
        if (req.method !== "GET") return reply(res, 405, "text/plain", "GET only");
        return feed.addClient(res);
      case "/snapshot.json":
        return reply(
          res,
          200,
          "application/json",
          JSON.stringify({ ...feed.snapshot(), feed: feed.stats() }),
        );
      case "/metrics":
        if (extras.prometheus) return reply(res, 200, "text/plain; version=0.0.4", await extras.prometheus());
        return reply(res, 404, "text/plain", "no metrics");
      default:
        return reply(res, 404, "text/plain", "not found");
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as { port: number };
  const shownHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      feed.tick(); // the pages get what changed since the last frame (a shutdown's end) first
      feed.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return {
    url: `http://${shownHost}:${address.port}/`,
    stats: () => feed.stats(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function reply(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": type.includes("charset") ? type : `${type}; charset=utf-8`,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
}
