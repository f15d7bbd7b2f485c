/**
 * When a SurrealDB access token (a JWT) expires, epoch ms, read from its `exp` claim; undefined when
 * the token is not a JWT or carries no `exp`. The signature is not checked: the server does that, the
 * pool only needs to know when to renew.
 */
export function tokenExpiresAt(token: string | undefined): number | undefined {
  if (!token) return undefined;
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1_000 : undefined;
  } catch {
    return undefined;
  }
}
