import type { ServerResponse } from "node:http";
import type { MetricsSnapshot } from "../observers/metrics.js";
import type { ViewBacklog } from "./ViewBacklog.js";

/**
 * One page's Server-Sent Events stream and where that page stands. A write that fills the socket's
 * buffer makes the client `busy` until the socket drains; nothing more is written to it meanwhile
 * (what it misses goes into its backlog), so at most one chunk waits in the buffer per page.
 */
export class SseClient {
  readonly res: ServerResponse;
  busy = false;
  /** The metrics the page's numbers add up to: those of the last frame or snapshot it got. */
  baseline: MetricsSnapshot;
  /** When the page got its last frame or snapshot (epoch ms). */
  sentAt: number;
  /** Log lines up to this `seq` reached the page in its snapshot; later frames skip them. */
  logAfter: number;
  /** What it missed while busy, merged. */
  backlog: ViewBacklog | undefined;
  /** The backlog grew too large: the page gets a snapshot next instead of a frame. */
  resync = false;
  readonly #counted: (bytes: number) => void;

  constructor(
    res: ServerResponse,
    baseline: MetricsSnapshot,
    logAfter: number,
    counted: (bytes: number) => void,
  ) {
    this.res = res;
    this.baseline = baseline;
    this.sentAt = Date.now();
    this.logAfter = logAfter;
    this.#counted = counted;
    res.on("drain", () => {
      this.busy = false;
    });
  }

  send(event: string, data: string, prefix = ""): void {
    const chunk = `${prefix}event: ${event}\ndata: ${data}\n\n`;
    this.#counted(Buffer.byteLength(chunk));
    if (!this.res.write(chunk)) this.busy = true;
  }
}
