import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import type { Job, JobCondition, JobStatus } from "./api.js";
import { newJobController } from "./controller.js";
import { testEnv, type TestEnv } from "./testutil.js";

const UID = "job-uid-1";

function job(name: string, spec: Record<string, unknown>): KObject {
  const labels = { "batch.kubernetes.io/controller-uid": UID, "batch.kubernetes.io/job-name": name, "controller-uid": UID, "job-name": name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default", uid: UID },
    spec: {
      backoffLimit: 6,
      completionMode: "NonIndexed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": UID } },
      template: { metadata: { labels }, spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] } },
      ...spec,
    },
  };
}

function setup(j: KObject): TestEnv & { sync: () => Promise<void>; get: () => Job; pods: () => KObject[] } {
  const env = testEnv();
  env.client.seed(R.jobs, j);
  const ctl = newJobController(env.ctx, { queue: env.queue });
  const key = `default/${j.metadata.name}`;
  return {
    ...env,
    sync: () => ctl.sync(key),
    get: () => env.client.objectsOf<Job>(R.jobs)[0]!,
    pods: () => env.client.objectsOf(R.pods).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
  };
}

async function setPhase(env: TestEnv, pod: KObject, phase: string): Promise<void> {
  const cur = env.client.objectsOf(R.pods).find((p) => p.metadata.name === pod.metadata.name)!;
  await env.client.update(R.pods, { ...cur, status: { ...(cur.status ?? {}), phase } }, { subresource: "status" });
}

const conds = (j: Job): string[] => (j.status?.conditions ?? []).map((c: JobCondition) => `${c.type}=${c.status} ${c.reason ?? ""}: ${c.message ?? ""}`);
const running = (pods: KObject[]): KObject[] => pods.filter((p) => !(p.status as { phase?: string } | undefined)?.phase && !p.metadata.deletionTimestamp);

test("completions 3 parallelism 2 runs to Complete as pods succeed", async () => {
  const t = setup(job("pi", { completions: 3, parallelism: 2 }));
  await t.sync();
  let pods = t.pods();
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.equal(p.metadata.generateName, "pi-");
    assert.deepEqual(p.metadata.finalizers, ["batch.kubernetes.io/job-tracking"]);
    assert.equal(p.metadata.labels?.["batch.kubernetes.io/job-name"], "pi");
    assert.equal(p.metadata.labels?.["controller-uid"], UID);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: UID, controller: true, blockOwnerDeletion: true }]);
  }
  let st = t.get().status as JobStatus;
  assert.equal(st.active, 2);
  assert.equal(st.ready, 0);
  assert.equal(st.terminating, 0);
  assert.equal(st.startTime, "2026-01-01T00:00:00Z");
  assert.deepEqual(t.recorder.events, pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`));

  // One pod succeeds: counted through uncountedTerminatedPods, finalizer removed, one replacement.
  await setPhase(t, pods[0]!, "Succeeded");
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), [
    "create pods default/",
    "update jobs/status default/pi",
    `patch pods default/${pods[0]!.metadata.name}`,
    "update jobs/status default/pi",
  ]);
  st = t.get().status as JobStatus;
  assert.equal(st.succeeded, 1);
  assert.equal(st.active, 2);
  assert.deepEqual(st.uncountedTerminatedPods, {});
  assert.equal(t.pods().find((p) => p.metadata.name === pods[0]!.metadata.name)!.metadata.finalizers?.length ?? 0, 0);

  // The rest succeed.
  for (const p of running(t.pods())) await setPhase(t, p, "Succeeded");
  await t.sync();
  const done = t.get();
  st = done.status as JobStatus;
  assert.equal(st.succeeded, 3);
  assert.equal(st.active, undefined);
  assert.deepEqual(conds(done), [
    "SuccessCriteriaMet=True CompletionsReached: Reached expected number of succeeded pods",
    "Complete=True CompletionsReached: Reached expected number of succeeded pods",
  ]);
  assert.equal(st.completionTime, "2026-01-01T00:00:00Z");
  assert.equal(t.recorder.events.at(-1), "Normal Completed Job completed");
  pods = t.pods();
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => !p.metadata.finalizers?.length));

  // A finished job is left alone.
  t.client.clearActions();
  await t.sync();
  assert.deepEqual(t.client.writes(), []);
});

test("a failing job backs off 10 s, then hits its backoffLimit", async () => {
  const t = setup(job("fail", { completions: 1, parallelism: 1, backoffLimit: 1 }));
  await t.sync();
  await setPhase(t, t.pods()[0]!, "Failed");
  t.queue.clear();
  await t.sync();
  let st = t.get().status as JobStatus;
  assert.equal(st.failed, 1);
  assert.equal(t.pods().length, 1, "no replacement before the backoff");
  assert.ok(t.queue.after.some((a) => a.delayMs === 10_000));

  t.clock.advance(10_000);
  await t.sync();
  assert.equal(t.pods().length, 2);
  await setPhase(t, running(t.pods())[0]!, "Failed");
  await t.sync();
  const j = t.get();
  st = j.status as JobStatus;
  assert.equal(st.failed, 2);
  assert.deepEqual(conds(j), [
    "FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit",
    "Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit",
  ]);
  assert.equal(st.completionTime, undefined);
  assert.equal(t.recorder.events.at(-1), "Warning BackoffLimitExceeded Job has reached the specified backoff limit");
});

test("activeDeadlineSeconds stops the pods and fails the job", async () => {
  const t = setup(job("slow", { parallelism: 2, completions: 4, activeDeadlineSeconds: 30 }));
  await t.sync();
  assert.ok(t.queue.after.some((a) => a.delayMs === 30_000), "requeued for the deadline");
  t.clock.advance(30_000);
  await t.sync();
  let j = t.get();
  assert.deepEqual(conds(j), ["FailureTarget=True DeadlineExceeded: Job was active longer than specified deadline"]);
  assert.equal(t.pods().length, 0, "pods deleted once their finalizers went");
  assert.equal(j.status?.terminating, 2);
  await t.sync();
  j = t.get();
  assert.equal(j.status?.failed, 2);
  assert.equal(j.status?.terminating, 0);
  assert.deepEqual(conds(j).at(-1), "Failed=True DeadlineExceeded: Job was active longer than specified deadline");
  assert.equal(t.recorder.events.at(-1), "Warning DeadlineExceeded Job was active longer than specified deadline");
});

test("Indexed jobs name pods by index and record completedIndexes", async () => {
  const t = setup(job("idx", { completions: 3, parallelism: 3, completionMode: "Indexed" }));
  await t.sync();
  const pods = t.pods();
  assert.deepEqual(pods.map((p) => p.metadata.generateName), ["idx-0-", "idx-1-", "idx-2-"]);
  for (const [i, p] of pods.entries()) {
    assert.equal(p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"], String(i));
    assert.equal(p.metadata.labels?.["batch.kubernetes.io/job-completion-index"], String(i));
    assert.equal((p.spec as { hostname?: string }).hostname, `idx-${i}`);
  }
  await setPhase(t, pods[1]!, "Succeeded");
  await t.sync();
  assert.equal(t.get().status?.completedIndexes, "1");
  assert.equal(t.get().status?.succeeded, 1);
  // A failed index is re-created under the same index.
  await setPhase(t, pods[2]!, "Failed");
  await t.sync();
  t.clock.advance(10_000);
  await t.sync();
  const again = running(t.pods()).map((p) => p.metadata.generateName).sort();
  assert.deepEqual(again, ["idx-0-", "idx-2-"]);
  for (const p of running(t.pods())) await setPhase(t, p, "Succeeded");
  await t.sync();
  assert.equal(t.get().status?.completedIndexes, "0-2");
  assert.ok(conds(t.get()).some((c) => c.startsWith("Complete=True")));
});

test("a suspended job runs no pods and says so; resuming starts them", async () => {
  const t = setup(job("sus", { completions: 1, parallelism: 1, suspend: true }));
  await t.sync();
  assert.equal(t.pods().length, 0);
  let j = t.get();
  assert.deepEqual(conds(j), ["Suspended=True JobSuspended: Job suspended"]);
  assert.equal(j.status?.startTime, undefined);
  assert.deepEqual(t.recorder.events, ["Normal Suspended Job suspended"]);
  await t.client.update(R.jobs, { ...j, spec: { ...j.spec, suspend: false } });
  t.clock.advance(5000);
  await t.sync();
  j = t.get();
  assert.equal(t.pods().length, 1);
  assert.deepEqual(conds(j), ["Suspended=False JobResumed: Job resumed"]);
  assert.equal(j.status?.startTime, "2026-01-01T00:00:05Z");
});

test("a job without completions completes on its first success", async () => {
  const t = setup(job("any", { parallelism: 2, completions: null }));
  await t.sync();
  const [a, b] = t.pods();
  await setPhase(t, a!, "Succeeded");
  await t.sync();
  assert.equal(t.pods().length, 2, "no replacement once one pod succeeded");
  assert.equal(conds(t.get()).length, 0, "waits for the other pod");
  await setPhase(t, b!, "Succeeded");
  await t.sync();
  assert.ok(conds(t.get()).some((c) => c.startsWith("Complete=True")));
});

test("pods of a deleted job lose their finalizer", async () => {
  const t = setup(job("gone", { completions: 1, parallelism: 1 }));
  const ctl = newJobController(t.ctx, { queue: t.queue });
  await t.sync();
  const pod = t.pods()[0]!;
  await t.client.delete(R.jobs, "default", "gone");
  await ctl.syncOrphanPod(`default/${pod.metadata.name}`);
  assert.equal(t.pods()[0]!.metadata.finalizers?.length ?? 0, 0);
});

test("run(): the loop drives a job to Complete over the real queue", async () => {
  const env = (await import("./testutil.js")).testEnv();
  env.client.seed(R.jobs, job("loop", { completions: 1, parallelism: 1 }));
  const ctl = newJobController(env.ctx);
  const ac = new AbortController();
  const running = ctl.run(ac.signal, 2);
  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond());
  };
  await until(() => env.client.objectsOf(R.pods).length === 1);
  const pod = env.client.objectsOf(R.pods)[0]!;
  await env.client.update(R.pods, { ...pod, status: { phase: "Succeeded" } }, { subresource: "status" });
  await until(() => conds(env.client.objectsOf<Job>(R.jobs)[0]!).some((c) => c.startsWith("Complete=True")));
  ac.abort();
  await running;
});

test("a refused pod create is reported, the status still written, the error returned", async () => {
  const t = setup(job("quota", { completions: 4, parallelism: 4 }));
  const { ApiError } = await import("../../client/types.js");
  t.client.addReactor((a) => (a.verb === "create" && a.resource === "pods" ? new ApiError(403, "Forbidden", 'pods "quota-x" is forbidden: exceeded quota') : undefined));
  await assert.rejects(t.sync(), /exceeded quota/);
  assert.equal(t.client.actions.filter((a) => a.verb === "create").length, 1, "slow start stops after the first failure");
  assert.deepEqual(t.recorder.events, ['Warning FailedCreate Error creating: pods "quota-x" is forbidden: exceeded quota']);
  assert.equal(t.get().status?.startTime, "2026-01-01T00:00:00Z");
});
