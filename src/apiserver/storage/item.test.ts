// Item JSON spliced from stored bytes (item.ts) and the slab arena it lives in (arena.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KObject } from "../api/types.js";
import { Arena, type Placed } from "./arena.js";
import { decodeObject, encodeObject } from "./codec.js";
import { atRevision, decodeItem, encodeItem, itemOf } from "./item.js";

/** What the item must be: the decoded object without apiVersion and kind. */
function expected(value: string, rev: bigint): { obj: KObject; item: Record<string, unknown> } {
  const obj = decodeObject("/k", value, rev);
  const { apiVersion: _a, kind: _k, ...item } = obj;
  return { obj, item };
}

function check(value: string, rev = 42n): string {
  const it = encodeItem("/k", Buffer.from(value), rev);
  const text = it.item.toString();
  const want = expected(value, rev);
  assert.deepEqual(JSON.parse(text), want.item, value);
  // resourceVersion lands where decodeObject puts it (kube's place: after uid).
  assert.deepEqual(Object.keys(JSON.parse(text).metadata), Object.keys(want.obj.metadata), value);
  assert.equal(it.item.toString("latin1", it.rvAt, it.rvAt + String(rev).length), String(rev));
  assert.deepEqual(decodeItem("/k", it), want.obj);
  const later = atRevision(it, rev, 12345n);
  assert.deepEqual(JSON.parse(later.item.toString()), { ...want.item, metadata: { ...want.obj.metadata, resourceVersion: "12345" } });
  assert.equal(later.item.toString("latin1", later.rvAt, later.rvAt + 5), "12345");
  // The slow path (from an object) agrees.
  const slow = itemOf(want.obj);
  assert.deepEqual(JSON.parse(slow.item.toString()), want.item);
  assert.equal(slow.item.toString("latin1", slow.rvAt, slow.rvAt + String(rev).length), String(rev));
  assert.equal(slow.head === "" ? "" : JSON.stringify(JSON.parse(`{${slow.head}}`)), it.head === "" ? "" : JSON.stringify(JSON.parse(`{${it.head}}`)));
  return text;
}

describe("item JSON", () => {
  test("kplane's stored form: apiVersion and kind cut, resourceVersion spliced after uid", () => {
    const obj: KObject = {
      apiVersion: "v1", kind: "Pod",
      metadata: { name: "a", namespace: "ns", uid: "u", creationTimestamp: "2026-01-01T00:00:00Z", labels: { app: "x" } },
      spec: { containers: [{ name: "c", image: "i", args: ["--a=\"b\"", "é"] }] }, status: { phase: "Pending" },
    };
    const text = check(encodeObject(obj), 7n);
    assert.equal(text, JSON.stringify({ metadata: { name: "a", namespace: "ns", uid: "u", resourceVersion: "7", creationTimestamp: "2026-01-01T00:00:00Z", labels: { app: "x" } }, spec: obj["spec"], status: obj["status"] }));
    const it = encodeItem("/k", Buffer.from(encodeObject(obj)), 7n);
    assert.equal(it.head, '"apiVersion":"v1","kind":"Pod"');
  });

  test("any key order, whitespace, escapes, and odd metadata", () => {
    for (const v of [
      '{"metadata":{}}',
      '{ "metadata" : { } }\n',
      '{"kind":"X","metadata":{"name":"a"}}',
      '{"metadata":{"labels":{"a":"b"},"name":"x"}, "kind":"K", "spec":{"a":[1,2,{"b":null}],"e":[],"o":{}},"apiVersion":"v1"}',
      '{"a":1,"apiVersion":"v1","b":2,"kind":"K","c":3,"metadata":{"name":"n","namespace":"ns","uid":"u","resourceVersion":"5","x":1}}',
      '{"metadata":{"name":"n","x":1,"resourceVersion":"5"}}',
      '{"metadata":{"resourceVersion":5}}',
      '{"metadata":null}',
      '{"metadata":[1]}',
      '{}',
      '{"metadata":{"name":"a","name":"b"}}',
      '{"metadata":{"name":"é\\u00e9\\n\\ud83d\\ude00"},"s":"\\"x\\\\\\/"}',
      '{"met\\u0061data":{"name":"a"}}',
      '{"kind":"a","kind":"b","metadata":{}}',
      '{"metadata":{"name":"a"},"n":-1.5e+10,"z":0,"t":true,"f":false,"x":1E3,"y":0.25}',
      '{"metadata":{"uid":"u","generation":1,"uid2":2,"selfLink":"/s"}}',
      '\t{"apiVersion" : "v1" ,\r\n "metadata" : {"name":"a" , "labels" : {} } , "kind":"K"}  ',
      `{"metadata":{"name":"deep"},"d":${"[".repeat(300)}${"]".repeat(300)}}`,
    ]) check(v);
  });

  test("values that are not JSON objects: decodeObject's error", () => {
    for (const bad of ["k8s\x00proto", "[1]", '{"metadata":{}', '{"metadata":{}}x', '{"metadata":{},"a":01}', '{"metadata":{},"a":"\x01"}',
      '{"metadata":{},"a":tru}', '"x"', "", '{"metadata":{},}', '{"metadata":{"a":1,}}', '{"metadata":{},"a":[1,]}', '{"metadata":{},"a":"\\x"}',
      '{"metadata":{},"a":-}', '{"metadata":{},"a":1.}', '{"metadata":{} "a":1}']) {
      assert.throws(() => encodeItem("/k", Buffer.from(bad), 1n), /^Error: unable to decode \/k: /, JSON.stringify(bad));
    }
    // Invalid UTF-8 decodes as U+FFFD, as decodeObject reads it.
    const it = encodeItem("/k", Buffer.concat([Buffer.from('{"metadata":{"name":"'), Buffer.from([0xff]), Buffer.from('"}}')]), 3n);
    assert.equal(JSON.parse(it.item.toString()).metadata.name, "\ufffd");
  });
});

describe("arena", () => {
  test("items share slabs; a slab mostly released has its live items moved", () => {
    const a = new Arena(1024, 256);
    const held = Array.from({ length: 40 }, (_, i) => {
      const b = a.alloc(100);
      b.fill(i);
      const p = { item: b, slab: undefined };
      a.adopt(p);
      return p;
    });
    assert.equal(a.slabs, 4); // 10 per slab
    assert.equal(held[0]!.item.buffer, held[9]!.item.buffer);
    // Release 6 of the first slab's 10: it falls under half and its 4 others move.
    for (const i of [0, 1, 2, 3, 4, 5]) a.release(held[i]!);
    assert.equal(a.moved, 4);
    for (let i = 6; i < 40; i++) assert.ok(held[i]!.item.every((x) => x === i), `item ${i}`);
    assert.notEqual(held[6]!.item.buffer, held[0]!.item.buffer);
    // Big items get their own Buffer and are not tracked.
    const big = { item: a.alloc(300), slab: undefined };
    a.adopt(big);
    assert.equal(big.slab, undefined);
    a.release(big);
  });
});

test("arena: many replacements keep memory bounded and bytes intact", () => {
  const a = new Arena(4096, 1024);
  const live = new Map<number, Placed & { v: number }>();
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let step = 0; step < 20_000; step++) {
    const k = rnd(50);
    const old = live.get(k);
    if (old) a.release(old);
    const n = 50 + rnd(400);
    const b = a.alloc(n);
    b.fill(step % 251);
    const p: Placed & { v: number } = { item: b, slab: undefined, v: step % 251 };
    a.adopt(p);
    live.set(k, p);
  }
  for (const p of live.values()) assert.ok(p.item.every((x) => x === p.v));
  // 50 live items of < 450 bytes: a handful of 4 KiB slabs are reachable from them.
  const slabs = new Set([...live.values()].map((p) => p.item.buffer));
  assert.ok(slabs.size <= 16, `${slabs.size} slabs held`);
  assert.ok(a.moved > 0);
});
