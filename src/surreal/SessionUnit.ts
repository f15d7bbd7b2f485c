import type { SurrealSession } from "surrealdb";
import { isServerError } from "../errors/classifyError.js";
import type { RawConnection } from "./Connector.js";
import type { SessionAuth } from "./credentials/SessionAuth.js";
import { withUnitRenewal } from "./credentials/withRenewal.js";
import { resetSession } from "./resetSession.js";
import type { SharedSocket } from "./SharedSocket.js";
import type { SessionBaseline } from "./sessionDrift.js";

/** Who decides whether a socket still answers (its connector): a session's failed ping asks it. */
export interface SocketWatch {
  readonly validationTimeoutMs: number;
  suspectSocket(socket: SharedSocket): void;
}

/** One pooled unit: a SurrealDB session on a shared socket. */
export class SessionUnit implements RawConnection {
  baseline: SessionBaseline;
  #closed = false;

  constructor(
    readonly db: SurrealSession,
    readonly socket: SharedSocket,
    baseline: SessionBaseline,
    readonly auth: SessionAuth | undefined,
    private readonly connector: SocketWatch,
  ) {
    this.baseline = baseline;
  }

  renewedInPing: RawConnection["renewedInPing"];

  async renewAuth(): Promise<void> {
    this.baseline = { ...this.baseline, accessToken: await this.auth!.signIn() };
  }

  /** A ping that renews an expiring sign-in instead of failing on it (see `withUnitRenewal`). */
  ping(): Promise<void> {
    return withUnitRenewal(this, () => this.#ping());
  }

  async #ping(): Promise<void> {
    // A ping that fails or outlives its deadline says the socket may hang, and every session on it with
    // it: one ping of the socket's default session decides for all of them.
    const suspect = () => this.connector.suspectSocket(this.socket);
    const timer = setTimeout(suspect, this.connector.validationTimeoutMs);
    try {
      await this.db.query("RETURN 1");
    } catch (error) {
      // The server answered with an error of its own (an expired session, say): the socket is alive.
      if (!isServerError(error)) suspect();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.baseline = await resetSession(this.db, undo, this.baseline, this.auth, () => this.#closed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.sessions--;
    await detach(this.db, this.socket, this.auth !== undefined);
  }

  onBroken(listener: (error: Error) => void): void {
    this.socket.onDrop(listener);
  }
}

/**
 * Detaches a session on a live socket (a dropped socket took it with it on the server already). Signed
 * out first: the SDK (2.0.8) forgets a closed session's token-renewal timer without clearing it, and
 * that timer would keep the process alive until the token expires. Signed out even when it holds no
 * token now (`signedIn`: the pool signs its sessions in): a sign-in still in flight (a reset after a
 * borrower signed out, racing this close) answers before the sign-out does (one socket, in order) and
 * arms a timer the sign-out then clears; without it, the close's own round trip let that answer in
 * after the check and the timer held a process for the token's lifetime after shutdown.
 */
export async function detach(
  session: SurrealSession,
  socket: SharedSocket,
  signedIn: boolean,
): Promise<void> {
  try {
    if (!socket.usable || !session.isValid) return;
    // The SDK's getters throw once its connection is gone (a drop racing this detach): nothing to do then.
    if (signedIn || session.accessToken) await socket.whileOpen(session.invalidate()).catch(() => {});
    await socket.whileOpen(session.closeSession()).catch(() => {});
  } catch {
    // the socket went away meanwhile: the server ended the session with it
  }
}
