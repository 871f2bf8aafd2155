import { test } from "node:test";
import assert from "node:assert/strict";
import * as autoscaling from "./autoscaling.js";
import { cells, headers, k } from "./testing.js";

const hpa = autoscaling.horizontalPodAutoscalers;
const ref = { kind: "Deployment", name: "web", apiVersion: "apps/v1" };

function targets(metrics: unknown[], currentMetrics: unknown[] = []): unknown {
  return cells(hpa, k("h", { apiVersion: "autoscaling/v2", spec: { scaleTargetRef: ref, maxReplicas: 10, metrics }, status: { currentMetrics } }))[2];
}

test("horizontalpodautoscalers: columns and cells", () => {
  assert.deepEqual(headers(hpa), ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
  const h = k("h", { spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, metrics: [] }, status: { currentReplicas: 4 } });
  assert.deepEqual(cells(hpa, h), ["h", "Deployment/web", "<none>", "2", 10, 4, "5m"]);
  assert.equal(cells(hpa, k("h", { spec: { maxReplicas: 3 } }))[3], "<unset>");
});

test("horizontalpodautoscalers: TARGETS", () => {
  const cpu = (target: Record<string, unknown>) => ({ type: "Resource", resource: { name: "cpu", target } });
  assert.equal(targets([cpu({ type: "Utilization", averageUtilization: 80 })]), "cpu: <unknown>/80%");
  assert.equal(
    targets([cpu({ type: "Utilization", averageUtilization: 80 })], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 50, averageValue: "100m" } } }]),
    "cpu: 50%/80%",
  );
  assert.equal(targets([cpu({ type: "Utilization" })]), "cpu: <unknown>/<auto>");
  assert.equal(
    targets([cpu({ type: "AverageValue", averageValue: "0.5" })], [{ type: "Resource", resource: { name: "cpu", current: { averageValue: "250m" } } }]),
    "cpu: 250m/500m",
  );
  assert.equal(
    targets([{ type: "ContainerResource", containerResource: { name: "memory", container: "app", target: { type: "Utilization", averageUtilization: 60 } } }]),
    "memory: <unknown>/60%",
  );
  assert.equal(
    targets([{ type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1k" } } }], [{ type: "Pods", pods: { current: { averageValue: "1000" } } }]),
    "1k/1k",
  );
  assert.equal(targets([{ type: "Object", object: { target: { type: "Value", value: "10" } } }]), "<unknown>/10");
  assert.equal(targets([{ type: "Object", object: { target: { type: "AverageValue", averageValue: "10" } } }]), "<unknown>/10 (avg)");
  assert.equal(
    targets([{ type: "External", external: { target: { type: "Value", value: "2" } } }], [{ type: "External", external: { current: { value: "3" } } }]),
    "3/2",
  );
  assert.equal(targets([{ type: "Mystery" }]), "<unknown type>");
  assert.equal(
    targets([cpu({ averageUtilization: 80 }), cpu({ averageUtilization: 70 }), cpu({ averageUtilization: 60 }), cpu({ averageUtilization: 50 })]),
    "cpu: <unknown>/80%, cpu: <unknown>/70% + 2 more...",
  );
});

test("horizontalpodautoscalers: autoscaling/v1 objects read as kube converts them", () => {
  const v1 = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    cells(hpa, k("h", { apiVersion: "autoscaling/v1", spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec }, status }));
  assert.equal(v1({ targetCPUUtilizationPercentage: 70 }, { currentCPUUtilizationPercentage: 35, currentReplicas: 2 })[2], "cpu: 35%/70%");
  assert.equal(v1({ targetCPUUtilizationPercentage: 70 })[2], "cpu: <unknown>/70%");
  assert.equal(v1({})[2], "<none>");
});

test("scale subresource", () => {
  assert.deepEqual(headers(autoscaling.scale), ["Name", "Desired", "Available", "Age"]);
  assert.equal(autoscaling.scale.columns[0]!.format, "");
  assert.deepEqual(cells(autoscaling.scale, k("web", { spec: { replicas: 3 }, status: { replicas: 2 } })), ["web", 3, 2, "5m"]);
});
