import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import { ApiError, type KObject } from "../../client/types.js";
import { testEnv } from "../job/testutil.js";
import { controllerRefOf } from "../util/pods.js";
import { newReplicaSetController, newReplicationControllerController } from "./controller.js";
import type { ReplicaSetLike } from "./core.js";
import { markReady } from "./testutil.js";

const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } };

function rs(replicas: number, extra: Partial<NonNullable<ReplicaSetLike["spec"]>> = {}): ReplicaSetLike {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "ns" },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template, ...extra },
  };
}

const podsOf = (env: ReturnType<typeof testEnv>): KObject[] => env.client.objectsOf(R.pods, "ns");
const rsNow = (env: ReturnType<typeof testEnv>): ReplicaSetLike => env.client.objectsOf<ReplicaSetLike>(R.replicasets, "ns")[0]!;

test("creates missing pods in slow-start batches, then reports status", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(3));
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await c.sync("ns/web");
  const pods = podsOf(env);
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.equal(p.metadata.generateName, "web-");
    assert.match(p.metadata.name ?? "", /^web-/);
    assert.deepEqual(p.metadata.labels, { app: "web" });
    assert.equal(controllerRefOf(p)?.kind, "ReplicaSet");
    assert.equal(controllerRefOf(p)?.name, "web");
  }
  assert.deepEqual(env.recorder.events, pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`));
  // The first status still counts the pods the sync started from (none), as kube's.
  assert.deepEqual(rsNow(env).status, { replicas: 0, observedGeneration: 1 });

  env.client.clearActions();
  await c.sync("ns/web");
  assert.deepEqual(env.client.writes(), ["update replicasets/status ns/web"]);
  assert.deepEqual(rsNow(env).status, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });

  // Nothing changes: no writes at all.
  env.client.clearActions();
  await c.sync("ns/web");
  assert.deepEqual(env.client.writes(), []);
});

test("expectations hold back a second sync until the informer has seen the creations", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(2));
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  c.expectations.expectCreations("ns/web", 2);
  await c.sync("ns/web");
  assert.equal(podsOf(env).length, 0, "no creation while expectations are pending");
  c.expectations.creationObserved("ns/web");
  c.expectations.creationObserved("ns/web");
  await c.sync("ns/web");
  assert.equal(podsOf(env).length, 2);
  // Expectations expire after five minutes.
  c.expectations.expectCreations("ns/web", 5);
  env.clock.advance(5 * 60_000 + 1);
  assert.ok(c.expectations.satisfied("ns/web"));
});

test("create failures: FailedCreate events, ReplicaFailure condition, slow start stops early", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(10));
  let creates = 0;
  env.client.addReactor((a) => {
    if (a.verb !== "create" || a.resource !== "pods") return undefined;
    creates++;
    return creates > 1 ? new ApiError(403, "Forbidden", 'pods "web-x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1') : undefined;
  });
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await assert.rejects(c.sync("ns/web"), /exceeded quota/);
  assert.equal(creates, 3, "batches of 1 then 2, then stop");
  assert.equal(podsOf(env).length, 1);
  assert.equal(env.recorder.events.filter((e) => e.startsWith("Warning FailedCreate Error creating: pods \"web-x\" is forbidden")).length, 2);
  const cond = rsNow(env).status?.conditions?.[0];
  assert.equal(cond?.type, "ReplicaFailure");
  assert.equal(cond?.reason, "FailedCreate");
  assert.match(cond?.message ?? "", /exceeded quota/);
  // Expectations were lowered for the pods never created: the next sync tries again.
  assert.ok(c.expectations.satisfied("ns/web"));
});

test("burst limit caps creations per sync", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(8));
  const c = newReplicaSetController(env.ctx, { queue: env.queue, burstReplicas: 5 });
  await c.sync("ns/web");
  assert.equal(podsOf(env).length, 5);
  await c.sync("ns/web");
  assert.equal(podsOf(env).length, 8);
});

test("scale down deletes unscheduled and not-ready pods first", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(4));
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await c.sync("ns/web");
  const pods = podsOf(env);
  await markReady(env.client, pods[0]!, env.clock.now());
  await markReady(env.client, pods[1]!, env.clock.now());
  await env.client.patch(R.pods, "ns", pods[2]!.metadata.name!, "merge", { spec: { nodeName: "node-1" } });
  await env.client.patch(R.replicasets, "ns", "web", "merge", { spec: { replicas: 2 } });
  env.recorder.events.length = 0;
  env.client.clearActions();
  await c.sync("ns/web");
  const deleted = env.client.actions.filter((a) => a.verb === "delete").map((a) => a.name).sort();
  assert.deepEqual(deleted, [pods[2]!.metadata.name, pods[3]!.metadata.name].sort());
  assert.deepEqual(env.recorder.events.sort(), deleted.map((n) => `Normal SuccessfulDelete Deleted pod: ${n}`).sort());
  // pods[2] was bound: it is terminating (not active); pods[3] is gone.
  await c.sync("ns/web");
  assert.equal(rsNow(env).status?.replicas, 2);
  assert.equal(rsNow(env).status?.observedGeneration, 2);
});

test("adopts matching orphans and releases pods that stop matching", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(2));
  env.client.seed(R.pods, { metadata: { name: "orphan", namespace: "ns", labels: { app: "web" } }, spec: {} });
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await c.sync("ns/web");
  const orphan = env.client.objectsOf(R.pods, "ns").find((p) => p.metadata.name === "orphan")!;
  assert.equal(controllerRefOf(orphan)?.uid, rsNow(env).metadata.uid);
  assert.equal(controllerRefOf(orphan)?.blockOwnerDeletion, true);
  assert.equal(podsOf(env).length, 2, "the adopted pod counts: only one created");

  await env.client.patch(R.pods, "ns", "orphan", "merge", { metadata: { labels: { app: "other" } } });
  env.client.clearActions();
  await c.sync("ns/web");
  const released = env.client.objectsOf(R.pods, "ns").find((p) => p.metadata.name === "orphan")!;
  assert.equal(released.metadata.ownerReferences?.length ?? 0, 0);
  assert.equal(env.client.writes().filter((w) => w.startsWith("create pods")).length, 1, "a replacement is created");
});

test("minReadySeconds: available later, requeued after minReadySeconds", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(1, { minReadySeconds: 30 }));
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await c.sync("ns/web");
  await markReady(env.client, podsOf(env)[0]!, env.clock.now());
  env.queue.clear();
  await c.sync("ns/web");
  assert.deepEqual(rsNow(env).status, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, observedGeneration: 1 });
  assert.deepEqual(env.queue.after, [{ key: "ns/web", delayMs: 30_000 }]);
  env.clock.advance(30_000);
  await c.sync("ns/web");
  assert.equal(rsNow(env).status?.availableReplicas, 1);
});

test("ReplicationController: same code over core/v1 with a map selector", async () => {
  const env = testEnv();
  env.client.seed(R.replicationcontrollers, {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "rc", namespace: "ns" },
    spec: { replicas: 2, selector: { app: "web" }, template },
  });
  const c = newReplicationControllerController(env.ctx, { queue: env.queue });
  assert.equal(c.name, "replicationcontroller");
  await c.sync("ns/rc");
  const pods = podsOf(env);
  assert.equal(pods.length, 2);
  assert.deepEqual({ ...controllerRefOf(pods[0]!), uid: "" }, { apiVersion: "v1", kind: "ReplicationController", name: "rc", uid: "", controller: true, blockOwnerDeletion: true });
  await c.sync("ns/rc");
  const rc = env.client.objectsOf(R.replicationcontrollers, "ns")[0]!;
  assert.deepEqual(rc.status, { replicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 });
});

test("pod events enqueue the owner and observe expectations", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(1));
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  env.queue.clear();
  env.client.seed(R.pods, { metadata: { name: "stray", namespace: "ns", labels: { app: "web" } }, spec: {} });
  assert.deepEqual(env.queue.added, ["ns/web"], "an orphan matching the selector wakes its replica set");
  await c.sync("ns/web");
  env.queue.clear();
  await env.client.delete(R.pods, "ns", "stray");
  assert.deepEqual(env.queue.added, ["ns/web"]);
});

test("pods controlled by another owner, and orphans of other namespaces, are neither claimed nor counted", async () => {
  const env = testEnv();
  env.client.seed(R.replicasets, rs(2));
  const foreignRef = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "other", uid: "uid-other", controller: true };
  env.client.seed(R.pods, { metadata: { name: "foreign", namespace: "ns", labels: { app: "web" }, ownerReferences: [foreignRef] }, spec: {} });
  env.client.seed(R.pods, { metadata: { name: "elsewhere", namespace: "ns2", labels: { app: "web" } }, spec: {} });
  const c = newReplicaSetController(env.ctx, { queue: env.queue });
  await c.sync("ns/web");
  const foreign = env.client.objectsOf(R.pods, "ns").find((p) => p.metadata.name === "foreign")!;
  assert.equal(controllerRefOf(foreign)?.uid, "uid-other");
  const elsewhere = env.client.objectsOf(R.pods, "ns2")[0]!;
  assert.equal(elsewhere.metadata.ownerReferences?.length ?? 0, 0);
  const mine = podsOf(env).filter((p) => controllerRefOf(p)?.uid === rsNow(env).metadata.uid);
  assert.equal(mine.length, 2, "two created: the foreign pod does not count");
});
