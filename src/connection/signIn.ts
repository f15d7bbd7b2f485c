import type { SurrealSession } from "surrealdb";
import type { Credentials, CredentialsOption } from "../config/options.js";
import { AuthenticationFailedError } from "../errors/AuthenticationFailedError.js";

/** Resolves the credentials option; a function is called per connection so secrets can rotate. */
export async function resolveCredentials(
  option: CredentialsOption | undefined,
): Promise<Credentials | undefined> {
  if (option === undefined) return undefined;
  return typeof option === "function" ? await option() : option;
}

/** Signs a session in; a refusal becomes `AuthenticationFailedError` (not retried). Returns the token. */
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
    throw new AuthenticationFailedError(endpoint, username, { cause: error });
  }
}
