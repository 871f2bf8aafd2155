// sameObject: deep equality of stored objects where undefined members count as absent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sameObject } from "./store.js";

test("sameObject", () => {
  const yes: Array<[unknown, unknown]> = [
    [{ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 }],
    [{ a: 1, gone: undefined }, { a: 1 }],
    [{ a: 1 }, { a: 1, gone: undefined }],
    [{}, {}], [[], []], [null, null], ["s", "s"],
  ];
  const no: Array<[unknown, unknown]> = [
    [{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 1, b: 2 }], [{ a: 1, b: 2 }, { a: 1 }],
    [{ a: null }, {}], [[1, 2], [1]], [[1], { 0: 1 }], [{ a: {} }, { a: [] }],
    [{ constructor: 1 }, {}], [1, "1"], [null, {}],
  ];
  for (const [a, b] of yes) assert.ok(sameObject(a, b), JSON.stringify([a, b]));
  for (const [a, b] of no) {
    assert.ok(!sameObject(a, b), JSON.stringify([a, b]));
    assert.ok(!sameObject(b, a), JSON.stringify([b, a]));
  }
});
