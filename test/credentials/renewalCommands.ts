// fast-check commands for the renewal schedule: two connections of one endpoint (sharing what is
// learned about session lifetimes) sign in, get refused as expired, and are asked "renew now?" as
// time passes. The model keeps only the facts; the checks are the guarantees.
import type fc from "fast-check";
import { expect } from "vitest";
import {
  RenewalSchedule,
  renewalMargin,
  SessionLifetime,
} from "../../src/surreal/credentials/RenewalSchedule.js";

export interface Conn {
  signedInAt: number;
  tokenExpiresAt: number | undefined;
  refused: boolean;
}

export interface Model {
  now: number;
  conns: [Conn, Conn];
  /** Shortest session lifetime a refusal has shown, over both connections. */
  learned: number | undefined;
}

export interface Real {
  schedules: [RenewalSchedule, RenewalSchedule];
}

export function setup(): { model: Model; real: Real } {
  const lifetime = new SessionLifetime();
  const fresh = (): Conn => ({ signedInAt: 0, tokenExpiresAt: undefined, refused: false });
  const real: Real = { schedules: [new RenewalSchedule(lifetime), new RenewalSchedule(lifetime)] };
  real.schedules[0].signedIn(0, undefined);
  real.schedules[1].signedIn(0, undefined);
  return { model: { now: 0, conns: [fresh(), fresh()], learned: undefined }, real };
}

type Command = fc.Command<Model, Real>;

export class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model): void {
    m.now += this.ms;
  }
  toString = () => `advance(${this.ms})`;
}

export class SignIn implements Command {
  constructor(
    readonly which: 0 | 1,
    readonly tokenLifetimeMs: number | undefined,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const exp = this.tokenLifetimeMs === undefined ? undefined : m.now + this.tokenLifetimeMs;
    m.conns[this.which] = { signedInAt: m.now, tokenExpiresAt: exp, refused: false };
    r.schedules[this.which].signedIn(m.now, exp);
    // Just signed in: not due unless the token is already inside its margin, or the learned lifetime is 0.
    if (exp === undefined || this.tokenLifetimeMs! > 0) {
      const learnedOk = m.learned === undefined || m.learned > 0;
      if (learnedOk) expect(r.schedules[this.which].due(m.now)).toBe(false);
    }
  }
  toString = () => `signIn(${this.which}, token ${this.tokenLifetimeMs ?? "none"})`;
}

export class Refuse implements Command {
  constructor(readonly which: 0 | 1) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const c = m.conns[this.which];
    c.refused = true;
    const lived = m.now - c.signedInAt;
    if (lived > 0 && (m.learned === undefined || lived < m.learned)) m.learned = lived;
    r.schedules[this.which].refused(m.now);
    expect(r.schedules[this.which].due(m.now)).toBe(true);
  }
  toString = () => `refuse(${this.which})`;
}

export class Check implements Command {
  constructor(readonly which: 0 | 1) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const c = m.conns[this.which];
    const due = r.schedules[this.which].due(m.now);
    const age = m.now - c.signedInAt;
    // Must renew: after a refusal; once the token reached exp; once a known session lifetime is used up.
    if (c.refused) expect(due).toBe(true);
    if (c.tokenExpiresAt !== undefined && m.now >= c.tokenExpiresAt) expect(due).toBe(true);
    if (m.learned !== undefined && age >= m.learned) expect(due).toBe(true);
    // Must not renew early: before the token's margin and before 80% of the learned lifetime.
    const tokenFine =
      c.tokenExpiresAt === undefined ||
      m.now < c.tokenExpiresAt - renewalMargin(c.tokenExpiresAt - c.signedInAt);
    const sessionFine = m.learned === undefined || age < m.learned * 0.8;
    if (!c.refused && tokenFine && sessionFine) expect(due).toBe(false);
  }
  toString = () => `check(${this.which})`;
}
