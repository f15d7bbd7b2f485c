// A subscription's machine is inspectable like the pool's others: the room's inspection observer sees its
// actor and each state it passes. (A fake room: the engine is not the subject.)
import { Observable } from "rxjs";
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { parseLiveRequest } from "../../src/live/LiveOptions.js";
import { LiveRun, type LiveRunHost } from "../../src/live/LiveRun.js";
import { waitFor } from "./helpers.js";

describe("live subscription machine inspection", () => {
  it("reports the subscription's actor and its states to the room's inspect observer", async () => {
    const seen: InspectionEvent[] = [];
    const room: LiveRunHost = {
      place: async () => {
        throw new Error("refused");
      },
      leave: () => {},
      publish: () => {},
      backoffMs: () => 0,
      maxAttempts: 3,
      readTimeoutMs: 1_000,
      feedPollMs: 1_000,
      ended: () => {},
      inspect: (event) => seen.push(event),
    };
    let error: unknown;
    new Observable<never>((subscriber) => {
      new LiveRun("live-1", parseLiveRequest("item", undefined), subscriber, room).start();
    }).subscribe({ error: (e) => (error = e) });
    await waitFor(() => error !== undefined, "the refused registration ends the stream");
    const states = seen.flatMap((e) =>
      e.type === "@xstate.snapshot" && (e.actorRef as { id?: string }).id === "live-subscription-live-1"
        ? [JSON.stringify((e.snapshot as { value?: unknown }).value)]
        : [],
    );
    expect(states[0]).toBe(JSON.stringify({ registering: "attempting" }));
    expect(states.at(-1)).toBe(JSON.stringify("failed"));
  });
});
