import { test } from "node:test";
import assert from "node:assert/strict";
import { copyJSON } from "./json.js";

test("copyJSON copies deeply and keeps every JSON value", () => {
  const src = JSON.parse('{"a":{"b":[1,"x",true,null,{"c":[]}]},"n":-0.5,"e":{},"__proto__":{"polluted":1}}') as Record<string, unknown>;
  const out = copyJSON(src);
  assert.deepEqual(out, src);
  assert.notEqual(out.a, src.a);
  assert.notEqual((out.a as { b: unknown[] }).b, (src.a as { b: unknown[] }).b);
  // A "__proto__" key stays data, as JSON.parse left it; no prototype changes.
  assert.ok(Object.prototype.hasOwnProperty.call(out, "__proto__"));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(JSON.stringify(out), JSON.stringify(src));
  const withUndefined = { a: undefined, b: 1 };
  assert.ok("a" in copyJSON(withUndefined));
  assert.equal(copyJSON(null), null);
  assert.equal(copyJSON("s"), "s");
});
