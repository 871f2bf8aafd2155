import { create } from "@bufbuild/protobuf";
import { KeyValueSchema, type KeyValue as PbKeyValue } from "../api/gen/kv_pb.js";
import {
  Compare_CompareResult, Compare_CompareTarget, DeleteRangeResponseSchema, PutResponseSchema,
  RangeRequest_SortOrder, RangeRequest_SortTarget, RangeResponseSchema, ResponseHeaderSchema,
  ResponseOpSchema, TxnResponseSchema,
  type Compare, type DeleteRangeRequest, type DeleteRangeResponse, type PutRequest, type PutResponse,
  type RangeRequest, type RangeResponse, type RequestOp, type ResponseOp, type TxnRequest, type TxnResponse,
} from "../api/gen/rpc_pb.js";
import { StoreError } from "../errors.js";
import { BufferWriter } from "../protowire.js";
import type { Lessor } from "../lease/lessor.js";
import { ErrCompacted, ErrFutureRev } from "../mvcc/errors.js";
import type { KeyValue } from "../mvcc/keyValue.js";
import type { KvStore, TxnWrite } from "../mvcc/kvstore.js";
import { keyString, type KeyRange } from "../mvcc/treeIndex.js";


export interface RangeKvs {
  /** The store's revision (the header's), not the revision read. */
  rev: number;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/** Wire range to internal range: empty end = one key; "\0" = every key >= key. */
export function keyRange(key: Uint8Array, rangeEnd: Uint8Array): KeyRange {
  if (rangeEnd.length === 0) return { key: keyString(key), end: null };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { key: keyString(key), end: "" };
  return { key: keyString(key), end: keyString(rangeEnd) };
}

export function toPbKv(kv: KeyValue, keysOnly = false): PbKeyValue {
  return create(KeyValueSchema, {
    key: kv.key,
    createRevision: BigInt(kv.createRevision),
    modRevision: BigInt(kv.modRevision),
    version: BigInt(kv.version),
    value: keysOnly ? new Uint8Array(0) : kv.value,
    lease: kv.lease,
  });
}

const header = (revision: number) => create(ResponseHeaderSchema, { revision: BigInt(revision) });

/** A PutResponse from what a put applied (the header's ids and term are filled by the API). */
export function putResponse(a: { rev: number; prev: KeyValue | undefined }): PutResponse {
  return create(PutResponseSchema, { header: header(a.rev), prevKv: a.prev ? toPbKv(a.prev) : undefined });
}

/** Maps MVCC errors to the store's error kinds. */
export function mvccError(e: unknown): never {
  if (e instanceof ErrCompacted) throw new StoreError("compacted");
  if (e instanceof ErrFutureRev) throw new StoreError("futureRev");
  throw e;
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);

/**
 * Applies requests to MVCC and leases with etcd's semantics (etcd's applierV3backend). Reads
 * run directly; writes run only from the apply loop, in log order.
 */
export class Applier {
  constructor(readonly kv: KvStore, readonly lessor: Lessor) {}

  range(r: RangeRequest, txn?: TxnWrite): RangeResponse {
    const res = this.rangeKvs(r, txn);
    return create(RangeResponseSchema, {
      header: header(res.rev),
      kvs: res.kvs.map((kv) => toPbKv(kv, r.keysOnly)),
      more: res.more,
      count: BigInt(res.count),
    });
  }

  /**
   * The common Range (no sort, no revision filters, values wanted) straight to its response
   * bytes: each record is copied once, from the backend into the response. Returns undefined
   * for the other Ranges, which go through rangeKvs.
   */
  rangeEncoded(r: RangeRequest, header: (rev: number) => Uint8Array): Uint8Array | undefined {
    const plain = r.sortOrder === RangeRequest_SortOrder.NONE && r.sortTarget === RangeRequest_SortTarget.KEY &&
      r.minModRevision === 0n && r.maxModRevision === 0n && r.minCreateRevision === 0n && r.maxCreateRevision === 0n &&
      !r.keysOnly && !r.countOnly;
    if (!plain) return undefined;
    let res;
    try {
      res = this.kv.rangeRevs(keyRange(r.key, r.rangeEnd), { rev: Number(r.revision) }, this.kv.currentRev);
    } catch (e) {
      mvccError(e);
    }
    const limit = Number(r.limit);
    const more = limit > 0 && res.revs.length > limit;
    const w = new BufferWriter().bytes(1, header(res.rev));
    this.kv.forEachRecord(more ? res.revs.slice(0, limit) : res.revs, (bytes) => void w.bytes(2, bytes));
    return w.varint(3, more ? 1 : 0).varint(4, res.revs.length).finish();
  }

  /** Range with etcd's filters, sort and limit applied; kvs as stored (the API may splice their bytes). */
  rangeKvs(r: RangeRequest, txn?: TxnWrite): RangeKvs {
    if (r.sortOrder > RangeRequest_SortOrder.DESCEND || r.sortTarget > RangeRequest_SortTarget.VALUE) {
      throw new StoreError("invalidSortOption");
    }
    const filtered = r.minModRevision !== 0n || r.maxModRevision !== 0n || r.minCreateRevision !== 0n || r.maxCreateRevision !== 0n;
    let limit = Number(r.limit);
    // Sorting or filtering needs every key; otherwise fetch one extra to learn "more".
    if (r.sortOrder !== RangeRequest_SortOrder.NONE || filtered) limit = 0;
    if (limit > 0) limit++;
    const opts = { limit, rev: Number(r.revision), count: r.countOnly };
    const range = keyRange(r.key, r.rangeEnd);
    let rr;
    try {
      rr = txn ? txn.range(range, opts) : this.kv.range(range, opts);
    } catch (e) {
      mvccError(e);
    }
    let kvs = rr.kvs;
    if (r.maxModRevision !== 0n) kvs = kvs.filter((kv) => kv.modRevision <= Number(r.maxModRevision));
    if (r.minModRevision !== 0n) kvs = kvs.filter((kv) => kv.modRevision >= Number(r.minModRevision));
    if (r.maxCreateRevision !== 0n) kvs = kvs.filter((kv) => kv.createRevision <= Number(r.maxCreateRevision));
    if (r.minCreateRevision !== 0n) kvs = kvs.filter((kv) => kv.createRevision >= Number(r.minCreateRevision));

    let order = r.sortOrder;
    // Results come key-ascending; any other target means ascending by that target.
    if (r.sortTarget !== RangeRequest_SortTarget.KEY && order === RangeRequest_SortOrder.NONE) order = RangeRequest_SortOrder.ASCEND;
    if (order !== RangeRequest_SortOrder.NONE) {
      const cmp = sorter(r.sortTarget);
      kvs = [...kvs].sort(order === RangeRequest_SortOrder.DESCEND ? (a, b) => cmp(b, a) : cmp);
    }
    let more = false;
    const want = Number(r.limit);
    if (want > 0 && kvs.length > want) {
      kvs = kvs.slice(0, want);
      more = true;
    }
    return { rev: rr.rev, kvs, more, count: rr.count };
  }

  /** Checks done before a put is applied on its own (outside a txn). */
  put(p: PutRequest, txn?: TxnWrite): PutResponse {
    return putResponse(this.putApplied(p, txn));
  }

  /** A put, answered as its revision and (when asked for) the previous KeyValue. */
  putApplied(p: PutRequest, txn?: TxnWrite): { rev: number; prev: KeyValue | undefined } {
    const own = !txn;
    if (own && p.lease !== 0n && !this.lessor.lookup(p.lease)) throw new StoreError("leaseNotFound");
    const tw = txn ?? this.kv.write();
    try {
      let value = p.value;
      let lease = p.lease;
      let prev: KeyValue | undefined;
      if (p.ignoreValue || p.ignoreLease || p.prevKv) {
        prev = tw.range(keyRange(p.key, new Uint8Array(0))).kvs[0];
      }
      if ((p.ignoreValue || p.ignoreLease) && !prev) throw new StoreError("keyNotFound");
      if (p.ignoreValue) value = prev!.value;
      if (p.ignoreLease) lease = prev!.lease;
      const rev = tw.put(p.key, value, lease);
      return { rev, prev: p.prevKv ? prev : undefined };
    } finally {
      if (own) tw.end();
    }
  }

  deleteRange(d: DeleteRangeRequest, txn?: TxnWrite): DeleteRangeResponse {
    const tw = txn ?? this.kv.write();
    try {
      const range = keyRange(d.key, d.rangeEnd);
      const prevKvs = d.prevKv ? tw.range(range).kvs.map((kv) => toPbKv(kv)) : [];
      const deleted = tw.deleteRange(range);
      return create(DeleteRangeResponseSchema, { header: header(tw.rev), deleted: BigInt(deleted), prevKvs });
    } finally {
      if (!txn) tw.end();
    }
  }

  txn(t: TxnRequest): TxnResponse {
    const write = !isTxnReadonly(t);
    // Compares and checks read the state before any op runs.
    const path = this.compareToPath(t);
    if (write) this.checkRequests(t, path, (op) => this.checkPut(op));
    this.checkRequests(t, path, (op) => this.checkRange(op));
    const tw = this.kv.write();
    try {
      const resp = this.applyTxn(tw, t, path);
      resp.header = header(tw.rev);
      return resp;
    } finally {
      tw.end();
    }
  }

  /** The branch taken by this txn and, in order, by each nested txn on the taken branches. */
  private compareToPath(t: TxnRequest): boolean[] {
    const ok = t.compare.every((c) => this.applyCompare(c));
    const path = [ok];
    for (const op of ok ? t.success : t.failure) {
      if (op.request.case === "requestTxn") path.push(...this.compareToPath(op.request.value));
    }
    return path;
  }

  private applyCompare(c: Compare): boolean {
    let kvs: KeyValue[];
    try {
      kvs = this.kv.range(keyRange(c.key, c.rangeEnd)).kvs;
    } catch {
      return false;
    }
    if (kvs.length === 0) {
      // A missing key has no value to compare: VALUE compares on it always fail.
      if (c.target === Compare_CompareTarget.VALUE) return false;
      return compareKv(c, undefined);
    }
    return kvs.every((kv) => compareKv(c, kv));
  }

  /** Walks the ops of the taken branches (nested included); returns how many nested txns it visited. */
  private checkRequests(t: TxnRequest, path: boolean[], check: (op: RequestOp) => void, at = { i: 0 }): void {
    const ops = path[at.i] ? t.success : t.failure;
    for (const op of ops) {
      if (op.request.case === "requestTxn") {
        at.i++;
        this.checkRequests(op.request.value, path, check, at);
        continue;
      }
      check(op);
    }
  }

  private checkPut(op: RequestOp): void {
    if (op.request.case !== "requestPut") return;
    const p = op.request.value;
    if (p.ignoreValue || p.ignoreLease) {
      if (this.kv.range(keyRange(p.key, new Uint8Array(0))).kvs.length === 0) throw new StoreError("keyNotFound");
    }
    if (p.lease !== 0n && !this.lessor.lookup(p.lease)) throw new StoreError("leaseNotFound");
  }

  private checkRange(op: RequestOp): void {
    if (op.request.case !== "requestRange") return;
    const r = op.request.value;
    const rev = Number(r.revision);
    if (rev === 0) return;
    if (rev > this.kv.currentRev) throw new StoreError("futureRev");
    // As etcd: any other revision below the compacted one (negative ones too) is "compacted".
    if (rev < this.kv.compactMainRev) throw new StoreError("compacted");
  }

  private applyTxn(tw: TxnWrite, t: TxnRequest, path: boolean[], at = { i: 0 }): TxnResponse {
    const succeeded = path[at.i]!;
    const responses: ResponseOp[] = [];
    for (const op of succeeded ? t.success : t.failure) {
      const req = op.request;
      switch (req.case) {
        case "requestRange":
          responses.push(create(ResponseOpSchema, { response: { case: "responseRange", value: this.range(req.value, tw) } }));
          break;
        case "requestPut":
          responses.push(create(ResponseOpSchema, { response: { case: "responsePut", value: this.put(req.value, tw) } }));
          break;
        case "requestDeleteRange":
          responses.push(create(ResponseOpSchema, { response: { case: "responseDeleteRange", value: this.deleteRange(req.value, tw) } }));
          break;
        case "requestTxn": {
          at.i++;
          const inner = this.applyTxn(tw, req.value, path, at);
          // etcd gives a nested txn an empty header (revision 0): only the outer one is filled.
          inner.header = create(ResponseHeaderSchema);
          responses.push(create(ResponseOpSchema, { response: { case: "responseTxn", value: inner } }));
          break;
        }
        default:
          responses.push(create(ResponseOpSchema, {}));
      }
    }
    return create(TxnResponseSchema, { succeeded, responses });
  }
}

export function isTxnReadonly(t: TxnRequest): boolean {
  return t.success.every((op) => op.request.case === "requestRange") && t.failure.every((op) => op.request.case === "requestRange");
}

function compareKv(c: Compare, kv: KeyValue | undefined): boolean {
  let result: number;
  const u = c.targetUnion;
  switch (c.target) {
    case Compare_CompareTarget.VALUE:
      result = compareBytes(kv?.value ?? new Uint8Array(0), u.case === "value" ? u.value : new Uint8Array(0));
      break;
    case Compare_CompareTarget.CREATE:
      result = cmpBig(BigInt(kv?.createRevision ?? 0), u.case === "createRevision" ? u.value : 0n);
      break;
    case Compare_CompareTarget.MOD:
      result = cmpBig(BigInt(kv?.modRevision ?? 0), u.case === "modRevision" ? u.value : 0n);
      break;
    case Compare_CompareTarget.VERSION:
      result = cmpBig(BigInt(kv?.version ?? 0), u.case === "version" ? u.value : 0n);
      break;
    case Compare_CompareTarget.LEASE:
      result = cmpBig(kv?.lease ?? 0n, u.case === "lease" ? u.value : 0n);
      break;
    default:
      result = 0;
  }
  switch (c.result) {
    case Compare_CompareResult.EQUAL: return result === 0;
    case Compare_CompareResult.NOT_EQUAL: return result !== 0;
    case Compare_CompareResult.GREATER: return result > 0;
    case Compare_CompareResult.LESS: return result < 0;
    default: return true;
  }
}

const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function sorter(target: RangeRequest_SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case RangeRequest_SortTarget.VERSION: return (a, b) => a.version - b.version;
    case RangeRequest_SortTarget.CREATE: return (a, b) => a.createRevision - b.createRevision;
    case RangeRequest_SortTarget.MOD: return (a, b) => a.modRevision - b.modRevision;
    case RangeRequest_SortTarget.VALUE: return (a, b) => compareBytes(a.value, b.value);
    default: return (a, b) => compareBytes(a.key, b.key);
  }
}
