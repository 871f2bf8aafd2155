import { test } from "node:test";
import assert from "node:assert/strict";
import { dropTypedNulls, pruneUnknownFields, unknownFields } from "./fields.js";

const deployment = { group: "apps", version: "v1", kind: "Deployment" };
const pod = { group: "", version: "v1", kind: "Pod" };

test("unknown fields: paths as sigs.k8s.io/json reports them, in document order", () => {
  const obj = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    bogus: true,
    metadata: { name: "web", labels: { app: "web" }, foo: 1 },
    spec: {
      replicass: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" }, Labels: {} },
        spec: {
          containers: [
            { name: "a", image: "nginx", ports: [{ containerPort: 80, hostport: 8080 }] },
            { name: "b", image: "busybox", imagePullPolicyy: "Always", resources: { limits: { cpu: "1" }, limitz: {} } },
          ],
        },
      },
    },
    status: { replicas: 1, nope: null },
  };
  assert.deepEqual(unknownFields(deployment, obj), [
    "bogus",
    "metadata.foo",
    "spec.replicass",
    "spec.template.metadata.Labels",
    "spec.template.spec.containers[0].ports[0].hostport",
    "spec.template.spec.containers[1].imagePullPolicyy",
    "spec.template.spec.containers[1].resources.limitz",
    "status.nope",
  ]);
});

test("unknown fields: a valid object has none", () => {
  const obj = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      annotations: { "a/b": "c" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "r", uid: "u", controller: true }],
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:containers": {} } } }],
    },
    spec: {
      containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }],
      volumes: [{ name: "v", emptyDir: { sizeLimit: "1Gi" } }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "In", values: ["a"] }] }] } } },
      nodeSelector: { disk: "ssd" },
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }] },
  };
  assert.deepEqual(unknownFields(pod, obj), []);
});

test("unknown fields: free-form values and scalars are not walked", () => {
  // RawExtension, FieldsV1 (above), IntOrString and Quantity hold anything.
  assert.deepEqual(unknownFields({ group: "apps", version: "v1", kind: "ControllerRevision" }, { revision: 1, data: { anything: { goes: 1 } } }), []);
  assert.deepEqual(unknownFields(pod, { spec: { containers: [{ name: "c", livenessProbe: { httpGet: { port: { weird: 1 } } }, resources: { requests: { cpu: { x: 1 } } } }] } }), []);
  // Nulls and wrong shapes are for the decoder's type errors, not unknown fields.
  assert.deepEqual(unknownFields(pod, { metadata: null, spec: { containers: "no" } }), []);
});

test("unknown fields: maps of structs name the key in the path", () => {
  const crd = { group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition" };
  const obj = {
    spec: {
      group: "x.io",
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", bogus: 1 } } } } }],
    },
  };
  assert.deepEqual(unknownFields(crd, obj), ["spec.versions[0].schema.openAPIV3Schema.properties.spec.bogus"]);
});

test("unknown fields: subresource kinds and unknown kinds", () => {
  assert.deepEqual(unknownFields({ group: "autoscaling", version: "v1", kind: "Scale" }, { spec: { replicas: 2, replica: 3 } }), ["spec.replica"]);
  assert.deepEqual(unknownFields({ group: "policy", version: "v1", kind: "Eviction" }, { metadata: { name: "p" }, deleteOptions: { gracePeriod: 1 } }), ["deleteOptions.gracePeriod"]);
  assert.deepEqual(unknownFields({ group: "stable.example.com", version: "v1", kind: "CronTab" }, { anything: 1 }), []);
});

test("pruneUnknownFields drops what unknownFields reports", () => {
  const obj = { metadata: { name: "c", foo: 1 }, data: { a: "b" }, datta: {}, immutable: true };
  pruneUnknownFields({ group: "", version: "v1", kind: "ConfigMap" }, obj);
  assert.deepEqual(obj, { metadata: { name: "c" }, data: { a: "b" }, immutable: true });
  assert.deepEqual(unknownFields({ group: "", version: "v1", kind: "ConfigMap" }, obj), []);
});

test("dropTypedNulls: typed members set to null go, free-form values (RawExtension) keep theirs", () => {
  const rev = {
    apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r", labels: null, annotations: { a: null } },
    data: { spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: null } } } }, revision: 1,
  };
  dropTypedNulls({ group: "apps", version: "v1", kind: "ControllerRevision" }, rev);
  assert.deepEqual(rev, {
    apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "r", annotations: {} },
    data: { spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: null } } } }, revision: 1,
  });
  const pod = { metadata: { name: "p", labels: null }, spec: { nodeSelector: null, containers: [{ name: "c", image: null }] } };
  dropTypedNulls({ group: "", version: "v1", kind: "Pod" }, pod);
  assert.deepEqual(pod, { metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } });
  const cr = { spec: { a: null, b: { c: null } } };
  dropTypedNulls({ group: "example.com", version: "v1", kind: "Widget" }, cr);
  assert.deepEqual(cr, { spec: { b: {} } });
});
