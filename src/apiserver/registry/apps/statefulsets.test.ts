import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { statefulSetStrategy } from "./statefulsets.js";

const minimal: KObject = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db" },
  spec: {
    serviceName: "db",
    selector: { matchLabels: { app: "db" } },
    template: { metadata: { labels: { app: "db" } }, spec: { restartPolicy: "Always", containers: [{ name: "c", image: "pg" }] } },
    volumeClaimTemplates: [
      { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
    ],
  },
};

test("statefulset defaults are what kube stores", () => {
  const { obj, errors } = runCreate(statefulSetStrategy, minimal);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.podManagementPolicy, "OrderedReady");
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepEqual(spec.volumeClaimTemplates, [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data", creationTimestamp: null },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" },
      status: { phase: "Pending" },
    },
  ]);
  assert.deepEqual(obj.status, { availableReplicas: 0, replicas: 0 });
  assert.equal(obj.metadata.generation, 1);
});

test("an explicit RollingUpdate type keeps no rollingUpdate; maxUnavailable (alpha) is dropped", () => {
  const a = runCreate(statefulSetStrategy, edited(minimal, { "spec.updateStrategy": { type: "RollingUpdate" } }));
  assert.deepEqual((a.obj.spec as Record<string, unknown>).updateStrategy, { type: "RollingUpdate" });
  const b = runCreate(statefulSetStrategy, edited(minimal, { "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } } }));
  assert.deepEqual((b.obj.spec as Record<string, unknown>).updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ["bad podManagementPolicy", { "spec.podManagementPolicy": "Random" }, ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']],
  [
    "bad update strategy",
    { "spec.updateStrategy": { type: "Sometimes" } },
    ['spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be \'RollingUpdate\' or \'OnDelete\''],
  ],
  [
    "OnDelete with rollingUpdate",
    { "spec.updateStrategy": { type: "OnDelete", rollingUpdate: { partition: 2 } } },
    ["spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:2, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'"],
  ],
  ["negative partition", { "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { partition: -1 } } }, ["spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"]],
  [
    "bad retention",
    { "spec.persistentVolumeClaimRetentionPolicy": { whenDeleted: "Keep" } },
    ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"'],
  ],
  ["negative ordinals.start", { "spec.ordinals": { start: -1 } }, ["spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"]],
  [
    "no selector",
    { "spec.selector": undefined },
    ["spec.selector: Required value", 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`'],
  ],
  ["activeDeadlineSeconds", { "spec.template.spec.activeDeadlineSeconds": 1 }, ["spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"]],
];
for (const [name, sets, errors] of cases) {
  test(`statefulset validation: ${name}`, () => {
    assert.deepEqual(runCreate(statefulSetStrategy, edited(minimal, sets)).errors, errors);
  });
}

test("statefulset updates: only some spec fields may change", () => {
  const stored = created(statefulSetStrategy, minimal);
  const ok = runUpdate(statefulSetStrategy, edited(stored, { "spec.replicas": 3, "spec.minReadySeconds": 5, "spec.updateStrategy": { type: "OnDelete" } }), stored);
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.obj.metadata.generation, 2);
  const bad = runUpdate(statefulSetStrategy, edited(stored, { "spec.serviceName": "other" }), stored);
  assert.deepEqual(bad.errors, [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  const st = runUpdate(statefulSetStrategy, edited(stored, { status: { replicas: 1, readyReplicas: 1, availableReplicas: 2, collisionCount: 0 } }), edited(stored, { "status.collisionCount": 1 }), "status");
  assert.deepEqual(st.errors, [
    "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
    "status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas",
    "status.collisionCount: Invalid value: 0: cannot be decremented",
  ]);
});
