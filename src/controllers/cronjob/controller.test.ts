import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { testEnv, type TestEnv } from "../job/testutil.js";
import type { CronJob } from "./core.js";
import { newCronJobController } from "./controller.js";

const start = Date.parse("2026-01-01T00:00:00Z");
const minutes = (iso: string): number => Date.parse(iso) / 60_000;

function cronjob(spec: Record<string, unknown>): KObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "default", uid: "cj-uid", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: {
      schedule: "*/5 * * * *",
      concurrencyPolicy: "Allow",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: "hello" } },
        spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "hello", image: "busybox" }] } } },
      },
      ...spec,
    },
  };
}

function setup(spec: Record<string, unknown> = {}): TestEnv & { sync: () => Promise<void>; cj: () => CronJob; jobs: () => KObject[] } {
  const env = testEnv(start);
  env.client.seed(R.cronjobs, cronjob(spec));
  const ctl = newCronJobController(env.ctx, { queue: env.queue });
  return {
    ...env,
    sync: () => ctl.sync("default/hello"),
    cj: () => env.client.objectsOf<CronJob>(R.cronjobs)[0]!,
    jobs: () => env.client.objectsOf(R.jobs).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
  };
}

async function finish(env: TestEnv, job: KObject, type: "Complete" | "Failed", at: string): Promise<void> {
  const cur = env.client.objectsOf(R.jobs).find((j) => j.metadata.name === job.metadata.name)!;
  const status = { startTime: cur.metadata.creationTimestamp, conditions: [{ type, status: "True" }], ...(type === "Complete" ? { completionTime: at } : {}) };
  await env.client.update(R.jobs, { ...cur, status }, { subresource: "status" });
}

test("creates a job at the scheduled minute and requeues for the next", async () => {
  const t = setup();
  t.clock.advance(60_000);
  await t.sync();
  assert.deepEqual(t.client.writes(), []);
  assert.deepEqual(t.queue.after, [{ key: "default/hello", delayMs: 240_100 }]);

  t.clock.t = Date.parse("2026-01-01T00:05:00.100Z");
  t.queue.clear();
  await t.sync();
  const name = `hello-${minutes("2026-01-01T00:05:00Z")}`;
  assert.deepEqual(t.client.writes(), [`create jobs default/${name}`, "update cronjobs/status default/hello"]);
  const [job] = t.jobs();
  assert.equal(job!.metadata.name, name);
  assert.deepEqual(job!.metadata.labels, { app: "hello" });
  assert.equal(job!.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"], "2026-01-01T00:05:00Z");
  assert.deepEqual(job!.metadata.ownerReferences, [{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "cj-uid", controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual((job!.spec as { template: unknown }).template, { spec: { restartPolicy: "OnFailure", containers: [{ name: "hello", image: "busybox" }] } });
  const st = t.cj().status!;
  assert.equal(st.lastScheduleTime, "2026-01-01T00:05:00Z");
  assert.deepEqual(st.active, [{ kind: "Job", namespace: "default", name, uid: job!.metadata.uid, apiVersion: "batch/v1", resourceVersion: job!.metadata.resourceVersion }]);
  assert.deepEqual(t.recorder.events, [`Normal SuccessfulCreate Created job ${name}`]);
  assert.deepEqual(t.queue.after, [{ key: "default/hello", delayMs: 300_000 }]);

  // Synced again in the same minute: nothing new.
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), []);

  // The job completes: dropped from active, then counted as the last success.
  await finish(t, job!, "Complete", "2026-01-01T00:06:00Z");
  await t.sync();
  assert.equal(t.cj().status!.active, undefined);
  assert.equal(t.recorder.events.at(-1), `Normal SawCompletedJob Saw completed job: ${name}, condition: Complete`);
  await t.sync();
  assert.equal(t.cj().status!.lastSuccessfulTime, "2026-01-01T00:06:00Z");
});

test("history limits delete the oldest finished jobs", async () => {
  const t = setup({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
  const names: string[] = [];
  for (const [i, at] of ["00:05", "00:10", "00:15"].entries()) {
    t.clock.t = Date.parse(`2026-01-01T${at}:00Z`);
    await t.sync();
    const job = t.jobs().find((j) => !names.includes(j.metadata.name!))!;
    names.push(job.metadata.name!);
    await finish(t, job, i === 1 ? "Failed" : "Complete", `2026-01-01T${at}:30Z`);
    await t.sync();
  }
  await t.sync();
  assert.deepEqual(t.jobs().map((j) => j.metadata.name), [names[1], names[2]]);
  assert.ok(t.recorder.events.includes(`Normal SuccessfulDelete Deleted job ${names[0]}`));
  assert.ok(t.client.actions.some((a) => a.verb === "delete" && a.name === names[0] && (a.object as { propagationPolicy?: string }).propagationPolicy === "Background"));
});

test("concurrencyPolicy Forbid skips, Replace replaces", async () => {
  const forbid = setup({ concurrencyPolicy: "Forbid" });
  forbid.clock.t = Date.parse("2026-01-01T00:05:00Z");
  await forbid.sync();
  forbid.clock.t = Date.parse("2026-01-01T00:10:00Z");
  await forbid.sync();
  assert.equal(forbid.jobs().length, 1);
  assert.equal(forbid.recorder.events.at(-1), "Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid");

  const replace = setup({ concurrencyPolicy: "Replace" });
  replace.clock.t = Date.parse("2026-01-01T00:05:00Z");
  await replace.sync();
  const first = replace.jobs()[0]!.metadata.name;
  replace.clock.t = Date.parse("2026-01-01T00:10:00Z");
  await replace.sync();
  const jobs = replace.jobs();
  assert.deepEqual(jobs.map((j) => j.metadata.name), [`hello-${minutes("2026-01-01T00:10:00Z")}`]);
  assert.ok(replace.recorder.events.includes(`Normal SuccessfulDelete Deleted job ${first}`));
  assert.deepEqual(replace.cj().status!.active!.map((r) => r.name), [jobs[0]!.metadata.name]);
});

test("missed schedules: deadline window, too many missed, suspend, bad zone", async () => {
  const late = setup({ startingDeadlineSeconds: 10 });
  late.clock.t = Date.parse("2026-01-01T00:05:30Z");
  await late.sync();
  assert.equal(late.jobs().length, 0, "00:05 is outside the 10 s window");
  assert.deepEqual(late.queue.after, [{ key: "default/hello", delayMs: 270_100 }]);

  const many = setup({ schedule: "* * * * *" });
  many.clock.t = Date.parse("2026-01-01T03:00:20Z");
  await many.sync();
  assert.ok(many.recorder.events.includes("Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"));
  assert.deepEqual(many.jobs().map((j) => j.metadata.name), [`hello-${minutes("2026-01-01T03:00:00Z")}`]);

  const suspended = setup({ suspend: true });
  suspended.clock.t = Date.parse("2026-01-01T00:05:00Z");
  await suspended.sync();
  assert.equal(suspended.jobs().length, 0);
  assert.deepEqual(suspended.queue.after, []);

  const zoned = setup({ timeZone: "Mars/Olympus" });
  zoned.clock.t = Date.parse("2026-01-01T00:05:00Z");
  await zoned.sync();
  assert.deepEqual(zoned.recorder.events, ['Warning UnknownTimeZone invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus']);

  const ny = setup({ schedule: "0 9 * * *", timeZone: "America/New_York" });
  ny.clock.t = Date.parse("2026-01-01T14:00:00Z");
  await ny.sync();
  assert.equal(ny.jobs()[0]!.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"], "2026-01-01T09:00:00-05:00");
});

test("an active job that disappeared is dropped from status", async () => {
  const t = setup();
  t.clock.t = Date.parse("2026-01-01T00:05:00Z");
  await t.sync();
  const job = t.jobs()[0]!;
  await t.client.delete(R.jobs, "default", job.metadata.name!);
  await t.sync();
  assert.equal(t.cj().status!.active, undefined);
  assert.equal(t.recorder.events.at(-1), `Normal MissingJob Active job went missing: ${job.metadata.name}`);
});
