import { test } from "node:test";
import assert from "node:assert/strict";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { leaseStrategy } from "./leases.js";

test("lease validation and flags", () => {
  const lease = { metadata: { name: "kube-scheduler", namespace: "kube-system" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } };
  assert.deepEqual(runCreate(leaseStrategy, lease).errors, []);
  assert.deepEqual(runCreate(leaseStrategy, edited(created(leaseStrategy, lease), { "spec.leaseDurationSeconds": 0, "spec.leaseTransitions": -1 })).errors, [
    "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
    "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
  ]);
  assert.equal(leaseStrategy.allowCreateOnUpdate, true);
  assert.equal(leaseStrategy.allowUnconditionalUpdate, false);
});

test("alpha coordinated-election fields are dropped", () => {
  const { obj } = runCreate(leaseStrategy, { metadata: { name: "l" }, spec: { strategy: "OldestEmulationVersion", preferredHolder: "x", holderIdentity: "a" } });
  assert.deepEqual(obj.spec, { holderIdentity: "a" });
  const stored = created(leaseStrategy, { metadata: { name: "l" }, spec: { holderIdentity: "a" } });
  assert.deepEqual(runUpdate(leaseStrategy, edited(stored, { "spec.strategy": "x" }), stored).obj.spec, { holderIdentity: "a" });
});
