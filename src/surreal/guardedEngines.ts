import type { Engines, SurrealEngine } from "surrealdb";
import { PoolClosedError } from "../errors/PoolClosedError.js";

type Call = (...args: never[]) => Promise<unknown>;

/**
 * The embedded engines, guarded so that no call reaches a native engine once its close has begun.
 * `@surrealdb/node` frees the native engine on `close()`; a call still executing in it then unwraps a
 * freed handle and panics in native code, which aborts the process (seen under load, racing shutdown).
 * So each engine's close first refuses new calls (`PoolClosedError`), then waits for the calls in flight
 * to settle, and only then frees it. Every RPC of the SDK goes through the engine's `send`, so guarding
 * `send` (and the import/export calls that bypass it) guards every way in.
 */
export function guardedEngines(engines: Engines): Engines {
  const guarded: Engines = {};
  for (const [protocol, factory] of Object.entries(engines)) {
    guarded[protocol] = (context) => guard(factory(context));
  }
  return guarded;
}

function guard(engine: SurrealEngine): SurrealEngine {
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  const target = engine as unknown as Record<string, Call>;
  for (const name of ["send", "importSql", "exportSql"]) {
    const original = target[name];
    if (typeof original !== "function") continue;
    target[name] = (...args: never[]) => {
      if (closing) return Promise.reject(new PoolClosedError("closed"));
      const call = original.apply(engine, args);
      inFlight.add(call);
      const done = () => inFlight.delete(call);
      call.then(done, done);
      return call;
    };
  }
  const close = engine.close.bind(engine);
  const open = engine.open.bind(engine);
  engine.open = (state) => {
    closing = false;
    open(state);
  };
  engine.close = async () => {
    closing = true;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    await close();
  };
  return engine;
}
