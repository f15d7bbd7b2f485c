import { isSurrealPoolError, SurrealPoolError } from "../../errors/SurrealPoolError.js";

/**
 * The server ran an end user's transaction without the user's sign-in: `$auth` inside it was not the
 * user's record. SurrealDB 3.0.2 does this for every transaction begun over RPC (`beginTransaction`):
 * its statements would run with `$auth` NONE, so a permission such as `WHERE owner = $auth` would match
 * other users' ownerless rows. The transaction was cancelled before any statement of the caller ran.
 * Not retried: every attempt gets the same answer.
 */
export class UserTransactionError extends SurrealPoolError {
  readonly user: string;

  constructor(user: string) {
    super(
      "USER_TRANSACTION_UNSAFE",
      `user ${user}: the server dropped the user's sign-in inside the transaction ($auth is not the user there; SurrealDB 3.0.2 does so for transactions begun over RPC), so it was cancelled and nothing ran. Run the statements as one query instead: as(user).query("BEGIN; ...; COMMIT;")`,
    );
    this.user = user;
  }
}

export function isUserTransactionError(error: unknown): error is UserTransactionError {
  return isSurrealPoolError(error) && error.code === "USER_TRANSACTION_UNSAFE";
}
