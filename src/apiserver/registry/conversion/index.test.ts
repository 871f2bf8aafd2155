import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { convert, needsConversion, storageAPIVersion } from "./index.js";

const hpa: KObject = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web" },
  spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, maxReplicas: 3 },
};

test("the input itself comes back when it is already in the wanted version", () => {
  assert.equal(convert(hpa, "autoscaling/v2"), hpa);
  const cm: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
  assert.equal(convert(cm, "v1"), cm);
});

test("pairs without a conversion throw", () => {
  const cases: [KObject, string][] = [
    [hpa, "autoscaling/v2beta2"],
    [hpa, "v1"],
    [{ apiVersion: "v1", kind: "Event", metadata: {} }, "autoscaling/v1"],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: {} }, "events.k8s.io/v1"],
    [{ kind: "Event", metadata: {} }, "v1"],
  ];
  for (const [obj, to] of cases) assert.throws(() => convert(obj, to), /no conversion for kind/);
});

test("conversions answer new objects in the target version", () => {
  const v1 = convert(hpa, "autoscaling/v1");
  assert.equal(v1.apiVersion, "autoscaling/v1");
  assert.equal(v1.kind, "HorizontalPodAutoscaler");
  assert.notEqual(v1.metadata, hpa.metadata);
  const ev = convert({ apiVersion: "v1", kind: "Event", metadata: { name: "e" } }, "events.k8s.io/v1");
  assert.equal(ev.apiVersion, "events.k8s.io/v1");
});

test("needsConversion and the storage versions kube 1.32 writes", () => {
  assert.equal(needsConversion("autoscaling", "HorizontalPodAutoscaler"), true);
  assert.equal(needsConversion("", "Event"), true);
  assert.equal(needsConversion("events.k8s.io", "Event"), true);
  assert.equal(needsConversion("apps", "Deployment"), false);
  assert.equal(needsConversion("autoscaling", "Scale"), false);
  assert.equal(storageAPIVersion("autoscaling", "HorizontalPodAutoscaler"), "autoscaling/v2");
  assert.equal(storageAPIVersion("events.k8s.io", "Event"), "v1");
  assert.equal(storageAPIVersion("", "Event"), "v1");
  assert.equal(storageAPIVersion("apps", "Deployment"), undefined);
});
