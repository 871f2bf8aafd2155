import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { DiscoveredResource, KObject, OwnerReference, WorkQueue } from "../../client/types.js";
import { testEnv, type TestEnv } from "../job/testutil.js";
import { newGarbageCollector, type GarbageCollector } from "./controller.js";

/** A FIFO the test drains by hand; delayed and rate-limited adds are only recorded. */
class ManualQueue implements WorkQueue {
  readonly items: string[] = [];
  readonly later: string[] = [];
  add(k: string): void {
    if (!this.items.includes(k)) this.items.push(k);
  }
  addAfter(k: string): void {
    this.later.push(k);
  }
  addRateLimited(k: string): void {
    this.later.push(k);
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
  get(): Promise<string | undefined> {
    return Promise.resolve(this.items.shift());
  }
  done(): void {}
  len(): number {
    return this.items.length;
  }
  shutDown(): void {}
}

interface Env extends TestEnv {
  gc: GarbageCollector;
  del: ManualQueue;
  orphan: ManualQueue;
  drain(): Promise<void>;
}

async function setup(seed: (env: TestEnv) => void, served?: DiscoveredResource[]): Promise<Env> {
  const env = testEnv();
  if (served) env.client.served = served;
  seed(env);
  const del = new ManualQueue();
  const orphan = new ManualQueue();
  const gc = newGarbageCollector(env.ctx, { attemptToDelete: del, attemptToOrphan: orphan });
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      const d = del.items.shift();
      if (d !== undefined) {
        if ((await gc.syncAttemptToDelete(d)) === "requeue") del.later.push(d);
        continue;
      }
      const o = orphan.items.shift();
      if (o !== undefined) {
        await gc.syncAttemptToOrphan(o);
        continue;
      }
      return;
    }
    throw new Error("queues did not settle");
  };
  await gc.syncMonitors();
  await drain();
  env.client.clearActions();
  return { ...env, gc, del, orphan, drain };
}

const ref = (kind: string, apiVersion: string, name: string, uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion, kind, name, uid, ...extra });
const rsRef = (name: string, uid: string): OwnerReference => ref("ReplicaSet", "apps/v1", name, uid, { controller: true, blockOwnerDeletion: true });
const pod = (name: string, owners: OwnerReference[], ns = "default"): KObject => ({ metadata: { name, namespace: ns, ownerReferences: owners }, spec: {} });
const names = (objs: KObject[]): string[] => objs.map((o) => o.metadata.name ?? "").sort();

test("background: dependents of a deleted owner are deleted with a uid precondition", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.replicasets, { metadata: { name: "rs", namespace: "default", uid: "u-rs" } });
    client.seed(R.pods, pod("p1", [rsRef("rs", "u-rs")]), pod("p2", [rsRef("rs", "u-rs")]), pod("free", []));
  });
  assert.deepEqual(env.client.writes(), []);
  await env.client.delete(R.replicasets, "default", "rs");
  await env.drain();
  assert.deepEqual(env.client.writes(), ["delete replicasets default/rs", "delete pods default/p1", "delete pods default/p2"]);
  const opts = env.client.actions.filter((a) => a.verb === "delete" && a.resource === "pods").map((a) => a.object);
  const p1 = opts[0] as { propagationPolicy?: string; preconditions?: { uid?: string } };
  assert.equal(p1.propagationPolicy, "Background");
  assert.match(p1.preconditions?.uid ?? "", /^uid-/);
  assert.deepEqual(names(env.client.objectsOf(R.pods)), ["free"]);
});

test("an owner that never existed is verified by a GET, then its dependents go", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.pods, pod("p1", [rsRef("ghost", "u-ghost")]));
  });
  // The first drain (inside setup) already verified the virtual owner and deleted the pod.
  assert.deepEqual(names(env.client.objectsOf(R.pods)), []);
});

test("a dependent with another live owner only loses the dangling reference", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.configmaps, { metadata: { name: "a", namespace: "default", uid: "u-a" } }, { metadata: { name: "b", namespace: "default", uid: "u-b" } });
    client.seed(R.secrets, { metadata: { name: "s", namespace: "default", ownerReferences: [ref("ConfigMap", "v1", "a", "u-a"), ref("ConfigMap", "v1", "b", "u-b")] } });
  });
  await env.client.delete(R.configmaps, "default", "a");
  await env.drain();
  assert.deepEqual(env.client.writes(), ["delete configmaps default/a", "patch secrets default/s"]);
  const patch = env.client.actions.find((a) => a.verb === "patch");
  assert.equal(patch?.patchType, "strategic");
  assert.deepEqual((patch?.object as { metadata: { ownerReferences: unknown } }).metadata.ownerReferences, [{ $patch: "delete", uid: "u-a" }]);
  const s = env.client.objectsOf(R.secrets)[0];
  assert.deepEqual(s?.metadata.ownerReferences, [ref("ConfigMap", "v1", "b", "u-b")]);
});

test("foreground: blocking dependents go first, then each owner's finalizer", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.deployments, { metadata: { name: "d", namespace: "default", uid: "u-d" } });
    client.seed(R.replicasets, { metadata: { name: "rs", namespace: "default", uid: "u-rs", ownerReferences: [ref("Deployment", "apps/v1", "d", "u-d", { controller: true, blockOwnerDeletion: true })] } });
    client.seed(R.pods, pod("p1", [rsRef("rs", "u-rs")]), pod("p2", [rsRef("rs", "u-rs")]));
  });
  await env.client.delete(R.deployments, "default", "d", { propagationPolicy: "Foreground" });
  assert.deepEqual(env.client.objectsOf(R.deployments)[0]?.metadata.finalizers, ["foregroundDeletion"]);
  await env.drain();
  assert.deepEqual(env.client.writes(), [
    "delete deployments default/d",
    "delete replicasets default/rs",
    "delete pods default/p1",
    "delete pods default/p2",
    "patch replicasets default/rs",
    "patch deployments default/d",
  ]);
  const rsDelete = env.client.actions.find((a) => a.verb === "delete" && a.resource === "replicasets");
  assert.equal((rsDelete?.object as { propagationPolicy?: string }).propagationPolicy, "Foreground");
  const finalizerPatch = env.client.actions.filter((a) => a.verb === "patch").at(-1);
  assert.equal(finalizerPatch?.patchType, "merge");
  assert.deepEqual((finalizerPatch?.object as { metadata: { finalizers: unknown } }).metadata.finalizers, null);
  assert.equal(env.client.objectsOf(R.deployments).length + env.client.objectsOf(R.replicasets).length + env.client.objectsOf(R.pods).length, 0);
});

test("foreground: only blocking dependents hold the owner", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.replicasets, { metadata: { name: "rs", namespace: "default", uid: "u-rs" } });
    client.seed(R.pods, pod("loose", [ref("ReplicaSet", "apps/v1", "rs", "u-rs")]));
  });
  await env.client.delete(R.replicasets, "default", "rs", { propagationPolicy: "Foreground" });
  await env.drain();
  // The owner is released at once; the dependent (owner now gone) is collected after.
  assert.deepEqual(env.client.objectsOf(R.replicasets), []);
  assert.deepEqual(env.client.objectsOf(R.pods), []);
});

test("orphan: references are removed from dependents, then the orphan finalizer", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.replicasets, { metadata: { name: "rs", namespace: "default", uid: "u-rs" } });
    client.seed(R.pods, pod("p1", [rsRef("rs", "u-rs")]), pod("p2", [rsRef("rs", "u-rs"), ref("ConfigMap", "v1", "keep", "u-keep")]));
    client.seed(R.configmaps, { metadata: { name: "keep", namespace: "default", uid: "u-keep" } });
  });
  await env.client.delete(R.replicasets, "default", "rs", { propagationPolicy: "Orphan" });
  await env.drain();
  assert.deepEqual(env.client.writes(), ["delete replicasets default/rs", "patch pods default/p1", "patch pods default/p2", "patch replicasets default/rs"]);
  assert.deepEqual(env.client.objectsOf(R.replicasets), []);
  const pods = env.client.objectsOf(R.pods).sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  assert.deepEqual(pods.map((p) => p.metadata.ownerReferences ?? []), [[], [ref("ConfigMap", "v1", "keep", "u-keep")]]);
});

test("a namespaced owner referenced from another namespace is invalid: event, and the dependent goes", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.configmaps, { metadata: { name: "owner", namespace: "a", uid: "u-owner" } });
    client.seed(R.configmaps, { metadata: { name: "ok", namespace: "a", ownerReferences: [ref("ConfigMap", "v1", "owner", "u-owner")] } });
  });
  await env.client.create(R.configmaps, "b", { metadata: { name: "bad", namespace: "b", ownerReferences: [ref("ConfigMap", "v1", "owner", "u-owner")] } });
  await env.drain();
  assert.deepEqual(env.recorder.events, ['Warning OwnerRefInvalidNamespace ownerRef [v1/ConfigMap, namespace: b, name: owner, uid: u-owner] does not exist in namespace "b"']);
  assert.deepEqual(env.client.writes(), ["create configmaps b/bad", "delete configmaps b/bad"]);
  assert.deepEqual(names(env.client.objectsOf(R.configmaps)), ["ok", "owner"]);
});

test("cluster-scoped owners hold namespaced dependents until they go", async () => {
  const env = await setup(({ client }) => {
    client.seed(R.nodes, { metadata: { name: "n1", uid: "u-n1" } });
    client.seed(R.leases, { metadata: { name: "n1", namespace: "kube-node-lease", ownerReferences: [ref("Node", "v1", "n1", "u-n1")] } });
  });
  assert.equal(env.client.objectsOf(R.leases).length, 1);
  await env.client.delete(R.nodes, undefined, "n1");
  await env.drain();
  assert.deepEqual(env.client.writes(), ["delete nodes n1", "delete leases kube-node-lease/n1"]);
});

test("custom resources fall back to a JSON merge patch; new types are picked up on resync", async () => {
  const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
  const widgets = { group: "example.com", version: "v1", resource: "widgets", kind: "Widget", namespaced: true };
  const served: DiscoveredResource[] = [{ ...R.configmaps, verbs }];
  const env = await setup(({ client }) => {
    client.seed(R.configmaps, { metadata: { name: "a", namespace: "default", uid: "u-a" } }, { metadata: { name: "b", namespace: "default", uid: "u-b" } });
    client.seed(widgets, { metadata: { name: "w", namespace: "default", ownerReferences: [ref("ConfigMap", "v1", "a", "u-a"), ref("ConfigMap", "v1", "b", "u-b")] } });
  }, served);
  assert.equal(env.gc.graph.get("u-a")?.dependents.size, 0);
  served.push({ ...widgets, verbs });
  await env.gc.syncMonitors();
  await env.drain();
  assert.equal(env.gc.graph.get("u-a")?.dependents.size, 1);
  env.client.clearActions();
  await env.client.delete(R.configmaps, "default", "a");
  await env.drain();
  assert.deepEqual(env.client.writes(), ["delete configmaps default/a", "patch widgets default/w", "patch widgets default/w"]);
  const [smp, merge] = env.client.actions.filter((a) => a.verb === "patch");
  assert.equal(smp?.patchType, "strategic");
  assert.equal(merge?.patchType, "merge");
  assert.deepEqual(env.client.objectsOf(widgets)[0]?.metadata.ownerReferences, [ref("ConfigMap", "v1", "b", "u-b")]);
});
