import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { csiDriverStrategy } from "./csidrivers.js";
import { csiNodeStrategy } from "./csinodes.js";
import { storageClassStrategy } from "./storageclasses.js";
import { volumeAttachmentStrategy } from "./volumeattachments.js";

const sc: KObject = { metadata: { name: "standard" }, provisioner: "rancher.io/local-path" };

test("storageclass defaults and validation", () => {
  const { obj, errors } = runCreate(storageClassStrategy, sc);
  assert.deepEqual(errors, []);
  assert.equal(obj.reclaimPolicy, "Delete");
  assert.equal(obj.volumeBindingMode, "Immediate");
  assert.deepEqual(runCreate(storageClassStrategy, edited(sc, { provisioner: undefined, reclaimPolicy: "Recycle", volumeBindingMode: "Later" })).errors, [
    "provisioner: Required value",
    'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
  ]);
});

test("storageclass updates", () => {
  const stored = created(storageClassStrategy, sc);
  assert.deepEqual(
    runUpdate(storageClassStrategy, edited(stored, { provisioner: "x.io/y", parameters: { a: "b" }, volumeBindingMode: "WaitForFirstConsumer" }), stored).errors,
    [
      "parameters: Forbidden: updates to parameters are forbidden.",
      "provisioner: Forbidden: updates to provisioner are forbidden.",
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ],
  );
  assert.deepEqual(runUpdate(storageClassStrategy, edited(stored, { allowVolumeExpansion: true }), stored).errors, []);
});

test("csidriver defaults", () => {
  const { obj, errors } = runCreate(csiDriverStrategy, { metadata: { name: "ebs.csi.aws.com" }, spec: {} });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    fsGroupPolicy: "ReadWriteOnceWithFSType",
    volumeLifecycleModes: ["Persistent"],
    requiresRepublish: false,
    seLinuxMount: false,
  });
});

test("csinode drivers", () => {
  const node: KObject = { metadata: { name: "n1" }, spec: { drivers: [{ name: "d.example.com", nodeID: "n1", topologyKeys: ["zone"] }] } };
  assert.deepEqual(runCreate(csiNodeStrategy, node).errors, []);
  assert.deepEqual(runCreate(csiNodeStrategy, edited(node, { "spec.drivers": [{ name: "d", nodeID: "" }, { name: "d", nodeID: "x" }] })).errors, [
    "spec.drivers[0].nodeID: Required value",
    'spec.drivers[1].name: Duplicate value: "d"',
  ]);
});

test("volumeattachment", () => {
  const va: KObject = { metadata: { name: "csi-1" }, spec: { attacher: "d.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } } };
  const { obj, errors } = runCreate(volumeAttachmentStrategy, va);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { attached: false });
  assert.deepEqual(runCreate(volumeAttachmentStrategy, edited(va, { "spec.source": {} })).errors, [
    "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName",
  ]);
  const stored = created(volumeAttachmentStrategy, va);
  assert.deepEqual(runUpdate(volumeAttachmentStrategy, edited(stored, { "spec.nodeName": "n2" }), stored).errors, [
    "spec: Invalid value: storage.VolumeAttachmentSpec{...}: field is immutable",
  ]);
  const st = runUpdate(volumeAttachmentStrategy, edited(stored, { "spec.nodeName": "n2", "status.attached": true }), stored, "status");
  assert.deepEqual(st.errors, []);
  assert.equal((st.obj.spec as Record<string, unknown>).nodeName, "n1");
});
