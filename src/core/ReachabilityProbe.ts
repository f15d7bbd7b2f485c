import { type BackoffOptions, backoffCap, partialJitter } from "../util/backoff.js";
import { probeTcp } from "./probeTcp.js";

/** Probes from 100 ms apart, growing by half each round to 500 ms. */
const PROBE_BACKOFF: BackoffOptions = { initialBackoffMs: 100, maxBackoffMs: 500, multiplier: 1.5 };
/** A probe to a host that drops packets (no answer at all) gives up after this. */
const PROBE_DEADLINE_MS = 1_000;

/**
 * While an endpoint's circuit breaker is open: does the endpoint listen again? A TCP connect, closed at
 * once (a refused one costs either side nothing), from 100 ms apart, growing to 500 ms, with jitter so many
 * clients do not probe in step. An endpoint found listening on the first probe is sick, not gone: it is
 * left to wait out the breaker's open time. One found unreachable is probed until it listens, and then
 * `onReachable` lets the breaker try it at once: a database back after an outage of any length is used
 * again within about half a second, where the breaker alone would wait up to its `resetTimeoutMs`.
 */
export class ReachabilityProbe {
  readonly #url: string;
  readonly #onReachable: () => void;
  readonly #probe: (url: string, signal: AbortSignal) => Promise<void>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | undefined;
  #round = 0;

  constructor(
    url: string,
    onReachable: () => void,
    probe: (url: string, signal: AbortSignal) => Promise<void> = probeTcp,
  ) {
    this.#url = url;
    this.#onReachable = onReachable;
    this.#probe = probe;
  }

  /** Endpoints reached over the network have a port to probe; embedded ones do not. */
  static applies(url: string): boolean {
    return /^(wss?|https?):\/\//i.test(url);
  }

  get running(): boolean {
    return this.#abort !== undefined;
  }

  start(): void {
    if (this.#abort) return;
    this.#round = 0;
    this.#abort = new AbortController();
    void this.#attempt(this.#abort);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
  }

  async #attempt(run: AbortController): Promise<void> {
    const round = this.#round++;
    let listening: boolean;
    try {
      await this.#probe(this.#url, AbortSignal.any([run.signal, AbortSignal.timeout(PROBE_DEADLINE_MS)]));
      listening = true;
    } catch {
      listening = false;
    }
    if (run.signal.aborted) return;
    if (listening) {
      this.stop();
      if (round > 0) this.#onReachable();
      return;
    }
    const delay = partialJitter(backoffCap(round + 1, PROBE_BACKOFF), 0.2);
    this.#timer = setTimeout(() => void this.#attempt(run), delay);
    this.#timer.unref?.();
  }
}
