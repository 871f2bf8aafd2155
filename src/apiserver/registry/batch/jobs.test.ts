import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { jobStrategy } from "./jobs.js";

const uid = "8f3b2c1a-0000-4000-8000-000000000001";
const minimal: KObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi" },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] } } },
};

test("job defaults and the generated selector are what kube stores", () => {
  const { obj, errors } = runCreate(jobStrategy, minimal);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  const labels = { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" };
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, "NonIndexed");
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, "TerminatingOrFailed");
  assert.deepEqual(spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
  assert.deepEqual((spec.template as { metadata: { labels: unknown } }).metadata.labels, labels);
  assert.deepEqual(obj.metadata.labels, labels);
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(jobStrategy.selectableFields?.(obj), { "status.successful": "0" });
});

test("parallelism alone leaves completions unset; per-index backoff raises backoffLimit", () => {
  const a = runCreate(jobStrategy, edited(minimal, { "spec.parallelism": 3 })).obj.spec as Record<string, unknown>;
  assert.equal(a.completions, undefined);
  const b = runCreate(jobStrategy, edited(minimal, { "spec.completionMode": "Indexed", "spec.completions": 3, "spec.backoffLimitPerIndex": 1 })).obj.spec as Record<string, unknown>;
  assert.equal(b.backoffLimit, 2147483647);
  const c = runCreate(jobStrategy, edited(minimal, { "spec.podFailurePolicy": { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } })).obj.spec as Record<string, unknown>;
  assert.equal(c.podReplacementPolicy, "Failed");
  assert.deepEqual(c.podFailurePolicy, { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] });
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ["restartPolicy Always", { "spec.template.spec.restartPolicy": "Always" }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
  ["negative backoffLimit", { "spec.backoffLimit": -1 }, ["spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]],
  ["bad completionMode", { "spec.completionMode": "Sometimes" }, ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
  ["indexed without completions", { "spec.completionMode": "Indexed", "spec.parallelism": 2 }, ["spec.completions: Required value: when completion mode is Indexed"]],
  ["per-index limit on a non-indexed job", { "spec.backoffLimitPerIndex": 1 }, ["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"]],
  [
    "manual selector that does not match",
    { "spec.manualSelector": true, "spec.selector": { matchLabels: { a: "b" } }, "spec.template.metadata.labels": { a: "c" } },
    ['spec.template.metadata.labels: Invalid value: map[string]string{"a":"c"}: `selector` does not match template `labels`'],
  ],
  [
    "manual without selector",
    { "spec.manualSelector": true },
    // A nil selector selects nothing, so kube also reports the template labels.
    ["spec.selector: Required value", "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`"],
  ],
  [
    "conflicting generated label",
    { "spec.template.metadata.labels": { "job-name": "other" } },
    [
      `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"${uid}", "batch.kubernetes.io/job-name":"pi", "controller-uid":"${uid}", "job-name":"other"}: must be 'pi'`,
    ],
  ],
  [
    "pod failure policy rule without requirements",
    { "spec.podFailurePolicy": { rules: [{ action: "Explode" }] } },
    [
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
    ],
  ],
  [
    "indexed hostnames too long",
    { "metadata.name": "a".repeat(62), "spec.completionMode": "Indexed", "spec.completions": 10, "spec.parallelism": 1 },
    [`metadata.name: Invalid value: "${"a".repeat(62)}": will not able to create pod with invalid DNS label: ${"a".repeat(62)}-9`],
  ],
];
for (const [name, sets, errors] of cases) {
  test(`job validation: ${name}`, () => {
    assert.deepEqual(runCreate(jobStrategy, edited(minimal, sets)).errors, errors);
  });
}

test("job updates: template, selector and completions are immutable", () => {
  const stored = created(jobStrategy, minimal);
  const tmpl = runUpdate(jobStrategy, edited(stored, { "spec.template.spec.containers": [{ name: "pi", image: "perl:2" }] }), stored);
  assert.deepEqual(tmpl.errors, ["spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"]);
  const comp = runUpdate(jobStrategy, edited(stored, { "spec.completions": 2 }), stored);
  assert.deepEqual(comp.errors, ["spec.completions: Invalid value: 2: field is immutable"]);
  const par = runUpdate(jobStrategy, edited(stored, { "spec.parallelism": 5 }), stored);
  assert.deepEqual(par.errors, []);
  assert.equal(par.obj.metadata.generation, 2);
  const sel = runUpdate(jobStrategy, edited(stored, { "spec.selector.matchLabels": { "batch.kubernetes.io/controller-uid": "x" } }), stored);
  assert.ok(sel.errors.includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'));
});

test("a suspended job that never ran may change scheduling directives", () => {
  const stored = created(jobStrategy, edited(minimal, { "spec.suspend": true }));
  const r = runUpdate(jobStrategy, edited(stored, { "spec.template.spec.nodeSelector": { zone: "a" } }), stored);
  assert.deepEqual(r.errors, []);
});

test("job status updates", () => {
  const stored = created(jobStrategy, minimal);
  const running = edited(stored, { status: { active: 1, startTime: "2024-05-01T10:00:00Z" } });
  const done = runUpdate(
    jobStrategy,
    edited(running, { status: { succeeded: 1, startTime: "2024-05-01T10:00:00Z", conditions: [{ type: "Complete", status: "True" }] }, "spec.parallelism": 7 }),
    running,
    "status",
  );
  assert.deepEqual(done.errors, ["status.completionTime: Required value: completionTime is required for Complete jobs"]);
  assert.equal((done.obj.spec as Record<string, unknown>).parallelism, 1);
  const back = runUpdate(jobStrategy, edited(running, { "status.failed": 0 }), edited(running, { "status.failed": 2 }), "status");
  assert.deepEqual(back.errors, ["status.failed: Invalid value: 0: cannot decrease the failed counter"]);
});
