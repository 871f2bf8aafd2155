import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.js";
import { created, edited, runCreate, runUpdate } from "../groupsupport/testing.js";
import { cronJobStrategy } from "./cronjobs.js";

const minimal: KObject = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "nightly" },
  spec: {
    schedule: "0 3 * * *",
    jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } } },
  },
};

test("cronjob defaults", () => {
  const { obj, errors } = runCreate(cronJobStrategy, minimal);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.concurrencyPolicy, "Allow");
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.deepEqual((spec.jobTemplate as { metadata: unknown }).metadata, { creationTimestamp: null });
  assert.deepEqual(obj.status, {});
  assert.equal(obj.metadata.generation, 1);
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ["bad schedule", { "spec.schedule": "x" }, ['spec.schedule: Invalid value: "x": expected exactly 5 fields, found 1: [x]']],
  ["no schedule", { "spec.schedule": undefined }, ["spec.schedule: Required value"]],
  [
    "TZ in schedule",
    { "spec.schedule": "TZ=UTC 0 3 * * *" },
    ['spec.schedule: Invalid value: "TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
  ],
  ["unknown zone", { "spec.timeZone": "Mars/Base" }, ['spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base']],
  ["bad concurrency", { "spec.concurrencyPolicy": "Sometimes" }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
  [
    "selector in the job template",
    { "spec.jobTemplate.spec.selector": { matchLabels: { a: "b" } } },
    ['spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated'],
  ],
  [
    "job template restartPolicy",
    { "spec.jobTemplate.spec.template.spec.restartPolicy": "Always" },
    ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  ],
  ["name too long", { "metadata.name": "n".repeat(53) }, [`metadata.name: Invalid value: "${"n".repeat(53)}": must be no more than 52 characters`]],
];
for (const [name, sets, errors] of cases) {
  test(`cronjob validation: ${name}`, () => {
    assert.deepEqual(runCreate(cronJobStrategy, edited(minimal, sets)).errors, errors);
  });
}

test("cronjob update: long names already stored pass, spec changes bump generation", () => {
  const long = "n".repeat(53);
  const stored = edited(created(cronJobStrategy, edited(minimal, {})), { "metadata.name": long });
  const r = runUpdate(cronJobStrategy, edited(stored, { "spec.schedule": "0 4 * * *" }), stored);
  assert.deepEqual(r.errors, []);
  assert.equal(r.obj.metadata.generation, 2);
});
