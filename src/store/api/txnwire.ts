import type { Message } from "@bufbuild/protobuf";
import { bigVarintSize, varintSize, writeBigVarint, writeVarint } from "../protowire.js";
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "./gen/rpc_pb.js";

// etcdserverpb.TxnRequest encoded by hand (field numbers from etcd's rpc.proto), for the raft
// entries of in-process txns: the API server writes every object through one, and protobuf-es's
// reflective encoder cost ~3 % of its CPU in bench:cluster. Fields go in field-number order, as
// protobuf-es writes them, so the bytes are the same (wire.test.ts compares them).
//
// Two passes: sizes first (each nested message's, in the order the writer meets them), then one
// buffer of the exact length is filled.

let sizes: number[] = [];
let at = 0;

const bytesField = (b: Uint8Array): number => (b.length === 0 ? 0 : 1 + varintSize(b.length) + b.length);
/** int64 and enum fields (negatives take 10 bytes); zero is omitted. */
const intField = (v: bigint | number): number => (v === 0 || v === 0n ? 0 : 1 + intSize(v));
const intSize = (v: bigint | number): number => (typeof v === "number" ? (v < 0 ? 10 : varintSize(v)) : bigVarintSize(v));
const boolField = (v: boolean): number => (v ? 2 : 0);
/** An embedded message field whose body is n bytes (one-byte tag). */
const msgField = (n: number): number => 1 + varintSize(n) + n;

const hasUnknown = (m: Message): boolean => m.$unknown !== undefined && m.$unknown.length > 0;

function rangeSize(r: RangeRequest): number {
  return bytesField(r.key) + bytesField(r.rangeEnd) + intField(r.limit) + intField(r.revision) +
    intField(r.sortOrder) + intField(r.sortTarget) + boolField(r.serializable) + boolField(r.keysOnly) +
    boolField(r.countOnly) + intField(r.minModRevision) + intField(r.maxModRevision) +
    intField(r.minCreateRevision) + intField(r.maxCreateRevision);
}

function putSize(p: PutRequest): number {
  return bytesField(p.key) + bytesField(p.value) + intField(p.lease) + boolField(p.prevKv) +
    boolField(p.ignoreValue) + boolField(p.ignoreLease);
}

function deleteSize(d: DeleteRangeRequest): number {
  return bytesField(d.key) + bytesField(d.rangeEnd) + boolField(d.prevKv);
}

function compareSize(c: Compare): number {
  let n = intField(c.result) + intField(c.target) + bytesField(c.key);
  const u = c.targetUnion;
  // A set oneof member is written even when it is zero.
  if (u.case === "value") n += 1 + varintSize(u.value.length) + u.value.length;
  else if (u.case !== undefined) n += 1 + intSize(u.value);
  if (c.rangeEnd.length > 0) n += 2 + varintSize(c.rangeEnd.length) + c.rangeEnd.length;
  return n;
}

/** The size of the op's request message (its body within the RequestOp), or -1 when protobuf-es must encode it. */
function opInnerSize(op: RequestOp): number {
  const r = op.request;
  if (hasUnknown(op) || (r.case !== undefined && hasUnknown(r.value))) return -1;
  switch (r.case) {
    case "requestRange": return rangeSize(r.value);
    case "requestPut": return putSize(r.value);
    case "requestDeleteRange": return deleteSize(r.value);
    case "requestTxn": return txnSize(r.value);
    default: return 0;
  }
}

/** A RequestOp's body: its one request field around a message of `inner` bytes (none when unset). */
const opSize = (op: RequestOp, inner: number): number => (op.request.case === undefined ? 0 : msgField(inner));

function txnSize(t: TxnRequest): number {
  const slot = sizes.length;
  sizes.push(0);
  let n = 0;
  for (const c of t.compare) {
    if (hasUnknown(c)) return -1;
    const s = compareSize(c);
    sizes.push(s);
    n += msgField(s);
  }
  for (const ops of [t.success, t.failure]) {
    for (const op of ops) {
      const slotOp = sizes.length;
      sizes.push(0);
      const inner = opInnerSize(op);
      if (inner < 0) return -1;
      sizes[slotOp] = inner;
      n += msgField(opSize(op, inner));
    }
  }
  sizes[slot] = n;
  return n;
}

let buf: Buffer = Buffer.alloc(0);
let pos = 0;

function tag(field: number, wire: number): void {
  pos = writeVarint(buf, pos, (field << 3) | wire);
}

function len(n: number): void {
  pos = writeVarint(buf, pos, n);
}

function bytes(field: number, b: Uint8Array, always = false): void {
  if (b.length === 0 && !always) return;
  tag(field, 2);
  len(b.length);
  buf.set(b, pos);
  pos += b.length;
}

function int(field: number, v: bigint | number, always = false): void {
  if ((v === 0 || v === 0n) && !always) return;
  tag(field, 0);
  if (typeof v === "bigint") pos = writeBigVarint(buf, pos, v);
  else if (v < 0) pos = writeBigVarint(buf, pos, BigInt(v));
  else pos = writeVarint(buf, pos, v);
}

function bool(field: number, v: boolean): void {
  if (!v) return;
  tag(field, 0);
  buf[pos++] = 1;
}

function writeRange(r: RangeRequest): void {
  bytes(1, r.key); bytes(2, r.rangeEnd); int(3, r.limit); int(4, r.revision); int(5, r.sortOrder);
  int(6, r.sortTarget); bool(7, r.serializable); bool(8, r.keysOnly); bool(9, r.countOnly);
  int(10, r.minModRevision); int(11, r.maxModRevision); int(12, r.minCreateRevision); int(13, r.maxCreateRevision);
}

function writePut(p: PutRequest): void {
  bytes(1, p.key); bytes(2, p.value); int(3, p.lease); bool(4, p.prevKv); bool(5, p.ignoreValue); bool(6, p.ignoreLease);
}

function writeCompare(c: Compare): void {
  int(1, c.result); int(2, c.target); bytes(3, c.key);
  const u = c.targetUnion;
  switch (u.case) {
    case "version": int(4, u.value, true); break;
    case "createRevision": int(5, u.value, true); break;
    case "modRevision": int(6, u.value, true); break;
    case "value": bytes(7, u.value, true); break;
    case "lease": int(8, u.value, true); break;
    default: break;
  }
  bytes(64, c.rangeEnd);
}

function writeOp(op: RequestOp, inner: number): void {
  const r = op.request;
  switch (r.case) {
    case "requestRange": tag(1, 2); len(inner); writeRange(r.value); break;
    case "requestPut": tag(2, 2); len(inner); writePut(r.value); break;
    case "requestDeleteRange": {
      const d = r.value;
      tag(3, 2); len(inner); bytes(1, d.key); bytes(2, d.rangeEnd); bool(3, d.prevKv);
      break;
    }
    case "requestTxn": tag(4, 2); len(inner); writeTxn(r.value); break;
    default: break;
  }
}

function writeTxn(t: TxnRequest): void {
  at++; // this txn's own size, written by the caller
  for (const c of t.compare) {
    tag(1, 2);
    len(sizes[at++]!);
    writeCompare(c);
  }
  for (const [field, ops] of [[2, t.success], [3, t.failure]] as const) {
    for (const op of ops) {
      const inner = sizes[at++]!;
      tag(field, 2);
      len(opSize(op, inner));
      writeOp(op, inner);
    }
  }
}

/**
 * The TxnRequest's protobuf bytes after `prefix` bytes left for the caller, or undefined when a
 * message carries unknown fields (then protobuf-es encodes it).
 */
export function encodeTxnRequest(t: TxnRequest, prefix = 0): Buffer | undefined {
  if (hasUnknown(t)) return undefined;
  sizes = [];
  const n = txnSize(t);
  if (n < 0) return undefined;
  // Not from Node's shared pool: raft keeps entries in memory until a snapshot (request.ts).
  buf = Buffer.allocUnsafeSlow(prefix + n);
  pos = prefix;
  at = 0;
  writeTxn(t);
  if (pos !== prefix + n) throw new Error(`txn encoding: wrote ${pos - prefix} of ${n} bytes`);
  const out = buf;
  buf = Buffer.alloc(0);
  return out;
}
