// parseIdentity: what the pool files an end user's sessions under. The key and the short id shown in events
// are hashes: no token, password or other secret is ever a part of them (nor of the errors refusing an
// identity); a token that is not a JWT, already expired, or issued for another namespace/database than the
// handle's is refused before anything is cached; and the same credentials hash alike whatever the order of
// their keys (or the kind of object they come in), different ones never.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it, vi } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { isAuthenticationFailedError } from "../../src/errors/AuthenticationFailedError.js";
import { parseIdentity } from "../../src/users/UserIdentity.js";
import { UserSessions } from "../../src/users/UserSessions.js";

/** A cache that opens nothing: only its expiry check is used here. */
const sessions = () =>
  new UserSessions({ maxSessions: 1, waitMs: 1, open: () => undefined, publish: () => {} });

const PLACE = { namespace: "ns", database: "db" };
const nowSeconds = () => Math.floor(Date.now() / 1_000);

function jwt(claims: unknown, header: unknown = { alg: "HS512", typ: "JWT" }): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part(header)}.${part(claims)}.${Buffer.from("signature").toString("base64url")}`;
}

/** A secret that cannot be a substring of a hex hash by chance: long enough, and not all hex digits. */
const secret = fc
  .string({ minLength: 8, maxLength: 40 })
  .filter((s) => /[^0-9a-f]/.test(s) && s.trim().length >= 8);

/** Claims a record access token may carry, besides exp and NS/DB. */
const claims = fc.record(
  {
    ID: fc.string({ minLength: 1 }).map((id) => `user:${id}`),
    AC: fc.constantFrom("user", "account"),
    iat: fc.nat(),
    jti: fc.uuid(),
  },
  { requiredKeys: ["ID"] },
);

/**
 * Fails when any 8-character window of `secret` is in `text`, as it is or hex- or base64-encoded (a key
 * that merely re-encodes the secret leaks it as surely).
 */
function expectNoPartOf(secret: string, text: string): void {
  const found: string[] = [];
  for (let at = 0; at + 8 <= secret.length; at++) {
    const window = secret.slice(at, at + 8);
    const hex = Buffer.from(window).toString("hex");
    const base64 = Buffer.from(window).toString("base64url");
    for (const form of [window, hex, base64]) if (text.includes(form)) found.push(form);
  }
  expect(found, `parts of the secret in ${text}`).toEqual([]);
}

/** How a refusal reads: the error's own text and anything it says about itself. */
function textOf(error: unknown): string {
  return `${String(error)} ${JSON.stringify(error)}`;
}

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("parseIdentity accepted it");
}

/** JSON-like values, objects nested. */
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    tie("object"),
    fc.array(tie("value"), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie("value"), { maxKeys: 4 }),
})).value;

const variables = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), value, { maxKeys: 5 });

/** `v` again, every object's keys in another order, objects made plain or prototype-less as `kinds` say. */
function reordered(v: unknown, order: number, nullPrototype: boolean): unknown {
  if (Array.isArray(v)) return v.map((item) => reordered(item, order, nullPrototype));
  if (typeof v !== "object" || v === null) return v;
  const entries = Object.entries(v).map(([k, item]) => [k, reordered(item, order, nullPrototype)] as const);
  // Rotate, and reverse on odd orders: a different order for any object with two keys or more.
  const turn = entries.length > 0 ? order % entries.length : 0;
  const moved = [...entries.slice(turn), ...entries.slice(0, turn)];
  if (order % 2 === 1) moved.reverse();
  const out = nullPrototype ? Object.create(null) : {};
  for (const [k, item] of moved)
    Object.defineProperty(out, k, { value: item, enumerable: true, writable: true });
  return out;
}

describe("parseIdentity", () => {
  test.prop([claims, fc.option(fc.integer({ min: 60, max: 10 ** 8 }), { nil: undefined }), fc.boolean()])(
    "a token identity's key and id are hashes: no part of the token is in them",
    (payload, expiresIn, inPlace) => {
      const exp = expiresIn === undefined ? undefined : nowSeconds() + expiresIn;
      const token = jwt({
        ...payload,
        ...(exp === undefined ? {} : { exp }),
        ...(inPlace ? { NS: PLACE.namespace, DB: PLACE.database } : {}),
      });
      const parsed = parseIdentity({ token }, PLACE);
      expect(parsed.key).toMatch(/^[0-9a-f]{64}$/);
      expect(parsed.id).toBe(parsed.key.slice(0, 12));
      // The claims are what identifies a user; the signature, what makes the token a credential.
      for (const part of token.split(".").slice(1)) expectNoPartOf(part, `${parsed.key} ${parsed.id}`);
      expect(parsed.token).toBe(token);
      expect(parsed.signIn).toBeUndefined();
      expect(parsed.expiresAt).toBe(exp === undefined ? undefined : exp * 1_000);
      // The same token is the same identity; another token another one.
      expect(parseIdentity({ token }, PLACE).key).toBe(parsed.key);
      expect(parseIdentity({ token: jwt({ ...payload, other: 1 }) }, PLACE).key).not.toBe(parsed.key);
    },
  );

  test.prop([fc.string({ minLength: 1, maxLength: 20 }), secret, fc.string({ maxLength: 10 }), variables])(
    "a credentials identity's key and id never contain its password or other variables",
    (access, password, passKey, extra) => {
      const name = passKey === "" ? "pass" : passKey;
      const vars = { ...extra, [name]: password, nested: { again: password } };
      const parsed = parseIdentity({ access, variables: vars }, PLACE);
      expect(parsed.key).toMatch(/^[0-9a-f]{64}$/);
      expect(parsed.id).toBe(parsed.key.slice(0, 12));
      expectNoPartOf(password, `${parsed.key} ${parsed.id}`);
      expect(parsed.token).toBeUndefined();
      expect(parsed.signIn).toEqual({ access, ...PLACE, variables: vars });
      // A copy: the caller changing its object afterwards changes nothing the pool kept.
      expect(parsed.signIn!.variables).not.toBe(vars);
    },
  );

  test.prop([
    fc.oneof(
      // Not three parts.
      fc
        .array(fc.base64String({ minLength: 4, maxLength: 12 }), { minLength: 1, maxLength: 5 })
        .filter((parts) => parts.length !== 3)
        .map((parts) => parts.join(".")),
      // Three parts, a payload that is not base64url of a JSON object.
      fc
        .oneof(
          fc.constant(""),
          fc.json().filter((text) => {
            const v: unknown = JSON.parse(text);
            return typeof v !== "object" || v === null || Array.isArray(v);
          }),
          fc.string().filter((text) => {
            try {
              JSON.parse(text);
              return false;
            } catch {
              return true;
            }
          }),
        )
        .map((payload) => `eyJhbGciOiJIUzUxMiJ9.${Buffer.from(payload).toString("base64url")}.c2ln`),
    ),
  ])("a token that is not a JWT is refused, and the refusal does not repeat it", (token) => {
    const error = refusal(() => parseIdentity({ token }, PLACE));
    expect(isArgumentError(error), String(error)).toBe(true);
    if (token.length >= 8) expect(textOf(error)).not.toContain(token);
  });

  it("a token that is no string, or empty, is refused", () => {
    for (const token of ["", 42, null, {}, ["a.b.c"]]) {
      expect(isArgumentError(refusal(() => parseIdentity({ token }, PLACE))), String(token)).toBe(true);
    }
  });

  test.prop([claims, fc.integer({ min: 0, max: 10 ** 8 })])(
    "an expired token is read (a logout may name it) and refused at its calls, typed, without repeating it",
    (payload, ago) => {
      const token = jwt({ ...payload, exp: nowSeconds() - ago });
      const parsed = parseIdentity({ token }, PLACE);
      expect(parsed.key).toMatch(/^[0-9a-f]{64}$/);
      const error = sessions().expired(parsed);
      expect(isAuthenticationFailedError(error), String(error)).toBe(true);
      expect(String(error)).toMatch(/expired/);
      expect(textOf(error)).not.toContain(token);
      for (const part of token.split(".")) expect(textOf(error)).not.toContain(part);
    },
  );

  it("a token expires at its exp: refused from that millisecond on, accepted a millisecond before", () => {
    const exp = Date.UTC(2030, 0, 1) / 1_000;
    const token = jwt({ ID: "user:ann", exp });
    vi.useFakeTimers({ toFake: ["Date"], now: exp * 1_000 - 1 });
    try {
      const parsed = parseIdentity({ token }, PLACE);
      expect(parsed.expiresAt).toBe(exp * 1_000);
      expect(sessions().expired(parsed)).toBeUndefined();
      vi.setSystemTime(exp * 1_000);
      expect(isAuthenticationFailedError(sessions().expired(parsed))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  test.prop([
    claims,
    fc.constantFrom("NS", "ns", "DB", "db"),
    fc
      .string({ minLength: 1, maxLength: 10 })
      .filter((name) => name !== PLACE.namespace && name !== PLACE.database),
  ])(
    "a token for another namespace or database is refused, unless the handle is placed there",
    (payload, claim, other) => {
      const token = jwt({ ...payload, [claim]: other });
      const error = refusal(() => parseIdentity({ token }, PLACE));
      expect(isArgumentError(error), String(error)).toBe(true);
      expect(textOf(error)).not.toContain(token);
      const there = claim.toLowerCase() === "ns" ? { namespace: other } : { database: other };
      const parsed = parseIdentity({ token, ...there }, PLACE);
      expect({ namespace: parsed.namespace, database: parsed.database }).toEqual({ ...PLACE, ...there });
    },
  );

  test.prop([fc.string({ minLength: 1, maxLength: 10 }), variables, fc.nat(), fc.boolean(), fc.boolean()])(
    "the same credentials hash alike whatever the order of their keys, or the kind of object they come in",
    (access, vars, order, nullPrototype, identityReordered) => {
      const one = parseIdentity({ access, variables: vars }, PLACE);
      const again = reordered(vars, order, nullPrototype) as Record<string, unknown>;
      const identity = identityReordered
        ? { database: PLACE.database, variables: again, access, namespace: PLACE.namespace }
        : { access, variables: again };
      expect(parseIdentity(identity, PLACE).key).toBe(one.key);
    },
  );

  test.prop([
    fc.string({ minLength: 1, maxLength: 10 }),
    variables,
    fc.string({ minLength: 1, maxLength: 6 }),
    value,
  ])("different credentials hash apart: another access, place, or value", (access, vars, name, other) => {
    const one = parseIdentity({ access, variables: vars }, PLACE).key;
    expect(parseIdentity({ access: `${access}x`, variables: vars }, PLACE).key).not.toBe(one);
    expect(parseIdentity({ access, variables: vars, database: "elsewhere" }, PLACE).key).not.toBe(one);
    const changed = { ...vars, [name]: other };
    fc.pre(JSON.stringify(changed[name]) !== JSON.stringify(vars[name]));
    expect(parseIdentity({ access, variables: changed }, PLACE).key).not.toBe(one);
  });

  it("a token and credentials never share a key", () => {
    const token = jwt({ ID: "user:ann" });
    const keys = new Set([
      parseIdentity({ token }, PLACE).key,
      parseIdentity({ access: token }, PLACE).key,
      parseIdentity({ access: "user", variables: { token } }, PLACE).key,
    ]);
    expect(keys.size).toBe(3);
  });
});
