import { encodeKeyValue, type KeyValue } from "../mvcc/keyValue.js";
import { MessageWriter, varintSize, writeVarint } from "../protowire.js";
import type { WatchEvent } from "../mvcc/watchableStore.js";
import type { PutRequest } from "./gen/rpc_pb.js";

// Hand-encoded responses for the hot paths (field numbers from etcd's rpc.proto / kv.proto).

export interface HeaderFields {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

/** etcdserverpb.ResponseHeader. */
export function encodeHeader(h: HeaderFields): Uint8Array {
  return new MessageWriter().varint(1, h.clusterId).varint(2, h.memberId).varint(3, h.revision).varint(4, h.raftTerm).finish();
}

const noValue = new Uint8Array(0);

/** A KeyValue's bytes: the stored record when there is one, else encoded now. */
export function kvBytes(kv: KeyValue, keysOnly = false): Uint8Array {
  if (keysOnly) return encodeKeyValue({ ...kv, value: noValue });
  return kv.encoded ?? encodeKeyValue(kv);
}

/** etcdserverpb.RangeResponse{header 1, kvs 2, more 3, count 4}. */
export function encodeRangeResponse(header: Uint8Array, kvs: KeyValue[], keysOnly: boolean, more: boolean, count: number): Uint8Array {
  const w = new MessageWriter().bytes(1, header, true);
  for (const kv of kvs) w.bytes(2, kvBytes(kv, keysOnly), true);
  return w.varint(3, more ? 1 : 0).varint(4, count).finish();
}

/** mvccpb.Event{type 1 (PUT 0, DELETE 1), kv 2, prev_kv 3}. */
export function encodeEvent(ev: WatchEvent): Uint8Array {
  const w = new MessageWriter().varint(1, ev.type === "delete" ? 1 : 0).bytes(2, kvBytes(ev.kv), true);
  if (ev.prevKv) w.bytes(3, kvBytes(ev.prevKv), true);
  return w.finish();
}

/** The events part of a WatchResponse (repeated field 11), shared by every watcher sent the same events. */
export function encodeEventsField(events: Uint8Array[]): Uint8Array {
  const w = new MessageWriter();
  for (const e of events) w.bytes(11, e, true);
  return w.finish();
}

/** WatchResponse.header (field 1) around an encoded ResponseHeader. */
export function headerField(header: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintSize(header.length) + header.length);
  out[0] = 0x0a;
  out.set(header, writeVarint(out, 1, header.length));
  return out;
}

/** WatchResponse.watch_id (field 2); empty for 0, which proto3 leaves out. */
export function watchIdField(watchId: number): Buffer {
  if (watchId === 0) return Buffer.alloc(0);
  if (watchId < 0) return Buffer.from(new MessageWriter().varint(2, BigInt(watchId)).finish());
  const out = Buffer.allocUnsafe(1 + varintSize(watchId));
  out[0] = 0x10;
  writeVarint(out, 1, watchId);
  return out;
}

/** A header's cluster_id and member_id fields (they never change for a member). */
export function encodeHeaderIds(clusterId: bigint, memberId: bigint): Uint8Array {
  return new MessageWriter().varint(1, clusterId).varint(2, memberId).finish();
}

/** etcdserverpb.PutResponse{header 1, prev_kv 2}: the header from its fixed ids plus revision and term. */
export function encodePutResponse(ids: Uint8Array, revision: number, raftTerm: number, prev: KeyValue | undefined): Uint8Array {
  const hLen = ids.length + (revision ? 1 + varintSize(revision) : 0) + (raftTerm ? 1 + varintSize(raftTerm) : 0);
  const prevBytes = prev ? kvBytes(prev) : undefined;
  const size = 1 + varintSize(hLen) + hLen + (prevBytes ? 1 + varintSize(prevBytes.length) + prevBytes.length : 0);
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x0a;
  let p = writeVarint(out, 1, hLen);
  out.set(ids, p);
  p += ids.length;
  if (revision) {
    out[p++] = 0x18;
    p = writeVarint(out, p, revision);
  }
  if (raftTerm) {
    out[p++] = 0x20;
    p = writeVarint(out, p, raftTerm);
  }
  if (prevBytes) {
    out[p++] = 0x12;
    p = writeVarint(out, p, prevBytes.length);
    out.set(prevBytes, p);
  }
  return out;
}

// The last varint read by readVarint64, as two 32-bit halves (no allocation per field).
let vLo = 0;
let vHi = 0;

/** Reads a varint of up to 64 bits at p into vLo/vHi; returns the position after it, or -1. */
function readVarint64(b: Uint8Array, p: number): number {
  const n = b.length;
  let lo = 0;
  let hi = 0;
  let byte: number;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= n) return -1;
    byte = b[p++]!;
    lo |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      vLo = lo >>> 0;
      vHi = 0;
      return p;
    }
  }
  if (p >= n) return -1;
  byte = b[p++]!;
  lo |= (byte & 0x0f) << 28;
  hi = (byte & 0x70) >> 4;
  if ((byte & 0x80) === 0) {
    vLo = lo >>> 0;
    vHi = hi >>> 0;
    return p;
  }
  for (let shift = 3; shift <= 31; shift += 7) {
    if (p >= n) return -1;
    byte = b[p++]!;
    hi |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      vLo = lo >>> 0;
      vHi = hi >>> 0;
      return p;
    }
  }
  return -1;
}

const noBytes = new Uint8Array(0);

/**
 * etcdserverpb.PutRequest{key 1, value 2, lease 3, prev_kv 4, ignore_value 5, ignore_lease 6}
 * decoded by hand, as protobuf-es would (bytes are views into b, the last of a repeated field
 * wins). Anything else (unknown fields, other wire types, truncation) returns undefined, and
 * protobuf-es decodes it instead, so its results and errors stay the reference.
 */
export function decodePutRequest(b: Uint8Array): PutRequest | undefined {
  let key: Uint8Array = noBytes;
  let value: Uint8Array = noBytes;
  let lease = 0n;
  let prevKv = false;
  let ignoreValue = false;
  let ignoreLease = false;
  let p = 0;
  const n = b.length;
  while (p < n) {
    const tag = b[p++]!;
    switch (tag) {
      case 0x0a:
      case 0x12: {
        p = readVarint64(b, p);
        if (p < 0 || vHi !== 0 || vLo > n - p) return undefined;
        const v = b.subarray(p, p + vLo);
        p += vLo;
        if (tag === 0x0a) key = v;
        else value = v;
        break;
      }
      case 0x18:
        p = readVarint64(b, p);
        if (p < 0) return undefined;
        lease = vLo === 0 && vHi === 0 ? 0n : BigInt.asIntN(64, (BigInt(vHi) << 32n) | BigInt(vLo));
        break;
      case 0x20:
      case 0x28:
      case 0x30: {
        p = readVarint64(b, p);
        if (p < 0) return undefined;
        const on = vLo !== 0 || vHi !== 0;
        if (tag === 0x20) prevKv = on;
        else if (tag === 0x28) ignoreValue = on;
        else ignoreLease = on;
        break;
      }
      default:
        return undefined;
    }
  }
  return { $typeName: "etcdserverpb.PutRequest", key, value, lease, prevKv, ignoreValue, ignoreLease };
}
