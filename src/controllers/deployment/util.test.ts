import assert from "node:assert/strict";
import { test } from "node:test";
import {
  computeHash,
  deploymentTimedOut,
  equalIgnoreHash,
  fnv32a,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  planRollingScaleDown,
  planScale,
  resolveFenceposts,
  rolloutStatus,
  safeEncodeString,
  scaledValue,
  setCondition,
  setNewReplicaSetAnnotations,
  withDefaults,
  type Deployment,
  type DeploymentStatus,
  type IntOrString,
  type ReplicaSet,
} from "./util.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

function dep(replicas: number, surge: IntOrString = "25%", unavailable: IntOrString = "25%", status: DeploymentStatus = {}): Deployment {
  return withDefaults({
    metadata: { name: "web", namespace: "ns", generation: 1 },
    spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, template: { metadata: { labels: { app: "web" } } } },
    status,
  });
}

let n = 0;
function rs(name: string, replicas: number, available = replicas, annotations: Record<string, string> = {}, created = T0): ReplicaSet {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}-${++n}`, creationTimestamp: iso(created), annotations },
    spec: { replicas },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

test("fenceposts: percentages round surge up and unavailable down; both zero makes unavailable 1", () => {
  const cases: [IntOrString, IntOrString, number, number, number][] = [
    ["25%", "25%", 10, 3, 2],
    ["25%", "25%", 1, 1, 0],
    ["25%", "25%", 4, 1, 1],
    [0, "10%", 5, 0, 1],
    ["0%", "0%", 3, 0, 1],
    [2, 0, 3, 2, 0],
    ["100%", "50%", 3, 3, 1],
  ];
  for (const [s, u, desired, ws, wu] of cases) assert.deepEqual(resolveFenceposts(s, u, desired), { surge: ws, unavailable: wu }, `${s}/${u} of ${desired}`);
  assert.throws(() => scaledValue("25", 4, true), /invalid type: string is not a percentage/);
  assert.throws(() => scaledValue("x%", 4, true), /invalid value for IntOrString/);
  assert.equal(maxUnavailable(dep(0)), 0);
  assert.equal(maxUnavailable(dep(2, 0, 5)), 2, "capped at replicas");
  assert.equal(maxSurge(withDefaults({ metadata: {}, spec: { replicas: 3, strategy: { type: "Recreate" } } })), 0);
});

test("hash: FNV-32a, safe encoding, collision count, hash label ignored in equality", () => {
  const enc = new TextEncoder();
  assert.equal(fnv32a(enc.encode("")), 0x811c9dc5);
  assert.equal(fnv32a(enc.encode("a")), 0xe40c292c);
  assert.equal(fnv32a(enc.encode("foobar")), 0xbf9cf968);
  assert.equal(safeEncodeString("1230"), "5674");
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(structuredClone(t)), h, "stable");
  assert.equal(computeHash({ spec: t.spec, metadata: t.metadata }), h, "key order does not matter");
  assert.notEqual(computeHash(t, 1), h);
  assert.notEqual(computeHash(t, 1), computeHash(t, 2));
  assert.ok(equalIgnoreHash(t, { ...t, metadata: { labels: { app: "web", "pod-template-hash": h }, annotations: {} } }));
  assert.ok(!equalIgnoreHash(t, { ...t, spec: { containers: [{ name: "c", image: "nginx:2" }] } }));
});

test("newRSNewReplicas: surge bound and desired bound", () => {
  const cases: { replicas: number; surge: IntOrString; old: number; cur: number; want: number }[] = [
    { replicas: 3, surge: "25%", old: 0, cur: 0, want: 3 },
    { replicas: 3, surge: "25%", old: 3, cur: 0, want: 1 },
    { replicas: 10, surge: "25%", old: 10, cur: 0, want: 3 },
    { replicas: 10, surge: "25%", old: 8, cur: 3, want: 5 },
    { replicas: 4, surge: 0, old: 4, cur: 0, want: 0 },
  ];
  for (const c of cases) {
    const d = dep(c.replicas, c.surge);
    const o = rs("old", c.old);
    const nrs = rs("new", c.cur);
    assert.equal(newRSNewReplicas(d, [o, nrs], nrs), c.want, JSON.stringify(c));
  }
});

test("rolling scale-down: unhealthy old pods first, then down to replicas - maxUnavailable available", () => {
  const d = dep(10); // surge 3, unavailable 2
  const old = rs("old", 10, 10);
  const nrs = rs("new", 3, 0);
  assert.deepEqual(planRollingScaleDown(d, [old, nrs], [old], nrs).map((s) => s.size), [8]);
  // Old has 4 unavailable: they go first, limited by maxScaledDown = 13 - 8 - 3 = 2.
  const sick = rs("old", 10, 6);
  assert.deepEqual(planRollingScaleDown(d, [sick, nrs], [sick], nrs).map((s) => s.size), [8]);
  // New pods available: old can go down to keep 8 available in total.
  const ready = rs("new", 5, 5);
  const old8 = rs("old", 8, 8);
  assert.deepEqual(planRollingScaleDown(d, [old8, ready], [old8], ready).map((s) => s.size), [3]);
});

test("planScale: one active replica set takes all; proportional otherwise", () => {
  const d = dep(5);
  const only = rs("a", 3);
  assert.deepEqual(planScale(d, only, []).map((s) => [s.rs.metadata.name, s.size, s.op]), [["a", 5, "up"]]);
  const d20 = dep(20, "25%", "25%", { replicas: 13 });
  const old = rs("old", 8, 8, { "deployment.kubernetes.io/max-replicas": "13" }, T0);
  const nrs = rs("new", 5, 0, { "deployment.kubernetes.io/max-replicas": "13" }, T0 + 1000);
  assert.deepEqual(planScale(d20, nrs, [old]).map((s) => [s.rs.metadata.name, s.size]), [["old", 15], ["new", 10]]);
  // Scaling to zero takes everything away.
  assert.deepEqual(planScale(dep(0), nrs, [old]).map((s) => [s.rs.metadata.name, s.size, s.op]), [["old", 0, "down"], ["new", 0, "down"]]);
});

test("annotations: copied from the deployment, revision bumped with history on rollback", () => {
  const d = dep(3);
  d.metadata.annotations = { "kubernetes.io/change-cause": "undo", "kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "9" };
  const fresh = rs("n", 0);
  assert.ok(setNewReplicaSetAnnotations(d, fresh, 1, false));
  assert.deepEqual(fresh.metadata.annotations, {
    "kubernetes.io/change-cause": "undo",
    "deployment.kubernetes.io/revision": "1",
    "deployment.kubernetes.io/desired-replicas": "3",
    "deployment.kubernetes.io/max-replicas": "4",
  });
  const back = rs("o", 0, 0, { "deployment.kubernetes.io/revision": "2", "deployment.kubernetes.io/revision-history": "1" });
  assert.ok(setNewReplicaSetAnnotations(d, back, 5, true));
  assert.equal(back.metadata.annotations?.["deployment.kubernetes.io/revision"], "5");
  assert.equal(back.metadata.annotations?.["deployment.kubernetes.io/revision-history"], "1,2");
  assert.ok(!setNewReplicaSetAnnotations(d, back, 5, true), "nothing more to change");
});

test("conditions: same status and reason is a no-op; same status keeps lastTransitionTime", () => {
  const s: DeploymentStatus = {};
  setCondition(s, { type: "Progressing", status: "True", reason: "A", lastTransitionTime: "t1", lastUpdateTime: "t1" });
  setCondition(s, { type: "Progressing", status: "True", reason: "A", lastTransitionTime: "t2", lastUpdateTime: "t2" });
  assert.equal(s.conditions?.[0]?.lastUpdateTime, "t1");
  setCondition(s, { type: "Progressing", status: "True", reason: "B", lastTransitionTime: "t3", lastUpdateTime: "t3" });
  assert.deepEqual([s.conditions?.[0]?.reason, s.conditions?.[0]?.lastTransitionTime, s.conditions?.[0]?.lastUpdateTime], ["B", "t1", "t3"]);
});

test("rolloutStatus: progressing, complete, timed out", () => {
  const now = T0 + 1000_000;
  const base = dep(2, "25%", "25%", {
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 1,
    conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetCreated", lastUpdateTime: iso(T0), lastTransitionTime: iso(T0) }],
  });
  const old = rs("old", 1, 1);
  const nrs = rs("web-abc", 2, 1);
  const s = rolloutStatus(base, [old, nrs], nrs, now);
  const p = s.conditions?.find((c) => c.type === "Progressing");
  assert.deepEqual([p?.reason, p?.message, p?.lastTransitionTime, p?.lastUpdateTime], ["ReplicaSetUpdated", 'ReplicaSet "web-abc" is progressing.', iso(T0), iso(now)]);
  assert.equal(s.unavailableReplicas, 1);

  const done = rolloutStatus(base, [rs("old", 0, 0), rs("web-abc", 2, 2)], rs("web-abc", 2, 2), now);
  assert.equal(done.conditions?.find((c) => c.type === "Progressing")?.message, 'ReplicaSet "web-abc" has successfully progressed.');

  const stuck = { ...base, status: { ...base.status, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } };
  assert.ok(deploymentTimedOut(stuck, stuck.status, T0 + 601_000));
  const late = rolloutStatus(stuck, [old, nrs], nrs, T0 + 601_000);
  const t = late.conditions?.find((c) => c.type === "Progressing");
  assert.deepEqual([t?.status, t?.reason, t?.message], ["False", "ProgressDeadlineExceeded", 'ReplicaSet "web-abc" has timed out progressing.']);
});
