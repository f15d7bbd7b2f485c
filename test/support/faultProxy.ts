// A TCP proxy on 127.0.0.1 in front of an endpoint whose behaviour a test switches at run time, to produce
// the network faults a pool must survive: slow links, partitions, resets, connections cut mid-frame.
//
//   const proxy = await startFaultProxy({ target: endpoint });   // endpoint: anything with a port
//   proxy.setMode({ kind: "latency", ms: 50 });
//   proxy.setMode("blackhole");
//
// Modes apply to every connection, current and new:
// - pass:      bytes flow unchanged.
// - latency:   every chunk is delivered `ms` after it arrived, in each direction, order kept.
// - blackhole: a partition. Connections are accepted but nothing is forwarded or answered; bytes are held
//              (reading pauses) and not lost, so leaving the mode heals the stream as TCP would. A connection
//              accepted while blackholed only dials the endpoint once the mode changes.
// - reset:     every connection is destroyed with a TCP RST, and new ones are reset as they arrive.
// - cutAfter:  each connection forwards `bytes` more bytes (both directions together, counted from when the
//              mode was set or the connection opened), then both sides are closed abruptly mid-stream.
// - cutOnRequest: each connection is reset (RST, both sides) right after its client sent a complete
//              WebSocket RPC request with that `method` (e.g. "signin"): the request reaches the endpoint,
//              its answer never reaches the client. A protocol-level moment instead of a byte count.
import { createServer, type Server, Socket } from "node:net";
import { RpcSniffer } from "./rpcSniffer.js";

export type FaultMode =
  | { kind: "pass" }
  | { kind: "latency"; ms: number }
  | { kind: "blackhole" }
  | { kind: "reset" }
  | { kind: "cutAfter"; bytes: number }
  | { kind: "cutOnRequest"; method: string };

export type FaultModeInput = FaultMode | "pass" | "blackhole" | "reset";

export interface FaultProxyOptions {
  /** The endpoint on 127.0.0.1: a port, or anything with a `port` (an EndpointHandle). Read at each dial. */
  target: number | { readonly port: number };
  /** Default 0 (a free port). */
  port?: number;
  mode?: FaultModeInput;
}

export interface FaultProxyStats {
  /** Connections accepted since start. */
  accepted: number;
  /** Connections currently open (client side). */
  active: number;
  /** Connections destroyed by `reset`, and cut by `cutAfter` or `cutOnRequest`. */
  resets: number;
  cuts: number;
  /** Bytes forwarded client -> endpoint and endpoint -> client. */
  bytesUp: number;
  bytesDown: number;
}

const HOST = "127.0.0.1";
// Latency queues are bounded: past this many chunks in flight the sender is paused (TCP backpressure).
const MAX_QUEUED_CHUNKS = 256;

function normalize(mode: FaultModeInput): FaultMode {
  const m = typeof mode === "string" ? ({ kind: mode } as FaultMode) : mode;
  if (m.kind === "latency" && !(m.ms >= 0)) throw new RangeError("latency ms must be >= 0");
  if (m.kind === "cutAfter" && !(m.bytes >= 0)) throw new RangeError("cutAfter bytes must be >= 0");
  return m;
}

/** One direction of a link: a FIFO of chunks, each due at arrival + latency. */
class Direction {
  readonly queue: Array<{ due: number; chunk: Buffer }> = [];
  ended = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly link: Link,
    readonly from: Socket,
    readonly up: boolean,
  ) {
    from.on("data", (chunk: Buffer) => this.push(chunk));
    from.on("end", () => {
      this.ended = true;
      this.pump();
    });
  }

  get to(): Socket | undefined {
    return this.up ? this.link.upstream : this.link.client;
  }

  push(chunk: Buffer): void {
    const mode = this.link.proxy.mode;
    const delay = mode.kind === "latency" ? mode.ms : 0;
    this.queue.push({ due: Date.now() + delay, chunk });
    if (mode.kind === "blackhole" || this.queue.length >= MAX_QUEUED_CHUNKS) this.from.pause();
    this.pump();
  }

  pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const mode = this.link.proxy.mode;
    const to = this.to;
    // Held while blackholed, until the endpoint is dialled, or until a full socket drained (its "drain"
    // listener calls pump again).
    if (mode.kind === "blackhole" || !to || to.connecting || to.writableNeedDrain || this.link.closed) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.#timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      if (!this.link.forward(this, to, head.chunk)) return;
    }
    if (this.ended) {
      if (!to.writableEnded) to.end(); // relay the FIN only after every held byte went out
    } else if (this.from.isPaused() && !to.writableNeedDrain) this.from.resume();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.queue.length = 0;
  }
}

/** A client connection and its connection to the endpoint. */
class Link {
  upstream: Socket | undefined;
  budget = Number.POSITIVE_INFINITY;
  closed = false;
  /** Follows the client's WebSocket frames from the start, so `cutOnRequest` can be set at any time. */
  readonly sniffer = new RpcSniffer();
  readonly upward: Direction;
  #downward: Direction | undefined;

  constructor(
    readonly proxy: FaultProxy,
    readonly client: Socket,
  ) {
    this.upward = new Direction(this, client, true);
    client.on("close", (hadError) => this.#onClose(client, hadError));
    client.on("error", () => undefined); // reported through "close"
  }

  dial(port: number): void {
    if (this.upstream || this.closed) return;
    const upstream = new Socket({ allowHalfOpen: true });
    this.upstream = upstream;
    this.#downward = new Direction(this, upstream, false);
    upstream.on("error", () => undefined);
    upstream.on("close", (hadError) => this.#onClose(upstream, hadError));
    upstream.on("connect", () => this.pumpAll());
    upstream.connect({ host: HOST, port });
  }

  pumpAll(): void {
    this.upward.pump();
    this.#downward?.pump();
  }

  /** Writes one chunk, honouring the cut budget; false when the link is gone or must wait for drain. */
  forward(dir: Direction, to: Socket, chunk: Buffer): boolean {
    const mode = this.proxy.mode;
    if (dir.up) {
      const methods = this.sniffer.push(chunk, mode.kind === "cutOnRequest");
      if (mode.kind === "cutOnRequest" && methods.includes(mode.method)) {
        this.proxy.count(true, chunk.length);
        to.write(chunk);
        this.proxy.stats.cuts++;
        this.reset();
        return false;
      }
    }
    if (mode.kind === "cutAfter" && chunk.length >= this.budget) {
      const part = chunk.subarray(0, this.budget);
      this.proxy.count(dir.up, part.length);
      if (part.length > 0) to.write(part);
      this.cut();
      return false;
    }
    if (mode.kind === "cutAfter") this.budget -= chunk.length;
    this.proxy.count(dir.up, chunk.length);
    if (!to.write(chunk)) {
      dir.from.pause();
      to.once("drain", () => dir.pump());
      return false;
    }
    return true;
  }

  /** Destroy with RST on both sides. */
  reset(): void {
    if (this.closed) return;
    this.#close();
    this.client.resetAndDestroy();
    this.upstream?.resetAndDestroy();
  }

  /** Abrupt close mid-stream; flushes what was already written, then FIN. */
  cut(): void {
    if (this.closed) return;
    this.proxy.stats.cuts++;
    this.#close();
    this.client.destroySoon();
    this.upstream?.destroySoon();
  }

  #close(): void {
    this.closed = true;
    this.upward.stop();
    this.#downward?.stop();
  }

  #onClose(side: Socket, hadError: boolean): void {
    // A side that died with an error takes its peer down the same way; a clean close was already relayed
    // as "end" by its Direction.
    if (hadError) this.reset();
    if (side === this.client) this.proxy.forget(this);
    if (this.client.destroyed && (this.upstream?.destroyed ?? true)) this.#close();
  }
}

export class FaultProxy {
  readonly #server: Server;
  readonly #links = new Set<Link>();
  readonly #target: number | { readonly port: number };
  #mode: FaultMode;
  readonly stats: FaultProxyStats = { accepted: 0, active: 0, resets: 0, cuts: 0, bytesUp: 0, bytesDown: 0 };

  /** @internal use startFaultProxy */
  constructor(server: Server, options: FaultProxyOptions) {
    this.#server = server;
    this.#target = options.target;
    this.#mode = normalize(options.mode ?? "pass");
    server.on("connection", (socket) => this.#accept(socket));
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address ? address.port : -1;
  }
  /** The SDK URL of the proxied endpoint. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/rpc`;
  }
  get mode(): FaultMode {
    return this.#mode;
  }

  #targetPort(): number {
    return typeof this.#target === "number" ? this.#target : this.#target.port;
  }

  #accept(client: Socket): void {
    this.stats.accepted++;
    if (this.#mode.kind === "reset") {
      this.stats.resets++;
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const link = new Link(this, client);
    this.#links.add(link);
    this.stats.active = this.#links.size;
    if (this.#mode.kind === "cutAfter") link.budget = this.#mode.bytes;
    if (this.#mode.kind !== "blackhole") link.dial(this.#targetPort());
  }

  setMode(input: FaultModeInput): void {
    const mode = normalize(input);
    this.#mode = mode;
    for (const link of [...this.#links]) {
      if (mode.kind === "reset") {
        this.stats.resets++;
        link.reset();
        continue;
      }
      link.budget = mode.kind === "cutAfter" ? mode.bytes : Number.POSITIVE_INFINITY;
      if (mode.kind === "blackhole") continue;
      link.dial(this.#targetPort()); // connections accepted during a blackhole dial now
      link.pumpAll();
    }
  }

  /** Resets one connection only (the oldest still open, or the `index`-th), leaving the others as they are. */
  resetOne(index = 0): boolean {
    const link = [...this.#links][index];
    if (!link) return false;
    this.stats.resets++;
    link.reset();
    return true;
  }

  /** @internal */
  count(up: boolean, bytes: number): void {
    if (up) this.stats.bytesUp += bytes;
    else this.stats.bytesDown += bytes;
  }

  /** @internal */
  forget(link: Link): void {
    this.#links.delete(link);
    this.stats.active = this.#links.size;
  }

  /** Stops listening and resets every connection. Bounded. */
  async close(timeoutMs = 2_000): Promise<void> {
    for (const link of [...this.#links]) link.reset();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  // allowHalfOpen: a FIN from one side is relayed (after queued bytes) rather than closing both at once.
  const server = createServer({ allowHalfOpen: true, noDelay: true });
  const proxy = new FaultProxy(server, options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: HOST, port: options.port ?? 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return proxy;
}
