import type { SurrealSession } from "surrealdb";
import type { SessionAuth } from "./credentials/SessionAuth.js";
import type { SessionBaseline } from "./sessionDrift.js";
import { switchTo } from "./switchTo.js";

/**
 * Undoes what a borrower changed, doing only the work the change needs (HikariCP's dirty bits):
 * variables are unset one by one, a changed namespace is switched back, and changed auth costs a full
 * `reset()` plus a fresh sign-in. Returns the new baseline (the token changes on re-sign-in).
 * `closing()`: the session is being closed meanwhile (a reset past its deadline): no sign-in is sent
 * then, since the SDK would arm a token-renewal timer for it that the close cannot clear.
 */
export async function resetSession(
  db: SurrealSession,
  undo: readonly string[],
  baseline: SessionBaseline,
  auth: SessionAuth | undefined,
  closing: () => boolean = () => false,
): Promise<SessionBaseline> {
  if (undo.includes("auth")) {
    await db.reset();
    if (closing()) throw new Error("the session was closed during its reset");
    const accessToken = auth ? await auth.signIn() : undefined;
    await switchTo(db, baseline);
    return { ...baseline, accessToken };
  }
  if (undo.includes("vars")) {
    for (const name of Object.keys(db.parameters)) await db.unset(name);
  }
  if (undo.includes("use")) await switchTo(db, baseline);
  return baseline;
}
