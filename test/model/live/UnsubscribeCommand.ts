import type fc from "fast-check";
import type { LiveModel, LiveReal } from "./model.js";

/** Unsubscribes one subscriber: its stream may lag, but it never receives a change committed after. */
export class UnsubscribeCommand implements fc.AsyncCommand<LiveModel, LiveReal> {
  constructor(readonly index: number) {}

  check(m: Readonly<LiveModel>): boolean {
    return m.subscribers.some((s) => s.to === undefined);
  }

  async run(m: LiveModel, r: LiveReal): Promise<void> {
    const active = m.subscribers.map((s, i) => [s, i] as const).filter(([s]) => s.to === undefined);
    const [subscriber, i] = active[this.index % active.length]!;
    r.streams[i]!.subscription.unsubscribe();
    subscriber.to = m.committed.length;
  }

  toString(): string {
    return `unsubscribe(${this.index})`;
  }
}
