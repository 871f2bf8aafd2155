import type { RequestOp, TxnRequest } from "./gen/rpc_pb.js";
import { StoreError } from "../errors.js";
import { keyString } from "../mvcc/treeIndex.js";

// Request checks etcd makes before a request reaches raft (etcd's v3rpc key.go).

export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > maxTxnOps) throw new StoreError("tooManyOps");
  for (const c of r.compare) if (c.key.length === 0) throw new StoreError("emptyKey");
  for (const op of r.success) checkRequestOp(op, maxTxnOps - opc);
  for (const op of r.failure) checkRequestOp(op, maxTxnOps - opc);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  const req = op.request;
  switch (req.case) {
    case "requestRange":
      if (req.value.key.length === 0) throw new StoreError("emptyKey");
      return;
    case "requestPut":
      checkPut(req.value);
      return;
    case "requestDeleteRange":
      if (req.value.key.length === 0) throw new StoreError("emptyKey");
      return;
    case "requestTxn":
      checkTxnRequest(req.value, maxTxnOps);
      return;
    default:
      // An op with no request inside.
      throw new StoreError("keyNotFound");
  }
}

export function checkPut(p: { key: Uint8Array; value: Uint8Array; ignoreValue: boolean; ignoreLease: boolean; lease: bigint }): void {
  if (p.key.length === 0) throw new StoreError("emptyKey");
  if (p.ignoreValue && p.value.length !== 0) throw new StoreError("valueProvided");
  if (p.ignoreLease && p.lease !== 0n) throw new StoreError("leaseProvided");
}

/** A key interval for overlap checks; "" as an end means +infinity (etcd's affine strings). */
interface Interval {
  begin: string;
  end: string;
}

const point = (k: string): Interval => ({ begin: k, end: k + "\u0000" });

/** a < b where "" is larger than every other string. */
function affineLess(a: string, b: string): boolean {
  if (a === "") return false;
  if (b === "") return true;
  return a < b;
}

function intersects(ivs: Interval[], iv: Interval): boolean {
  return ivs.some((x) => affineLess(x.begin, iv.end) && affineLess(iv.begin, x.end));
}

/**
 * Rejects a txn branch that writes a key twice or puts a key a delete in it also covers,
 * nested txns included (a key may appear in both branches of one nested txn). Mirrors etcd's
 * checkIntervals; returns the branch's puts and deletes for the enclosing level.
 */
export function checkIntervals(reqs: RequestOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of reqs) {
    if (op.request.case !== "requestDeleteRange") continue;
    const d = op.request.value;
    dels.push(d.rangeEnd.length !== 0 ? { begin: keyString(d.key), end: keyString(d.rangeEnd) } : point(keyString(d.key)));
  }
  const puts = new Set<string>();
  for (const op of reqs) {
    if (op.request.case !== "requestTxn") continue;
    const then = checkIntervals(op.request.value.success);
    const els = checkIntervals(op.request.value.failure);
    for (const k of then.puts) {
      if (puts.has(k) || intersects(dels, point(k))) throw new StoreError("duplicateKey");
      puts.add(k);
    }
    for (const k of els.puts) {
      // The two branches of one txn never both run, so a key in both is fine.
      if (puts.has(k) && !then.puts.has(k)) throw new StoreError("duplicateKey");
      if (intersects(dels, point(k))) throw new StoreError("duplicateKey");
      puts.add(k);
    }
    // Later children are checked against earlier children's deletes too, as in etcd.
    dels.push(...then.dels, ...els.dels);
  }
  for (const op of reqs) {
    if (op.request.case !== "requestPut") continue;
    const k = keyString(op.request.value.key);
    if (puts.has(k) || intersects(dels, point(k))) throw new StoreError("duplicateKey");
    puts.add(k);
  }
  return { puts, dels };
}
