import { test } from "node:test";
import assert from "node:assert/strict";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { priorityClassStrategy as pc } from "./priorityclasses.js";

test("priorityclass defaults, limits, immutability", () => {
  const { obj, errors } = runCreate(pc, { metadata: { name: "high" }, value: 1000 });
  assert.deepEqual(errors, []);
  assert.equal(obj.preemptionPolicy, "PreemptLowerPriority");
  assert.deepEqual(runCreate(pc, { metadata: { name: "huge" }, value: 2000000000 }).errors, [
    "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
  ]);
  assert.deepEqual(runCreate(pc, { metadata: { name: "system-mine" }, value: 1 }).errors, [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(runCreate(pc, { metadata: { name: "system-node-critical" }, value: 2000001000 }).errors, []);
  assert.deepEqual(runCreate(pc, { metadata: { name: "p" }, value: 1, preemptionPolicy: "Sometimes" }).errors, [
    'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
  ]);
  const stored = created(pc, { metadata: { name: "high" }, value: 1000 });
  assert.deepEqual(runUpdate(pc, edited(stored, { value: 5, preemptionPolicy: "Never" }), stored).errors, [
    "value: Forbidden: may not be changed in an update.",
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
});
