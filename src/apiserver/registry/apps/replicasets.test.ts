import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { replicaSetStrategy } from "./replicasets.js";

const minimal: KObject = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web-5d4b8" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { restartPolicy: "Always", containers: [{ name: "c", image: "nginx" }] } },
  },
};

test("replicaset defaults, status and generation on create", () => {
  const { obj, errors } = runCreate(replicaSetStrategy, minimal);
  assert.deepEqual(errors, []);
  assert.equal((obj.spec as Record<string, unknown>).replicas, 1);
  assert.deepEqual(obj.status, { replicas: 0 });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(replicaSetStrategy.selectableFields?.(obj), { "status.replicas": "0" });
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ["negative minReadySeconds", { "spec.minReadySeconds": -5 }, ["spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"]],
  [
    "empty selector says deployment, as kube does",
    { "spec.selector": { matchLabels: {} } },
    ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"],
  ],
  [
    "template without labels",
    { "spec.template.metadata": {} },
    ['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`'],
  ],
];
for (const [name, sets, errors] of cases) {
  test(`replicaset validation: ${name}`, () => {
    assert.deepEqual(runCreate(replicaSetStrategy, edited(minimal, sets)).errors, errors);
  });
}

test("replicaset update and status", () => {
  const stored = created(replicaSetStrategy, minimal);
  const scaled = runUpdate(replicaSetStrategy, edited(stored, { "spec.replicas": 4 }), stored);
  assert.deepEqual(scaled.errors, []);
  assert.equal(scaled.obj.metadata.generation, 2);
  const st = runUpdate(replicaSetStrategy, edited(stored, { "spec.replicas": 4, status: { replicas: 2, fullyLabeledReplicas: 3 } }), stored, "status");
  assert.equal((st.obj.spec as Record<string, unknown>).replicas, 1);
  assert.equal(st.obj.metadata.generation, 1);
  assert.deepEqual(st.errors, ["status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas"]);
  assert.deepEqual(replicaSetStrategy.selectableFields?.(st.obj), { "status.replicas": "2" });
});
