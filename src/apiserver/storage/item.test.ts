// Item JSON spliced from stored bytes (item.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KObject } from "../api/types.js";
import { decodeObject, encodeObject } from "./codec.js";
import { atRevision, decodeItem, encodeItem, itemOf, metadataSpan } from "./item.js";

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
  // metadata's value, sliced out (what a PartialObjectMetadata answer is made of).
  const span = metadataSpan(it.item);
  assert.ok(span, value);
  assert.deepEqual(JSON.parse(it.item.toString("utf8", span[0], span[1])), want.obj.metadata, value);
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

  test("metadataSpan: undefined where the bytes are not plain enough to tell", () => {
    for (const v of ['{"met\\u0061data":{}}', '{"metadata":[1]}', '[1]', '{"a":tru,"metadata":{}}', '{"a":1}', ""]) {
      assert.equal(metadataSpan(Buffer.from(v)), undefined, v);
    }
    assert.deepEqual(metadataSpan(Buffer.from('{"a":{"metadata":{"x":1}},"metadata":{"y":2}}')), [37, 44]);
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
