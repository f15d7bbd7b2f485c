/**
 * The server refused a call for its sign-in: the session's token expired (the token's or the
 * session's lifetime) or is no longer valid. Read from the SDK's server error (`details.kind` "Auth"),
 * or a `NotAllowed` saying the session or token expired.
 */
export function isAuthRefusal(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { kind?: unknown; name?: unknown; message?: unknown; details?: { kind?: unknown } };
  try {
    if (e.details?.kind === "Auth") return true;
    const notAllowed = e.kind === "NotAllowed" || e.name === "NotAllowedError";
    return notAllowed && typeof e.message === "string" && /(session|token) has expired/i.test(e.message);
  } catch {
    return false;
  }
}
