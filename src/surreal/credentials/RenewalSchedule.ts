/**
 * How long sessions of one endpoint stay signed in, as learned from refusals (`DURATION FOR SESSION`
 * is not in the token, so the pool learns it from the first "session has expired"). Shared by every
 * connection of the endpoint: one connection's refusal makes the others renew in time.
 */
export class SessionLifetime {
  #ms: number | undefined;

  /** The shortest lifetime seen, ms; undefined before any refusal. */
  get ms(): number | undefined {
    return this.#ms;
  }

  /** A session signed in `ms` ago was refused as expired: it lives at most that long. */
  observe(ms: number): void {
    if (ms > 0 && (this.#ms === undefined || ms < this.#ms)) this.#ms = ms;
  }
}

/** Renew this long before a token's `exp`: 20% of its lifetime, at most a minute. */
export function renewalMargin(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(0, lifetimeMs) * 0.2);
}

/** Renew at this fraction of a learned session lifetime (the lifetime is known only to the second). */
const LEARNED_FRACTION = 0.8;

/**
 * When one connection's sign-in must be renewed. Pure bookkeeping over times passed in (epoch ms), so
 * it is tested as a model without waiting: due when the token is within its margin of `exp`, when the
 * learned session lifetime is mostly used up, or after a refusal until the next sign-in.
 */
export class RenewalSchedule {
  readonly #lifetime: SessionLifetime;
  #signedInAt = Number.NEGATIVE_INFINITY;
  #tokenRenewAt = Number.POSITIVE_INFINITY;
  #refused = false;

  constructor(lifetime: SessionLifetime) {
    this.#lifetime = lifetime;
  }

  /** Signed in (or renewed) at `at`, with a token that expires at `tokenExpiresAt` (when known). */
  signedIn(at: number, tokenExpiresAt: number | undefined): void {
    this.#signedInAt = at;
    this.#refused = false;
    this.#tokenRenewAt =
      tokenExpiresAt === undefined
        ? Number.POSITIVE_INFINITY
        : tokenExpiresAt - renewalMargin(tokenExpiresAt - at);
  }

  /** The server refused a call at `at` because the session (or its token) expired. */
  refused(at: number): void {
    this.#refused = true;
    this.#lifetime.observe(at - this.#signedInAt);
  }

  /** When the next renewal is due, epoch ms (-Infinity: now; Infinity: never known to be). */
  renewAt(): number {
    if (this.#refused) return Number.NEGATIVE_INFINITY;
    const learned = this.#lifetime.ms;
    const bySession =
      learned === undefined ? Number.POSITIVE_INFINITY : this.#signedInAt + learned * LEARNED_FRACTION;
    return Math.min(this.#tokenRenewAt, bySession);
  }

  due(at: number): boolean {
    return at >= this.renewAt();
  }
}
