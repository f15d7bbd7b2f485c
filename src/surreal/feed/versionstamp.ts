/**
 * SurrealDB 3 versionstamps are hybrid-logical-clock timestamps: epoch milliseconds shifted left 16
 * bits, plus a counter for commits within one millisecond (measured on 3.0.2: a change's versionstamp
 * >> 16 is within a few ms of `time::now()` at its commit). So a versionstamp tells when a change was
 * made, and a time gives the versionstamp below which every change is older.
 */

/** The lowest versionstamp of millisecond `ms` (epoch). */
export function versionstampAt(ms: number): bigint {
  return BigInt(Math.max(0, Math.floor(ms))) << 16n;
}

/** When (epoch ms) the change with this versionstamp was committed. */
export function timeOfVersionstamp(versionstamp: bigint): number {
  return Number(versionstamp >> 16n);
}

/** A versionstamp as the SDK decodes it (bigint, or a number for small values) or as stored (a string). */
export function toVersionstamp(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not a versionstamp: ${String(value)}`);
}
