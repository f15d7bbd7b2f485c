/**
 * A retry budget (after Finagle's): over a sliding time window, retries may be at most `ratio` of the
 * requests made plus a small floor of `minRetriesPerSecond`. When an endpoint goes down, every caller
 * retrying up to `maxAttempts` would multiply the load by `maxAttempts`; the budget caps the extra load at
 * `ratio` (20% by default) while the floor keeps retries possible at low traffic.
 *
 * Counts live in `buckets` time slices, so the window slides in steps of `windowMs / buckets` and memory
 * stays constant whatever the request rate.
 */

/** How a `RetryBudget` is sized. */
export interface RetryBudgetOptions {
  /** Retries allowed per request made in the window, e.g. 0.2 for one retry per five requests. Default 0.2. */
  ratio?: number;
  /** Retries allowed per second of window whatever the traffic, so rare requests can still retry. Default 10. */
  minRetriesPerSecond?: number;
  /** Length of the sliding window in ms. Default 10 000. */
  windowMs?: number;
  /** Time slices the window is counted in; more slices slide more smoothly. Default 10. */
  buckets?: number;
  /** Clock in epoch ms; inject one in tests. Default `Date.now`. */
  now?: () => number;
}

interface Bucket {
  /** `floor(time / bucketMs)` of the slice this bucket currently counts; -1 when unused. */
  slice: number;
  requests: number;
  retries: number;
}

export class RetryBudget {
  readonly #ratio: number;
  readonly #floor: number;
  readonly #bucketMs: number;
  readonly #buckets: Bucket[];
  readonly #now: () => number;

  constructor(options: RetryBudgetOptions = {}) {
    const {
      ratio = 0.2,
      minRetriesPerSecond = 10,
      windowMs = 10_000,
      buckets = 10,
      now = Date.now,
    } = options;
    if (!(ratio >= 0)) throw new RangeError(`RetryBudget ratio must be >= 0, got ${ratio}`);
    if (!(minRetriesPerSecond >= 0)) {
      throw new RangeError(`RetryBudget minRetriesPerSecond must be >= 0, got ${minRetriesPerSecond}`);
    }
    if (!(windowMs > 0)) throw new RangeError(`RetryBudget windowMs must be > 0, got ${windowMs}`);
    if (!Number.isInteger(buckets) || buckets < 1) {
      throw new RangeError(`RetryBudget buckets must be a positive integer, got ${buckets}`);
    }
    this.#ratio = ratio;
    this.#floor = (minRetriesPerSecond * windowMs) / 1000;
    this.#bucketMs = windowMs / buckets;
    this.#buckets = Array.from({ length: buckets }, () => ({ slice: -1, requests: 0, retries: 0 }));
    this.#now = now;
  }

  /** Counts one request (a first attempt); each earns `ratio` of a retry. */
  recordRequest(): void {
    this.#current().requests++;
  }

  /** Takes one retry from the budget; false (and nothing taken) when the budget is spent. */
  tryRetry(): boolean {
    // The epsilon absorbs float drift: 5 requests at ratio 0.2 must buy exactly one retry.
    if (this.available() < 1 - 1e-9) return false;
    this.#current().retries++;
    return true;
  }

  /** Retries the budget would allow now (fractional: 0.6 means "not yet"). */
  available(): number {
    const { requests, retries } = this.#totals();
    return this.#floor + this.#ratio * requests - retries;
  }

  /** Requests and retries counted in the window, for metrics and health status. */
  toJSON(): { requests: number; retries: number; available: number } {
    const { requests, retries } = this.#totals();
    return { requests, retries, available: Math.max(0, this.#floor + this.#ratio * requests - retries) };
  }

  #current(): Bucket {
    const slice = Math.floor(this.#now() / this.#bucketMs);
    const n = this.#buckets.length;
    const bucket = this.#buckets[((slice % n) + n) % n]!;
    if (bucket.slice !== slice) {
      bucket.slice = slice;
      bucket.requests = 0;
      bucket.retries = 0;
    }
    return bucket;
  }

  #totals(): { requests: number; retries: number } {
    const oldest = Math.floor(this.#now() / this.#bucketMs) - this.#buckets.length;
    let requests = 0;
    let retries = 0;
    for (const bucket of this.#buckets) {
      if (bucket.slice > oldest) {
        requests += bucket.requests;
        retries += bucket.retries;
      }
    }
    return { requests, retries };
  }
}
