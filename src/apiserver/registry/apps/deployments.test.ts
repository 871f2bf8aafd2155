import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { deploymentStrategy } from "./deployments.js";

const template = {
  metadata: { labels: { app: "web" } },
  spec: { restartPolicy: "Always", containers: [{ name: "c", image: "nginx" }] },
};

const minimal: Partial<KObject> = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { selector: { matchLabels: { app: "web" } }, template },
};

test("deployment defaults are what kube stores", () => {
  const { obj, errors } = runCreate(deploymentStrategy, minimal);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata.generation, 1);
});

test("Recreate gets no rollingUpdate; explicit values are kept", () => {
  const { obj } = runCreate(deploymentStrategy, edited(minimal as KObject, { "spec.strategy": { type: "Recreate" }, "spec.replicas": 0 }));
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual(spec.strategy, { type: "Recreate" });
  assert.equal(spec.replicas, 0);
});

test("status sent on create is dropped", () => {
  const { obj } = runCreate(deploymentStrategy, edited(minimal as KObject, { status: { replicas: 5 }, "metadata.generation": 7 }));
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata.generation, 1);
});

const invalidCases: { name: string; sets: Record<string, unknown>; errors: string[] }[] = [
  {
    name: "no selector",
    sets: { "spec.selector": undefined },
    errors: [
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: "selector does not match",
    sets: { "spec.selector": { matchLabels: { app: "x" } } },
    errors: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
  },
  {
    name: "empty selector",
    sets: { "spec.selector": {} },
    errors: [
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
    ],
  },
  {
    name: "negative replicas",
    sets: { "spec.replicas": -1 },
    errors: ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
  },
  {
    name: "unknown strategy type",
    sets: { "spec.strategy": { type: "Foo" } },
    errors: [
      'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Foo", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ],
  },
  {
    name: "rollingUpdate with Recreate",
    sets: { "spec.strategy": { type: "Recreate", rollingUpdate: { maxSurge: 1 } } },
    errors: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
  },
  {
    name: "both zero",
    sets: { "spec.strategy": { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } },
    errors: ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"],
  },
  {
    name: "more than 100%",
    sets: { "spec.strategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "150%" } } },
    errors: ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%"],
  },
  {
    name: "bad percent",
    sets: { "spec.strategy": { type: "RollingUpdate", rollingUpdate: { maxSurge: "x" } } },
    errors: [
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: x: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ],
  },
  {
    name: "progress deadline not above minReadySeconds",
    sets: { "spec.minReadySeconds": 600 },
    errors: ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"],
  },
  {
    name: "restartPolicy must be Always",
    sets: { "spec.template.spec.restartPolicy": "Never" },
    errors: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  },
  {
    name: "activeDeadlineSeconds",
    sets: { "spec.template.spec.activeDeadlineSeconds": 5 },
    errors: ["spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"],
  },
  {
    name: "bad matchExpressions operator",
    sets: { "spec.selector": { matchLabels: { app: "web" }, matchExpressions: [{ key: "a", operator: "Is" }] } },
    errors: [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"a", Operator:"Is", Values:[]string(nil)}}}: invalid label selector',
    ],
  },
];

for (const c of invalidCases) {
  test(`deployment validation: ${c.name}`, () => {
    const { errors } = runCreate(deploymentStrategy, edited(minimal as KObject, c.sets));
    assert.deepEqual(errors, c.errors);
  });
}

test("deployment update: selector immutable, status kept, generation bumped on spec or annotations", () => {
  const stored = edited(created(deploymentStrategy, minimal), { status: { replicas: 1, observedGeneration: 1 } });

  const moved = runUpdate(deploymentStrategy, edited(stored, { "spec.selector": { matchLabels: { app: "web", tier: "x" } }, "spec.template.metadata.labels": { app: "web", tier: "x" } }), stored);
  assert.deepEqual(moved.errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);

  const scaled = runUpdate(deploymentStrategy, edited(stored, { "spec.replicas": 3, status: {} }), stored);
  assert.deepEqual(scaled.errors, []);
  assert.equal(scaled.obj.metadata.generation, 2);
  assert.deepEqual(scaled.obj.status, { replicas: 1, observedGeneration: 1 });

  const annotated = runUpdate(deploymentStrategy, edited(stored, { "metadata.annotations": { a: "b" } }), stored);
  assert.equal(annotated.obj.metadata.generation, 2);

  const relabeled = runUpdate(deploymentStrategy, edited(stored, { "metadata.labels": { a: "b" } }), stored);
  assert.equal(relabeled.obj.metadata.generation, 1);
});

test("deployment status update keeps spec and labels, checks counters", () => {
  const stored = created(deploymentStrategy, edited(minimal as KObject, { "metadata.labels": { team: "a" } }));
  const r = runUpdate(
    deploymentStrategy,
    edited(stored, { "spec.replicas": 9, "metadata.labels": { team: "b" }, status: { replicas: 1, readyReplicas: 2, availableReplicas: 2 } }),
    stored,
    "status",
  );
  assert.equal((r.obj.spec as Record<string, unknown>).replicas, 1);
  assert.deepEqual(r.obj.metadata.labels, { team: "a" });
  assert.deepEqual(r.errors, [
    "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
    "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
  ]);
});

test("non-DNS-label names warn", () => {
  assert.deepEqual(deploymentStrategy.warningsOnCreate?.(edited(minimal as KObject, { "metadata.name": "a.b" })), [
    "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
  ]);
});
