import type { SurrealSession } from "surrealdb";
import { classifyError } from "../errors/classifyError.js";

/**
 * `use()` that survives the first-time race: several sessions switching to a namespace/database that
 * does not exist yet each try to define it, and all but one fail with a transaction conflict. The
 * conflict is transient (the definition now exists), so the switch is simply tried again.
 */
export async function switchTo(
  db: SurrealSession,
  target: { namespace: string; database: string },
  attempts = 8,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.use(target);
      return;
    } catch (error) {
      if (attempt >= attempts || classifyError(error).category !== "conflict") throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
    }
  }
}
