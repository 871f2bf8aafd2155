// mvccpb.KeyValue, the record the backend stores for every revision. Encoded by hand so the
// bytes are exactly what etcd (gogoproto) writes — fields in order, zero values omitted — because
// HashKV hashes these bytes and clients compare hashes across members.

import { bigVarintSize, varintSize, writeBigVarint, writeVarint } from "../protowire.js";

export interface KeyValue {
  key: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Uint8Array;
  lease: bigint;
  /** This record's encoding, when known (read from the backend or just written): responses reuse it. */
  encoded?: Uint8Array;
}

export function encodeKeyValue(kv: KeyValue): Uint8Array {
  let size = 0;
  if (kv.key.length) size += 1 + varintSize(kv.key.length) + kv.key.length;
  if (kv.createRevision) size += 1 + varintSize(kv.createRevision);
  if (kv.modRevision) size += 1 + varintSize(kv.modRevision);
  if (kv.version) size += 1 + varintSize(kv.version);
  if (kv.value.length) size += 1 + varintSize(kv.value.length) + kv.value.length;
  if (kv.lease) size += 1 + bigVarintSize(kv.lease);
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  if (kv.key.length) {
    buf[p++] = 0x0a;
    p = writeVarint(buf, p, kv.key.length);
    buf.set(kv.key, p);
    p += kv.key.length;
  }
  if (kv.createRevision) {
    buf[p++] = 0x10;
    p = writeVarint(buf, p, kv.createRevision);
  }
  if (kv.modRevision) {
    buf[p++] = 0x18;
    p = writeVarint(buf, p, kv.modRevision);
  }
  if (kv.version) {
    buf[p++] = 0x20;
    p = writeVarint(buf, p, kv.version);
  }
  if (kv.value.length) {
    buf[p++] = 0x2a;
    p = writeVarint(buf, p, kv.value.length);
    buf.set(kv.value, p);
    p += kv.value.length;
  }
  if (kv.lease) {
    buf[p++] = 0x30;
    p = writeBigVarint(buf, p, kv.lease);
  }
  return buf;
}

const emptyBytes = new Uint8Array(0);

/** Decodes a stored KeyValue; byte fields are views into buf. */
export function decodeKeyValue(buf: Uint8Array): KeyValue {
  const kv: KeyValue = { key: emptyBytes, createRevision: 0, modRevision: 0, version: 0, value: emptyBytes, lease: 0n };
  let p = 0;
  const readVarint = (): number => {
    let n = 0, mul = 1, b: number;
    do {
      b = buf[p++]!;
      n += (b & 127) * mul;
      mul *= 128;
    } while (b & 128);
    return n;
  };
  const readBigVarint = (): bigint => {
    let v = 0n, shift = 0n, b: number;
    do {
      b = buf[p++]!;
      v |= BigInt(b & 127) << shift;
      shift += 7n;
    } while (b & 128);
    return BigInt.asIntN(64, v);
  };
  while (p < buf.length) {
    const tag = buf[p++]!;
    switch (tag) {
      case 0x0a: { const n = readVarint(); kv.key = buf.subarray(p, p + n); p += n; break; }
      case 0x10: kv.createRevision = readVarint(); break;
      case 0x18: kv.modRevision = readVarint(); break;
      case 0x20: kv.version = readVarint(); break;
      case 0x2a: { const n = readVarint(); kv.value = buf.subarray(p, p + n); p += n; break; }
      case 0x30: kv.lease = readBigVarint(); break;
      default: throw new Error(`corrupt KeyValue record: tag ${tag}`);
    }
  }
  kv.encoded = buf;
  return kv;
}
