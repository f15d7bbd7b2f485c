import { ArgumentError } from "../errors/ArgumentError.js";
import { describe, optionalDuration, optionalName, optionsObject } from "../util/arguments.js";
import type { DashboardOptions } from "./serveDashboard.js";

const KNOWN = new Set(["port", "host", "intervalMs"]);

/**
 * `serveDashboard(options)`, checked before anything listens: Node's `listen()` takes a string port
 * for a Unix socket path (`{ port: "x" }` made a socket file `./x` and a URL with no port), so every
 * option is refused here, typed, with what to pass instead.
 */
export function parseDashboardOptions(value: unknown): DashboardOptions {
  const o = optionsObject<DashboardOptions>("serveDashboard(options)", value);
  const unknown = Object.keys(o).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) {
    throw new ArgumentError(
      "serveDashboard(options)",
      `has unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; it takes port, host and intervalMs`,
    );
  }
  const parsed: DashboardOptions = {};
  if (o.port !== undefined) {
    if (typeof o.port !== "number" || !Number.isInteger(o.port) || o.port < 0 || o.port > 65_535) {
      throw new ArgumentError(
        "serveDashboard(options).port",
        `must be a whole number from 0 to 65535 (0: any free port), got ${describe(o.port)}`,
      );
    }
    parsed.port = o.port;
  }
  const host = optionalName("serveDashboard(options).host", o.host);
  if (host !== undefined) parsed.host = host;
  const intervalMs = optionalDuration("serveDashboard(options).intervalMs", o.intervalMs);
  if (intervalMs !== undefined) parsed.intervalMs = intervalMs;
  return parsed;
}
