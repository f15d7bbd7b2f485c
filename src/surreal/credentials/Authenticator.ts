import type { SurrealSession } from "surrealdb";
import type { Credentials, CredentialsOption, TokenCredentials } from "../../config/options.js";
import { AuthenticationFailedError } from "../../errors/AuthenticationFailedError.js";
import { isRefusal } from "../../errors/classifyError.js";
import { signIn } from "../signIn.js";
import { SessionLifetime } from "./RenewalSchedule.js";
import { tokenExpiresAt } from "./tokenExpiry.js";

/** What one sign-in gave a session. */
export interface AuthGrant {
  accessToken: string;
  /** The token's `exp`, epoch ms, when it has one. */
  tokenExpiresAt: number | undefined;
}

/**
 * Signs sessions of one endpoint in with the configured credentials: a user and password, a token, or
 * a provider returning either, asked again at every sign-in (a new connection and every renewal), so
 * rotated secrets reach existing connections at their next renewal. Holds no secret itself.
 */
export class Authenticator {
  readonly endpoint: string;
  /** How long this endpoint's sessions live, as learned from refusals. */
  readonly lifetime = new SessionLifetime();
  readonly #option: CredentialsOption;

  constructor(option: CredentialsOption, endpoint: string) {
    this.#option = option;
    this.endpoint = endpoint;
  }

  async signIn(db: SurrealSession): Promise<AuthGrant> {
    const credentials = typeof this.#option === "function" ? await this.#option() : this.#option;
    if (isToken(credentials)) return this.#authenticate(db, credentials.token);
    const accessToken = await signIn(db, this.endpoint, credentials as Credentials);
    return { accessToken, tokenExpiresAt: tokenExpiresAt(accessToken) };
  }

  async #authenticate(db: SurrealSession, token: string): Promise<AuthGrant> {
    try {
      await db.authenticate(token);
    } catch (error) {
      if (isRefusal(error)) {
        throw new AuthenticationFailedError(this.endpoint, "(token)", { cause: error });
      }
      throw error;
    }
    return { accessToken: token, tokenExpiresAt: tokenExpiresAt(token) };
  }
}

function isToken(credentials: unknown): credentials is TokenCredentials {
  return typeof (credentials as { token?: unknown } | undefined)?.token === "string";
}
