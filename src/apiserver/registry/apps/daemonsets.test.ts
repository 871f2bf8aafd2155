import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { daemonSetStrategy } from "./daemonsets.js";

const minimal: KObject = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent" },
  spec: {
    selector: { matchLabels: { app: "agent" } },
    template: { metadata: { labels: { app: "agent" } }, spec: { restartPolicy: "Always", containers: [{ name: "c", image: "a" }] } },
  },
};

test("daemonset defaults, zero status and template generation annotation", () => {
  const { obj, errors } = runCreate(daemonSetStrategy, minimal);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepEqual(obj.status, { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(obj.metadata.annotations, { "deprecated.daemonset.template.generation": "1" });
});

const cases: [string, Record<string, unknown>, string[]][] = [
  // kube has no Required here: a nil selector selects nothing, so the labels "do not match".
  ["no selector", { "spec.selector": undefined }, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`']],
  [
    "surge and unavailable both set",
    { "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "10%" } } },
    ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 10%: may not be set when maxUnavailable is non-zero"],
  ],
  [
    "both zero",
    { "spec.updateStrategy": { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
    ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"],
  ],
  [
    "unknown strategy",
    { "spec.updateStrategy": { type: "Never" } },
    ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Never", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'],
  ],
];
for (const [name, sets, errors] of cases) {
  test(`daemonset validation: ${name}`, () => {
    assert.deepEqual(runCreate(daemonSetStrategy, edited(minimal, sets)).errors, errors);
  });
}

test("daemonset update: template changes bump both generations", () => {
  const stored = created(daemonSetStrategy, minimal);
  const same = runUpdate(daemonSetStrategy, edited(stored, { "metadata.annotations": {} }), stored);
  assert.equal(same.obj.metadata.generation, 1);
  assert.equal(same.obj.metadata.annotations?.["deprecated.daemonset.template.generation"], "1");
  const strat = runUpdate(daemonSetStrategy, edited(stored, { "spec.minReadySeconds": 3 }), stored);
  assert.equal(strat.obj.metadata.generation, 2);
  assert.equal(strat.obj.metadata.annotations?.["deprecated.daemonset.template.generation"], "1");
  const tmpl = runUpdate(daemonSetStrategy, edited(stored, { "spec.template.spec.containers": [{ name: "c", image: "b" }] }), stored);
  assert.equal(tmpl.obj.metadata.generation, 2);
  assert.equal(tmpl.obj.metadata.annotations?.["deprecated.daemonset.template.generation"], "2");
  const sel = runUpdate(daemonSetStrategy, edited(stored, { "spec.selector.matchLabels": { app: "agent", x: "y" }, "spec.template.metadata.labels": { app: "agent", x: "y" } }), stored);
  assert.deepEqual(sel.errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"agent", "x":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});
