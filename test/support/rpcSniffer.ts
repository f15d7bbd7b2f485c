// Reads the client side of a WebSocket RPC connection as it streams through a TCP proxy: skips the HTTP
// upgrade request, splits the bytes into WebSocket frames (unmasking them, as a server does), and
// names the SurrealDB RPC method of every complete request. Lets the fault proxy cut a socket at a
// chosen moment of the protocol (e.g. while a sign-in is in flight) instead of after a byte count.
import { codec } from "./rpcFrames.js";

const HEADER_END = Buffer.from("\r\n\r\n");
const OP_CONTINUATION = 0x0;
const OP_BINARY = 0x2;
const EMPTY = Buffer.alloc(0);

export class RpcSniffer {
  #buffer: Buffer = Buffer.alloc(0);
  #upgraded = false;
  /** Payload of a fragmented message still being received. */
  #fragments: Buffer[] = [];
  /** Payload bytes of a frame being skipped (not decoded) that have not arrived yet. */
  #skip = 0;

  /**
   * Feeds client -> server bytes; returns the RPC methods of the requests they completed, in order.
   * With `decode` false only frame boundaries are followed (cheap), and nothing is returned.
   */
  push(chunk: Buffer, decode = true): string[] {
    if (this.#skip > 0) {
      const skipped = Math.min(this.#skip, chunk.length);
      this.#skip -= skipped;
      chunk = chunk.subarray(skipped);
      if (chunk.length === 0) return [];
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf(HEADER_END);
      if (end < 0) return [];
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
    }
    const methods: string[] = [];
    for (let frame = this.#nextFrame(decode); frame; frame = this.#nextFrame(decode)) {
      if (!decode) continue;
      if (frame.opcode !== OP_BINARY && frame.opcode !== OP_CONTINUATION) continue; // ping, pong, close
      this.#fragments.push(frame.payload);
      if (!frame.fin) continue;
      const message = Buffer.concat(this.#fragments);
      this.#fragments = [];
      const method = methodOf(message);
      if (method) methods.push(method);
    }
    return methods;
  }

  #nextFrame(decode: boolean): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.#buffer;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    const maskAt = at;
    if (masked) at += 4;
    if (!decode && b.length >= at) {
      // Not reading payloads: drop this frame's bytes now, and the rest of them as they arrive.
      this.#fragments = [];
      this.#skip = Math.max(0, at + length - b.length);
      this.#buffer = b.subarray(Math.min(b.length, at + length));
      return { fin, opcode, payload: EMPTY };
    }
    if (b.length < at + length) return undefined;
    const payload = Buffer.from(b.subarray(at, at + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i % 4)]!;
    this.#buffer = b.subarray(at + length);
    return { fin, opcode, payload };
  }
}

function methodOf(message: Buffer): string | undefined {
  try {
    const request = codec.decode<{ method?: unknown }>(new Uint8Array(message));
    return typeof request?.method === "string" ? request.method : undefined;
  } catch {
    return undefined; // not an RPC request we can read; the server will answer it as it sees fit
  }
}
