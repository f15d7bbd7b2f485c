import { fromCallback, fromPromise } from "xstate";
import {
  type BackfillOutput,
  type LiveEffectInput,
  type LiveSubscriptionEnd,
  liveSubscriptionMachine,
  type ReregisterOutput,
} from "../../machines/liveSubscription.machine.js";

/** A subscription's side of each machine effect (LiveRun's, one object per run, made once). */
export interface LiveRunEffects {
  register(signal: AbortSignal): Promise<void>;
  reregister(signal: AbortSignal): Promise<ReregisterOutput>;
  backfill(signal: AbortSignal): Promise<BackfillOutput>;
  /** While live: starts reading the feed now and then; returns the stop. */
  follow(): () => void;
  backoffMs(attempt: number): number;
  retryable(error: unknown): boolean;
  drop(): void;
  announceSubscribed(): void;
  announceLost(error: Error): void;
  announceResubscribed(attempts: number, backfilled: number): void;
  putGap(): void;
  finish(end: LiveSubscriptionEnd): void;
}

function effectsOf(input: { resource?: unknown }): LiveRunEffects {
  return (input.resource as { effects: LiveRunEffects }).effects;
}

/**
 * The liveSubscription machine with its effects, provided once for every subscription: each reads its
 * subscription from the machine's `resource` (a `.provide()` per subscription would build a new machine
 * definition each time).
 */
export const liveSubscriptionLogic = liveSubscriptionMachine.provide({
  actors: {
    register: fromPromise<void, LiveEffectInput>(({ input, signal }) => effectsOf(input).register(signal)),
    reregister: fromPromise<ReregisterOutput, LiveEffectInput>(({ input, signal }) =>
      effectsOf(input).reregister(signal),
    ),
    backfill: fromPromise<BackfillOutput, LiveEffectInput>(({ input, signal }) =>
      effectsOf(input).backfill(signal),
    ),
    follow: fromCallback<{ type: string }, LiveEffectInput>(({ input }) => effectsOf(input).follow()),
  },
  delays: {
    backoff: ({ context }) => effectsOf(context).backoffMs(context.attempt),
  },
  guards: {
    retryable: ({ context, event }) => effectsOf(context).retryable((event as { error?: unknown }).error),
  },
  actions: {
    dropRegistration: ({ context }) => effectsOf(context).drop(),
    announceSubscribed: ({ context }) => effectsOf(context).announceSubscribed(),
    announceLost: ({ context }, { error }) => effectsOf(context).announceLost(error),
    announceResubscribed: ({ context, event }) => {
      const output = (event as { output?: Partial<BackfillOutput> }).output;
      effectsOf(context).announceResubscribed(context.attempt, output?.backfilled ?? 0);
    },
    putGap: ({ context }) => effectsOf(context).putGap(),
    finish: ({ context }) => {
      if (context.end) effectsOf(context).finish(context.end);
    },
  },
});
