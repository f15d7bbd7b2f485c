import type fc from "fast-check";
import { waitFor } from "../../live/helpers.js";
import type { LiveModel, LiveReal } from "./model.js";

/**
 * Resets every socket through the proxy (the live connections' included) and lets new ones through
 * again once the live queries noticed: the next commands interleave with their resubscribe.
 */
export class DropCommand implements fc.AsyncCommand<LiveModel, LiveReal> {
  check(m: Readonly<LiveModel>): boolean {
    return m.subscribers.some((s) => s.to === undefined);
  }

  async run(_m: LiveModel, r: LiveReal): Promise<void> {
    const lost = r.events.of("live.lost").length;
    r.proxy.setMode("reset");
    try {
      // Noticed: a live query was lost, or every subscription is recovering already (from a drop before).
      const everyoneRecovering = () => {
        const live = r.manager.healthStatus().live;
        return live !== undefined && live.recovering === live.subscriptions;
      };
      await waitFor(
        () => r.events.of("live.lost").length > lost || everyoneRecovering(),
        () =>
          `a live query noticed the drop; ${JSON.stringify(r.manager.healthStatus().live)} ${r.events.events
            .filter((e) => e.type.startsWith("live."))
            .map((e) => e.type)
            .join(",")}`,
        {
          timeoutMs: 15_000,
        },
      );
    } finally {
      r.proxy.setMode("pass");
    }
  }

  toString(): string {
    return "drop";
  }
}
