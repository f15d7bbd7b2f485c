import type fc from "fast-check";
import { expect } from "vitest";
import { isAuthenticationFailedError } from "../../../src/errors/AuthenticationFailedError.js";
import { tokenExpiresAt } from "../../../src/surreal/credentials/tokenExpiry.js";
import { authRefusal } from "./fakes.js";
import {
  advance,
  afterCall,
  cached,
  checkInvariants,
  flush,
  leave,
  openSessions,
  PLACE,
  take,
  tokenOf,
  type UsersModel,
  type UsersReal,
  wouldWait,
} from "./model.js";

type Command = fc.AsyncCommand<UsersModel, UsersReal>;

/** A call of an identity asks for a session: stateless (shared) or a lease (`exclusive`). */
export class TakeCommand implements Command {
  constructor(
    readonly ident: number,
    readonly exclusive: boolean,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    await take(m, r, this.ident % r.specs.length, this.exclusive);
    checkInvariants(m, r);
  }

  toString(): string {
    return `take(${this.ident}, ${this.exclusive ? "lease" : "stateless"})`;
  }
}

/** How a lease ends: as it was, with variables or namespace changed (undone), signed in as someone else, or with calls still running. */
export type LeaseEnd = "clean" | "vars" | "use" | "auth" | "tainted";

/** A call ends (`done`) or a lease is given back (`give`). */
export class EndCallCommand implements Command {
  constructor(
    readonly index: number,
    readonly how: LeaseEnd,
  ) {}

  check(m: Readonly<UsersModel>): boolean {
    return m.calls.length > 0;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const [call] = m.calls.splice(this.index % m.calls.length, 1);
    const s = call!.session;
    if (!call!.exclusive) {
      r.sessions.done(s.real);
      s.inFlight--;
      await flush();
      afterCall(m, s);
      checkInvariants(m, r);
      return;
    }
    const db = s.unit.fake;
    let tainted = false;
    let changed = false;
    if (this.how === "vars") {
      db.parameters.note = "left by the lease";
      changed = true;
    } else if (this.how === "use") {
      db.namespace = "elsewhere";
      changed = true;
    } else if (this.how === "auth") {
      // The lease signed its session in as another user.
      const other = r.server.signIn({ access: "user", variables: { name: "mallory" } });
      db.accessToken = other;
      db.auth = { how: "signin", who: "user:mallory", token: other };
      changed = true;
    } else if (this.how === "tainted") {
      tainted = true;
    }
    await r.sessions.give(s.real, tainted, changed);
    await flush();
    s.leased = false;
    if (tainted || this.how === "auth") s.open = false;
    afterCall(m, s);
    if (s.open) {
      expect(db.parameters, "what the lease set is undone").toEqual({});
      expect(db.namespace).toBe(PLACE.namespace);
    }
    checkInvariants(m, r);
  }

  toString(): string {
    return `end(${this.index}, ${this.how})`;
  }
}

/**
 * A session dies: its transport drops, told (`onBroken`) or silently (only the SDK's `isValid` says so),
 * or the SDK drops or renews its sign-in by itself (its `accessToken` is no longer the one it was
 * authenticated with).
 */
export type Death = "dropped" | "silently" | "signedOut" | "renewed";

export class DropCommand implements Command {
  constructor(
    readonly index: number,
    readonly how: Death,
  ) {}

  check(m: Readonly<UsersModel>): boolean {
    return openSessions(m as UsersModel).some((s) => !s.dead);
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const live = openSessions(m).filter((s) => !s.dead);
    const s = live[this.index % live.length]!;
    if (this.how !== "dropped") {
      if (this.how === "silently") s.unit.dropSilently();
      else s.unit.fake.accessToken = this.how === "signedOut" ? undefined : `${s.token}.renewed`;
      s.dead = true;
    } else {
      s.unit.drop();
      await flush();
      expect(s.unit.closed, "a dropped session is closed at once").toBe(true);
      s.open = false;
      if (s.leased) expect(s.holder?.cutOffs, "its lease is cut off").toBe(1);
    }
    checkInvariants(m, r);
  }

  toString(): string {
    return `drop(${this.index}, ${this.how})`;
  }
}

/** Time passes up to an identity's token expiry (just before, at, just after or well after it). */
export class ExpireCommand implements Command {
  constructor(
    readonly ident: number,
    readonly offsetMs: number,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const exp = tokenExpiresAt(tokenOf(m, r, this.ident % r.specs.length));
    const to = exp !== undefined && exp + this.offsetMs > m.clock ? exp + this.offsetMs : m.clock + 600_000;
    await advance(m, r, to - m.clock);
    checkInvariants(m, r);
  }

  toString(): string {
    return `expire(${this.ident}, ${this.offsetMs})`;
  }
}

/** Logout: `forget(identity)`. */
export class ForgetCommand implements Command {
  constructor(readonly ident: number) {}

  check(): boolean {
    return true;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const i = this.ident % r.specs.length;
    expect(r.sessions.forget(r.specs[i]!.parsed), "forget says whether it had sessions").toBe(cached(m, i));
    leave(m, r, i);
    await flush();
    checkInvariants(m, r);
  }

  toString(): string {
    return `forget(${this.ident})`;
  }
}

/**
 * The server stops accepting an identity's token (revoked): its next call fails, on a cached session
 * (the call's error is told to `refused`) or on a new one (its authentication is refused).
 */
export class RefuseCommand implements Command {
  constructor(readonly ident: number) {}

  check(): boolean {
    return true;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const i = this.ident % r.specs.length;
    const token = tokenOf(m, r, i);
    // Without a token nothing can be revoked; a call that would wait never reaches the server.
    if (token === undefined || wouldWait(m, i, false)) return;
    r.server.revoked.add(token);
    const outcome = await take(m, r, i, false);
    if ("session" in outcome) {
      const s = outcome.session;
      const error = r.sessions.refused(s.real, authRefusal("The token has been revoked"));
      expect(isAuthenticationFailedError(error)).toBe(true);
      leave(m, r, i);
      r.sessions.done(s.real);
      m.calls.pop();
      s.inFlight--;
      await flush();
      afterCall(m, s);
    } else {
      expect(outcome.error).toBe("auth");
    }
    checkInvariants(m, r);
  }

  toString(): string {
    return `refuse(${this.ident})`;
  }
}

/**
 * A call already running is refused by the server (its session's token revoked meanwhile): the identity
 * leaves the cache only when the refused token is still the one it is cached with (a credentials
 * identity that signed in again since keeps its new sessions). The call itself goes on until it ends.
 */
export class RefuseRunningCommand implements Command {
  constructor(readonly index: number) {}

  check(m: Readonly<UsersModel>): boolean {
    return m.calls.length > 0;
  }

  async run(m: UsersModel, r: UsersReal): Promise<void> {
    const s = m.calls[this.index % m.calls.length]!.session;
    r.server.revoked.add(s.token);
    const error = r.sessions.refused(s.real, authRefusal("The token has been revoked"));
    expect(isAuthenticationFailedError(error)).toBe(true);
    if (cached(m, s.ident) && tokenOf(m, r, s.ident) === s.token) leave(m, r, s.ident);
    await flush();
    checkInvariants(m, r);
  }

  toString(): string {
    return `refuseRunning(${this.index})`;
  }
}
