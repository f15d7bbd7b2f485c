/** One printed benchmark row. `ratio` is always subject / baseline. */
export interface Row {
  bench: string;
  subject: string;
  baseline: string;
  unit: string;
  subjectValue: number;
  baselineValue: number;
  ratio: number;
  target?: string;
  met?: boolean;
  [extra: string]: unknown;
}

export function ratioRow(options: {
  bench: string;
  baseline: string;
  unit: string;
  subjectValue: number;
  baselineValue: number;
  target?: string;
  meets?: (ratio: number) => boolean;
  extra?: Record<string, unknown>;
}): Row {
  const ratio = options.subjectValue / options.baselineValue;
  return {
    bench: options.bench,
    subject: "surreal-pool",
    baseline: options.baseline,
    unit: options.unit,
    subjectValue: round(options.subjectValue),
    baselineValue: round(options.baselineValue),
    ratio: round(ratio),
    ...(options.target ? { target: options.target, met: options.meets?.(ratio) } : {}),
    ...options.extra,
  };
}

export function round(x: number): number {
  return Math.round(x * 1_000) / 1_000;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Runs each subject `rounds` times, interleaved (A B C A B C ...) so drift in machine load hits all
 * alike, after one warm-up round each. Returns the median milliseconds per iteration.
 */
export async function timeLoop(
  subjects: Record<string, (n: number) => Promise<void>>,
  iterations: number,
  rounds: number,
): Promise<Record<string, number>> {
  const names = Object.keys(subjects);
  for (const name of names) await subjects[name]!(Math.ceil(iterations / 4));
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const start = performance.now();
      await subjects[name]!(iterations);
      samples[name]!.push((performance.now() - start) / iterations);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}
