import type fc from "fast-check";
import { waitFor } from "../../live/helpers.js";
import type { LiveModel, LiveReal } from "./model.js";

/** Subscribes to one of the tables and waits until the live query is registered. */
export class SubscribeCommand implements fc.AsyncCommand<LiveModel, LiveReal> {
  constructor(readonly fed: boolean) {}

  check(m: Readonly<LiveModel>): boolean {
    return m.subscribers.filter((s) => s.to === undefined).length < 4;
  }

  async run(m: LiveModel, r: LiveReal): Promise<void> {
    const table = this.fed ? "fed" : "plain";
    const before = r.events.of("live.subscribed").length;
    const items: import("../../../src/live/LiveNotification.js").LiveNotification[] = [];
    const stream: LiveReal["streams"][number] = { items, subscription: undefined!, id: m.subscribers.length };
    stream.subscription = r.manager.live(r.tables[table]).subscribe({
      next: (n) => items.push(n),
      error: (e) => {
        stream.error = e;
      },
    });
    r.streams.push(stream);
    m.subscribers.push({ table, from: m.committed.length, to: undefined });
    await waitFor(
      () => r.events.of("live.subscribed").length > before,
      () =>
        `registered; stream error: ${String(stream.error)}; ${JSON.stringify(r.manager.healthStatus().live)} breakers ${JSON.stringify(
          r.manager.breakers().map((b) => b.state),
        )}`,
      { timeoutMs: 15_000 },
    );
  }

  toString(): string {
    return `subscribe(${this.fed ? "fed" : "plain"})`;
  }
}
