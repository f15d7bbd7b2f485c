import type { RoundCost } from "./drive.js";

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

/** What a subject's rounds cost, each figure the median over the rounds. */
export interface Cost {
  opsPerSecond: number;
  cpuUsPerOp: number;
  jsThreadUsPerOp?: number;
}

export function costOf(rounds: readonly RoundCost[]): Cost {
  const js = rounds.map((r) => r.jsThreadUsPerOp);
  return {
    opsPerSecond: median(rounds.map((r) => r.opsPerSecond)),
    cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)),
    ...(js.every((x) => x !== undefined) && js.length > 0 ? { jsThreadUsPerOp: median(js) } : {}),
  };
}

/** A subject against its baseline, both ratios subject / baseline. */
export interface CostRatios {
  throughput: number;
  cpu: number;
  /** The JS thread's CPU per op alone (Linux); undefined where it cannot be read. */
  jsThread?: number;
}

/**
 * A row that carries throughput (its value and `ratio`) and client CPU per operation beside it
 * (`cpuUsPerOp`, `baselineCpuUsPerOp`, `cpuRatio`, and the JS thread's alone where readable), measured
 * over the same interleaved rounds. `meets` judges both ratios; the target names the one it judges.
 */
export function costRow(options: {
  bench: string;
  /** Printed in place of "surreal-pool" where a bench has several paths through the pool. */
  name?: string;
  baseline: string;
  unit?: string;
  subject: readonly RoundCost[];
  baselineRounds: readonly RoundCost[];
  target?: string;
  meets?: (ratios: CostRatios) => boolean;
  extra?: Record<string, unknown>;
}): Row {
  const s = costOf(options.subject);
  const b = costOf(options.baselineRounds);
  const ratios: CostRatios = {
    throughput: s.opsPerSecond / b.opsPerSecond,
    cpu: s.cpuUsPerOp / b.cpuUsPerOp,
    ...(s.jsThreadUsPerOp !== undefined && b.jsThreadUsPerOp !== undefined
      ? { jsThread: s.jsThreadUsPerOp / b.jsThreadUsPerOp }
      : {}),
  };
  return {
    ...ratioRow({
      bench: options.bench,
      baseline: options.baseline,
      unit: options.unit ?? "ops/s",
      subjectValue: s.opsPerSecond,
      baselineValue: b.opsPerSecond,
    }),
    ...(options.name ? { subject: options.name } : {}),
    ...(options.target ? { target: options.target, met: options.meets?.(ratios) } : {}),
    cpuUsPerOp: roundUs(s.cpuUsPerOp),
    baselineCpuUsPerOp: roundUs(b.cpuUsPerOp),
    cpuRatio: round(ratios.cpu),
    cpuRatioRange: pairedRange(options.subject, options.baselineRounds),
    ...(ratios.jsThread === undefined
      ? {}
      : {
          jsThreadUsPerOp: roundUs(s.jsThreadUsPerOp!),
          baselineJsThreadUsPerOp: roundUs(b.jsThreadUsPerOp!),
          jsThreadRatio: round(ratios.jsThread),
        }),
    ...options.extra,
  };
}

/**
 * The lowest and highest of each round's CPU ratio (a subject's round against the baseline's round of
 * the same turn): how far one round's reading strays from the row's ratio.
 */
function pairedRange(subject: readonly RoundCost[], baseline: readonly RoundCost[]): [number, number] {
  const paired = subject.map((s, i) => s.cpuUsPerOp / baseline[i]!.cpuUsPerOp);
  return [round(Math.min(...paired)), round(Math.max(...paired))];
}

/** Microseconds to one decimal: CPU per op swings by more than that between rounds. */
export function roundUs(x: number): number {
  return Math.round(x * 10) / 10;
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
