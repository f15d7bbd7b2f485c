// The model of UserSessions: which sessions are open, whose they are, and what a call gets. Far simpler than
// the code: no promises, no timers, no entries; a session belongs to its identity's "generation" (bumped
// when the identity leaves the cache: forgotten, expired, refused, or its last session gone), and a session
// of an older generation is never handed out and closes once no call holds it.
import { expect, vi } from "vitest";
import { isAuthenticationFailedError } from "../../../src/errors/AuthenticationFailedError.js";
import { isPoolClosedError } from "../../../src/errors/PoolClosedError.js";
import type { UserEvent } from "../../../src/events/UserEvent.js";
import { tokenExpiresAt } from "../../../src/surreal/credentials/tokenExpiry.js";
import { isUserSessionsFullError } from "../../../src/users/errors/UserSessionsFullError.js";
import { type ParsedIdentity, parseIdentity } from "../../../src/users/UserIdentity.js";
import type { UserSession } from "../../../src/users/UserSession.js";
import { UserSessions } from "../../../src/users/UserSessions.js";
import { FakeAuthServer, FakeOpener, type FakeUserUnit, jwt, whoOf } from "./fakes.js";

export const START = Date.UTC(2030, 0, 1);
export const PLACE = { namespace: "ns", database: "db" };
export const WAIT_MS = 1;
const HOUR = 3_600_000;

/** One identity of the run, as the test knows it (the pool only sees `parsed`). */
export interface IdentitySpec {
  label: string;
  kind: "token" | "creds";
  parsed: ParsedIdentity;
  /** Who the server authenticates it as. */
  who: string;
  /** Token identities: the token. */
  token?: string;
  /** Credentials identities: the access method (refused ones are in the server's refusedAccess). */
  access?: string;
}

/** A few token identities (expiring at different times, one never) and credentials identities. */
export function identities(server: FakeAuthServer): IdentitySpec[] {
  const specs: IdentitySpec[] = [];
  const token = (label: string, expMs: number | undefined) => {
    const claims: Record<string, unknown> = { ID: `user:${label}`, NS: PLACE.namespace, DB: PLACE.database };
    if (expMs !== undefined) claims.exp = Math.floor(expMs / 1_000);
    const value = jwt(claims);
    server.accept(value, `token:${label}`);
    specs.push({
      label,
      kind: "token",
      parsed: parseIdentity({ token: value }, PLACE),
      who: `token:${label}`,
      token: value,
    });
  };
  token("t1h", START + HOUR);
  token("t3h", START + 3 * HOUR);
  token("tnoexp", undefined);
  const creds = (label: string, access: string, name: string) => {
    const identity = { access, variables: { name, pass: `secret-${name}` } };
    specs.push({
      label,
      kind: "creds",
      parsed: parseIdentity(identity, PLACE),
      who: whoOf(identity),
      access,
    });
  };
  creds("ann", "user", "ann");
  creds("bob", "user", "bob");
  creds("eve", "wrong", "eve");
  server.refusedAccess.add("wrong");
  return specs;
}

export interface MSession {
  unit: FakeUserUnit;
  real: UserSession;
  ident: number;
  gen: number;
  /** The token it was authenticated with. */
  token: string;
  inFlight: number;
  leased: boolean;
  /** Unusable without the pool being told: its transport died silently, or the SDK dropped or renewed its sign-in. */
  dead: boolean;
  open: boolean;
  /** Open order. */
  seq: number;
  /** A lease's holder, cut off on a drop. */
  holder?: { cutOffs: number };
}

export interface MIdent {
  gen: number;
  /** The token its current sessions hold (credentials: learned at sign-in; undefined until then). */
  token: string | undefined;
  /** When a call last asked for it (its entry's place in the LRU order). */
  lastTake: number;
}

export interface Call {
  session: MSession;
  exclusive: boolean;
}

export interface UsersModel {
  max: number;
  clock: number;
  tick: number;
  idents: MIdent[];
  sessions: MSession[];
  calls: Call[];
}

export interface UsersReal {
  sessions: UserSessions;
  opener: FakeOpener;
  server: FakeAuthServer;
  specs: IdentitySpec[];
  events: UserEvent[];
  /** Broken rules seen between checks (inside callbacks, where throwing would be swallowed). */
  violations: string[];
  /** Which identity each unit was first handed to. */
  owners: Map<FakeUserUnit, number>;
}

export function newRun(max: number): { model: UsersModel; real: UsersReal } {
  vi.clearAllTimers();
  vi.setSystemTime(START);
  const server = new FakeAuthServer();
  server.ttlMs = HOUR;
  const specs = identities(server);
  const opener = new FakeOpener(server);
  const real: UsersReal = {
    sessions: undefined as unknown as UserSessions,
    opener,
    server,
    specs,
    events: [],
    violations: [],
    owners: new Map(),
  };
  opener.onOpen = (alive) => {
    if (alive > max) real.violations.push(`${alive} sessions open or opening, bound ${max}`);
  };
  real.sessions = new UserSessions({
    maxSessions: max,
    waitMs: WAIT_MS,
    open: opener.open,
    publish: (event) => {
      real.events.push(event);
      const open = opener.sessions().length;
      // The session an eviction names is closed right after it is told.
      if (event.type === "user.session.opened" && event.cached !== open) {
        real.violations.push(`opened says cached ${event.cached}, ${open} sessions open`);
      }
      if (event.type === "user.session.evicted" && event.cached !== open - 1) {
        real.violations.push(`evicted (${event.reason}) says cached ${event.cached}, ${open - 1} left open`);
      }
      const user = "user" in event ? event.user : undefined;
      if (!specs.some((s) => s.parsed.id === user)) real.violations.push(`event names user ${user}`);
    },
  });
  const model: UsersModel = {
    max,
    clock: START,
    tick: 0,
    idents: specs.map((s) => ({ gen: 0, token: s.token, lastTake: 0 })),
    sessions: [],
    calls: [],
  };
  return { model, real };
}

/** Lets every promise the fakes settled run to its end (the fakes settle in microtasks). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const free = (s: MSession) => !s.leased && s.inFlight === 0;
export const openSessions = (m: UsersModel) => m.sessions.filter((s) => s.open);

/** The identity is in the cache: it has a session open of its current generation. */
export function cached(m: UsersModel, i: number): boolean {
  return m.sessions.some((s) => s.open && s.ident === i && s.gen === m.idents[i]!.gen);
}

/** The token the identity's sessions are authenticated with (credentials: once signed in). */
export function tokenOf(m: UsersModel, r: UsersReal, i: number): string | undefined {
  return r.specs[i]!.kind === "token" ? r.specs[i]!.token : m.idents[i]!.token;
}

/** The identity leaves the cache: its idle sessions close now, the busy ones once their calls end. */
export function leave(m: UsersModel, r: UsersReal, i: number): void {
  const ident = m.idents[i]!;
  for (const s of m.sessions) if (s.open && s.ident === i && s.gen === ident.gen && free(s)) s.open = false;
  ident.gen++;
  ident.token = r.specs[i]!.kind === "token" ? r.specs[i]!.token : undefined;
}

/** Time passes: identities in the cache whose token expired by now leave it. */
export async function advance(m: UsersModel, r: UsersReal, ms: number): Promise<void> {
  m.clock += ms;
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
  expect(Date.now()).toBe(m.clock);
  m.idents.forEach((_, i) => {
    const exp = tokenExpiresAt(tokenOf(m, r, i));
    if (cached(m, i) && exp !== undefined && exp <= m.clock) leave(m, r, i);
  });
}

/** The server would accept `token` now. */
function accepted(r: UsersReal, token: string | undefined): boolean {
  if (token === undefined) return false;
  try {
    r.server.check(token);
    return true;
  } catch {
    return false;
  }
}

function modelOf(m: UsersModel, session: UserSession): MSession | undefined {
  return m.sessions.find((s) => s.real === session);
}

type Settled<T> = { state: "pending" } | { state: "ok"; value: T } | { state: "failed"; error: unknown };

/** How `promise` has settled so far. */
function watch<T>(promise: Promise<T>): { current: Settled<T> } {
  const box: { current: Settled<T> } = { current: { state: "pending" } };
  promise.then(
    (value) => {
      box.current = { state: "ok", value };
    },
    (error: unknown) => {
      box.current = { state: "failed", error };
    },
  );
  return box;
}

/** The error `box` failed with (the test fails when it did not). */
function failure(box: { current: Settled<unknown> }): unknown {
  expect(box.current.state).toBe("failed");
  return (box.current as { error: unknown }).error;
}

export type TakeOutcome = { session: MSession } | { error: "auth" | "full" };

/**
 * A call of identity `i` asks for a session, in the model and for real, and the two must agree: a cached
 * session of its current generation at once (the least busy one, never a leased one), else a new one,
 * opened in room under the bound (the least recently used identity's idle session closed for it) or
 * after a wait that times out; authenticated as exactly `i`, or refused with AuthenticationFailedError.
 */
export async function take(m: UsersModel, r: UsersReal, i: number, exclusive: boolean): Promise<TakeOutcome> {
  const spec = r.specs[i]!;
  const ident = m.idents[i]!;
  // A token past its exp is refused at once, typed: nothing opens, and nothing of it stays cached.
  const exp = spec.kind === "token" ? tokenExpiresAt(spec.token) : undefined;
  if (exp !== undefined && exp <= m.clock) {
    const unitsBefore = r.opener.units.length;
    const error = await (r.sessions.take(spec.parsed, exclusive) as Promise<UserSession>).catch(
      (e: unknown) => e,
    );
    expect(isAuthenticationFailedError(error), String(error)).toBe(true);
    expect(r.opener.units.length, "nothing opens for an expired token").toBe(unitsBefore);
    leave(m, r, i);
    return { error: "auth" };
  }
  m.tick++;
  ident.lastTake = m.tick;
  if (!cached(m, i)) leave(m, r, i); // a new entry: credentials sign in again
  // Its idle sessions the SDK says are dead are closed on the way.
  for (const s of m.sessions) {
    if (s.open && s.ident === i && s.gen === ident.gen && free(s) && s.dead) s.open = false;
  }
  const candidates = m.sessions.filter(
    (s) =>
      s.open &&
      s.ident === i &&
      s.gen === ident.gen &&
      !s.dead &&
      !s.leased &&
      !(exclusive && s.inFlight > 0),
  );
  const signInsBefore = r.server.signIns.length;
  const unitsBefore = r.opener.units.length;
  const taking = r.sessions.take(spec.parsed, exclusive);

  if (candidates.length > 0) {
    expect(taking, "a cached session is handed out at once").not.toBeInstanceOf(Promise);
    const s = modelOf(m, taking as UserSession);
    expect(s && candidates.includes(s), `a session of ${spec.label}'s that may serve the call`).toBe(true);
    expect(s!.inFlight).toBe(Math.min(...candidates.map((c) => c.inFlight)));
    expect(r.opener.units.length).toBe(unitsBefore);
    handOut(m, r, i, s!, exclusive);
    return { session: s! };
  }

  expect(taking).toBeInstanceOf(Promise);
  const settled = watch(taking as Promise<UserSession>);
  await flush();
  if (openSessions(m).length >= m.max) {
    const victim = openSessions(m)
      .filter(free)
      .sort((a, b) => m.idents[a.ident]!.lastTake - m.idents[b.ident]!.lastTake || a.seq - b.seq)[0];
    if (!victim) {
      expect(settled.current.state, "a call waits when every session is in use").toBe("pending");
      expect(r.opener.units.length).toBe(unitsBefore);
      await advance(m, r, WAIT_MS);
      const error = failure(settled);
      expect(isUserSessionsFullError(error), String(error)).toBe(true);
      return { error: "full" };
    }
    const evicted = r.events.filter((e) => e.type === "user.session.evicted").at(-1);
    expect(evicted && "reason" in evicted && evicted.reason).toBe("lru");
    expect(
      victim.unit.closed,
      `the least recently used idle session (${r.specs[victim.ident]!.label}) goes`,
    ).toBe(true);
    victim.open = false;
  }
  expect(r.opener.units.length, "one session opened").toBe(unitsBefore + 1);
  const unit = r.opener.units.at(-1)!;
  const signsIn = spec.kind === "creds" && ident.token === undefined;
  expect(r.server.signIns.length - signInsBefore, signsIn ? "signs in" : "authenticates").toBe(
    signsIn ? 1 : 0,
  );
  const refused = signsIn ? r.server.refusedAccess.has(spec.access!) : !accepted(r, tokenOf(m, r, i));
  if (refused) {
    const error = failure(settled);
    expect(isAuthenticationFailedError(error), String(error)).toBe(true);
    expect(unit.closed, "the refused session is closed").toBe(true);
    leave(m, r, i);
    return { error: "auth" };
  }
  expect(settled.current.state, `${spec.label}'s call is served`).toBe("ok");
  const session = (settled.current as { value: UserSession }).value;
  expect(r.opener.unitOf(session.db)).toBe(unit);
  if (signsIn) ident.token = unit.fake.auth?.token;
  const opened = r.events.filter((e) => e.type === "user.session.opened").at(-1);
  expect(opened && "signedIn" in opened && opened.signedIn).toBe(signsIn);
  const s: MSession = {
    unit,
    real: session,
    ident: i,
    gen: ident.gen,
    token: tokenOf(m, r, i)!,
    inFlight: 0,
    leased: false,
    dead: false,
    open: true,
    seq: unit.id,
  };
  m.sessions.push(s);
  handOut(m, r, i, s, exclusive);
  return { session: s };
}

/** A session goes to a call of `i`: it must be authenticated as `i`, with `i`'s token, and no one else's. */
function handOut(m: UsersModel, r: UsersReal, i: number, s: MSession, exclusive: boolean): void {
  const spec = r.specs[i]!;
  const token = tokenOf(m, r, i);
  expect(s.unit.fake.auth?.who, `the session handed to ${spec.label} is authenticated as it`).toBe(spec.who);
  expect(s.unit.fake.accessToken, `the session handed to ${spec.label} holds its token`).toBe(token);
  expect(s.real.token).toBe(token);
  expect(s.unit.closed || s.unit.broken, "a dropped or closed session is never handed out").toBe(false);
  const exp = tokenExpiresAt(token);
  expect(exp === undefined || exp > m.clock, "never a session whose token expired").toBe(true);
  const owner = r.owners.get(s.unit);
  if (owner !== undefined) expect(owner, "a session is never handed to another identity").toBe(i);
  r.owners.set(s.unit, i);
  if (exclusive) {
    expect(free(s), "a lease holds its session alone").toBe(true);
    s.leased = true;
    s.holder = { cutOffs: 0 };
    const holder = s.holder;
    s.real.hold({
      cutOff: async () => {
        holder.cutOffs++;
      },
    });
  } else {
    expect(s.leased, "a stateless call never runs on a leased session").toBe(false);
    s.inFlight++;
  }
  m.calls.push({ session: s, exclusive });
}

/** A call ended and its session is idle: it closes if its identity left or its transport died. */
export function afterCall(m: UsersModel, s: MSession): void {
  if (s.open && free(s) && (s.dead || s.gen !== m.idents[s.ident]!.gen)) s.open = false;
}

/** The real state equals the model's, and the rules hold. */
export function checkInvariants(m: UsersModel, r: UsersReal): void {
  expect(r.violations).toEqual([]);
  const open = openSessions(m);
  const ids = (units: FakeUserUnit[]) => units.map((u) => u.id).sort((a, b) => a - b);
  expect(ids(r.opener.alive()), "the sessions open are the model's, and nothing else is").toEqual(
    ids(open.map((s) => s.unit)),
  );
  expect(open.length).toBeLessThanOrEqual(m.max);
  const health = r.sessions.health();
  expect(health).toEqual({
    maxSessions: m.max,
    cached: open.length,
    inUse: open.filter((s) => !free(s)).length,
    users: m.idents.filter((_, i) => cached(m, i)).length,
    waiting: 0,
  });
  expect(r.sessions.cached).toBe(open.length);
  const last = r.events.filter((e) => "cached" in e).at(-1);
  if (last && "cached" in last) expect(last.cached).toBe(open.length);
  for (const s of open) {
    if (s.dead) continue;
    expect(s.unit.fake.auth?.who).toBe(r.specs[s.ident]!.who);
    expect(s.unit.fake.accessToken).toBe(s.token);
  }
}

/** Shutdown at the end of a run: idle sessions close now, busy ones as their calls end; nothing is left. */
export async function shutdown(m: UsersModel, r: UsersReal): Promise<void> {
  const closing = r.sessions.close();
  await flush();
  for (const s of openSessions(m)) if (free(s)) s.open = false;
  checkAlive(m, r);
  for (const call of m.calls.splice(0)) {
    if (call.exclusive) await r.sessions.give(call.session.real, false, false);
    else r.sessions.done(call.session.real);
    await flush();
    if (call.exclusive) call.session.leased = false;
    else call.session.inFlight--;
    if (free(call.session)) call.session.open = false;
    checkAlive(m, r);
  }
  await closing;
  expect(r.opener.alive()).toEqual([]);
  await expect(Promise.resolve(r.sessions.take(r.specs[0]!.parsed, false))).rejects.toSatisfy(
    isPoolClosedError,
  );
  expect(vi.getTimerCount(), "no timer left behind").toBe(0);
  expect(r.violations).toEqual([]);
}

function checkAlive(m: UsersModel, r: UsersReal): void {
  const ids = (units: FakeUserUnit[]) => units.map((u) => u.id).sort((a, b) => a - b);
  expect(ids(r.opener.alive())).toEqual(ids(openSessions(m).map((s) => s.unit)));
}

/** A call of `i` would wait for room now (nothing of its own to reuse, every session in use). */
export function wouldWait(m: UsersModel, i: number, exclusive: boolean): boolean {
  const gen = cached(m, i) ? m.idents[i]!.gen : undefined;
  const mine = (s: MSession) => s.ident === i && s.gen === gen;
  const open = openSessions(m);
  if (open.some((s) => mine(s) && !s.dead && !s.leased && !(exclusive && s.inFlight > 0))) return false;
  const closing = open.filter((s) => mine(s) && s.dead && free(s)).length;
  return open.length - closing >= m.max && !open.some((s) => free(s) && !(mine(s) && s.dead));
}
