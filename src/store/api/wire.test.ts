// The hand-written Put codecs against protobuf-es, the reference: the same messages decoded, the
// same bytes encoded, and anything the fast decoder does not take left to protobuf-es.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { test } from "node:test";
import { PutRequestSchema, PutResponseSchema, ResponseHeaderSchema } from "./gen/rpc_pb.js";
import { KeyValueSchema } from "./gen/kv_pb.js";
import { decodePutRequest, encodeHeaderIds, encodePutResponse } from "./wire.js";
import { encodeKeyValue, type KeyValue } from "../mvcc/keyValue.js";
import { seededRandom as rng } from "../../util/random.js";

const plain = (m: object) => JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v)));

function sameAsProtobufEs(bytes: Uint8Array): void {
  const fast = decodePutRequest(bytes);
  let ref;
  try {
    ref = fromBinary(PutRequestSchema, bytes);
  } catch {
    assert.equal(fast, undefined, `fast decoder took bytes protobuf-es refuses: ${Buffer.from(bytes).toString("hex")}`);
    return;
  }
  if (fast === undefined) return; // left to protobuf-es
  assert.deepEqual(plain(fast), plain({ ...ref }), Buffer.from(bytes).toString("hex"));
  assert.equal(fast.$typeName, "etcdserverpb.PutRequest");
}

test("decodePutRequest equals protobuf-es on valid requests", () => {
  const r = rng(1);
  const leases = [0n, 1n, 127n, 128n, 0x7fffffffn, 0x80000000n, 0x694d8a2b3c4d5e6fn, -1n, -(2n ** 63n), 2n ** 63n - 1n];
  for (let i = 0; i < 2000; i++) {
    const msg = create(PutRequestSchema, {
      key: Buffer.from(`/registry/pods/ns/p-${i}`.repeat(1 + Math.floor(r() * 3))),
      value: Buffer.alloc(Math.floor(r() * 300), i & 255),
      lease: leases[Math.floor(r() * leases.length)]!,
      prevKv: r() < 0.5,
      ignoreValue: r() < 0.2,
      ignoreLease: r() < 0.2,
    });
    const bytes = toBinary(PutRequestSchema, msg);
    const fast = decodePutRequest(bytes);
    assert.ok(fast, "a plain request must take the fast path");
    sameAsProtobufEs(bytes);
  }
  // Empty message, repeated fields (last wins), non-canonical bools and over-long varints.
  for (const hex of ["", "0a01610a0162", "2002", "20ff01", "188080808080808080807f", "1880808080808080808001", "2a00", "0a00"]) {
    sameAsProtobufEs(Buffer.from(hex, "hex"));
  }
});

test("decodePutRequest leaves malformed and unknown input to protobuf-es", () => {
  const r = rng(2);
  const base = toBinary(PutRequestSchema, create(PutRequestSchema, { key: Buffer.from("k"), value: Buffer.from("v"), lease: 5n, prevKv: true }));
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(base);
    const n = 1 + Math.floor(r() * 3);
    for (let j = 0; j < n; j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    const cut = r() < 0.3 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    sameAsProtobufEs(cut);
  }
  // Unknown field 7 (varint), field 1 with the varint wire type, a length past the end.
  for (const hex of ["3801", "0801", "0a05616263"]) assert.equal(decodePutRequest(Buffer.from(hex, "hex")), undefined);
});

test("encodePutResponse equals protobuf-es", () => {
  const clusterId = 0xcdf818194e3a8c32n;
  const memberId = 0x8e9e05c52164694dn;
  const ids = encodeHeaderIds(clusterId, memberId);
  const prevs: Array<KeyValue | undefined> = [
    undefined,
    { key: Buffer.from("a"), value: Buffer.from("v1"), createRevision: 2, modRevision: 5, version: 3, lease: 0n },
    { key: Buffer.from("b"), value: new Uint8Array(0), createRevision: 200000, modRevision: 300000, version: 1, lease: 0x694d8a2b3c4d5e6fn },
  ];
  for (const prev of prevs) {
    if (prev) prev.encoded = encodeKeyValue(prev);
    for (const [rev, term] of [[1, 1], [2, 0], [127, 128], [2 ** 40, 3]] as const) {
      const ref = toBinary(PutResponseSchema, create(PutResponseSchema, {
        header: create(ResponseHeaderSchema, { clusterId, memberId, revision: BigInt(rev), raftTerm: BigInt(term) }),
        prevKv: prev ? create(KeyValueSchema, {
          key: prev.key, value: prev.value, createRevision: BigInt(prev.createRevision), modRevision: BigInt(prev.modRevision),
          version: BigInt(prev.version), lease: prev.lease,
        }) : undefined,
      }));
      assert.deepEqual(Buffer.from(encodePutResponse(ids, rev, term, prev)), Buffer.from(ref));
    }
  }
});
