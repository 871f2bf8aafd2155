import { test } from "node:test";
import assert from "node:assert/strict";
import * as storage from "./storage.js";
import { cells, headers, k } from "./testing.js";

test("storageclasses", () => {
  assert.deepEqual(headers(storage.storageClasses), ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
  const standard = k("standard", { provisioner: "rancher.io/local-path", reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true }, { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } });
  assert.deepEqual(cells(storage.storageClasses, standard), ["standard (default)", "rancher.io/local-path", "Retain", "WaitForFirstConsumer", true, "5m"]);
  const beta = k("old", { provisioner: "p" }, { annotations: { "storageclass.beta.kubernetes.io/is-default-class": "true" } });
  assert.deepEqual(cells(storage.storageClasses, beta), ["old (default)", "p", "Delete", "Immediate", false, "5m"]);
  assert.equal(cells(storage.storageClasses, k("x", {}, { annotations: { "storageclass.kubernetes.io/is-default-class": "false" } }))[0], "x");
});

test("volumeattachments", () => {
  assert.deepEqual(headers(storage.volumeAttachments), ["Name", "Attacher", "PV", "Node", "Attached", "Age"]);
  assert.equal(storage.volumeAttachments.columns[1]!.format, "name");
  const va = k("csi-123", { spec: { attacher: "ebs.csi.aws.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } }, status: { attached: true } });
  assert.deepEqual(cells(storage.volumeAttachments, va), ["csi-123", "ebs.csi.aws.com", "pv1", "n1", true, "5m"]);
  assert.deepEqual(cells(storage.volumeAttachments, k("x")), ["x", "", "", "", false, "5m"]);
});

test("csidrivers, csinodes, csistoragecapacities", () => {
  assert.deepEqual(headers(storage.csiDrivers), ["Name", "AttachRequired", "PodInfoOnMount", "StorageCapacity", "TokenRequests", "RequiresRepublish", "Modes", "Age"]);
  const driver = k("d", { spec: { attachRequired: false, podInfoOnMount: true, storageCapacity: true, tokenRequests: [{ audience: "a" }, { audience: "b" }], requiresRepublish: true, volumeLifecycleModes: ["Persistent", "Ephemeral"] } });
  assert.deepEqual(cells(storage.csiDrivers, driver), ["d", false, true, true, "a,b", true, "Persistent,Ephemeral", "5m"]);
  assert.deepEqual(cells(storage.csiDrivers, k("defaults")), ["defaults", true, false, false, "<unset>", false, "<none>", "5m"]);

  assert.deepEqual(cells(storage.csiNodes, k("n1", { spec: { drivers: [{ name: "a" }, { name: "b" }] } })), ["n1", 2, "5m"]);

  assert.deepEqual(headers(storage.csiStorageCapacities), ["Name", "StorageClassName", "Capacity"]);
  assert.deepEqual(cells(storage.csiStorageCapacities, k("c", { storageClassName: "fast", capacity: "10240Mi" })), ["c", "fast", "10Gi"]);
  assert.deepEqual(cells(storage.csiStorageCapacities, k("c", { storageClassName: "fast" })), ["c", "fast", "<unset>"]);
});

test("volumeattributesclasses", () => {
  assert.deepEqual(cells(storage.volumeAttributesClasses, k("gold", { driverName: "csi.example.com" })), ["gold", "csi.example.com", "5m"]);
});
