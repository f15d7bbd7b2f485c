// Loads the N-API binding that ships inside @surrealdb/node. The package's public entry only exports the
// SDK engine wrapper (which decodes every answer and hides the session ids), so the endpoint server talks
// to the binding directly: raw CBOR request in, raw CBOR answer out.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One SurrealDB datastore opened by the native binding (SurrealDB 3.0.2 for @surrealdb/node 3.0.3). */
export interface NativeEngine {
  /** Runs one RPC request `{id, method, params, session, txn}`; answers the CBOR of the bare result or `{error}`. */
  execute(request: Uint8Array): Promise<Uint8Array>;
  /** Live-query notifications of every session of this datastore, as CBOR `{id, action, record, result, session}`. */
  notifications(): Promise<NativeNotificationReceiver>;
  free(): void;
}

export interface NativeNotificationReceiver {
  /** Resolves with the next notification, or null once the datastore is gone. */
  recv(): Promise<Uint8Array | null>;
}

export interface NativeEngineClass {
  connect(url: string, options?: unknown): Promise<NativeEngine>;
  version(): string;
}

interface NativeBinding {
  SurrealNodeEngine: NativeEngineClass;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return process.platform === "linux" && !report?.header?.glibcVersionRuntime;
}

/** Binary files for this platform, best match first (glibc before musl on a glibc system, and vice versa). */
function candidates(dir: string): string[] {
  const prefix = `surrealdb-node.${process.platform}-${process.arch}`;
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(".node"));
  const preferred = isMusl() ? "musl" : "gnu";
  return files
    .sort((a, b) => Number(b.includes(preferred)) - Number(a.includes(preferred)))
    .map((f) => join(dir, f));
}

export function loadNativeEngine(): NativeEngineClass {
  // The package's exports only allow `import` of its entry, so resolve that and look next to it.
  const entry = fileURLToPath(import.meta.resolve("@surrealdb/node"));
  const require = createRequire(import.meta.url);
  const errors: unknown[] = [];
  for (const file of candidates(dirname(entry))) {
    try {
      return (require(file) as NativeBinding).SurrealNodeEngine;
    } catch (err) {
      errors.push(err);
    }
  }
  throw new AggregateError(errors, `no @surrealdb/node binary loads on ${process.platform}-${process.arch}`);
}
