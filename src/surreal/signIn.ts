import type { SurrealSession } from "surrealdb";
import type { Credentials } from "../config/options.js";
import { AuthenticationFailedError } from "../errors/AuthenticationFailedError.js";
import { isRefusal } from "../errors/classifyError.js";

/**
 * Signs a session in and returns the token. Only the server's refusal (an answer, not a transient
 * one) becomes `AuthenticationFailedError`, which is never retried and fails waiting acquires at
 * once. Anything else (the socket dropped or timed out mid-sign-in) is rethrown as it is: the
 * connector reports it as a connect failure, which is retried.
 */
export async function signIn(
  db: SurrealSession,
  endpoint: string,
  credentials: Credentials,
): Promise<string> {
  const { username, password, namespace, database } = credentials;
  const auth =
    namespace && database
      ? { namespace, database, username, password }
      : namespace
        ? { namespace, username, password }
        : { username, password };
  try {
    const tokens = await db.signin(auth);
    return tokens.access;
  } catch (error) {
    // The server answered with a definitive error (e.g. `NotAllowed`: invalid credentials).
    if (isRefusal(error)) throw new AuthenticationFailedError(endpoint, username, { cause: error });
    throw error;
  }
}
