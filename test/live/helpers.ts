// Shared pieces of the live-query tests: a collector for a live() stream and bounded waiting.
import type { Observable, Subscription } from "rxjs";
import { expect } from "vitest";
import type { LiveNotification } from "../../src/live/LiveNotification.js";

export { EventRecorder, ROOT, remoteOptions, waitFor } from "../remote/helpers.js";

/** Subscribes to `stream` and keeps what it delivers. */
export class Collected<T = Record<string, unknown>> {
  readonly items: LiveNotification<T>[] = [];
  error: unknown;
  completed = false;
  readonly subscription: Subscription;

  constructor(stream: Observable<LiveNotification<T>>) {
    this.subscription = stream.subscribe({
      next: (n) => this.items.push(n),
      error: (e) => {
        this.error = e;
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  /** Changes only (no gaps), as `kind id`. */
  changes(): string[] {
    return this.items.flatMap((n) => (n.kind === "gap" ? [] : [`${n.kind} ${String(n.id)}`]));
  }

  gaps(): Extract<LiveNotification, { kind: "gap" }>[] {
    return this.items.filter((n): n is Extract<LiveNotification, { kind: "gap" }> => n.kind === "gap");
  }
}

/**
 * Asserts that `got` delivered the changes `expected` (`kind id`), in order, once each. A change that went
 * out without its notification (on a fed table it waits STALL_MS for it; a starved machine can take longer)
 * reads `update` where it was a create, as the README says: that one difference is allowed.
 */
export function expectChanges(got: Collected, expected: string[]): void {
  const changes = got.items.filter((n) => n.kind !== "gap");
  const actual = changes.map((n, i) => {
    const text = `${n.kind} ${String(n.id)}`;
    return n.backfilled && text.startsWith("update ") && expected[i] === `create ${String(n.id)}`
      ? expected[i]
      : text;
  });
  expect(actual).toEqual(expected);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The live queries the server holds on `table` (INFO FOR TABLE lists them): proof of a kill. */
export async function livesOn(
  manager: { executeWithRetry<T>(fn: (db: import("surrealdb").SurrealSession) => Promise<T>): Promise<T> },
  table: string,
): Promise<number> {
  const [info] = await manager.executeWithRetry((db) =>
    db.query<[{ lives?: Record<string, string> }]>(`INFO FOR TABLE ${table}`),
  );
  return Object.keys(info?.lives ?? {}).length;
}
