// CBOR framing between the WebSocket and the native engine. Requests are decoded (the session field has to be
// rewritten), but answers are spliced as raw bytes: re-encoding every result would cost time and could only
// lose fidelity, and the engine already produced exactly the CBOR a server would send.
import { CborCodec } from "surrealdb";

export const codec = new CborCodec({});

const text = new TextEncoder();
const ERROR_KEY = text.encode("error");
const KEY_ID = Uint8Array.of(0x62, ...text.encode("id")); // text(2) "id"
const KEY_RESULT = Uint8Array.of(0x66, ...text.encode("result")); // text(6) "result"
const KEY_ERROR = Uint8Array.of(0x65, ...ERROR_KEY); // text(5) "error"

/** The engine answers failures as the one-entry map `{error: {...}}`; CBOR: 0xa1, text(5) "error", value. */
export function isErrorAnswer(raw: Uint8Array): boolean {
  if (raw.length < 7 || raw[0] !== 0xa1 || raw[1] !== 0x65) return false;
  for (let i = 0; i < ERROR_KEY.length; i++) if (raw[2 + i] !== ERROR_KEY[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `{id, result}` or `{id, error}` around the engine's raw answer, as a SurrealDB server frames a response. */
export function responseFrame(id: unknown, raw: Uint8Array): Uint8Array {
  const hasId = id !== undefined;
  const head = Uint8Array.of(hasId ? 0xa2 : 0xa1);
  const idPart = hasId ? [KEY_ID, codec.encode(id)] : [];
  // An error answer already is `error: value` after its one-entry map header: reuse those bytes.
  const body = isErrorAnswer(raw) ? [raw.subarray(1)] : [KEY_RESULT, raw];
  return concat([head, ...idPart, ...body]);
}

/** Live-query notifications travel without an id, as `{result: notification}` (what the SDK's ws engine expects). */
export function notificationFrame(raw: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(0xa1), KEY_RESULT, raw]);
}

export interface RpcErrorBody {
  code: number;
  kind: string;
  message: string;
  details?: unknown;
}

export function errorFrame(id: unknown, error: RpcErrorBody): Uint8Array {
  const head = Uint8Array.of(id !== undefined ? 0xa2 : 0xa1);
  const idPart = id !== undefined ? [KEY_ID, codec.encode(id)] : [];
  return concat([head, ...idPart, KEY_ERROR, codec.encode(error)]);
}
