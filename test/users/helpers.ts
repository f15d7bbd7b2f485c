// Shared pieces of the end-user tests: a schema whose permissions are the database's own (record users,
// rows owned by `$auth`), users signed up in it, and their tokens.
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";

/**
 * `account` signs users in by name and password (plain compare: the tests are about sessions, not
 * password hashing); `brief` issues tokens that expire after `briefSeconds`. A note is visible to, and
 * writable by, its owner only; a user record to itself only.
 */
export function schema(briefSeconds = 2): string {
  return `
    DEFINE TABLE user SCHEMALESS PERMISSIONS FOR select WHERE id = $auth;
    DEFINE ACCESS account ON DATABASE TYPE RECORD
      SIGNUP (CREATE type::record('user', $name) SET name = $name, pass = $pass)
      SIGNIN (SELECT * FROM user WHERE name = $name AND pass = $pass)
      DURATION FOR TOKEN 1h, FOR SESSION 1h;
    DEFINE ACCESS brief ON DATABASE TYPE RECORD
      SIGNIN (SELECT * FROM user WHERE name = $name AND pass = $pass)
      DURATION FOR TOKEN ${briefSeconds}s, FOR SESSION ${briefSeconds}s;
    DEFINE TABLE note SCHEMALESS CHANGEFEED 1h
      PERMISSIONS FOR select, update, delete WHERE owner = $auth FOR create WHERE owner = $auth;
  `;
}

/** Creates `names` as users (as root, through the pool). */
export async function createUsers(manager: ConnectionManager, names: readonly string[]): Promise<void> {
  await manager.query(
    "FOR $name IN $names { CREATE type::record('user', $name) SET name = $name, pass = $name + '-pw' };",
    {
      names,
    },
  );
}

/** The credentials identity of `name` under access `access`. */
export function credentials(name: string, access = "account") {
  return { access, variables: { name, pass: `${name}-pw` } };
}

/** A token of `name`, signed in on a lease (the pool undoes the sign-in at release). */
export async function tokenOf(manager: ConnectionManager, name: string, access = "account"): Promise<string> {
  const { namespace, database } = manager.config;
  await using lease = await manager.acquire();
  const grant = await lease.db.signin({
    access,
    namespace,
    database,
    variables: { name, pass: `${name}-pw` },
  });
  return grant.access as string;
}
