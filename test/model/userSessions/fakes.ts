// Fakes for UserSessions tests: a fake server that issues and checks tokens, fake SDK sessions that record
// who they were authenticated as, and an `open(place)` that hands them out. No database: the subject is
// which session a user's call runs on, not what the server does with it.
import { NotAllowedError } from "surrealdb";
import type { HeldUnit } from "../../../src/core/HeldUnits.js";
import type { PooledDb, RawConnection } from "../../../src/surreal/Connector.js";
import { tokenExpiresAt } from "../../../src/surreal/credentials/tokenExpiry.js";
import type { PlacedSession } from "../../../src/surreal/openOwnSession.js";
import type { SessionBaseline } from "../../../src/surreal/sessionDrift.js";

/** Awaited before each effect settles: a `fc.scheduler()` test hands in `s.schedule(...)`. */
export type Gate = (label: string) => Promise<unknown>;

/** An unsigned JWT with `claims` (the server checks signatures; the pool only reads claims). */
export function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "HS512", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** The error a SurrealDB server answers a refused sign-in or token with (isServerError and isAuthRefusal). */
export function authRefusal(message: string): NotAllowedError {
  return new NotAllowedError({ kind: "NotAllowed", message, details: { kind: "Auth" } } as never);
}

interface Credentials {
  access: string;
  variables?: Record<string, unknown>;
}

/** The server side of authentication: who each token it accepts belongs to, and which it refuses now. */
export class FakeAuthServer {
  /** token -> who it authenticates as. */
  readonly tokens = new Map<string, string>();
  readonly revoked = new Set<string>();
  /** Sign-ins the server answered (refused ones included), in order: who asked. */
  readonly signIns: string[] = [];
  /** Access methods whose sign-in is refused (wrong password). */
  readonly refusedAccess = new Set<string>();
  /** Lifetime of the tokens a sign-in issues. */
  ttlMs = 3_600_000;
  #issued = 0;

  /** Accepts `token` as `who` from now on (a token identity's token, issued elsewhere). */
  accept(token: string, who: string): void {
    this.tokens.set(token, who);
  }

  /** Who `token` authenticates as, or a server refusal (unknown, revoked or expired). */
  check(token: string): string {
    const who = this.tokens.get(token);
    if (who === undefined) throw authRefusal("There was a problem with authentication: invalid token");
    if (this.revoked.has(token)) throw authRefusal("There was a problem with authentication: token revoked");
    const exp = tokenExpiresAt(token);
    if (exp !== undefined && exp <= Date.now()) throw authRefusal("The token has expired");
    return who;
  }

  /** A record access sign-in: a new token for the user the credentials name (`variables.name`). */
  signIn(credentials: Credentials): string {
    const who = whoOf(credentials);
    this.signIns.push(who);
    if (this.refusedAccess.has(credentials.access)) {
      throw authRefusal("There was a problem with authentication: no such user or wrong password");
    }
    const token = jwt({
      ID: `${who}#${++this.#issued}`,
      exp: Math.floor((Date.now() + this.ttlMs) / 1_000),
    });
    this.tokens.set(token, who);
    return token;
  }
}

export function whoOf(credentials: Credentials): string {
  return `${credentials.access}:${String(credentials.variables?.name)}`;
}

/** How a fake session was last authenticated, as the server saw it. */
export interface FakeAuth {
  how: "authenticate" | "signin";
  who: string;
  token: string;
}

/** The SDK session fields UserSession and resetSession read, and the calls they make. */
export class FakeUserDb {
  namespace: string | undefined;
  database: string | undefined;
  accessToken: string | undefined;
  readonly parameters: Record<string, unknown> = {};
  isValid = true;
  /** The last successful authentication (undefined after reset). */
  auth: FakeAuth | undefined;
  /** Every authentication tried on it, in order. */
  readonly attempts: Array<{ how: "authenticate" | "signin"; token?: string; who?: string }> = [];
  readonly #server: FakeAuthServer;
  readonly #gate: Gate | undefined;
  readonly #unit: FakeUserUnit;

  constructor(unit: FakeUserUnit, server: FakeAuthServer, place: Place, gate: Gate | undefined) {
    this.#unit = unit;
    this.#server = server;
    this.#gate = gate;
    this.namespace = place.namespace;
    this.database = place.database;
  }

  /** The SDK's auth events: the cache hooks them to clear the SDK's renewal timer (nothing to clear here). */
  subscribe(_event: "auth", _listener: (tokens: unknown) => void): () => void {
    return () => {};
  }

  async authenticate(token: string): Promise<void> {
    this.attempts.push({ how: "authenticate", token });
    await this.#gate?.(`authenticate ${this.#unit.id}`);
    this.#live();
    const who = this.#server.check(token);
    this.accessToken = token;
    this.auth = { how: "authenticate", who, token };
    this.#unit.becameSession();
  }

  async signin(credentials: Credentials): Promise<{ access: string }> {
    this.attempts.push({ how: "signin", who: whoOf(credentials) });
    await this.#gate?.(`signin ${this.#unit.id}`);
    this.#live();
    const token = this.#server.signIn(credentials);
    this.accessToken = token;
    this.auth = { how: "signin", who: whoOf(credentials), token };
    this.#unit.becameSession();
    return { access: token };
  }

  async use(what?: { namespace?: string | null; database?: string | null }) {
    await this.#gate?.(`use ${this.#unit.id}`);
    this.#live();
    if (what?.namespace) this.namespace = what.namespace;
    if (what?.database) this.database = what.database;
    return { namespace: this.namespace, database: this.database };
  }

  async set(name: string, value: unknown): Promise<void> {
    this.parameters[name] = value;
  }

  async unset(name: string): Promise<void> {
    await this.#gate?.(`unset ${this.#unit.id}`);
    this.#live();
    delete this.parameters[name];
  }

  async reset(): Promise<void> {
    await this.#gate?.(`reset ${this.#unit.id}`);
    this.#live();
    for (const name of Object.keys(this.parameters)) delete this.parameters[name];
    this.namespace = undefined;
    this.database = undefined;
    this.accessToken = undefined;
    this.auth = undefined;
  }

  async query(): Promise<unknown[]> {
    this.#live();
    return [null];
  }

  #live(): void {
    if (!this.isValid) throw Object.assign(new Error("fake socket closed"), { code: "ECONNRESET" });
  }
}

interface Place {
  namespace: string;
  database: string;
}

/** One session a fake endpoint holds for a user: closed once, dropped (loudly or silently) by the test. */
export class FakeUserUnit implements RawConnection {
  readonly id: number;
  readonly place: Place;
  readonly fake: FakeUserDb;
  readonly baseline: SessionBaseline;
  closes = 0;
  /** Authenticated once (it became a UserSession's, unless the pool gave up on it). */
  session = false;
  broken = false;
  readonly #listeners: Array<(error: Error) => void> = [];

  constructor(id: number, server: FakeAuthServer, place: Place, gate: Gate | undefined) {
    this.id = id;
    this.place = place;
    this.fake = new FakeUserDb(this, server, place, gate);
    this.baseline = { namespace: place.namespace, database: place.database, accessToken: undefined };
  }

  get db(): PooledDb {
    return this.fake as unknown as PooledDb;
  }

  get closed(): boolean {
    return this.closes > 0;
  }

  becameSession(): void {
    this.session = true;
  }

  async ping(): Promise<void> {}
  async reset(): Promise<void> {}

  close(): Promise<void> {
    this.closes++;
    this.fake.isValid = false;
    return Promise.resolve();
  }

  onBroken(listener: (error: Error) => void): void {
    this.#listeners.push(listener);
  }

  /** The transport reports the session dead (at most once). */
  drop(): void {
    if (this.broken) return;
    this.broken = true;
    this.fake.isValid = false;
    for (const listener of this.#listeners) listener(new Error(`fake session ${this.id} dropped`));
  }

  /** The transport died and told nobody: only the SDK's own record (`isValid`) says so. */
  dropSilently(): void {
    this.fake.isValid = false;
  }
}

/** The `open(place)` UserSessions is given: a fake endpoint that never refuses. */
export class FakeOpener {
  readonly server: FakeAuthServer;
  readonly units: FakeUserUnit[] = [];
  /** Where each open was asked for, in order. */
  readonly places: Place[] = [];
  gate: Gate | undefined;
  /** Told of each open, with the units alive (opening or open) after it. */
  onOpen: ((alive: number) => void) | undefined;
  #seq = 0;

  constructor(server: FakeAuthServer, gate?: Gate) {
    this.server = server;
    this.gate = gate;
  }

  readonly open = (place: Place): PlacedSession => {
    this.places.push({ ...place });
    const unit = new FakeUserUnit(++this.#seq, this.server, place, this.gate);
    this.units.push(unit);
    this.onOpen?.(this.alive().length);
    const gate = this.gate;
    const held = (async (): Promise<HeldUnit<RawConnection>> => {
      await gate?.(`open ${unit.id}`);
      return { unit, kind: "user", close: () => unit.close() };
    })();
    return { endpoint: "fake://db", held };
  };

  /** Units not closed: opening, authenticating, or sessions. */
  alive(): FakeUserUnit[] {
    return this.units.filter((u) => !u.closed);
  }

  /** Sessions open: authenticated and not closed. */
  sessions(): FakeUserUnit[] {
    return this.units.filter((u) => u.session && !u.closed);
  }

  unitOf(db: unknown): FakeUserUnit {
    const unit = this.units.find((u) => u.fake === db);
    if (!unit) throw new Error("a session the fake never opened");
    return unit;
  }
}
