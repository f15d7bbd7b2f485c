// Values a careless or hostile caller passes where the API wants something else. Strings never contain
// "://", so no generated value is a URL that could reach beyond 127.0.0.1; URLs come from LOCAL_URLS.
import fc from "fast-check";

/**
 * An object whose every read of a named property throws, as a misbehaving Proxy or getter would.
 * Symbol-keyed reads are left alone, so fast-check can still clone and print it.
 */
export function hostileObject(): object {
  const refuse = (what: string) => {
    throw new Error(`hostile ${what}`);
  };
  return new Proxy(
    { [fc.toStringMethod]: () => "hostileObject()" },
    {
      get: (target, key) => (typeof key === "symbol" ? Reflect.get(target, key) : refuse(`get ${key}`)),
      has: (target, key) => (typeof key === "symbol" ? Reflect.has(target, key) : refuse(`has ${key}`)),
      ownKeys: () => refuse("ownKeys"),
      getOwnPropertyDescriptor: (target, key) =>
        typeof key === "symbol"
          ? Reflect.getOwnPropertyDescriptor(target, key)
          : refuse(`descriptor ${String(key)}`),
    },
  );
}

/** Thrown by a user's fn: an object whose getters (name, message, code, cause, ...) throw. */
export function hostileThrowable(): object {
  const boom = () => {
    throw new Error("getter of a thrown value");
  };
  return Object.defineProperties(
    {},
    Object.fromEntries(["name", "message", "code", "cause", "kind", "stack"].map((k) => [k, { get: boom }])),
  );
}

/** Numbers that break naive duration and size checks. */
export const nastyNumber = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  0,
  -0,
  0.5,
  1,
  2 ** 31,
  2 ** 31 - 1,
  1e6,
  Number.MAX_SAFE_INTEGER + 2,
);

/** Loopback-only endpoints: reachable, refused, or malformed. */
export const LOCAL_URLS = [
  "mem://",
  "ws://127.0.0.1:1/rpc",
  "wss://127.0.0.1:1",
  "surrealkv://",
  "http://127.0.0.1:1",
  "ws://",
  "redis://127.0.0.1",
  "mem:/",
] as const;

const safeString = fc.string({ maxLength: 8 }).filter((s) => !s.includes("://"));

/** A logger that looks like pino to a shallow check but is not usable, or is. */
export const loggerLike = fc.constantFrom(
  { child: () => null },
  { child: 5 },
  {
    child() {
      return this;
    },
  },
  { child: () => ({ child: () => null, debug() {}, info() {}, warn() {}, error() {} }) },
  throwingLogger(),
);

/** Passes every shape check, then throws from every log call. */
function throwingLogger(): object {
  const boom = () => {
    throw new Error("the logger failed");
  };
  const logger: Record<string, unknown> = { debug: boom, info: boom, warn: boom, error: boom };
  logger.child = () => logger;
  return logger;
}

/** Anything a caller might pass instead of what was asked. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyNumber,
  fc.integer({ min: -5, max: 40 }),
  safeString,
  fc.constantFrom(null, undefined, true, false, Symbol("s"), 10n, new Date(0), [], {}),
  fc.constantFrom(...LOCAL_URLS),
  fc.constant(() => {}),
  fc.constant(async () => {
    throw new Error("credentials service down");
  }),
  fc.constant(Object.freeze({ a: 1 })),
  fc.constant(Object.create(null) as object),
  fc.constant(hostileObject()),
  fc.array(fc.constantFrom(...LOCAL_URLS), { maxLength: 3 }),
  loggerLike,
);
