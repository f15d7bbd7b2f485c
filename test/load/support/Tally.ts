import { isSurrealPoolError } from "../../../src/index.js";

/**
 * Every operation a scenario starts ends up here exactly once: as a success, or as a failure filed under
 * its error's `code` (the pool's errors) or `name` (the SDK's, Node's). A scenario then checks that the
 * totals add up and that every failure is one it expects.
 */
export class Tally {
  ok = 0;
  readonly failures = new Map<string, number>();
  /** The first error of each kind, to show in a failing assertion. */
  readonly samples = new Map<string, unknown>();
  /** performance.now() of every success, for stall detection. */
  readonly completions: number[] = [];

  succeed(at = performance.now()): void {
    this.ok++;
    this.completions.push(at);
  }

  fail(error: unknown): void {
    const key = errorKey(error);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    if (!this.samples.has(key)) this.samples.set(key, error);
  }

  get failed(): number {
    let n = 0;
    for (const count of this.failures.values()) n += count;
    return n;
  }

  get total(): number {
    return this.ok + this.failed;
  }

  /** Failures by kind, as a plain object (readable in an assertion diff). */
  failuresByKind(): Record<string, number> {
    return Object.fromEntries(this.failures);
  }

  /** Longest time between two consecutive successes (or from `since` to the first): a stall shows here. */
  maxGapMs(since: number): number {
    const sorted = [...this.completions].sort((a, b) => a - b);
    let previous = since;
    let gap = 0;
    for (const at of sorted) {
      gap = Math.max(gap, at - previous);
      previous = at;
    }
    return gap;
  }

  /** Merges another tally into this one. */
  add(other: Tally): this {
    this.ok += other.ok;
    this.completions.push(...other.completions);
    for (const [key, count] of other.failures) {
      this.failures.set(key, (this.failures.get(key) ?? 0) + count);
      if (!this.samples.has(key)) this.samples.set(key, other.samples.get(key));
    }
    return this;
  }
}

/** `code` for the pool's errors (stable across bundles), else the class name, else a Node error code. */
export function errorKey(error: unknown): string {
  if (isSurrealPoolError(error)) return error.code;
  if (typeof error === "object" && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof name === "string" && name !== "Error") return name;
    if (typeof code === "string") return code;
  }
  return String(error);
}
