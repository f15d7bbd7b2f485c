// UserSessions under races: every effect of the fake sessions (open, authenticate, sign-in, the undoing of
// a lease's changes) settles when a fast-check scheduler says, so calls, lease ends, drops and logouts
// interleave in every order. First calls of one credentials identity sign in once and share the token;
// calls waiting for room at the bound are served first come first served as sessions come back; a
// logout racing an open lets the call use its session and closes it after; and under any mix, a session
// is only ever handed to its own identity, a lease holds its session alone until it is given back, and
// the bound holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAuthenticationFailedError } from "../../src/errors/AuthenticationFailedError.js";
import type { UserEvent } from "../../src/events/UserEvent.js";
import { type ParsedIdentity, parseIdentity } from "../../src/users/UserIdentity.js";
import type { UserSession } from "../../src/users/UserSession.js";
import { UserSessions } from "../../src/users/UserSessions.js";
import {
  authRefusal,
  FakeAuthServer,
  FakeOpener,
  type FakeUserUnit,
  jwt,
  whoOf,
} from "./userSessions/fakes.js";

/** LOAD=long runs ten times as many cases. */
const SCALE = process.env.LOAD === "long" ? 10 : 1;

const PLACE = { namespace: "ns", database: "db" };
/** Long enough that a waiter left waiting with room free fails the test by timing out. */
const WAIT_MS = 5_000;

function harness(s: fc.Scheduler, max: number) {
  const server = new FakeAuthServer();
  const opener = new FakeOpener(server, (label) => s.schedule(Promise.resolve(label), label));
  const violations: string[] = [];
  const events: UserEvent[] = [];
  const sessions = new UserSessions({
    maxSessions: max,
    waitMs: WAIT_MS,
    open: opener.open,
    publish: (event) => events.push(event),
  });
  opener.onOpen = (alive) => {
    if (alive > max) violations.push(`${alive} sessions open or opening, bound ${max}`);
  };
  /**
   * Runs one scheduled task, lets everything it started run (a waiter granted room opens its session in
   * a microtask), then checks that no call waits while there is room (a session could open).
   */
  const act = async (task: () => Promise<unknown>) => {
    await task();
    await new Promise((resolve) => setImmediate(resolve));
    const alive = opener.alive().length;
    const { waiting } = sessions.health();
    if (waiting > 0 && alive < max) violations.push(`${waiting} calls waiting with room for ${max - alive}`);
  };
  return { server, opener, sessions, violations, events, act };
}

type Harness = ReturnType<typeof harness>;

function tokenIdentity(
  h: Harness,
  label: string,
  database = PLACE.database,
): { parsed: ParsedIdentity; who: string } {
  const token = jwt({ ID: `user:${label}` });
  h.server.accept(token, `token:${label}`);
  return { parsed: parseIdentity({ token, database }, PLACE), who: `token:${label}` };
}

function credentialsIdentity(name: string): { parsed: ParsedIdentity; who: string } {
  const identity = { access: "user", variables: { name, pass: `secret-${name}` } };
  return { parsed: parseIdentity(identity, PLACE), who: whoOf(identity) };
}

const taken = (taking: UserSession | Promise<UserSession>) => Promise.resolve(taking);

describe("UserSessions under races", () => {
  it("first calls of one credentials identity, at once or later, sign in once and share its token", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ exclusive: fc.boolean(), later: fc.boolean() }), { minLength: 2, maxLength: 6 }),
        async (s, calls) => {
          const h = harness(s, 8);
          const ann = credentialsIdentity("ann");
          const all = Promise.all(
            calls.map(({ exclusive, later }) =>
              later
                ? s
                    .schedule(Promise.resolve("call"))
                    .then(() => taken(h.sessions.take(ann.parsed, exclusive)))
                : taken(h.sessions.take(ann.parsed, exclusive)),
            ),
          );
          const got = await s.waitFor(all, h.act);
          expect(h.server.signIns, "one sign-in").toEqual([ann.who]);
          const units = [...new Set(got.map((session) => h.opener.unitOf(session.db)))];
          const signedIn = units.filter((u) => u.fake.attempts.some((a) => a.how === "signin"));
          expect(signedIn).toHaveLength(1);
          const token = signedIn[0]!.fake.auth!.token;
          for (const unit of units) {
            expect(unit.fake.attempts, "one authentication per session").toHaveLength(1);
            expect(unit.fake.auth?.who).toBe(ann.who);
            expect(unit.fake.accessToken).toBe(token);
          }
          for (const session of got) expect(session.token).toBe(token);
          const opened = h.events.filter((e) => e.type === "user.session.opened");
          expect(opened.filter((e) => e.signedIn)).toHaveLength(1);
          expect(h.violations).toEqual([]);
          await h.sessions.close();
        },
      ),
      { numRuns: 100 * SCALE },
    );
  });

  it("calls waiting at the bound are all served, first come first served, as sessions come back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (s, max, leases) => {
          const h = harness(s, max);
          // One identity per call, each in a database of its own: where open() is asked for says whose it is.
          const users = leases.map((_, k) => tokenIdentity(h, `u${k}`, `db${k}`));
          const calls = leases.map(async (exclusive, k) => {
            const session = await taken(h.sessions.take(users[k]!.parsed, exclusive));
            expect(h.opener.unitOf(session.db).fake.auth?.who).toBe(users[k]!.who);
            await s.schedule(Promise.resolve(`use u${k}`));
            if (exclusive) await h.sessions.give(session, false, false);
            else h.sessions.done(session);
          });
          await s.waitFor(Promise.all(calls), h.act);
          expect(
            h.opener.places.map((p) => p.database),
            "sessions opened in the order calls came",
          ).toEqual(leases.map((_, k) => `db${k}`));
          expect(h.violations).toEqual([]);
          expect(h.sessions.health().waiting).toBe(0);
          expect(h.opener.alive().length).toBe(Math.min(max, leases.length));
          await h.sessions.close();
          expect(h.opener.alive()).toEqual([]);
        },
      ),
      { numRuns: 150 * SCALE },
    );
  });

  it("a logout racing an open: the call runs on its session, which closes after it and is never cached", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (s, credentials, exclusive, n) => {
          const h = harness(s, 4);
          const user = credentials ? credentialsIdentity("ann") : tokenIdentity(h, "tok");
          const calls = Array.from({ length: n }, () => taken(h.sessions.take(user.parsed, exclusive)));
          const forgetting = s.schedule(Promise.resolve("forget")).then(() => h.sessions.forget(user.parsed));
          const got = await s.waitFor(Promise.all(calls), h.act);
          await s.waitFor(forgetting, h.act);
          const units = got.map((session) => h.opener.unitOf(session.db));
          for (const unit of units) {
            expect(unit.fake.auth?.who, "each call ran as its user").toBe(user.who);
            expect(unit.closed, "a session in use is not closed under its call").toBe(false);
          }
          for (const session of got) {
            if (exclusive) await h.sessions.give(session, false, false);
            else h.sessions.done(session);
          }
          expect(h.opener.alive(), "closed once its call ended").toEqual([]);
          expect(h.sessions.health()).toMatchObject({ cached: 0, users: 0 });
          // The next call authenticates anew (credentials sign in again).
          const next = h.sessions.take(user.parsed, false);
          expect(next).toBeInstanceOf(Promise);
          const again = await s.waitFor(taken(next), h.act);
          expect(units).not.toContain(h.opener.unitOf(again.db));
          expect(h.server.signIns).toHaveLength(credentials ? 2 : 0);
          expect(h.violations).toEqual([]);
          h.sessions.done(again);
          await h.sessions.close();
        },
      ),
      { numRuns: 150 * SCALE },
    );
  });

  it("under any interleaving a session serves only its identity, a lease holds it alone, the bound holds", async () => {
    const call = fc.record({
      who: fc.nat({ max: 3 }),
      exclusive: fc.boolean(),
      end: fc.constantFrom("clean", "vars", "use", "tainted"),
      later: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(call, { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ what: fc.constantFrom("drop", "forget", "revoke"), index: fc.nat() }), {
          maxLength: 3,
        }),
        async (s, max, calls, troubles) => {
          const h = harness(s, max);
          const users = [
            tokenIdentity(h, "t1"),
            tokenIdentity(h, "t2"),
            credentialsIdentity("ann"),
            credentialsIdentity("bob"),
          ];
          const owners = new Map<FakeUserUnit, number>();
          const holders = new Map<FakeUserUnit, { leases: number; calls: number }>();
          const holding = (unit: FakeUserUnit) => {
            const held = holders.get(unit) ?? { leases: 0, calls: 0 };
            holders.set(unit, held);
            return held;
          };
          /** Steps of the run: when each call started, and when the pool was told each token was refused. */
          let step = 0;
          const refusedAt = new Map<string, number>();
          const work = calls.map(async ({ who, exclusive, end, later }, k) => {
            if (later) await s.schedule(Promise.resolve(`call ${k}`));
            const started = step++;
            let session: UserSession;
            try {
              session = await taken(h.sessions.take(users[who]!.parsed, exclusive));
            } catch (error) {
              // Only a token the server no longer accepts fails a call here.
              if (!isAuthenticationFailedError(error) || h.server.revoked.size === 0) {
                h.violations.push(`call ${k} failed: ${error}`);
              }
              return;
            }
            const unit = h.opener.unitOf(session.db);
            const refused = refusedAt.get(session.token);
            if (refused !== undefined && refused < started) {
              h.violations.push(`call ${k} got a session whose token the pool knew refused`);
            }
            const held = holding(unit);
            if (owners.has(unit) && owners.get(unit) !== who)
              h.violations.push(`unit ${unit.id} handed to two users`);
            owners.set(unit, who);
            if (unit.fake.auth?.who !== users[who]!.who || unit.fake.accessToken !== session.token) {
              h.violations.push(`call ${k} of ${users[who]!.who} got a session of ${unit.fake.auth?.who}`);
            }
            if (unit.broken || unit.closed) h.violations.push(`call ${k} got a dropped or closed session`);
            if (held.leases > 0) h.violations.push(`call ${k} got unit ${unit.id} while a lease holds it`);
            if (exclusive && held.calls > 0)
              h.violations.push(`lease ${k} got unit ${unit.id} while calls run on it`);
            if (exclusive) held.leases++;
            else held.calls++;
            await s.schedule(Promise.resolve(`use ${k}`));
            if (h.server.revoked.has(session.token)) {
              // The call failed with the server's refusal of its token: told to the cache.
              const error = h.sessions.refused(session, authRefusal("The token has been revoked"));
              if (!isAuthenticationFailedError(error)) h.violations.push(`refused() gave ${error}`);
              if (!refusedAt.has(session.token)) refusedAt.set(session.token, step++);
            }
            if (!exclusive) {
              held.calls--;
              h.sessions.done(session);
              return;
            }
            let changed = false;
            if (end === "vars") {
              unit.fake.parameters.note = k;
              changed = true;
            } else if (end === "use") {
              unit.fake.namespace = "elsewhere";
              changed = true;
            }
            // The lease holds its session until give() is done undoing what it changed.
            await h.sessions.give(session, end === "tainted", changed);
            held.leases--;
          });
          const trouble = troubles.map(({ what, index }) =>
            s.schedule(Promise.resolve(what)).then(() => {
              const open = h.opener.sessions();
              if (what === "forget") h.sessions.forget(users[index % users.length]!.parsed);
              else if (open.length === 0) return;
              else if (what === "drop") open[index % open.length]!.drop();
              // The server stops accepting one session's token (revoked, or expired early).
              else h.server.revoked.add(open[index % open.length]!.fake.accessToken!);
            }),
          );
          await s.waitFor(Promise.all([...work, ...trouble]), h.act);
          expect(h.violations).toEqual([]);
          expect(h.sessions.health()).toMatchObject({ inUse: 0, waiting: 0 });
          expect(h.sessions.cached).toBe(h.opener.sessions().length);
          expect(h.opener.alive()).toEqual(h.opener.sessions());
          for (const unit of h.opener.sessions()) {
            expect(unit.fake.parameters).toEqual({});
            expect(unit.fake.namespace).toBe(PLACE.namespace);
          }
          await h.sessions.close();
          expect(h.opener.alive()).toEqual([]);
        },
      ),
      { numRuns: 200 * SCALE },
    );
  });
});
