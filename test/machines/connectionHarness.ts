import { createActor, fromPromise, SimulatedClock } from "xstate";
import {
  type ConnectionEmitted,
  type ConnectionInput,
  connectionMachine,
  type EffectInput,
  type Timed,
} from "../../machines/connection.machine.js";

/** A promise the test settles by hand; `hang()` never settles. */
export interface Deferred {
  promise: Promise<Timed>;
  resolve: (value: Timed) => void;
  reject: (error: Error) => void;
}

export function deferred(): Deferred {
  let resolve!: (value: Timed) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<Timed>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const INPUT: ConnectionInput = {
  connectionId: "c1",
  endpoint: "fake://db",
  connectTimeoutMs: 1_000,
  validationTimeoutMs: 200,
  closeTimeoutMs: 300,
};

type EffectName = "open" | "ping" | "reset" | "close";

/**
 * The connection machine with every effect a hand-settled promise, a simulated clock, and every
 * emitted event recorded. `pending[name]` is the promise of the latest call of that effect.
 */
export function startConnection(input: Partial<ConnectionInput> = {}) {
  const calls: { name: EffectName; input: EffectInput; signal: AbortSignal }[] = [];
  const pending: Partial<Record<EffectName, Deferred>> = {};
  const effect = (name: EffectName) =>
    fromPromise<Timed, EffectInput>(({ input, signal }) => {
      const d = deferred();
      pending[name] = d;
      calls.push({ name, input, signal });
      return d.promise;
    });
  const machine = connectionMachine.provide({
    actors: { open: effect("open"), ping: effect("ping"), reset: effect("reset"), close: effect("close") },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input: { ...INPUT, ...input }, clock });
  const emitted: ConnectionEmitted[] = [];
  actor.on("*", (event) => emitted.push(event as ConnectionEmitted));
  actor.start();
  return {
    actor,
    clock,
    calls,
    emitted,
    /** The latest call of an effect; throws when it was never called. */
    effect(name: EffectName): Deferred {
      const d = pending[name];
      if (!d) throw new Error(`effect ${name} was not invoked`);
      return d;
    },
    state: () => actor.getSnapshot().value as string,
    status: () => actor.getSnapshot().status,
    context: () => actor.getSnapshot().context,
    types: () => emitted.map((e) => e.type),
  };
}

/** Lets promise callbacks (fromPromise settling, the machine reacting) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Opens the connection: it is then `ready` with a clean emitted log. */
export async function readyConnection(input: Partial<ConnectionInput> = {}) {
  const h = startConnection(input);
  h.effect("open").resolve({ durationMs: 3 });
  await flush();
  if (h.state() !== "ready") throw new Error(`expected ready, got ${h.state()}`);
  h.emitted.length = 0;
  return h;
}
