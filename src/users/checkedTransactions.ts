import type { SurrealSession, SurrealTransaction } from "surrealdb";
import { UserTransactionError } from "./errors/UserTransactionError.js";

/**
 * `db` with `beginTransaction` checked: a transaction begun on an end user's session must run as that
 * user, and the server says who it runs as (`$auth`) before any statement of the caller's does. One
 * that runs as someone else (SurrealDB 3.0.2 drops the sign-in of transactions begun over RPC) is
 * cancelled and refused with `UserTransactionError`. Everything else is `db` itself.
 */
export function checkedTransactions(
  db: SurrealSession,
  user: string,
  /** `$auth` of the session outside any transaction (read once per session). */
  expected: () => Promise<string>,
): SurrealSession {
  const begin = async (): Promise<SurrealTransaction> => {
    const tx = await db.beginTransaction();
    let inside: string;
    try {
      const [auth] = await tx.query<[unknown]>("RETURN $auth");
      inside = String(auth);
    } catch (error) {
      await tx.cancel().catch(() => {});
      throw error;
    }
    if (inside !== (await expected())) {
      await tx.cancel().catch(() => {});
      throw new UserTransactionError(user);
    }
    return tx;
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    get(target, property) {
      if (property === "beginTransaction") return begin;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      // The SDK's methods read private fields: they run on the session itself, not on this proxy.
      let method = bound.get(property);
      if (method === undefined) {
        method = value.bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
}
