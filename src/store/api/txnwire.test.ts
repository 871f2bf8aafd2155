// The hand-written TxnRequest encoder against protobuf-es, the reference: random txns of every
// op and compare kind (nested ones too) must give the same bytes.
import { create, toBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CompareSchema, RequestOpSchema, TxnRequestSchema,
  type Compare, type RequestOp, type TxnRequest,
} from "./gen/rpc_pb.js";
import { encodeTxnRequest } from "./txnwire.js";
import { seededRandom as rng } from "../raft/raft.js";

const ints = [0n, 1n, 127n, 128n, 300n, 0x7fffffffn, 0x80000000n, 2n ** 53n + 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n];
const enums = [0, 1, 2, 3, 4, 200, -1];

function randomTxn(r: () => number, depth: number): TxnRequest {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const bytes = (): Uint8Array => {
    const n = pick([0, 0, 1, 5, 40, 127, 128, 300]);
    return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  };
  const maybe = <T,>(v: () => T, zero: T): T => (r() < 0.5 ? zero : v());
  const compare = (): Compare => {
    const kinds = ["version", "createRevision", "modRevision", "value", "lease", undefined] as const;
    const k = pick(kinds);
    const targetUnion = k === undefined ? { case: undefined } : k === "value" ? { case: k, value: bytes() } : { case: k, value: pick(ints) };
    return create(CompareSchema, {
      result: maybe(() => pick(enums), 0), target: maybe(() => pick(enums), 0), key: bytes(),
      rangeEnd: maybe(bytes, new Uint8Array(0)), targetUnion: targetUnion as Compare["targetUnion"],
    });
  };
  const op = (): RequestOp => {
    const k = pick(["requestRange", "requestPut", "requestDeleteRange", "requestTxn", undefined] as const);
    switch (k) {
      case "requestRange": return create(RequestOpSchema, { request: { case: k, value: {
        key: bytes(), rangeEnd: bytes(), limit: maybe(() => pick(ints), 0n), revision: maybe(() => pick(ints), 0n),
        sortOrder: maybe(() => pick(enums), 0), sortTarget: maybe(() => pick(enums), 0), serializable: r() < 0.5,
        keysOnly: r() < 0.5, countOnly: r() < 0.5, minModRevision: maybe(() => pick(ints), 0n),
        maxModRevision: maybe(() => pick(ints), 0n), minCreateRevision: maybe(() => pick(ints), 0n),
        maxCreateRevision: maybe(() => pick(ints), 0n),
      } } });
      case "requestPut": return create(RequestOpSchema, { request: { case: k, value: {
        key: bytes(), value: bytes(), lease: maybe(() => pick(ints), 0n), prevKv: r() < 0.5, ignoreValue: r() < 0.5, ignoreLease: r() < 0.5,
      } } });
      case "requestDeleteRange": return create(RequestOpSchema, { request: { case: k, value: { key: bytes(), rangeEnd: bytes(), prevKv: r() < 0.5 } } });
      case "requestTxn": return depth > 0 ? create(RequestOpSchema, { request: { case: k, value: randomTxn(r, depth - 1) } }) : create(RequestOpSchema, {});
      default: return create(RequestOpSchema, {});
    }
  };
  const n = () => Math.floor(r() * 4);
  return create(TxnRequestSchema, {
    compare: Array.from({ length: n() }, compare),
    success: Array.from({ length: n() }, op),
    failure: Array.from({ length: n() }, op),
  });
}

test("encodeTxnRequest gives protobuf-es's bytes", () => {
  const r = rng(7);
  for (let i = 0; i < 3000; i++) {
    const t = randomTxn(r, 3);
    const ref = toBinary(TxnRequestSchema, t);
    const got = encodeTxnRequest(t);
    assert.ok(got, "encoded");
    assert.equal(Buffer.from(got).toString("hex"), Buffer.from(ref).toString("hex"));
  }
});

test("encodeTxnRequest leaves room for a prefix", () => {
  const t = create(TxnRequestSchema, { success: [{ request: { case: "requestPut", value: { key: new Uint8Array([1]), value: new Uint8Array([2]) } } }] });
  const got = encodeTxnRequest(t, 9)!;
  assert.deepEqual([...got.subarray(9)], [...toBinary(TxnRequestSchema, t)]);
});

test("encodeTxnRequest leaves messages with unknown fields to protobuf-es", () => {
  const unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
  const t = create(TxnRequestSchema, { success: [{ request: { case: "requestPut", value: { key: new Uint8Array([1]) } } }] });
  t.success[0]!.request.value!.$unknown = unknown;
  assert.equal(encodeTxnRequest(t), undefined);
  const nested = create(TxnRequestSchema, { failure: [{ request: { case: "requestTxn", value: { compare: [{ key: new Uint8Array([1]) }] } } }] });
  (nested.failure[0]!.request.value as TxnRequest).compare[0]!.$unknown = unknown;
  assert.equal(encodeTxnRequest(nested), undefined);
  const top = create(TxnRequestSchema, {});
  top.$unknown = unknown;
  assert.equal(encodeTxnRequest(top), undefined);
});
