import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../client/types.js";
import { calculateStatus, deletionCost, podsToDelete, slowStartBatch, statusChanged, type ReplicaSetLike } from "./core.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

interface PodOpts {
  node?: string;
  phase?: "Pending" | "Running" | "Unknown";
  readySince?: number;
  created?: number;
  restarts?: number;
  cost?: string;
  labels?: Record<string, string>;
}
function pod(name: string, o: PodOpts = {}): KObject {
  return {
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      creationTimestamp: iso(o.created ?? T0),
      labels: o.labels ?? { app: "web" },
      ...(o.cost !== undefined ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": o.cost } } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? "Running",
      conditions: o.readySince !== undefined ? [{ type: "Ready", status: "True", lastTransitionTime: iso(o.readySince) }] : [],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

const names = (ps: KObject[]): string[] => ps.map((p) => p.metadata.name ?? "");
const NOW = T0 + 3600_000;

test("podsToDelete ranks as kube's ActivePodsWithRanks", () => {
  const cases: { name: string; pods: KObject[]; related?: KObject[]; diff: number; want: string[] }[] = [
    { name: "unscheduled first", pods: [pod("a", { node: "n1", readySince: T0 }), pod("b")], diff: 1, want: ["b"] },
    { name: "pending before running", pods: [pod("a", { node: "n1" }), pod("b", { node: "n1", phase: "Pending" })], diff: 1, want: ["b"] },
    { name: "unknown between pending and running", pods: [pod("r", { node: "n" }), pod("u", { node: "n", phase: "Unknown" }), pod("p", { node: "n", phase: "Pending" })], diff: 2, want: ["p", "u"] },
    { name: "not ready before ready", pods: [pod("a", { node: "n", readySince: T0 }), pod("b", { node: "n" })], diff: 1, want: ["b"] },
    { name: "lower deletion cost first", pods: [pod("a", { node: "n", cost: "10" }), pod("b", { node: "n", cost: "-5" })], diff: 1, want: ["b"] },
    {
      name: "doubled up first",
      pods: [pod("a", { node: "n1" }), pod("b", { node: "n2" })],
      related: [pod("a", { node: "n1" }), pod("b", { node: "n2" }), pod("c", { node: "n2" })],
      diff: 1,
      want: ["b"],
    },
    {
      name: "ready for less time first (different log2 buckets)",
      pods: [pod("old", { node: "n", readySince: T0 }), pod("new", { node: "n", readySince: NOW - 60_000 })],
      diff: 1,
      want: ["new"],
    },
    { name: "more restarts first", pods: [pod("a", { node: "n", restarts: 1 }), pod("b", { node: "n", restarts: 4 })], diff: 1, want: ["b"] },
    { name: "newer first", pods: [pod("a", { node: "n", created: T0 }), pod("b", { node: "n", created: NOW - 1000 })], diff: 1, want: ["b"] },
    {
      name: "same log2 bucket falls back to uid",
      pods: [pod("b", { node: "n", created: NOW - 40_000 }), pod("a", { node: "n", created: NOW - 50_000 })],
      diff: 1,
      want: ["a"],
    },
    { name: "diff >= len takes all", pods: [pod("a"), pod("b")], diff: 3, want: ["a", "b"] },
  ];
  for (const c of cases) assert.deepEqual(names(podsToDelete(c.pods, c.related ?? c.pods, c.diff, NOW)), c.want, c.name);
});

test("deletionCost reads int32 annotations, else 0", () => {
  assert.equal(deletionCost(pod("a", { cost: "-7" })), -7);
  assert.equal(deletionCost(pod("a", { cost: "x" })), 0);
  assert.equal(deletionCost(pod("a", { cost: "99999999999" })), 0);
  assert.equal(deletionCost(pod("a")), 0);
});

test("slowStartBatch doubles batches and stops after a failing batch", async () => {
  // Calls of one batch start together: count how many are in flight when each starts.
  let inFlight = 0;
  const starts: number[] = [];
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => {
    calls++;
    starts.push(++inFlight);
    await Promise.resolve();
    inFlight--;
  });
  assert.deepEqual(starts, [1, 1, 2, 1, 2, 3, 4, 1, 2, 3]);
  assert.equal(ok.successes, 10);
  assert.equal(calls, 10);

  let n = 0;
  const failing = await slowStartBatch(10, 1, async () => {
    n++;
    if (n >= 3) throw new Error("quota");
  });
  // Batches 1, 2 (second call of the batch fails) -> stop: 3 calls, 2 successes.
  assert.equal(n, 3);
  assert.equal(failing.successes, 2);
  assert.equal((failing.error as Error).message, "quota");
});

test("calculateStatus counts labels, ready and available; ReplicaFailure comes and goes", () => {
  const rs: ReplicaSetLike = {
    metadata: { name: "web", namespace: "ns", generation: 2 },
    spec: { replicas: 3, minReadySeconds: 10, template: { metadata: { labels: { app: "web", tier: "fe" } } } },
    status: { replicas: 1, observedGeneration: 1 },
  };
  const now = T0 + 60_000;
  const pods = [
    pod("a", { labels: { app: "web", tier: "fe" }, readySince: T0 }),
    pod("b", { labels: { app: "web" }, readySince: now - 5000 }),
  ];
  const s = calculateStatus(rs, pods, undefined, now);
  assert.deepEqual(s, { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
  assert.ok(statusChanged(rs, s));

  const failed = calculateStatus(rs, pods, new Error('pods "web-x" is forbidden: exceeded quota'), now);
  assert.deepEqual(failed.conditions, [
    { type: "ReplicaFailure", status: "True", lastTransitionTime: iso(now), reason: "FailedCreate", message: 'pods "web-x" is forbidden: exceeded quota' },
  ]);
  const cleared = calculateStatus({ ...rs, status: failed }, pods, undefined, now);
  assert.equal(cleared.conditions, undefined);
  assert.ok(!statusChanged({ ...rs, status: { ...s, observedGeneration: 2 } }, s));
});
