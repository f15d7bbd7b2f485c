/**
 * `pool.allowExitOnIdle` for what the SDK (surrealdb 2.0.x) keeps alive on a `ws://` connection: its
 * socket, a 30 s keepalive ping (`setInterval` in the socket's `open` handler) and, per signed-in
 * session, a token-renewal timer (`setTimeout` right after it publishes the session's `auth` event).
 * The SDK offers no way to unref them, so the timers it makes at those two points are unref'd here, at
 * the moment it makes them: nothing else runs in between (both are synchronous after our hook). The pool
 * itself holds the process while there is work in flight (see `KeepAlive`).
 */

type Timers = Pick<typeof globalThis, "setTimeout" | "setInterval">;
type Unrefable = { unref?(): unknown };

function unref<T>(timer: T): T {
  (timer as Unrefable).unref?.();
  return timer;
}

/** Runs `fn`; the timers it creates synchronously do not keep the process alive. */
export function unrefTimersIn<T>(fn: () => T): T {
  const saved: Timers = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) =>
    unref(saved.setTimeout(...args))) as typeof setTimeout;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) =>
    unref(saved.setInterval(...args))) as typeof setInterval;
  try {
    return fn();
  } finally {
    Object.assign(globalThis, saved);
  }
}

/** What the next `setTimeout` made in this microtask gets: unref'd, or cleared at once (the stronger). */
let nextTimeout: "unref" | "clear" | undefined;

/**
 * The next `setTimeout` made before the current microtask ends (the SDK's renewal timer, made right
 * after the `auth` event this is called from) is unref'd, or cleared at once: one slot for both, so
 * two hooks on one sign-in never stack their patches of `setTimeout`. Disarmed at that call, or at the
 * next microtask when none comes (a token without an expiry schedules no renewal).
 */
function onNextTimeout(action: "unref" | "clear"): void {
  if (nextTimeout !== undefined) {
    if (action === "clear") nextTimeout = "clear";
    return;
  }
  nextTimeout = action;
  const original = globalThis.setTimeout;
  const disarm = () => {
    if (nextTimeout === undefined) return;
    nextTimeout = undefined;
    globalThis.setTimeout = original;
  };
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const clear = nextTimeout === "clear";
    disarm();
    const timer = original(...args);
    if (clear) clearTimeout(timer);
    return unref(timer);
  }) as typeof setTimeout;
  queueMicrotask(disarm);
}

/** An SDK session (or client) whose sign-ins the pool makes: `auth` fires with its new tokens. */
interface AuthSource {
  subscribe(event: "auth", listener: (tokens: unknown) => void): () => void;
}

/** From now on, the renewal timer the SDK keeps for `session`'s sign-in does not keep the process alive. */
export function unrefAuthRenewals(session: AuthSource): void {
  session.subscribe("auth", (tokens) => {
    if (tokens) onNextTimeout("unref");
  });
}

/**
 * From now on, the SDK keeps no renewal timer for `session`'s sign-in. An end user's session needs
 * none, and must not have the SDK's: at (or a minute before) the token's `exp` it signs the session
 * out, leaving it anonymous under a caller that checked it a moment earlier. The pool drops such a
 * session at `exp` itself instead.
 */
export function clearAuthRenewals(session: AuthSource): void {
  session.subscribe("auth", (tokens) => {
    if (tokens) onNextTimeout("clear");
  });
}

/** A WebSocket class whose `open` handlers (the SDK starts its keepalive ping there) make unref'd timers. */
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must take any[] (TS2545).
export function unrefOpenHandlers<C extends new (...args: any[]) => EventTarget>(Base: C): C {
  return class extends Base {
    override addEventListener(
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: AddEventListenerOptions | boolean,
    ): void {
      if (type !== "open" || typeof listener !== "function") {
        super.addEventListener(type, listener, options);
        return;
      }
      super.addEventListener(
        type,
        function (this: unknown, event: Event) {
          return unrefTimersIn(() => listener.call(this, event));
        },
        options,
      );
    }
  };
}
