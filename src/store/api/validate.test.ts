import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { StoreError, type StoreErrorKind } from "../errors.js";
import { Compare_CompareResult, Compare_CompareTarget, RequestOpSchema, TxnRequestSchema, type RequestOp, type TxnRequest } from "./gen/rpc_pb.js";
import { checkIntervals, checkPut, checkTxnRequest } from "./validate.js";

// Every expectation below was checked against etcd 3.4.23 (same requests through the etcd3 npm
// client, default --max-txn-ops 128); several are etcd quirks that clients can observe.

const B = (s: string): Uint8Array => Buffer.from(s, "latin1");
type OpInit = MessageInitShape<typeof RequestOpSchema>;

const put = (key: string, more: { value?: string; ignoreValue?: boolean; ignoreLease?: boolean; lease?: bigint } = {}): OpInit => ({
  request: { case: "requestPut", value: { key: B(key), value: B(more.value ?? "v"), ignoreValue: more.ignoreValue, ignoreLease: more.ignoreLease, lease: more.lease } },
});
/** A delete of one key, or of [key, end) when end is given ("\0" = every key from key on). */
const del = (key: string, end?: string): OpInit => ({
  request: { case: "requestDeleteRange", value: { key: B(key), rangeEnd: end === undefined ? undefined : B(end) } },
});
const get = (key: string): OpInit => ({ request: { case: "requestRange", value: { key: B(key) } } });
const txn = (then: OpInit[], els: OpInit[] = [], compares = 0): OpInit => ({
  request: { case: "requestTxn", value: { success: then, failure: els, compare: cmps(compares) } },
});
const cmps = (n: number, key = (i: number) => `c${i}`) =>
  Array.from({ length: n }, (_, i) => ({ key: B(key(i)), target: Compare_CompareTarget.VERSION, result: Compare_CompareResult.EQUAL, targetUnion: { case: "version" as const, value: 0n } }));
const puts = (n: number, prefix = "k"): OpInit[] => Array.from({ length: n }, (_, i) => put(`${prefix}${i}`));

function request(then: OpInit[], els: OpInit[] = [], compare: ReturnType<typeof cmps> = []): TxnRequest {
  return create(TxnRequestSchema, { success: then, failure: els, compare });
}

/** What the KV service checks before a txn goes to raft, in its order; null when it passes. */
function verdict(t: TxnRequest, maxTxnOps = 128): StoreErrorKind | null {
  try {
    checkTxnRequest(t, maxTxnOps);
    // The two top-level branches are checked separately: they never both run.
    checkIntervals(t.success);
    checkIntervals(t.failure);
    return null;
  } catch (e) {
    if (e instanceof StoreError) return e.kind;
    throw e;
  }
}

describe("txn size (tooManyOps)", () => {
  const cases: Array<[string, TxnRequest, StoreErrorKind | null]> = [
    ["128 ops", request(puts(128)), null],
    ["129 ops in then", request(puts(129)), "tooManyOps"],
    ["129 ops in else", request([], puts(129)), "tooManyOps"],
    ["129 compares", request([], [], cmps(129)), "tooManyOps"],
    ["128 then, 128 else, 128 compares: the largest counts, not the sum", request(puts(128), puts(128, "e"), cmps(128)), null],
    // A nested txn may use what its parent left: 128 minus the parent's largest list.
    ["100 ops, one a txn of 28", request([...puts(99), txn(puts(28, "n"))]), null],
    ["100 ops, one a txn of 29", request([...puts(99), txn(puts(29, "n"))]), "tooManyOps"],
    ["128 ops, one an empty txn", request([...puts(127), txn([])]), null],
    ["128 ops, one a txn of 1", request([...puts(127), txn(puts(1, "n"))]), "tooManyOps"],
    ["128 ops, one a txn with only a compare", request([...puts(127), txn([], [], 1)]), "tooManyOps"],
    ["size is checked before empty keys", request([...puts(129), put("")]), "tooManyOps"],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(verdict(t), want));

  it("honours a configured limit", () => {
    assert.equal(verdict(request(puts(3)), 3), null);
    assert.equal(verdict(request(puts(4)), 3), "tooManyOps");
  });
});

describe("txn request fields", () => {
  const cases: Array<[string, TxnRequest, StoreErrorKind | null]> = [
    ["a compare on an empty key", request([], [], cmps(1, () => "")), "emptyKey"],
    ["a range of an empty key", request([get("")]), "emptyKey"],
    ["a delete of an empty key", request([del("")]), "emptyKey"],
    ["a put of an empty key in a nested else", request([txn([], [put("")])]), "emptyKey"],
    ["an op with no request in it", request([{}]), "keyNotFound"],
    ["a put with ignore_value and a value", request([put("a", { ignoreValue: true, value: "x" })]), "valueProvided"],
    ["a put with ignore_value and no value", request([put("a", { ignoreValue: true, value: "" })]), null],
    ["a put with ignore_lease and a lease", request([put("a", { ignoreLease: true, lease: 5n })]), "leaseProvided"],
    // Field checks run over both branches before any duplicate check.
    ["an empty key after a duplicate", request([put("a"), put("a"), put("")]), "emptyKey"],
    ["an empty key in else, a duplicate in then", request([put("a"), put("a")], [put("")]), "emptyKey"],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(verdict(t), want));

  it("checkPut on its own (a plain Put request)", () => {
    const base = { key: B("k"), value: B(""), ignoreValue: false, ignoreLease: false, lease: 0n };
    assert.doesNotThrow(() => checkPut(base));
    const kind = (p: typeof base) => {
      try {
        checkPut(p);
        return null;
      } catch (e) {
        return (e as StoreError).kind;
      }
    };
    assert.equal(kind({ ...base, key: B("") }), "emptyKey");
    assert.equal(kind({ ...base, ignoreValue: true, value: B("x") }), "valueProvided");
    assert.equal(kind({ ...base, ignoreLease: true, lease: 1n }), "leaseProvided");
    assert.equal(kind({ ...base, ignoreLease: true, ignoreValue: true }), null);
  });
});

describe("duplicate keys in one txn (etcd's checkIntervals)", () => {
  // [description, then-branch ops, verdict]. One txn may not write a key twice, nor put a key
  // that a delete in it covers, on any path that can run.
  const cases: Array<[string, OpInit[], StoreErrorKind | null]> = [
    ["put a key twice", [put("abc"), put("abc")], "duplicateKey"],
    ["put and delete one key", [put("abc"), del("abc")], "duplicateKey"],
    ["put a key inside a deleted range", [put("abc"), del("a", "b")], "duplicateKey"],
    ["put the end of a deleted range (ranges are half-open)", [put("abc"), del("abb", "abc")], null],
    // Quirk: a from-key delete (range end "\0") is taken literally as [key, "\0"), an empty
    // interval, so it conflicts with nothing.
    ["put a key a from-key delete covers", [put("abc"), del("a", "\u0000")], null],
    ["delete a key twice, in ranges and nested", [del("abc"), del("a", "b"), del("abc"), txn([del("a", "b")], [del("a", "b")])], null],
    ["read and put one key", [get("a"), put("a")], null],
    // Nested txns: a child's puts and deletes count against its parent's.
    ["put, and a nested txn deleting it", [put("abc"), txn([del("a", "b")])], "duplicateKey"],
    ["delete, and a nested txn putting into it", [del("a", "b"), txn([put("abc")])], "duplicateKey"],
    ["a nested txn's put, then the same put outside", [txn([put("abc")]), put("abc")], "duplicateKey"],
    ["a nested txn's delete, then a put of that key", [txn([del("abc")]), put("abc")], "duplicateKey"],
    ["a nested txn's else-delete, then a put of that key", [txn([], [del("abc")]), put("abc")], "duplicateKey"],
    ["a delete of another range and a nested put on both paths", [del("abb", "abc"), txn([put("abc")], [put("abc")])], null],
    // Only one of then/else runs: the same key in both is fine...
    ["one nested txn putting a key in then and else", [txn([put("a")], [put("a")])], null],
    ["putting in then, deleting in else", [txn([put("a")], [del("a")])], null],
    ["a deeper then and the else put one key", [txn([txn([put("a")])], [put("a")])], null],
    // ...but two sibling txns can both run.
    ["two nested txns each putting a key on both paths", [txn([put("abc")], [put("abc")]), txn([put("abc")], [put("abc")])], "duplicateKey"],
    ["a sibling's put, then the key in a later else only", [txn([put("a")]), txn([], [put("a")])], "duplicateKey"],
    ["a sibling's put, then the key in a later else, another in its then", [txn([put("a")]), txn([put("b")], [put("a")])], "duplicateKey"],
    ["a sibling's delete, then a later sibling's put", [txn([del("abc")]), txn([put("abc")])], "duplicateKey"],
    // Quirk: a later sibling's deletes are not checked against an earlier sibling's puts.
    ["a sibling's put, then a later sibling's delete", [txn([put("abc")]), txn([del("abc")])], null],
    ["a then-put/else-delete txn, then a put of that key", [txn([put("a")], [del("a")]), put("a")], "duplicateKey"],
  ];
  for (const [name, then, want] of cases) {
    it(name, () => assert.equal(verdict(request(then)), want));
  }

  it("the two top-level branches are independent", () => {
    assert.equal(verdict(request([put("a")], [del("a")])), null);
    assert.equal(verdict(request([put("a")], [put("a")])), null);
    assert.equal(verdict(request([], [put("a"), put("a")])), "duplicateKey");
  });

  it("reports a branch's puts and deletes to its caller", () => {
    const ops = [put("x"), del("m", "n"), txn([put("y")], [put("z")])].map((o) => create(RequestOpSchema, o)) as RequestOp[];
    const { puts: p, dels } = checkIntervals(ops);
    assert.deepEqual([...p].sort(), ["x", "y", "z"]);
    assert.deepEqual(dels, [{ begin: "m", end: "n" }]);
  });

  it("keys compare as bytes, beyond ASCII", () => {
    assert.equal(verdict(request([put("\u00ff\u0001"), del("\u00ff", "\u00ff\u0002")])), "duplicateKey");
    assert.equal(verdict(request([put("\u00ff\u0002"), del("\u00ff", "\u00ff\u0002")])), null);
  });
});
