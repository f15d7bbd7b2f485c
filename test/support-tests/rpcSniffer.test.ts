import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codec } from "../support/rpcFrames.js";
import { RpcSniffer } from "../support/rpcSniffer.js";

const UPGRADE = Buffer.from(
  "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: cbor\r\n\r\n",
);

/** One masked client frame, as a browser or undici sends it (7-bit, 16-bit or 64-bit length). */
function frame(payload: Buffer, opcode: number, fin: boolean, mask: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length])
      : length < 65_536
        ? Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126]), u16(length)])
        : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 127]), u64(length)]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** A request of `padding` extra bytes, split into `parts` fragments, with a ping in the middle. */
function message(method: string, padding: number, parts: number, mask: Buffer): Buffer {
  const payload = Buffer.from(codec.encode({ id: 1, method, params: ["x".repeat(padding)] }));
  const size = Math.ceil(payload.length / parts);
  const frames: Buffer[] = [];
  for (let i = 0; i * size < payload.length; i++) {
    const last = (i + 1) * size >= payload.length;
    frames.push(frame(payload.subarray(i * size, (i + 1) * size), i === 0 ? 0x2 : 0x0, last, mask));
    if (i === 0) frames.push(frame(Buffer.from("hb"), 0x9, true, mask)); // a ping between fragments
  }
  return Buffer.concat(frames);
}

const requests = fc.array(
  fc.record({
    method: fc.constantFrom("signin", "use", "query", "ping", "attach"),
    padding: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 120, max: 70_000 })),
    parts: fc.integer({ min: 1, max: 3 }),
  }),
  { minLength: 1, maxLength: 6 },
);

describe("RpcSniffer", () => {
  it("names every request's method in order, however the stream is chunked", () => {
    fc.assert(
      fc.property(
        requests,
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (reqs, mask, cuts) => {
          const stream = Buffer.concat([
            UPGRADE,
            ...reqs.map((r) => message(r.method, r.padding, r.parts, Buffer.from(mask))),
          ]);
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          const sniffer = new RpcSniffer();
          const seen: string[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            seen.push(...sniffer.push(stream.subarray(from, to)));
            from = to;
          }
          expect(seen).toEqual(reqs.map((r) => r.method));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("stays in step while not decoding, and names requests once asked to", () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const sniffer = new RpcSniffer();
    const big = message("query", 70_000, 1, mask);
    expect(sniffer.push(Buffer.concat([UPGRADE, big.subarray(0, 1_000)]), false)).toEqual([]);
    expect(sniffer.push(big.subarray(1_000), false)).toEqual([]);
    expect(sniffer.push(message("signin", 10, 1, mask))).toEqual(["signin"]);
  });
});
