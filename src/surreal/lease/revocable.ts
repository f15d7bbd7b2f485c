import { startsLiveQuery } from "../../util/startsLiveQuery.js";

/**
 * What a revocable handle asks of its lease before and during every call.
 */
export interface CallGuard {
  /** The error a call gets once the lease has ended; undefined while it is active. */
  endedError(): Error | undefined;
  /**
   * Settles like `call`, or rejects when the lease is revoked (or the call outlives its deadline).
   * `method`: the SDK method that started it, for the event when it times out.
   */
  track<T>(call: PromiseLike<T>, method?: string, redo?: () => PromiseLike<T>): Promise<T>;
  /**
   * True when a call refused because the pool's sign-in expired may be sent again after renewing it:
   * calls then pass `redo` to `track` (made only then: a closure per call is not free).
   */
  readonly renews?: boolean;
  /** Told of every transaction begun through the handle (the raw SDK transaction), and when it ends. */
  transactionBegan?(transaction: object): void;
  transactionEnded?(transaction: object): void;
  /** A method that changes session state (`method`) was called: the return checks what to undo. */
  noteSessionChange(method: PropertyKey): void;
  /**
   * The borrower started a live query (src/surreal/lease/leaseLive.ts): `subscription` when `live()`/`liveOf()`
   * resolved with one, undefined for LIVE SELECT text sent through `query()`. The lease kills it at release.
   */
  noteLive?(subscription: { kill(): Promise<void> } | undefined): void;
}

/** Properties read without the lease check: promise resolution probes `then` on whatever it resolves. */
const UNGUARDED = new Set<PropertyKey>(["then", Symbol.toStringTag]);
const PROMISE_METHODS = new Set<PropertyKey>(["then", "catch", "finally"]);
/** Methods that resolve with another queryable of the same socket: guarded by the same lease. */
const OPENS_QUERYABLE = new Set<PropertyKey>(["beginTransaction", "forkSession", "newSession"]);
/**
 * The SDK session's methods that change state kept between requests (FACTS: `USE` or `LET` inside a
 * query's text do not persist). A lease that called none of them comes back as it went out, so its
 * return reads no session state at all (HikariCP's dirty bits).
 */
const CHANGES_SESSION = new Set<PropertyKey>([
  "use",
  "set",
  "unset",
  "signin",
  "signup",
  "authenticate",
  "invalidate",
  "reset",
  "closeSession",
]);
/** A transaction's methods that end it (whatever they settle with: a failed commit ends it too). */
const ENDS_TRANSACTION = new Set<PropertyKey>(["commit", "cancel"]);
/** Methods whose builder resolves with a live subscription the lease must kill at release. */
const OPENS_LIVE = new Set<PropertyKey>(["live", "liveOf"]);

/**
 * A view of an SDK session (or transaction) that checks its lease on every property read and every
 * call, and tracks every call it starts. After the lease ends, any use through any kept reference
 * (the session, a query builder made from it, a transaction begun on it) throws or rejects with the
 * lease's error, so nothing a stale reference does reaches the next borrower's session. The SDK's
 * own objects run unchanged underneath (methods are applied to the real target, so its private
 * fields work).
 */
export function revocable<T extends object>(target: T, guard: CallGuard): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (UNGUARDED.has(property)) return value;
      const ended = guard.endedError();
      if (ended) throw ended;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const error = guard.endedError();
        if (error) throw error;
        if (CHANGES_SESSION.has(property)) guard.noteSessionChange(property);
        if (property === "query" && guard.noteLive && mentionsLive(args[0])) guard.noteLive(undefined);
        const redo = guard.renews ? () => Reflect.apply(value, object, args) : undefined;
        const live = OPENS_LIVE.has(property);
        const result = guardResult(Reflect.apply(value, object, args), guard, property, redo, live);
        if (ENDS_TRANSACTION.has(property) && guard.transactionEnded) {
          const ended = () => guard.transactionEnded!(object);
          (result as Promise<unknown>).then(ended, ended);
        }
        return OPENS_QUERYABLE.has(property) ? guarded(result as Promise<unknown>, guard, property) : result;
      };
    },
    set(object, property, value) {
      const ended = guard.endedError();
      if (ended) throw ended;
      return Reflect.set(object, property, value, object);
    },
  });
}

/** What a guarded call returns: promises are tracked; the SDK's lazy query builders are guarded too. */
function guardResult(
  result: unknown,
  guard: CallGuard,
  method: PropertyKey,
  redo?: () => PromiseLike<unknown>,
  live = false,
): unknown {
  if (
    typeof result !== "object" ||
    result === null ||
    typeof (result as PromiseLike<unknown>).then !== "function"
  ) {
    return result;
  }
  // An already running call (an async SDK method): track it as it is.
  if (Object.getPrototypeOf(result) === Promise.prototype) {
    return guard.track(result as Promise<unknown>, method as string, redo);
  }
  return guardedBuilder(result as PromiseLike<unknown> & object, guard, method, live);
}

/** LIVE SELECT in query text (a string, or the SDK's BoundQuery with a `query` string). */
function mentionsLive(text: unknown): boolean {
  const source = typeof text === "string" ? text : (text as { query?: unknown } | undefined)?.query;
  return typeof source === "string" && startsLiveQuery(source);
}

/**
 * The SDK's query builders (`db.select(t).where(..)`) dispatch when awaited: awaiting (or chaining)
 * one after its lease ended rejects instead of sending.
 */
function guardedBuilder(
  builder: PromiseLike<unknown> & object,
  guard: CallGuard,
  method: PropertyKey,
  live: boolean,
): unknown {
  return new Proxy(builder, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      if (PROMISE_METHODS.has(property)) {
        return (...args: unknown[]) => {
          const error = guard.endedError();
          const redo = guard.renews ? () => redispatch(object) : undefined;
          let settled = error ? Promise.reject(error) : guard.track(object, method as string, redo);
          // A live builder's subscription is noted, so the lease kills it at release.
          if (live) settled = settled.then((subscription) => noteSubscription(subscription, guard));
          return Reflect.apply(Promise.prototype[property as "then"], settled, args);
        };
      }
      return (...args: unknown[]) => {
        const error = guard.endedError();
        if (error) throw error;
        return guardResult(Reflect.apply(value, object, args), guard, method, undefined, live);
      };
    },
  });
}

/**
 * Sends a query builder's request again. The SDK's builders dispatch once, when first awaited; their
 * `dispatch()` (protected in the SDK's types, a plain method at run time) builds and sends it anew.
 */
function redispatch(builder: object): PromiseLike<unknown> {
  const dispatch = (builder as { dispatch?: () => PromiseLike<unknown> }).dispatch;
  if (typeof dispatch !== "function") return Promise.reject(new Error("this call cannot be sent again"));
  return Reflect.apply(dispatch, builder, []);
}

function noteSubscription(subscription: unknown, guard: CallGuard): unknown {
  const s = subscription as { kill?: unknown } | null;
  if (typeof s === "object" && s !== null && typeof s.kill === "function") {
    guard.noteLive?.(s as { kill(): Promise<void> });
  }
  return subscription;
}

/** A transaction or forked session a call resolved with is guarded by the same lease. */
function guarded(promise: Promise<unknown>, guard: CallGuard, property: PropertyKey): Promise<unknown> {
  return promise.then((value) => {
    if (
      typeof value !== "object" ||
      value === null ||
      typeof (value as { query?: unknown }).query !== "function"
    ) {
      return value;
    }
    if (property === "beginTransaction") guard.transactionBegan?.(value);
    return revocable(value, guard);
  });
}
