/** The q-quantile (0..1) of `samples` by nearest rank; 0 for no samples. Sorts a copy. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** p50 and p99 in one go, rounded to microseconds when the unit is ms. */
export function p50p99(samples: readonly number[]): { p50: number; p99: number } {
  return { p50: round3(percentile(samples, 0.5)), p99: round3(percentile(samples, 0.99)) };
}

function round3(x: number): number {
  return Math.round(x * 1_000) / 1_000;
}
