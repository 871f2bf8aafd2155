import { test } from "node:test";
import assert from "node:assert/strict";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { runtimeClassStrategy as rc } from "./runtimeclasses.js";

test("runtimeclass handler", () => {
  assert.deepEqual(runCreate(rc, { metadata: { name: "gvisor" }, handler: "runsc" }).errors, []);
  assert.deepEqual(runCreate(rc, { metadata: { name: "x" }, handler: "Run_SC" }).errors, [
    `handler: Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  const stored = created(rc, { metadata: { name: "gvisor" }, handler: "runsc" });
  assert.deepEqual(runUpdate(rc, edited(stored, { handler: "kata" }), stored).errors, ['handler: Invalid value: "kata": field is immutable']);
});

test("runtimeclass scheduling tolerations are unique", () => {
  const tol = { key: "a", operator: "Equal", value: "b", effect: "NoSchedule" };
  assert.deepEqual(runCreate(rc, { metadata: { name: "x" }, handler: "runc", scheduling: { tolerations: [tol, tol] } }).errors, [
    'scheduling.tolerations[1]: Duplicate value: core.Toleration{Key:"a", Operator:"Equal", Value:"b", Effect:"NoSchedule", TolerationSeconds:(*int64)(nil)}',
  ]);
});
