/**
 * The one histogram of the metrics fold: fixed bucket bounds, per-bucket counts, sum and max, all in
 * milliseconds. Plain data (it travels in snapshots and JSON); these functions are all that touch it.
 */
export interface Histogram {
  /** Bucket upper bounds in ms; `counts` has one more entry, for +Inf. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative). */
  counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
}

/** Upper bounds (ms) of the acquire-wait histogram buckets; the last bucket is +Inf. */
export const ACQUIRE_WAIT_BUCKETS_MS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000,
];

/** Upper bounds (ms) of the lease-hold, operation and connect histograms; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
];

export function emptyHistogram(bounds: readonly number[]): Histogram {
  return { bounds, counts: new Array(bounds.length + 1).fill(0), count: 0, sumMs: 0, maxMs: 0 };
}

/** Adds one observation, in place (no allocation: this runs once per lease). */
export function observe(h: Histogram, ms: number): void {
  const bounds = h.bounds;
  let i = 0;
  while (i < bounds.length && ms > bounds[i]!) i++;
  h.counts[i]!++;
  h.count++;
  h.sumMs += ms;
  if (ms > h.maxMs) h.maxMs = ms;
}

/** Adds `from`'s observations into `into` (same bounds), in place. */
export function addHistogram(into: Histogram, from: Histogram): Histogram {
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += from.counts[i]!;
  into.count += from.count;
  into.sumMs += from.sumMs;
  if (from.maxMs > into.maxMs) into.maxMs = from.maxMs;
  return into;
}

export function copyHistogram(h: Histogram): Histogram {
  return { ...h, counts: [...h.counts] };
}

/**
 * The observations of `now` that `before` (an earlier reading of the same histogram) did not have.
 * Its `maxMs` is `now`'s: a histogram does not remember when its maximum happened.
 */
export function histogramSince(now: Histogram, before: Histogram): Histogram {
  return {
    bounds: now.bounds,
    counts: now.counts.map((c, i) => c - (before.counts[i] ?? 0)),
    count: now.count - before.count,
    sumMs: now.sumMs - before.sumMs,
    maxMs: now.maxMs,
  };
}

/** Approximate quantile (0..1) of a histogram: the upper bound of the bucket that holds it. */
export function histogramQuantile(h: Histogram, q: number): number {
  if (h.count === 0) return 0;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return i < h.bounds.length ? h.bounds[i]! : h.maxMs;
  }
  return h.maxMs;
}
