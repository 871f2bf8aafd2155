import { test } from "node:test";
import assert from "node:assert/strict";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { controllerRevisionStrategy } from "./controllerrevisions.js";

test("controllerrevision: data required and immutable", () => {
  assert.deepEqual(runCreate(controllerRevisionStrategy, { metadata: { name: "r" }, revision: -1 }).errors, [
    "data: Required value: data is mandatory",
    "revision: Invalid value: -1: must be greater than or equal to 0",
  ]);
  const stored = created(controllerRevisionStrategy, { metadata: { name: "r" }, revision: 1, data: { a: 1 } });
  assert.deepEqual(runUpdate(controllerRevisionStrategy, edited(stored, { revision: 2 }), stored).errors, []);
  assert.deepEqual(runUpdate(controllerRevisionStrategy, edited(stored, { data: {} }), stored).errors, [
    "data: Invalid value: runtime.RawExtension{Raw:[]uint8{0x7b, 0x7d}, Object:runtime.Object(nil)}: field is immutable",
  ]);
});
