import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { horizontalPodAutoscalerStrategy as hpa } from "./horizontalpodautoscalers.js";

const v2: KObject = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5 },
};

test("v2 defaults: minReplicas, the CPU metric, behavior rules", () => {
  const { obj, errors } = runCreate(hpa, v2);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.minReplicas, 1);
  assert.deepEqual(spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  assert.equal(spec.behavior, undefined);
  assert.deepEqual(obj.status, { currentMetrics: null, desiredReplicas: 0 });
  assert.equal(obj.metadata.generation, undefined);
  const b = runCreate(hpa, edited(v2, { "spec.behavior": { scaleDown: { stabilizationWindowSeconds: 60 } } })).obj.spec as { behavior: unknown };
  assert.deepEqual(b.behavior, {
    scaleDown: { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ],
    },
  });
});

test("v1 objects keep their shape", () => {
  const v1 = edited(v2, { apiVersion: "autoscaling/v1", "spec.targetCPUUtilizationPercentage": 0 });
  const { obj, errors } = runCreate(hpa, v1);
  assert.deepEqual(errors, ["spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"]);
  assert.equal((obj.spec as Record<string, unknown>).metrics, undefined);
  assert.deepEqual(obj.status, { currentReplicas: 0, desiredReplicas: 0 });
});

const cases: [string, Record<string, unknown>, string[]][] = [
  [
    "replica bounds",
    { "spec.minReplicas": 0, "spec.maxReplicas": 0 },
    [
      "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
      "spec.maxReplicas: Invalid value: 0: must be greater than 0",
    ],
  ],
  ["max below min", { "spec.minReplicas": 3, "spec.maxReplicas": 2 }, ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]],
  ["no target", { "spec.scaleTargetRef": {} }, ["spec.scaleTargetRef.kind: Required value", "spec.scaleTargetRef.name: Required value"]],
  [
    "metric without source",
    { "spec.metrics": [{ type: "Pods" }] },
    ["spec.metrics[0].pods: Required value: must populate information for the given metric source"],
  ],
  [
    "bad policy",
    { "spec.behavior": { scaleUp: { selectPolicy: "Most", policies: [{ type: "Pods", value: 0, periodSeconds: 4000 }] } } },
    [
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min"',
      "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
      "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 4000: must be less than or equal to 1800",
    ],
  ],
];
for (const [name, sets, errors] of cases) {
  test(`hpa validation: ${name}`, () => assert.deepEqual(runCreate(hpa, edited(v2, sets)).errors, errors));
}

test("hpa status is kept on update and owned by the status subresource", () => {
  const stored = edited(created(hpa, v2), { status: { currentReplicas: 2, desiredReplicas: 2 } });
  const r = runUpdate(hpa, edited(stored, { "spec.maxReplicas": 9, status: {} }), stored);
  assert.deepEqual(r.obj.status, { currentReplicas: 2, desiredReplicas: 2 });
  const st = runUpdate(hpa, edited(stored, { "spec.maxReplicas": 9, "status.desiredReplicas": -1 }), stored, "status");
  assert.equal((st.obj.spec as Record<string, unknown>).maxReplicas, 5);
  assert.deepEqual(st.errors, ["status.desiredReplicas: Invalid value: -1: must be greater than or equal to 0"]);
});
