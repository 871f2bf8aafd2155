import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { podDisruptionBudgetStrategy } from "./poddisruptionbudgets.js";

const pdb: KObject = { metadata: { name: "web" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } } };

test("pdb create and update", () => {
  const { obj, errors } = runCreate(podDisruptionBudgetStrategy, pdb);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
  assert.equal(obj.metadata.generation, 1);
  const stored = created(podDisruptionBudgetStrategy, pdb);
  assert.equal(runUpdate(podDisruptionBudgetStrategy, edited(stored, { "spec.minAvailable": "50%" }), stored).obj.metadata.generation, 2);
});

test("pdb validation", () => {
  assert.deepEqual(runCreate(podDisruptionBudgetStrategy, edited(pdb, { "spec.maxUnavailable": "150%" })).errors, [
    "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(0xc000000000), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set",
    "spec.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
  ]);
  assert.deepEqual(runCreate(podDisruptionBudgetStrategy, edited(pdb, { "spec.minAvailable": -1, "spec.unhealthyPodEvictionPolicy": "Never" })).errors, [
    "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0",
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
});

test("pdb status conditions", () => {
  const stored = created(podDisruptionBudgetStrategy, pdb);
  const r = runUpdate(podDisruptionBudgetStrategy, edited(stored, { "status.conditions": [{ type: "DisruptionAllowed", status: "Maybe", reason: "1x" }] }), stored, "status");
  assert.deepEqual(r.errors, [
    'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
    "status.conditions[0].lastTransitionTime: Required value: must be set",
    "status.conditions[0].reason: Invalid value: \"1x\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
  ]);
});
