import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { eventStrategy } from "./events.js";

const ev: KObject = {
  apiVersion: "events.k8s.io/v1",
  kind: "Event",
  metadata: { name: "web.1", namespace: "default" },
  eventTime: "2024-05-01T10:00:00.000000Z",
  reportingController: "example.com/ctl",
  reportingInstance: "ctl-1",
  action: "Scale",
  reason: "Scaled",
  type: "Normal",
  regarding: { kind: "Deployment", name: "web", namespace: "default" },
  note: "scaled up",
};

test("events.k8s.io create checks", () => {
  assert.deepEqual(runCreate(eventStrategy, ev).errors, []);
  assert.deepEqual(
    // With eventTime set, kube only checks the namespace when regarding has none.
    runCreate(eventStrategy, edited(ev, { type: "Odd", deprecatedCount: 3, "regarding.namespace": "other", series: { count: 1 } })).errors,
    [
      'series.count: Invalid value: "": should be at least 2',
      "series.lastObservedTime: Required value",
      'type: Invalid value: "": has invalid value: Odd',
      'count: Invalid value: "": needs to be unset',
    ],
  );
});

test("events.k8s.io updates keep what happened", () => {
  const stored = created(eventStrategy, ev);
  assert.deepEqual(runUpdate(eventStrategy, edited(stored, { note: "changed" }), stored).errors, ['message: Invalid value: "changed": field is immutable']);
  assert.deepEqual(eventStrategy.selectableFields?.(stored)["involvedObject.name"], "web");
  assert.deepEqual(eventStrategy.selectableFields?.(stored)["source"], "example.com/ctl");
});
