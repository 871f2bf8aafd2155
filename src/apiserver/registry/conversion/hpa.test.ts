import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { convert } from "./index.js";

const metricsKey = "autoscaling.alpha.kubernetes.io/metrics";
const currentKey = "autoscaling.alpha.kubernetes.io/current-metrics";
const conditionsKey = "autoscaling.alpha.kubernetes.io/conditions";
const behaviorKey = "autoscaling.alpha.kubernetes.io/behavior";

const meta = { name: "web", namespace: "default", uid: "9f1e", resourceVersion: "42", generation: 1, creationTimestamp: "2024-05-01T09:00:00Z" };
const targetRef = { kind: "Deployment", name: "web", apiVersion: "apps/v1" };
const ingress = { kind: "Ingress", name: "main-route", apiVersion: "networking.k8s.io/v1" };
const queueSelector = { matchLabels: { queue: "worker_tasks" } };

const cpuMetric = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };
const otherMetrics = [
  { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "500Mi" } } },
  { type: "Pods", pods: { metric: { name: "packets-per-second" }, target: { type: "AverageValue", averageValue: "1k" } } },
  { type: "Object", object: { describedObject: ingress, target: { type: "Value", value: "10k" }, metric: { name: "requests-per-second" } } },
  { type: "External", external: { metric: { name: "queue_messages_ready", selector: queueSelector }, target: { type: "Value", value: "30" } } },
  { type: "ContainerResource", containerResource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 }, container: "app" } },
];
const behavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
};
const currentMetrics = [
  { type: "Resource", resource: { name: "cpu", current: { averageValue: "120m", averageUtilization: 24 } } },
  { type: "Resource", resource: { name: "memory", current: { averageValue: "300Mi" } } },
  { type: "Pods", pods: { metric: { name: "packets-per-second" }, current: { averageValue: "800" } } },
  { type: "Object", object: { metric: { name: "requests-per-second" }, current: { value: "8k" }, describedObject: ingress } },
  { type: "External", external: { metric: { name: "queue_messages_ready", selector: queueSelector }, current: { value: "25" } } },
  { type: "ContainerResource", containerResource: { name: "cpu", current: { averageValue: "90m", averageUtilization: 45 }, container: "app" } },
];
const conditions = [
  { type: "AbleToScale", status: "True", lastTransitionTime: "2024-05-01T09:00:15Z", reason: "ReadyForNewScale", message: "recommended size matches current size" },
  {
    type: "ScalingActive",
    status: "True",
    lastTransitionTime: "2024-05-01T09:00:15Z",
    reason: "ValidMetricFound",
    message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
  },
  { type: "ScalingLimited", status: "False", lastTransitionTime: "2024-05-01T09:00:15Z", reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" },
];

/** A v2 HPA as the controller leaves it: several metrics, behavior, full status. */
const fullV2: KObject = {
  kind: "HorizontalPodAutoscaler",
  apiVersion: "autoscaling/v2",
  metadata: { ...meta, annotations: { team: "web" } },
  spec: { scaleTargetRef: targetRef, minReplicas: 2, maxReplicas: 10, metrics: [cpuMetric, ...otherMetrics], behavior },
  status: { observedGeneration: 1, lastScaleTime: "2024-05-01T10:00:00Z", currentReplicas: 3, desiredReplicas: 3, currentMetrics, conditions },
};

// The annotations exactly as kube 1.32 writes them on the v1 view.
const metricsJSON =
  '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}},' +
  '{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}},' +
  '{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},"metricName":"requests-per-second","targetValue":"10k"}},' +
  '{"type":"External","external":{"metricName":"queue_messages_ready","metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"targetValue":"30"}},' +
  '{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":70,"container":"app"}}]';
const currentJSON =
  '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":24,"currentAverageValue":"120m"}},' +
  '{"type":"Resource","resource":{"name":"memory","currentAverageValue":"300Mi"}},' +
  '{"type":"Pods","pods":{"metricName":"packets-per-second","currentAverageValue":"800"}},' +
  '{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},"metricName":"requests-per-second","currentValue":"8k"}},' +
  '{"type":"External","external":{"metricName":"queue_messages_ready","metricSelector":{"matchLabels":{"queue":"worker_tasks"}},"currentValue":"25"}},' +
  '{"type":"ContainerResource","containerResource":{"name":"cpu","currentAverageUtilization":45,"currentAverageValue":"90m","container":"app"}}]';
const behaviorJSON =
  '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
  '"ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}';
const conditionsJSON =
  '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-05-01T09:00:15Z","reason":"ReadyForNewScale","message":"recommended size matches current size"},' +
  '{"type":"ScalingActive","status":"True","lastTransitionTime":"2024-05-01T09:00:15Z","reason":"ValidMetricFound","message":"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},' +
  '{"type":"ScalingLimited","status":"False","lastTransitionTime":"2024-05-01T09:00:15Z","reason":"DesiredWithinRange","message":"the desired count is within the acceptable range"}]';

const fullV1: KObject = {
  kind: "HorizontalPodAutoscaler",
  apiVersion: "autoscaling/v1",
  metadata: {
    ...meta,
    // Go writes maps with sorted keys.
    annotations: { [behaviorKey]: behaviorJSON, [conditionsKey]: conditionsJSON, [currentKey]: currentJSON, [metricsKey]: metricsJSON, team: "web" },
  },
  spec: { scaleTargetRef: targetRef, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
  status: { observedGeneration: 1, lastScaleTime: "2024-05-01T10:00:00Z", currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 24 },
};

test("v2 -> v1: the CPU target maps to a field, everything else to kube's annotations", () => {
  const before = structuredClone(fullV2);
  const v1 = convert(fullV2, "autoscaling/v1");
  assert.deepEqual(v1, fullV1);
  assert.deepEqual(Object.keys(v1.metadata.annotations ?? {}), Object.keys(fullV1.metadata.annotations ?? {}));
  assert.deepEqual(fullV2, before, "input not mutated");
});

test("v1 -> v2 reads the annotations back and drops them", () => {
  const v2 = convert(fullV1, "autoscaling/v2");
  // kube puts the CPU target from the v1 field after the metrics from the annotation.
  const expected = structuredClone(fullV2);
  (expected.spec as { metrics: unknown[] }).metrics = [...otherMetrics, cpuMetric];
  assert.deepEqual(v2, expected);
});

test("v2 -> v1 -> v2 is lossless up to the order kube gives the CPU metric", () => {
  const back = convert(convert(fullV2, "autoscaling/v1"), "autoscaling/v2");
  const expected = structuredClone(fullV2);
  (expected.spec as { metrics: unknown[] }).metrics = [...otherMetrics, cpuMetric];
  assert.deepEqual(back, expected);
  // With the CPU metric last (or absent) the round trip is exact, and stable from then on.
  assert.deepEqual(convert(convert(back, "autoscaling/v1"), "autoscaling/v2"), back);
  const noCPU = structuredClone(fullV2);
  (noCPU.spec as { metrics: unknown[] }).metrics = otherMetrics;
  assert.deepEqual(convert(convert(noCPU, "autoscaling/v1"), "autoscaling/v2"), noCPU);
});

test("kubectl autoscale's v1 object: v1 -> v2 -> v1", () => {
  const v1: KObject = {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v1",
    metadata: { ...meta },
    spec: { scaleTargetRef: targetRef, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 10 },
  };
  const v2 = convert(v1, "autoscaling/v2");
  assert.deepEqual(v2, {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v2",
    metadata: meta,
    spec: { scaleTargetRef: targetRef, minReplicas: 1, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] },
    status: { currentReplicas: 1, desiredReplicas: 1, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 10 } } }] },
  });
  // Back in v1 the CPU status also lands in the current-metrics annotation (kube saves the raw
  // value, here the zero quantity, next to the percentage).
  const again = convert(v2, "autoscaling/v1");
  assert.deepEqual(again, {
    ...v1,
    metadata: { ...meta, annotations: { [currentKey]: '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":10,"currentAverageValue":"0"}}]' } },
  });
  assert.deepEqual(convert(again, "autoscaling/v2"), { ...v2, status: { ...(v2.status as object), currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageValue: "0", averageUtilization: 10 } } }] } });
});

test("fresh objects: the zero status each version writes", () => {
  const v2: KObject = {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v2",
    metadata: { name: "web", annotations: {} },
    spec: { scaleTargetRef: targetRef, minReplicas: 1, maxReplicas: 3, metrics: [cpuMetric] },
    status: { currentMetrics: null, desiredReplicas: 0 },
  };
  assert.deepEqual(convert(v2, "autoscaling/v1"), {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v1",
    metadata: { name: "web" },
    spec: { scaleTargetRef: targetRef, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 0, desiredReplicas: 0 },
  });
  // A v1 object without a CPU target gets kube's implied 80%; a missing spec reads as Go's zero spec.
  assert.deepEqual(convert({ apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "x" } }, "autoscaling/v2"), {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v2",
    metadata: { name: "x" },
    spec: { scaleTargetRef: { kind: "", name: "" }, maxReplicas: 0, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] },
    status: { desiredReplicas: 0, currentMetrics: null },
  });
});

function v1With(annotations: Record<string, string>, spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", annotations: { keep: "me", ...annotations } },
    spec: { scaleTargetRef: targetRef, maxReplicas: 4, ...spec },
  };
}

function v2Spec(o: KObject): Record<string, unknown> {
  return o.spec as Record<string, unknown>;
}

test("annotations kube cannot decode are ignored, and still dropped", () => {
  const bad = { [metricsKey]: "abc", [currentKey]: "", [conditionsKey]: '{"type":"x"}', [behaviorKey]: '{"ScaleUp":{"StabilizationWindowSeconds":"60"}}' };
  const v2 = convert(v1With(bad, { targetCPUUtilizationPercentage: 60 }), "autoscaling/v2");
  assert.deepEqual(v2.metadata.annotations, { keep: "me" });
  assert.deepEqual(v2Spec(v2).metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
  assert.equal(v2Spec(v2).behavior, undefined);
  assert.deepEqual(v2.status, { desiredReplicas: 0, currentMetrics: null });
  // One bad quantity or a wrongly typed field spoils the whole annotation, as json.Unmarshal fails.
  const badQuantity = convert(v1With({ [metricsKey]: '[{"type":"Pods","pods":{"metricName":"a","targetAverageValue":"1k"}},{"type":"Pods","pods":{"metricName":"b","targetAverageValue":"lots"}}]' }), "autoscaling/v2");
  assert.deepEqual(v2Spec(badQuantity).metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
});

test("annotations are read as Go's encoding/json reads them", () => {
  const v2 = convert(
    v1With({
      // Field names match case-insensitively; a behavior with neither direction is ignored.
      [behaviorKey]: '{"scaleDown":{"policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}',
      [metricsKey]: '[{"TYPE":"Pods","Pods":{"MetricName":"qps","TargetAverageValue":" 1000m "}}]',
      [conditionsKey]: '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-05-01T11:00:15.5+02:00"}]',
      [currentKey]: "null",
    }),
    "autoscaling/v2",
  );
  assert.deepEqual(v2Spec(v2).behavior, { scaleDown: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } });
  assert.deepEqual(v2Spec(v2).metrics, [{ type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1" } } }]);
  // Times come back in UTC to the second; a null list unmarshals to an empty one.
  assert.deepEqual(v2.status, { desiredReplicas: 0, currentMetrics: [], conditions: [{ type: "AbleToScale", status: "True", lastTransitionTime: "2024-05-01T09:00:15Z" }] });
  assert.equal(v2Spec(convert(v1With({ [behaviorKey]: "{}" }), "autoscaling/v2")).behavior, undefined);
  assert.equal(v2Spec(convert(v1With({ [behaviorKey]: '{"ScaleUp":null,"ScaleDown":null}' }), "autoscaling/v2")).behavior, undefined);
});

test("v1 metric shapes fill in what they cannot say, as kube's converters do", () => {
  const v2 = convert(
    v1With({
      [metricsKey]: JSON.stringify([
        { type: "Object", object: { target: ingress, metricName: "rps", targetValue: "0", averageValue: "100" } },
        { type: "Object", object: { target: ingress, metricName: "hits" } },
        { type: "External", external: { metricName: "q", targetAverageValue: "30" } },
        { type: "Resource", resource: { name: "memory", targetAverageValue: "1Gi" } },
      ]),
      [currentKey]: JSON.stringify([{ type: "External", external: { metricName: "q", currentAverageValue: "20" } }]),
    }),
    "autoscaling/v2",
  );
  assert.deepEqual(v2Spec(v2).metrics, [
    { type: "Object", object: { describedObject: ingress, target: { type: "AverageValue", value: "0", averageValue: "100" }, metric: { name: "rps" } } },
    { type: "Object", object: { describedObject: ingress, target: { type: "Value", value: "0" }, metric: { name: "hits" } } },
    { type: "External", external: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: "30" } } },
    { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "1Gi" } } },
  ]);
  assert.deepEqual((v2.status as { currentMetrics: unknown }).currentMetrics, [
    { type: "External", external: { metric: { name: "q" }, current: { value: "0", averageValue: "20" } } },
  ]);
});

test("v2 -> v1 replaces stale round-trip annotations, canonicalizes quantities, escapes like Go", () => {
  const v2: KObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", annotations: { [metricsKey]: "stale", [behaviorKey]: "stale", z: "last", a: "first" } },
    spec: {
      scaleTargetRef: targetRef,
      maxReplicas: 4,
      metrics: [
        { type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1500m" } } },
        // Only the first CPU utilization target fits v1's field; the others are dropped, as in kube.
        cpuMetric,
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 90 } } },
      ],
    },
    status: { desiredReplicas: 1, currentMetrics: null, conditions: [{ type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: "a < b & c > d" }] },
  };
  const v1 = convert(v2, "autoscaling/v1");
  assert.deepEqual(v1.metadata.annotations, {
    a: "first",
    [conditionsKey]: '[{"type":"ScalingActive","status":"False","lastTransitionTime":null,"reason":"FailedGetResourceMetric","message":"a \\u003c b \\u0026 c \\u003e d"}]',
    [metricsKey]: '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"1500m"}}]',
    z: "last",
  });
  assert.equal(v2Spec(v1).targetCPUUtilizationPercentage, 50);
  const back = convert(v1, "autoscaling/v2");
  assert.deepEqual(v2Spec(back).metrics, [
    { type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1500m" } } },
    cpuMetric,
  ]);
  assert.deepEqual(back.metadata.annotations, { a: "first", z: "last" });
  const canon = convert({ ...v2, spec: { scaleTargetRef: targetRef, maxReplicas: 1, metrics: [{ type: "Pods", pods: { metric: { name: "q" }, target: { type: "AverageValue", averageValue: "1000m" } } }] } }, "autoscaling/v1");
  assert.equal(canon.metadata.annotations?.[metricsKey], '[{"type":"Pods","pods":{"metricName":"q","targetAverageValue":"1"}}]');
});

test("a behavior with nil directions is written with Go's nulls", () => {
  const v2: KObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: { scaleTargetRef: targetRef, maxReplicas: 4, metrics: [cpuMetric], behavior: { scaleDown: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } } },
    status: { desiredReplicas: 0, currentMetrics: null },
  };
  const v1 = convert(v2, "autoscaling/v1");
  assert.deepEqual(v1.metadata.annotations, {
    [behaviorKey]: '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":null,"Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}',
  });
  assert.deepEqual(convert(v1, "autoscaling/v2"), v2);
});
