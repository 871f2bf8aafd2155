import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { convert } from "./index.js";

/** What the kubelet records through the core API (old-style, counted). */
const kubeletCore: KObject = {
  kind: "Event",
  apiVersion: "v1",
  metadata: { name: "web-7d9c-abcde.17c3f2a1b2c3d4e5", namespace: "default", uid: "5b0c", resourceVersion: "1234", creationTimestamp: "2024-05-01T10:00:00Z" },
  involvedObject: { kind: "Pod", namespace: "default", name: "web-7d9c-abcde", uid: "a1", apiVersion: "v1", resourceVersion: "1200", fieldPath: "spec.containers{web}" },
  reason: "Pulled",
  message: 'Container image "nginx:1.25" already present on machine',
  source: { component: "kubelet", host: "node-1" },
  firstTimestamp: "2024-05-01T10:00:00Z",
  lastTimestamp: "2024-05-01T10:05:00Z",
  count: 3,
  type: "Normal",
  eventTime: null,
  reportingComponent: "kubelet",
  reportingInstance: "node-1",
};

const kubeletEvents: KObject = {
  kind: "Event",
  apiVersion: "events.k8s.io/v1",
  metadata: kubeletCore.metadata,
  eventTime: null,
  reportingController: "kubelet",
  reportingInstance: "node-1",
  reason: "Pulled",
  regarding: kubeletCore.involvedObject,
  note: 'Container image "nginx:1.25" already present on machine',
  type: "Normal",
  deprecatedSource: { component: "kubelet", host: "node-1" },
  deprecatedFirstTimestamp: "2024-05-01T10:00:00Z",
  deprecatedLastTimestamp: "2024-05-01T10:05:00Z",
  deprecatedCount: 3,
};

/** What the scheduler records through events.k8s.io (new-style, with a series). */
const schedulerEvents: KObject = {
  kind: "Event",
  apiVersion: "events.k8s.io/v1",
  metadata: { name: "big.17c3f2a1b2c3d4e6", namespace: "default", uid: "77", resourceVersion: "99", creationTimestamp: "2024-05-01T10:00:00Z" },
  eventTime: "2024-05-01T10:00:00.123456Z",
  series: { count: 2, lastObservedTime: "2024-05-01T10:01:00.000000Z" },
  reportingController: "default-scheduler",
  reportingInstance: "default-scheduler-control-plane",
  action: "Scheduling",
  reason: "FailedScheduling",
  regarding: { kind: "Pod", namespace: "default", name: "big", uid: "b2", apiVersion: "v1", resourceVersion: "55" },
  related: { kind: "Node", name: "node-1", apiVersion: "v1" },
  note: "0/1 nodes are available: 1 Insufficient cpu.",
  type: "Warning",
  deprecatedSource: {},
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
};

const schedulerCore: KObject = {
  kind: "Event",
  apiVersion: "v1",
  metadata: schedulerEvents.metadata,
  involvedObject: schedulerEvents.regarding,
  reason: "FailedScheduling",
  message: "0/1 nodes are available: 1 Insufficient cpu.",
  source: {},
  firstTimestamp: null,
  lastTimestamp: null,
  type: "Warning",
  eventTime: "2024-05-01T10:00:00.123456Z",
  series: { count: 2, lastObservedTime: "2024-05-01T10:01:00.000000Z" },
  action: "Scheduling",
  related: { kind: "Node", name: "node-1", apiVersion: "v1" },
  reportingComponent: "default-scheduler",
  reportingInstance: "default-scheduler-control-plane",
};

const table: { name: string; from: KObject; to: KObject }[] = [
  { name: "kubelet event, core -> events.k8s.io", from: kubeletCore, to: kubeletEvents },
  { name: "kubelet event, events.k8s.io -> core", from: kubeletEvents, to: kubeletCore },
  { name: "scheduler event, events.k8s.io -> core", from: schedulerEvents, to: schedulerCore },
  { name: "scheduler event, core -> events.k8s.io", from: schedulerCore, to: schedulerEvents },
];

for (const c of table) {
  test(c.name, () => {
    const before = structuredClone(c.from);
    const out = convert(c.from, c.to.apiVersion ?? "");
    assert.deepEqual(out, c.to);
    // Go's field order, which is what kube writes.
    assert.deepEqual(Object.keys(out), Object.keys(c.to));
    assert.deepEqual(c.from, before, "input not mutated");
    assert.notEqual(out.metadata, c.from.metadata, "metadata is a copy");
  });
}

test("round trips are lossless both ways", () => {
  for (const ev of [kubeletCore, schedulerCore]) assert.deepEqual(convert(convert(ev, "events.k8s.io/v1"), "v1"), ev);
  for (const ev of [kubeletEvents, schedulerEvents]) assert.deepEqual(convert(convert(ev, "v1"), "events.k8s.io/v1"), ev);
});

test("empty values are written as each version's Go type writes them", () => {
  // A minimal core event as a client might send it: absent fields, explicit zero values.
  const sparse: KObject = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e", namespace: "default" },
    involvedObject: { kind: "Pod", name: "p", namespace: "" },
    message: "",
    count: 0,
    reportingComponent: "",
    series: { count: 0 },
  };
  const events = convert(sparse, "events.k8s.io/v1");
  assert.deepEqual(events, {
    kind: "Event",
    apiVersion: "events.k8s.io/v1",
    metadata: { name: "e", namespace: "default" },
    eventTime: null,
    series: { count: 0, lastObservedTime: null },
    regarding: { kind: "Pod", name: "p" },
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  });
  assert.deepEqual(convert(events, "v1"), {
    kind: "Event",
    apiVersion: "v1",
    metadata: { name: "e", namespace: "default" },
    involvedObject: { kind: "Pod", name: "p" },
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    series: { lastObservedTime: null },
    reportingComponent: "",
    reportingInstance: "",
  });
});

test("fields outside the Event type are dropped, as kube's decoding drops them", () => {
  const out = convert({ ...kubeletCore, bogus: 1, regarding: { name: "x" } }, "events.k8s.io/v1");
  assert.equal(out.bogus, undefined);
  assert.deepEqual(out.regarding, kubeletCore.involvedObject);
});
