import assert from "node:assert/strict";
import { test } from "node:test";
import {
  comparePE, deserializePE, difference, fromFieldsV1, goJSON, intersection, paths, pathString, recursiveDifference, serializePE, setOf,
  toFieldsV1, union, type Path, type PathElement,
} from "./fieldpath.js";

const f = (field: string): PathElement => ({ field });
const k = (o: Record<string, unknown>): PathElement => ({ key: Object.keys(o).sort().map((name) => ({ name, value: o[name] })) });
const p = (...pes: PathElement[]): Path => pes;

test("path elements serialize as FieldsV1 keys and print as kube prints paths", () => {
  const cases: [PathElement, string, string][] = [
    [f("spec"), "f:spec", ".spec"],
    [k({ name: "nginx" }), 'k:{"name":"nginx"}', '[name="nginx"]'],
    [k({ protocol: "TCP", containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}', '[containerPort=80,protocol="TCP"]'],
    [{ value: "example.com/foo" }, 'v:"example.com/foo"', '[="example.com/foo"]'],
    [{ value: 5 }, "v:5", "[=5]"],
    [{ index: 3 }, "i:3", "[3]"],
    [k({ name: "a<b" }), 'k:{"name":"a\\u003cb"}', '[name="a<b"]'],
  ];
  for (const [pe, key, printed] of cases) {
    assert.equal(serializePE(pe), key);
    assert.equal(pathString([pe]), printed);
    assert.equal(comparePE(deserializePE(key)!, pe), 0, key);
  }
  assert.equal(pathString(p(f("spec"), f("template"), f("spec"), f("containers"), k({ name: "nginx" }), f("image"))), '.spec.template.spec.containers[name="nginx"].image');
  assert.equal(deserializePE("x:whatever"), undefined); // unknown kinds are dropped
  assert.throws(() => deserializePE("f"), /2 characters/);
  assert.throws(() => deserializePE("fx"), /missing colon/);
});

test("element order: fields, then keys, values, indices; keys by name then value", () => {
  const pes = [{ index: 0 }, { value: "b" }, { value: 1 }, k({ name: "b" }), k({ name: "a" }), f("z"), f("a")] as PathElement[];
  const sorted = [...pes].sort(comparePE).map(serializePE);
  assert.deepEqual(sorted, ["f:a", "f:z", 'k:{"name":"a"}', 'k:{"name":"b"}', "v:1", 'v:"b"', "i:0"]);
});

test("FieldsV1: '.' marks a node that is also a member; round trip is exact", () => {
  const s = setOf(
    p(f("metadata"), f("labels")),
    p(f("metadata"), f("labels"), f("app")),
    p(f("spec"), f("replicas")),
    p(f("spec"), f("containers"), k({ name: "b" })),
    p(f("spec"), f("containers"), k({ name: "b" }), f("image")),
    p(f("spec"), f("containers"), k({ name: "a" }), f("image")),
  );
  const fv = toFieldsV1(s);
  assert.equal(
    JSON.stringify(fv),
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"a\\"}":{"f:image":{}},"k:{\\"name\\":\\"b\\"}":{".":{},"f:image":{}}},"f:replicas":{}}}',
  );
  assert.deepEqual(toFieldsV1(fromFieldsV1(fv)), fv);
  // Out-of-order input still parses into the ordered set.
  const back = fromFieldsV1({ "f:spec": { "f:replicas": {} }, "f:metadata": { "f:name": {} } });
  assert.deepEqual(paths(back).map(pathString), [".metadata.name", ".spec.replicas"]);
  assert.throws(() => fromFieldsV1({ "k:{bad": {} }));
});

test("set algebra", () => {
  const a = setOf(p(f("a")), p(f("b"), f("c")), p(f("b"), f("d")));
  const b = setOf(p(f("b")), p(f("b"), f("c")));
  assert.deepEqual(paths(union(a, b)).map(pathString), [".a", ".b", ".b.c", ".b.d"]);
  assert.deepEqual(paths(intersection(a, b)).map(pathString), [".b.c"]);
  assert.deepEqual(paths(difference(a, b)).map(pathString), [".a", ".b.d"]);
  // A member of b takes everything below it.
  assert.deepEqual(paths(recursiveDifference(a, b)).map(pathString), [".a"]);
});

test("goJSON writes strings as Go's encoding/json does, plain ones included", () => {
  // Go: JSON with <, >, & and U+2028/9 escaped as \u00XX; the plain-string shortcut must agree.
  const general = (v: string) => JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  for (let c = 0; c < 0x2100; c++) {
    const s = `a${String.fromCharCode(c)}b`;
    assert.equal(goJSON(s), general(s), `U+${c.toString(16)}`);
  }
  for (const s of ["", "app", "a b", 'say "hi"', "C:\\x", "a<b>&c", "\u2028", "ünïcode", "\n\t"]) assert.equal(goJSON(s), general(s), JSON.stringify(s));
  assert.equal(goJSON("a&b"), '"a\\u0026b"');
});
