/**
 * A JWT's payload (its claims: the part after the first dot), or undefined when there is no JSON object
 * there. The signature is not checked: the server does that; the pool only reads what the token says
 * of itself.
 */
export function tokenClaims(token: string): Record<string, unknown> | undefined {
  const payload64 = token.split(".")[1];
  if (!payload64) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(payload64, "base64url").toString("utf8"));
    return typeof payload === "object" && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a SurrealDB access token (a JWT) expires, epoch ms, read from its `exp` claim; undefined when
 * the token is not a JWT or carries no `exp`. The pool only needs to know when to renew.
 */
export function tokenExpiresAt(token: string | undefined): number | undefined {
  const exp = token ? tokenClaims(token)?.exp : undefined;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1_000 : undefined;
}
