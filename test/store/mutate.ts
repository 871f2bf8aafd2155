// Byte-level damage for protobuf messages (the fuzz test's mutators), and raw encoders for
// shapes the generated code will not build (nesting deeper than anyone should send).
import type { Rng } from "./rng.js";

export function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export const tag = (field: number, wireType: number): Buffer => varint((field << 3) | wireType);

/** A length-delimited field. */
export const lenField = (field: number, body: Uint8Array): Buffer => Buffer.concat([tag(field, 2), varint(body.length), body]);

/**
 * A TxnRequest nested `depth` levels through success[0].request_txn (TxnRequest.success = 2,
 * RequestOp.request_txn = 4), with `inner` (an encoded TxnRequest) at the bottom.
 */
export function nestedTxn(depth: number, inner: Uint8Array = new Uint8Array(0)): Buffer {
  // Headers outermost first, then the inner message: linear, where wrapping level by level
  // would copy O(depth²) bytes.
  const heads: Buffer[] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const op = Buffer.concat([tag(4, 2), varint(len)]);
    len += op.length;
    const txn = Buffer.concat([tag(2, 2), varint(len)]);
    len += txn.length;
    heads.push(op, txn);
  }
  return Buffer.concat([...heads.reverse(), inner]);
}

export type Mutator = (b: Buffer, rng: Rng) => Buffer;

export const mutators: Record<string, Mutator> = {
  bitflip(b, rng) {
    const out = Buffer.from(b);
    if (out.length === 0) return Buffer.from([rng.int(0, 255)]);
    for (let n = rng.int(1, 4); n > 0; n--) out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7);
    return out;
  },
  truncate(b, rng) {
    return b.subarray(0, rng.int(0, Math.max(0, b.length - 1)));
  },
  hugeVarint(b, rng) {
    // An overlong varint (11 bytes), or a length prefix claiming far more than there is.
    const at = rng.int(0, b.length);
    const junk = rng.chance(0.5)
      ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
      : Buffer.concat([tag(rng.int(1, 20), 2), varint(rng.chance(0.5) ? 2n ** 62n : 2n ** 31n - 1n)]);
    return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  },
  wireType(b, rng) {
    // Rewrite the wire type of the first tag (or a random byte taken for one): 3/4 are groups,
    // 6/7 do not exist.
    const out = Buffer.from(b.length > 0 ? b : Buffer.from([0x08, 0x01]));
    const at = rng.chance(0.5) ? 0 : rng.int(0, out.length - 1);
    out[at] = (out[at]! & ~7) | rng.int(0, 7);
    return out;
  },
  unknownField(b, rng) {
    const field = rng.pick([15, 99, 1000, 536870911]);
    const wt = rng.pick([0, 1, 2, 5]);
    const body = wt === 0 ? varint(rng.next()) : wt === 1 ? rng.bytes(8) : wt === 5 ? rng.bytes(4) : Buffer.concat([varint(3), rng.bytes(3)]);
    return Buffer.concat([b, tag(field, wt), body]);
  },
  fieldZero(b) {
    // Field number 0 is invalid in every message.
    return Buffer.concat([Buffer.from([0x00, 0x01]), b]);
  },
  duplicate(b) {
    // Two copies merge (repeated fields append): valid protobuf.
    return Buffer.concat([b, b]);
  },
  splice(b, rng) {
    const at = rng.int(0, b.length);
    return Buffer.concat([b.subarray(0, at), rng.bytes(rng.int(1, 16)), b.subarray(at)]);
  },
  nestedGarbage(b, rng) {
    // A length-delimited field whose contents are random bytes (a broken submessage).
    return Buffer.concat([b, lenField(rng.int(1, 12), rng.bytes(rng.int(1, 24)))]);
  },
};

export const mutatorNames = Object.keys(mutators);

export function mutate(b: Buffer, rng: Rng): { how: string; bytes: Buffer } {
  let bytes = b;
  const how: string[] = [];
  for (let n = rng.chance(0.3) ? 2 : 1; n > 0; n--) {
    const name = rng.pick(mutatorNames);
    how.push(name);
    bytes = mutators[name]!(bytes, rng);
  }
  return { how: how.join("+"), bytes };
}
