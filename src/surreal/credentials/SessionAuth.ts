import type { SurrealSession } from "surrealdb";
import type { Authenticator } from "./Authenticator.js";
import { RenewalSchedule } from "./RenewalSchedule.js";
import { tokenExpiresAt } from "./tokenExpiry.js";

/**
 * One pooled session's sign-in over time: signs it in, knows when that expires (the token's `exp`,
 * or the endpoint's learned session lifetime) and renews it, asking the credentials again each time.
 */
export class SessionAuth {
  readonly #authenticator: Authenticator;
  readonly #db: SurrealSession;
  readonly #schedule: RenewalSchedule;
  /** The token of the last sign-in (what the SDK's record should still hold). */
  #token: string | undefined;

  constructor(authenticator: Authenticator, db: SurrealSession) {
    this.#authenticator = authenticator;
    this.#db = db;
    this.#schedule = new RenewalSchedule(authenticator.lifetime);
  }

  /** Signs the session in (again); resolves with the new access token. */
  async signIn(): Promise<string> {
    const grant = await this.#authenticator.signIn(this.#db);
    this.#token = grant.accessToken;
    this.#schedule.signedIn(Date.now(), grant.tokenExpiresAt);
    return grant.accessToken;
  }

  /**
   * The session starts signed in by a token it inherited (a fork of a socket's default session, which
   * the server accepts by a token check): its renewal is scheduled from that token, and renewing it is
   * a sign-in of its own.
   */
  inherited(token: string | undefined): void {
    if (!token) return;
    this.#token = token;
    this.#schedule.signedIn(Date.now(), tokenExpiresAt(token));
  }

  /**
   * True when the sign-in should be renewed before the session is used: it is (nearly) expired, or
   * the SDK dropped it (the SDK invalidates a session whose token reached `exp` and it cannot renew).
   */
  due(): boolean {
    if (this.#schedule.due(Date.now())) return true;
    const held = this.#heldToken();
    return this.#token !== undefined && held === undefined;
  }

  /**
   * Whether `error` is the server refusing a call because the pool's own sign-in expired (not a
   * borrower's own `signin()`, whose expiry is theirs); if so, records it so the lifetime is learned.
   */
  expiredRefusal(error: unknown): boolean {
    const held = this.#heldToken();
    if (held === GONE) return false; // the connection itself is gone: not a refusal of any sign-in
    const ours = held === this.#token || held === undefined;
    if (!ours || !isExpiry(error, held === undefined)) return false;
    this.#schedule.refused(Date.now());
    return true;
  }

  /**
   * The token the SDK holds for the session, or GONE when its connection closed: the SDK's getter
   * throws then, and that must not replace the error of the call being judged.
   */
  #heldToken(): string | undefined | typeof GONE {
    try {
      return this.#db.accessToken;
    } catch {
      return GONE;
    }
  }
}

const EXPIRED_KINDS = new Set(["SessionExpired", "TokenExpired"]);
const GONE = Symbol("connection gone");

/** The server's "session/token has expired"; or any permission refusal once the SDK dropped the auth. */
function isExpiry(error: unknown, authDropped: boolean): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    kind?: unknown;
    name?: unknown;
    details?: { kind?: unknown; details?: { kind?: unknown } };
  };
  if (e.details?.kind === "Auth" && EXPIRED_KINDS.has(String(e.details.details?.kind))) return true;
  return authDropped && (e.kind === "NotAllowed" || e.name === "NotAllowedError");
}
