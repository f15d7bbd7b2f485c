import { createHash, randomBytes } from "node:crypto";
import { ArgumentError } from "../errors/ArgumentError.js";
import { tokenClaims, tokenExpiresAt } from "../surreal/credentials/tokenExpiry.js";
import { describe } from "../util/arguments.js";

/** An end user known by a token the application already holds (a record access sign-in's JWT). */
export interface TokenIdentity {
  token: string;
  /** Where the handle runs; the pool's namespace/database when omitted. The token's claims must agree. */
  namespace?: string;
  database?: string;
}

/** An end user signed in once with record-access credentials (`DEFINE ACCESS ... TYPE RECORD`). */
export interface RecordAccessIdentity {
  access: string;
  /** The pool's namespace/database when omitted. */
  namespace?: string;
  database?: string;
  /** What the access's SIGNIN clause reads (`$name`, `$pass`, ...). */
  variables?: Record<string, unknown>;
}

/** Who `manager.as(identity)` acts as. */
export type UserIdentity = TokenIdentity | RecordAccessIdentity;

/**
 * An identity as the pool keeps it: `key` (a SHA-256 keyed with a secret of this process, of the token
 * or of the credentials, never the secret itself) files its sessions; `id` (the key's first 12 hex digits) is what events, metrics and
 * errors show.
 */
export interface ParsedIdentity {
  readonly key: string;
  readonly id: string;
  readonly namespace: string;
  readonly database: string;
  /** The token to authenticate with (token identities); credentials identities learn theirs at sign-in. */
  readonly token: string | undefined;
  /** Epoch ms the token expires (its `exp`), when it says. */
  readonly expiresAt: number | undefined;
  /** Record-access credentials to sign in with (credentials identities). */
  readonly signIn: Readonly<Required<RecordAccessIdentity>> | undefined;
}

const ARG = "as(identity)";

/**
 * Reads and checks an identity before anything is opened: a wrong shape, a token that is not a JWT or
 * one issued for another namespace/database than the handle's is an `ArgumentError` here, and nothing
 * is cached. The token's signature is the server's to check; its expiry the cache's, at each call.
 */
export function parseIdentity(
  identity: unknown,
  place: { namespace: string; database: string },
  /** The identity as already parsed for a cached session, by key: a token seen before is not read again. */
  known?: (key: string) => ParsedIdentity | undefined,
): ParsedIdentity {
  if (typeof identity !== "object" || identity === null || Array.isArray(identity)) {
    throw new ArgumentError(ARG, `must be { token } or { access, variables }, got ${kindOf(identity)}`);
  }
  let o: Partial<TokenIdentity & RecordAccessIdentity>;
  try {
    o = { ...(identity as object) };
  } catch {
    throw new ArgumentError(ARG, "could not be read; pass a plain object");
  }
  const namespace = optionalName(o.namespace, "namespace") ?? place.namespace;
  const database = optionalName(o.database, "database") ?? place.database;
  if (o.token !== undefined && o.access !== undefined) {
    throw new ArgumentError(ARG, "has both token and access; pass one of them");
  }
  if (o.token !== undefined) return parseToken(o.token, namespace, database, known);
  if (o.access === undefined) {
    throw new ArgumentError(ARG, "needs token (a JWT) or access (a record access method's name)");
  }
  if (typeof o.access !== "string" || o.access === "") {
    throw new ArgumentError(`${ARG}.access`, `must be a non-empty string, got ${describe(o.access)}`);
  }
  const variables = o.variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw new ArgumentError(`${ARG}.variables`, `must be an object, got ${kindOf(o.variables)}`);
  }
  // Read once, here: variables whose getters throw are refused now, typed, not at sign-in.
  let copy: Record<string, unknown>;
  let canonical: string;
  try {
    copy = { ...variables };
    canonical = stableJson({ access: o.access, namespace, database, variables: copy });
  } catch {
    throw new ArgumentError(`${ARG}.variables`, "could not be read; pass plain values");
  }
  const key = keyOf(`access\n${canonical}`);
  return {
    key,
    id: key.slice(0, 12),
    namespace,
    database,
    token: undefined,
    expiresAt: undefined,
    signIn: { access: o.access, namespace, database, variables: copy },
  };
}

function parseToken(
  token: unknown,
  namespace: string,
  database: string,
  known: ((key: string) => ParsedIdentity | undefined) | undefined,
): ParsedIdentity {
  if (typeof token !== "string" || token === "") {
    throw new ArgumentError(`${ARG}.token`, `must be a non-empty string (a JWT), got ${kindOf(token)}`);
  }
  const key = keyOf(`token\n${token}`);
  // The usual request: a token whose user has a session cached, its claims checked when it was first seen.
  const seen = known?.(key);
  if (seen && seen.namespace === namespace && seen.database === database) return seen;
  const claims = token.split(".").length === 3 ? tokenClaims(token) : undefined;
  if (!claims) {
    throw new ArgumentError(`${ARG}.token`, "is not a JWT (three base64url parts with a JSON payload)");
  }
  const id = key.slice(0, 12);
  const expiresAt = tokenExpiresAt(token);
  // A token decides on the server where its session runs: one for another database would run the
  // handle's calls there, silently.
  const ns = claims.NS ?? claims.ns;
  const db = claims.DB ?? claims.db;
  if ((ns !== undefined && ns !== namespace) || (db !== undefined && db !== database)) {
    throw new ArgumentError(
      `${ARG}.token`,
      `(user ${id}) is for namespace ${String(ns)}, database ${String(db)}, and the handle runs in ${namespace}/${database}; pass namespace and database to as() to act there`,
    );
  }
  return { key, id, namespace, database, token, expiresAt, signIn: undefined };
}

/** What a value is, never what it holds: it may be a secret (a password given as the variables). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return value === "" ? "an empty string" : `a ${typeof value}`;
}

function optionalName(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new ArgumentError(`${ARG}.${name}`, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/**
 * Keyed with a secret of this process: a plain hash of credentials would let whoever reads the events
 * test password guesses offline; this one names an identity within the process and nowhere else.
 */
const PROCESS_KEY = randomBytes(32);

function keyOf(text: string): string {
  // SHA-256 of the key and the text: as unguessable as an HMAC for naming (nothing is signed here), at
  // half its cost per call.
  return createHash("sha256").update(PROCESS_KEY).update(text).digest("hex");
}

/**
 * JSON with object keys sorted, so the same credentials always hash alike: plain objects and objects
 * without a prototype (what `querystring.parse` and many body parsers give), at any depth.
 */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) && isPlain(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function isPlain(v: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(v);
  return prototype === Object.prototype || prototype === null;
}
