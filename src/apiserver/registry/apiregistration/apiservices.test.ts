import { test } from "node:test";
import assert from "node:assert/strict";
import { runCreate } from "../groupsupport/testing.js";
import { apiServiceStrategy as api } from "./apiservices.js";

test("apiservice", () => {
  const svc = {
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: { group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100, service: { name: "metrics-server", namespace: "kube-system" } },
  };
  const { obj, errors } = runCreate(api, svc);
  assert.deepEqual(errors, []);
  assert.equal((obj.spec as { service: { port: number } }).service.port, 443);
  assert.deepEqual(obj.status, {});
  assert.deepEqual(runCreate(api, { metadata: { name: "v1.x" }, spec: { group: "example.com", version: "v1", versionPriority: 5000 } }).errors, [
    'metadata.name: Invalid value: "v1.x": must be `spec.version+"."+spec.group`: "v1.example.com"',
    "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
    "spec.versionPriority: Invalid value: 5000: must be positive and less than 1000",
  ]);
});
