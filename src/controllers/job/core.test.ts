import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../client/types.js";
import {
  activePodsForRemoval,
  backoffRemainingMs,
  ensureCondition,
  indexedGenerateName,
  isPodFailed,
  jobComplete,
  nextBackoffRecord,
  pastActiveDeadline,
  pastBackoffLimitOnFailure,
  podFinishedTime,
  podForJob,
  wantActive,
} from "./core.js";
import type { JobCondition } from "./api.js";
import { firstPendingIndexes, formatIndexes, parseIndexes } from "./indexes.js";

const job = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KObject => ({
  metadata: { name: "j", namespace: "ns", uid: "u1" },
  spec,
  status,
});
const pod = (name: string, opts: { phase?: string; node?: string; ready?: boolean; ix?: number; created?: string; deleted?: string; status?: Record<string, unknown> } = {}): KObject => ({
  metadata: {
    name,
    creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z",
    ...(opts.deleted ? { deletionTimestamp: opts.deleted } : {}),
    ...(opts.ix !== undefined ? { annotations: { "batch.kubernetes.io/job-completion-index": String(opts.ix) } } : {}),
  },
  spec: opts.node ? { nodeName: opts.node } : {},
  status: {
    ...(opts.phase ? { phase: opts.phase } : {}),
    ...(opts.ready !== undefined ? { conditions: [{ type: "Ready", status: opts.ready ? "True" : "False" }] } : {}),
    ...(opts.status ?? {}),
  },
});

test("wantActive and jobComplete", () => {
  const cases: [Record<string, unknown>, number, number, number, boolean][] = [
    // spec, active, succeeded -> want, complete(with active)
    [{ parallelism: 2, completions: 3 }, 0, 0, 2, false],
    [{ parallelism: 2, completions: 3 }, 2, 2, 1, false],
    [{ parallelism: 2, completions: 3 }, 0, 3, 0, true],
    [{ parallelism: 5, completions: 3 }, 0, 1, 2, false],
    [{ parallelism: 2 }, 0, 0, 2, false],
    [{ parallelism: 2 }, 1, 1, 1, false],
    [{ parallelism: 2 }, 0, 1, 0, true],
    [{ parallelism: 0, completions: 3 }, 0, 0, 0, false],
  ];
  for (const [spec, active, succeeded, want, complete] of cases) {
    assert.equal(wantActive(job(spec), active, succeeded), want, JSON.stringify([spec, active, succeeded]));
    assert.equal(jobComplete(job(spec), succeeded, active), complete, JSON.stringify([spec, active, succeeded]));
  }
});

test("pod failure backoff: 10 s doubling, capped at 10 min, less the time since", () => {
  const t0 = 1_000_000;
  const cases: [number, number, number][] = [
    // failures, ms since the last failure -> remaining
    [0, 0, 0],
    [1, 0, 10_000],
    [1, 4_000, 6_000],
    [1, 11_000, 0],
    [2, 0, 20_000],
    [3, 0, 40_000],
    [6, 0, 320_000],
    [7, 0, 600_000],
    [20, 60_000, 540_000],
  ];
  for (const [failures, since, want] of cases) {
    assert.equal(backoffRemainingMs({ failuresAfterLastSuccess: failures, lastFailureTime: t0 }, t0 + since), want, `${failures} failures, ${since} ms`);
  }
});

test("backoff record: failures add up, a later success resets", () => {
  const at = (iso: string): KObject => pod(iso, { ready: false, status: { conditions: [{ type: "Ready", status: "False", lastTransitionTime: iso }] } });
  const f1 = at("2026-01-01T00:00:10Z");
  const f2 = at("2026-01-01T00:00:20Z");
  const s1 = at("2026-01-01T00:00:15Z");
  let r = nextBackoffRecord({ failuresAfterLastSuccess: 0 }, [], [f2, f1]);
  assert.deepEqual(r, { failuresAfterLastSuccess: 2, lastFailureTime: Date.parse("2026-01-01T00:00:20Z") });
  r = nextBackoffRecord(r, [s1], [f2]);
  assert.deepEqual(r, { failuresAfterLastSuccess: 1, lastFailureTime: Date.parse("2026-01-01T00:00:20Z") });
  assert.deepEqual(nextBackoffRecord(r, [s1], []), { failuresAfterLastSuccess: 0 });
});

test("podFinishedTime looks at containers, Ready=False, deletion, creation", () => {
  const term = (t: string) => ({ state: { terminated: { finishedAt: t } } });
  assert.equal(podFinishedTime(pod("a", { status: { containerStatuses: [term("2026-01-01T00:01:00Z"), term("2026-01-01T00:02:00Z")] } })), Date.parse("2026-01-01T00:02:00Z"));
  const deleted = pod("b", { deleted: "2026-01-01T00:05:30Z" });
  deleted.metadata.deletionGracePeriodSeconds = 30;
  assert.equal(podFinishedTime(deleted), Date.parse("2026-01-01T00:05:00Z"));
  assert.equal(podFinishedTime(pod("c", { created: "2026-01-01T00:00:07Z" })), Date.parse("2026-01-01T00:00:07Z"));
});

test("isPodFailed: Failed, or deleted unfinished unless only failed pods are replaced", () => {
  const j = job({});
  assert.equal(isPodFailed(pod("a", { phase: "Failed" }), j), true);
  assert.equal(isPodFailed(pod("b", { phase: "Running", deleted: "2026-01-01T00:00:00Z" }), j), true);
  assert.equal(isPodFailed(pod("c", { phase: "Succeeded", deleted: "2026-01-01T00:00:00Z" }), j), false);
  assert.equal(isPodFailed(pod("d", { phase: "Running", deleted: "2026-01-01T00:00:00Z" }), job({ podReplacementPolicy: "Failed" })), false);
  assert.equal(isPodFailed(pod("e", { phase: "Running" }), j), false);
});

test("activePodsForRemoval prefers unscheduled, pending, not-ready, newer pods; Indexed drops duplicates", () => {
  const pods = [
    pod("running-ready", { node: "n", phase: "Running", ready: true }),
    pod("running", { node: "n", phase: "Running", ready: false }),
    pod("pending", { node: "n", phase: "Pending" }),
    pod("unscheduled", { phase: "Pending" }),
  ];
  assert.deepEqual(activePodsForRemoval(job({}), pods, 3).map((p) => p.metadata.name), ["unscheduled", "pending", "running"]);
  const idx = job({ completionMode: "Indexed", completions: 3 });
  const ipods = [pod("a0", { ix: 0, node: "n", phase: "Running" }), pod("b0", { ix: 0 }), pod("c5", { ix: 5 }), pod("d1", { ix: 1 })];
  assert.deepEqual(activePodsForRemoval(idx, ipods, 0).map((p) => p.metadata.name).sort(), ["b0", "c5"]);
});

test("completion index intervals", () => {
  assert.equal(formatIndexes([7, 1, 3, 4, 5]), "1,3-5,7");
  assert.equal(formatIndexes([]), "");
  assert.deepEqual([...parseIndexes("1,3-5,7", 5)].sort(), [1, 3, 4]);
  assert.deepEqual(firstPendingIndexes(new Set([0, 2]), [pod("p", { ix: 1 })], 2, 6), [3, 4]);
  assert.equal(indexedGenerateName("pi", 3), "pi-3-");
  assert.equal(indexedGenerateName("x".repeat(60), 12), "x".repeat(54) + "-12-");
});

test("deadline and OnFailure restart limits", () => {
  const start = "2026-01-01T00:00:00Z";
  const t0 = Date.parse(start);
  assert.equal(pastActiveDeadline(job({ activeDeadlineSeconds: 10 }, { startTime: start }), t0 + 9_999), false);
  assert.equal(pastActiveDeadline(job({ activeDeadlineSeconds: 10 }, { startTime: start }), t0 + 10_000), true);
  assert.equal(pastActiveDeadline(job({ activeDeadlineSeconds: 10, suspend: true }, { startTime: start }), t0 + 60_000), false);
  const onFailure = job({ backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure" } } });
  const restarted = (n: number) => pod("r", { phase: "Running", status: { containerStatuses: [{ restartCount: n }] } });
  assert.equal(pastBackoffLimitOnFailure(onFailure, [restarted(1)]), false);
  assert.equal(pastBackoffLimitOnFailure(onFailure, [restarted(2)]), true);
});

test("ensureCondition adds, updates, and never adds a False condition", () => {
  const list: JobCondition[] = [];
  assert.equal(ensureCondition(list, "Suspended", "False", "JobResumed", "Job resumed", 0), false);
  assert.equal(ensureCondition(list, "Suspended", "True", "JobSuspended", "Job suspended", 0), true);
  assert.equal(ensureCondition(list, "Suspended", "True", "JobSuspended", "Job suspended", 5000), false);
  assert.equal(ensureCondition(list, "Suspended", "False", "JobResumed", "Job resumed", 5000), true);
  assert.deepEqual(list, [{ type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", lastProbeTime: "1970-01-01T00:00:05Z", lastTransitionTime: "1970-01-01T00:00:05Z" }]);
});

test("podForJob: template, finalizer, owner, and for Indexed the index everywhere", () => {
  const j = job({ completionMode: "Indexed", completions: 2, template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c" }] } } });
  const p = podForJob(j, 1);
  assert.equal(p.metadata.generateName, "j-1-");
  assert.deepEqual(p.metadata.finalizers, ["batch.kubernetes.io/job-tracking"]);
  assert.equal(p.metadata.labels?.app, "x");
  assert.equal(p.metadata.labels?.["batch.kubernetes.io/job-completion-index"], "1");
  assert.equal(p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"], "1");
  assert.equal(p.metadata.ownerReferences?.[0]?.kind, "Job");
  const spec = p.spec as { hostname?: string; containers: { env?: unknown[] }[] };
  assert.equal(spec.hostname, "j-1");
  assert.deepEqual(spec.containers[0]!.env, [
    { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
  ]);
  assert.equal(podForJob(job({}), undefined).metadata.generateName, "j-");
});
