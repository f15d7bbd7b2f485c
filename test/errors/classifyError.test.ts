import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createNodeEngines } from "@surrealdb/node";
import {
  AlreadyExistsError,
  AuthenticationError,
  CallTerminatedError,
  ConnectionUnavailableError,
  HttpConnectionError,
  InternalError,
  MissingNamespaceDatabaseError,
  NotAllowedError,
  NotFoundError,
  parseRpcError,
  QueryError,
  ReconnectExhaustionError,
  ServerError,
  Surreal,
  ThrownError,
  UnexpectedConnectionError,
  ValidationError,
} from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitOpenError } from "../../src/errors/CircuitOpenError.js";
import { CommitOutcomeUnknownError } from "../../src/errors/CommitOutcomeUnknownError.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import {
  classifyError,
  describeTransience,
  isRefusal,
  isServerError,
  isTransient,
} from "../../src/errors/classifyError.js";
import { OperationTimeoutError } from "../../src/errors/OperationTimeoutError.js";
import { RetriesExhaustedError } from "../../src/errors/RetriesExhaustedError.js";
import { SurrealPoolError } from "../../src/errors/SurrealPoolError.js";

const nodeError = (code: string) => Object.assign(new Error(`socket ${code}`), { code, syscall: "connect" });

/** Runs a query against the embedded engine and returns what it threw. */
async function thrownBy(db: Surreal, query: string): Promise<unknown> {
  try {
    await db.query(query);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${query} to fail`);
}

describe("isTransient with errors from the embedded SurrealDB engine", () => {
  let db: Surreal;
  beforeAll(async () => {
    db = new Surreal({ engines: createNodeEngines() });
    await db.connect("mem://");
    await db.use({ namespace: "transience", database: "test" });
    await db.query("CREATE user:1 SET name = 'a'");
  });
  afterAll(async () => {
    await db?.close();
  });

  it("a parse error is not transient", async () => {
    const error = await thrownBy(db, "SELEC * FRM user");
    expect(error).toBeInstanceOf(ValidationError);
    expect(isTransient(error)).toBe(false);
    expect(describeTransience(error)).toBe("not transient (rejected): the query does not parse");
  });

  it("SELECT from a missing table (NotFoundError) is not transient", async () => {
    const error = await thrownBy(db, "SELECT * FROM no_such_table");
    expect(error).toBeInstanceOf(NotFoundError);
    expect(isTransient(error)).toBe(false);
  });

  it("CREATE of an existing id (AlreadyExistsError) is not transient", async () => {
    const error = await thrownBy(db, "CREATE user:1 SET name = 'b'");
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect(isTransient(error)).toBe(false);
  });

  it("THROW is not transient", async () => {
    const error = await thrownBy(db, "THROW 'conflict can be retried'");
    expect(error).toBeInstanceOf(ThrownError);
    expect(isTransient(error)).toBe(false); // the words of a THROW do not make it a conflict
  });

  it("a field coercion failure (InternalError) is not transient", async () => {
    const error = await thrownBy(
      db,
      "DEFINE TABLE strict SCHEMAFULL; DEFINE FIELD n ON strict TYPE int; CREATE strict SET n = 'x'",
    );
    expect(error).toBeInstanceOf(InternalError);
    expect(isTransient(error)).toBe(false);
  });

  it("a query that exceeds its TIMEOUT is transient", async () => {
    const error = await thrownBy(db, "SELECT * FROM user TIMEOUT 1ns");
    expect(error).toBeInstanceOf(QueryError);
    expect(classifyError(error)).toMatchObject({ transient: true, category: "timeout" });
  });

  it("a refused network target (NotAllowedError) is not transient", async () => {
    const error = await thrownBy(db, "RETURN http::get('http://localhost:1')");
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(isTransient(error)).toBe(false);
  });

  it("wrong credentials are not transient", async () => {
    const other = new Surreal({ engines: createNodeEngines() });
    await other.connect("mem://");
    const error = await other.signin({ username: "nobody", password: "wrong" }).catch((e: unknown) => e);
    await other.close();
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(isTransient(error)).toBe(false);
  });

  it("a query on a closed connection (ConnectionUnavailableError) is transient", async () => {
    const other = new Surreal({ engines: createNodeEngines() });
    await other.connect("mem://");
    await other.close();
    const error = await thrownBy(other, "RETURN 1");
    expect(error).toBeInstanceOf(ConnectionUnavailableError);
    expect(classifyError(error)).toMatchObject({ transient: true, category: "connection" });
  });
});

describe("isTransient with constructed SDK errors", () => {
  it.each([
    ["ConnectionUnavailableError", new ConnectionUnavailableError(), "connection"],
    ["CallTerminatedError", new CallTerminatedError(), "connection"],
    ["UnexpectedConnectionError", new UnexpectedConnectionError(new Error("ws closed 1006")), "connection"],
    ["ReconnectExhaustionError", new ReconnectExhaustionError(), "connection"],
    [
      "HttpConnectionError 503",
      new HttpConnectionError("busy", 503, "Service Unavailable", new ArrayBuffer(0)),
      "unavailable",
    ],
    [
      "QueryError TransactionConflict",
      new QueryError({ kind: "Query", message: "conflict", details: { kind: "TransactionConflict" } }),
      "conflict",
    ],
    [
      "RPC error -32009 (conflict code)",
      parseRpcError({ code: -32009, message: "Transaction conflict" }),
      "conflict",
    ],
    [
      "pre-3.1 conflict in words",
      new InternalError({
        kind: "Internal",
        message:
          "Failed to commit transaction due to a read or write conflict. This transaction can be retried",
      }),
      "conflict",
    ],
    [
      "conflict as the cause of a NotExecuted error",
      new QueryError({
        kind: "Query",
        message: "not executed",
        details: { kind: "NotExecuted" },
        cause: new QueryError({ kind: "Query", message: "c", details: { kind: "TransactionConflict" } }),
      }),
      "conflict",
    ],
    [
      "server Connection kind (Uninitialised)",
      new ServerError({ kind: "Connection", message: "uninitialised", details: { kind: "Uninitialised" } }),
      "connection",
    ],
  ])("%s is transient", (_label, error, category) => {
    expect(classifyError(error)).toMatchObject({ transient: true, category });
    expect(isTransient(error)).toBe(true);
    expect(describeTransience(error)).toMatch(/^transient \(/);
  });

  it.each([
    ["AuthenticationError", new AuthenticationError(new Error("bad"))],
    ["MissingNamespaceDatabaseError", new MissingNamespaceDatabaseError()],
    ["HttpConnectionError 400", new HttpConnectionError("bad", 400, "Bad Request", new ArrayBuffer(0))],
    [
      "NotAllowedError (permission)",
      new NotAllowedError({ kind: "NotAllowed", message: "no", details: { kind: "Scripting" } }),
    ],
    ["ValidationError via RPC code -32700", parseRpcError({ code: -32700, message: "Parse error" })],
    [
      "QueryError Cancelled",
      new QueryError({ kind: "Query", message: "cancelled", details: { kind: "Cancelled" } }),
    ],
    ["a server error of a kind from the future", new ServerError({ kind: "Quantum", message: "?" })],
  ])("%s is not transient", (_label, error) => {
    expect(isTransient(error)).toBe(false);
    expect(describeTransience(error)).toMatch(/^not transient \(/);
  });
});

describe("isTransient with socket, abort and our own errors", () => {
  it.each([
    "ECONNRESET",
    "ECONNREFUSED",
    "EPIPE",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "EAI_AGAIN",
    "UND_ERR_SOCKET",
  ])("Node socket error %s is transient", (code) => {
    expect(isTransient(nodeError(code))).toBe(true);
  });

  it("ENOTFOUND (a host name that does not exist) and other codes are not", () => {
    expect(isTransient(nodeError("ENOTFOUND"))).toBe(false);
    expect(isTransient(nodeError("EACCES"))).toBe(false);
  });

  it("an AbortError is never transient; a per-attempt TimeoutError is", () => {
    expect(isTransient(new DOMException("stop", "AbortError"))).toBe(false);
    const controller = new AbortController();
    controller.abort();
    expect(isTransient(controller.signal.reason)).toBe(false);
    expect(classifyError(new DOMException("slow", "TimeoutError"))).toMatchObject({
      transient: true,
      category: "timeout",
    });
  });

  it("our errors: circuit open, acquire timeout and connect failures are transient", () => {
    const open = new CircuitOpenError({
      endpoint: "ws://a:8000",
      state: "open",
      since: 0,
      retryAfterMs: 10,
      isolated: false,
    });
    expect(classifyError(open)).toMatchObject({ transient: true, category: "unavailable" });
    expect(isTransient(new SurrealPoolError("ACQUIRE_TIMEOUT", "timed out"))).toBe(true);
    expect(
      isTransient(
        new SurrealPoolError("CONNECT_FAILED", "connect failed", { cause: nodeError("ECONNREFUSED") }),
      ),
    ).toBe(true);
  });

  it("a connect failure caused by bad credentials is not transient", () => {
    const error = new SurrealPoolError("CONNECT_FAILED", "connect failed", {
      cause: new AuthenticationError(new Error("bad")),
    });
    expect(classifyError(error)).toMatchObject({ transient: false, category: "config" });
  });

  it("our config errors, closed pool, aborted acquire and exhausted retries are not transient", () => {
    expect(isTransient(new ConfigError([{ path: "pool.maxConnections", message: "must be >= 1" }]))).toBe(
      false,
    );
    expect(isTransient(new SurrealPoolError("POOL_CLOSED", "closed"))).toBe(false);
    expect(isTransient(new SurrealPoolError("ACQUIRE_ABORTED", "aborted"))).toBe(false);
    const exhausted = new RetriesExhaustedError({
      attempts: 3,
      errors: [nodeError("ECONNRESET")],
      reason: "maxAttempts",
    });
    expect(classifyError(exhausted).category).toBe("exhausted");
  });

  it("a commit whose outcome is unknown is never transient, even when what reported it is", () => {
    const late = new CommitOutcomeUnknownError("ws://db/rpc", new OperationTimeoutError(50, "ws://db/rpc"));
    expect(isTransient(late.cause)).toBe(true);
    expect(classifyError(late)).toMatchObject({ transient: false, category: "indeterminate" });
    expect(isTransient(new CommitOutcomeUnknownError("ws://db/rpc", nodeError("ECONNRESET")))).toBe(false);
  });

  it("an unknown wrapper is judged by its cause; unknown errors and non-errors are not transient", () => {
    expect(isTransient(new Error("query failed", { cause: nodeError("ECONNRESET") }))).toBe(true);
    expect(describeTransience(new Error("wrapped", { cause: new CallTerminatedError() }))).toBe(
      "transient (connection): caused by: the connection closed while the call was in flight",
    );
    expect(isTransient(new Error("boom"))).toBe(false);
    expect(isTransient(new TypeError("x is not a function"))).toBe(false);
    expect(isTransient("ECONNRESET")).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient(null)).toBe(false);
  });

  it("survives a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isTransient(a)).toBe(false);
  });
});

describe("isServerError and isRefusal", () => {
  const refused = new NotAllowedError({ kind: "NotAllowed", message: "no", details: { kind: "Auth" } });
  const conflict = new QueryError({ kind: "Query", message: "c", details: { kind: "TransactionConflict" } });

  it("a server error is one the server answered with, recognised by its brand, of any kind", () => {
    expect(isServerError(refused)).toBe(true);
    expect(isServerError(conflict)).toBe(true);
    expect(isServerError(new ServerError({ kind: "Quantum", message: "?" }))).toBe(true);
    // A copy from another bundle carries the same brand and no shared prototype.
    expect(isServerError({ [Symbol.for("surrealdb.ServerError")]: true })).toBe(true);
    for (const other of [
      new CallTerminatedError(),
      nodeError("ECONNRESET"),
      new Error("x"),
      null,
      "NotAllowed",
    ]) {
      expect(isServerError(other)).toBe(false);
    }
  });

  it("a refusal is a server error no retry can change", () => {
    expect(isRefusal(refused)).toBe(true);
    expect(isRefusal(new ThrownError({ kind: "Thrown", message: "nope" }))).toBe(true);
    expect(isRefusal(conflict)).toBe(false); // answered, but a rerun can succeed
    expect(isRefusal(new AuthenticationError(new Error("bad")))).toBe(false); // the SDK's own, not the server's
    expect(isRefusal(nodeError("ECONNRESET"))).toBe(false);
  });
});

describe("one error classification", () => {
  it("no source file but classifyError.ts recognises a server error by its brand, or defines isRefusal", () => {
    const src = join(import.meta.dirname, "../../src");
    const copies: string[] = [];
    for (const file of readdirSync(src, { recursive: true }) as string[]) {
      if (!file.endsWith(".ts") || file === join("errors", "classifyError.ts")) continue;
      const text = readFileSync(join(src, file), "utf8");
      if (text.includes("surrealdb.ServerError")) copies.push(`${file}: the ServerError brand`);
      if (/function (isRefusal|isServerError|classifyError)\b/.test(text))
        copies.push(`${file}: a classifier`);
    }
    expect(copies).toEqual([]);
  });
});
