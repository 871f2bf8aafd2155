import { test } from "node:test";
import assert from "node:assert/strict";
import * as batch from "./batch.js";
import { ago, cells, headers, HOUR, k, MIN, SEC } from "./testing.js";

test("jobs: columns", () => {
  assert.deepEqual(headers(batch.jobs), ["Name", "Status", "Completions", "Duration", "Age", "Containers*", "Images*", "Selector*"]);
});

test("jobs: STATUS, COMPLETIONS and DURATION", () => {
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    cells(batch.jobs, k("j", { spec, status }, meta)).slice(1, 4);
  assert.deepEqual(job({ completions: 2 }, { succeeded: 1, startTime: ago(10 * MIN) }), ["Running", "1/2", "10m"]);
  assert.deepEqual(job({ completions: 2 }, { succeeded: 2, startTime: ago(HOUR), completionTime: ago(HOUR - 65 * SEC), conditions: [{ type: "Complete", status: "True" }] }), ["Complete", "2/2", "65s"]);
  assert.deepEqual(job({ parallelism: 4 }, { conditions: [{ type: "Failed", status: "True" }] }), ["Failed", "0/1 of 4", ""]);
  assert.deepEqual(job({ parallelism: 1 }, {}), ["Running", "0/1", ""]);
  assert.deepEqual(job({}, {}, { deletionTimestamp: ago(SEC) }), ["Terminating", "0/1", ""]);
  assert.deepEqual(job({ completions: 1 }, { conditions: [{ type: "Suspended", status: "True" }] }), ["Suspended", "0/1", ""]);
  assert.deepEqual(job({ completions: 1 }, { conditions: [{ type: "FailureTarget", status: "True" }] }), ["FailureTarget", "0/1", ""]);
  // The first condition of a type decides; a False condition does not count.
  assert.equal(job({}, { conditions: [{ type: "Complete", status: "False" }, { type: "Complete", status: "True" }] })[0], "Running");
  assert.equal(job({}, { conditions: [{ type: "Complete", status: "True" }, { type: "Failed", status: "True" }] })[0], "Complete");
});

test("jobs: wide cells", () => {
  const j = k("pi", { spec: { completions: 1, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "abc" } }, template: { spec: { containers: [{ name: "pi", image: "perl" }] } } } });
  assert.deepEqual(cells(batch.jobs, j).slice(5), ["pi", "perl", "batch.kubernetes.io/controller-uid=abc"]);
});

test("cronjobs", () => {
  assert.deepEqual(headers(batch.cronJobs), ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers*", "Images*", "Selector*"]);
  assert.equal(batch.cronJobs.columns[3]!.type, "boolean");
  const cj = k("nightly", {
    spec: { schedule: "0 3 * * *", timeZone: "Etc/UTC", suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "backup" }] } } } } },
    status: { active: [{ name: "nightly-1" }], lastScheduleTime: ago(3 * HOUR) },
  });
  assert.deepEqual(cells(batch.cronJobs, cj), ["nightly", "0 3 * * *", "Etc/UTC", "False", 1, "3h", "5m", "c", "backup", "<none>"]);
  assert.deepEqual(cells(batch.cronJobs, k("x", { spec: { schedule: "@hourly", suspend: true } })).slice(1, 6), ["@hourly", "<none>", "True", 0, "<none>"]);
  assert.equal(cells(batch.cronJobs, k("x"))[3], "<unset>");
});
