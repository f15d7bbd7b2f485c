import type { Unit } from "./Unit.js";

/**
 * A unit an endpoint opened for a feature rather than for its pool (a connection kept for live
 * queries, an agent's own session): the feature uses `unit`, and gives it back with `close()`, which
 * closes it and frees its place under the endpoint's bound. Closing twice is harmless.
 */
export interface HeldUnit<U extends Unit> {
  readonly unit: U;
  /** What it was opened for, as the feature named it ("live", "agent"): health status counts by it. */
  readonly kind: string;
  close(): Promise<void>;
}

/**
 * The units of one endpoint that are not its pooled connections, filed by kind, with the ones still
 * opening: counts are the sizes of these, nothing is counted beside them.
 */
export class HeldUnits {
  readonly #open = new Map<string, Set<HeldUnit<Unit>>>();
  readonly #opening = new Map<string, number>();
  #total = 0;
  readonly #freed: () => void;

  /** `freed`: a place under the bound came free (the pool may open what its waiters need). */
  constructor(freed: () => void) {
    this.#freed = freed;
  }

  /** Held and opening, every kind. */
  get total(): number {
    return this.#total;
  }

  /** Held and opening, by kind. */
  byKind(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [kind, n] of this.#opening) counts[kind] = n;
    for (const [kind, units] of this.#open) {
      if (units.size > 0) counts[kind] = (counts[kind] ?? 0) + units.size;
    }
    return counts;
  }

  /**
   * Opens a unit of `kind`, its place taken before `open` starts (so units opened at once never pass
   * the bound together), and given back if `open` fails. A transport drop frees its place at once;
   * the feature still closes it.
   */
  async open<U extends Unit>(kind: string, open: () => Promise<U>): Promise<HeldUnit<U>> {
    this.#total++;
    this.#opening.set(kind, (this.#opening.get(kind) ?? 0) + 1);
    let unit: U;
    try {
      unit = await open();
    } catch (error) {
      this.#total--;
      this.#freed();
      throw error;
    } finally {
      const left = this.#opening.get(kind)! - 1;
      if (left === 0) this.#opening.delete(kind);
      else this.#opening.set(kind, left);
    }
    const filed = this.#open.get(kind) ?? new Set();
    this.#open.set(kind, filed);
    let closing: Promise<void> | undefined;
    const held: HeldUnit<U> = {
      unit,
      kind,
      close: () => {
        this.#unfile(filed, held);
        closing ??= unit.close().catch(() => {});
        return closing;
      },
    };
    filed.add(held);
    unit.onBroken(() => this.#unfile(filed, held));
    return held;
  }

  /** Closes every unit still held (shutdown, after the features closed theirs). */
  async closeAll(): Promise<void> {
    const all = [...this.#open.values()].flatMap((units) => [...units]);
    await Promise.all(all.map((held) => held.close()));
  }

  #unfile(units: Set<HeldUnit<Unit>>, held: HeldUnit<Unit>): void {
    if (!units.delete(held)) return;
    this.#total--;
    this.#freed();
  }
}
