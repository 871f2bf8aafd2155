import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import { ApiError, type DiscoveredResource, type KObject } from "../../client/types.js";
import { testEnv, type TestEnv } from "../job/testutil.js";
import { newNamespaceController } from "./controller.js";
import { mergeConditions, podGraceEstimate, requeueAfterMs, type NamespaceCondition } from "./core.js";

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const served: DiscoveredResource[] = [R.pods, R.configmaps, R.deployments, R.namespaces, R.nodes].map((t) => ({ ...t, verbs }));

/**
 * FakeClient removes an object being deleted once metadata.finalizers is empty; the API server
 * keeps a namespace until spec.finalizers is empty too. A placeholder metadata finalizer stands
 * in for that here, so status writes do not drop the namespace.
 */
function terminating(name: string, at: string): KObject {
  return {
    metadata: { name, deletionTimestamp: at, finalizers: ["kplane.test/hold"] },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

function setup(): TestEnv & { ns: () => KObject & { status: { phase?: string; conditions?: NamespaceCondition[] }; spec: { finalizers?: string[] } } } {
  const env = testEnv();
  env.client.served = served;
  return { ...env, ns: () => env.client.objectsOf(R.namespaces).find((n) => n.metadata.name === "demo") as never };
}

const condition = (conds: NamespaceCondition[] | undefined, type: string): NamespaceCondition | undefined => conds?.find((c) => c.type === type);

test("a terminating namespace is emptied, waits for graceful pods, then is finalized", async () => {
  const env = setup();
  const now = new Date(env.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  env.client.seed(R.namespaces, terminating("demo", now));
  env.client.seed(R.pods, { metadata: { name: "p1", namespace: "demo" }, spec: { nodeName: "n1", terminationGracePeriodSeconds: 30 }, status: { phase: "Running" } });
  env.client.seed(R.configmaps, { metadata: { name: "cm1", namespace: "demo" } });
  env.client.seed(R.deployments, { metadata: { name: "d1", namespace: "demo" } });
  env.client.seed(R.configmaps, { metadata: { name: "other", namespace: "default" } });
  const ctl = newNamespaceController(env.ctx, { queue: env.queue });
  assert.deepEqual(env.queue.after, [{ key: "demo", delayMs: 5000 }]);

  await ctl.sync("demo");
  assert.deepEqual(env.client.writes(), [
    "update namespaces/status demo",
    "delete pods demo/p1",
    "delete configmaps demo/cm1",
    "delete deployments demo/d1",
    "update namespaces/status demo",
  ]);
  const deleteOpts = env.client.actions.filter((a) => a.verb === "delete").map((a) => a.object);
  assert.ok(deleteOpts.every((o) => (o as { propagationPolicy?: string }).propagationPolicy === "Background"));
  let ns = env.ns();
  assert.equal(ns.status.phase, "Terminating");
  assert.deepEqual(condition(ns.status.conditions, "NamespaceContentRemaining"), {
    type: "NamespaceContentRemaining",
    status: "True",
    lastTransitionTime: now,
    reason: "SomeResourcesRemain",
    message: "Some resources are remaining: pods. has 1 resource instances",
  });
  assert.equal(condition(ns.status.conditions, "NamespaceDeletionDiscoveryFailure")?.reason, "ResourcesDiscovered");
  assert.equal(condition(ns.status.conditions, "NamespaceFinalizersRemaining")?.status, "False");
  assert.deepEqual(ns.spec.finalizers, ["kubernetes"]);
  // Grace 30 s: requeued after 30/2+1 s.
  assert.deepEqual(env.queue.after.at(-1), { key: "demo", delayMs: 16_000 });
  assert.equal(env.client.objectsOf(R.configmaps, "default").length, 1);

  // The kubelet finishes the pod; the next pass finds nothing and finalizes.
  await env.client.delete(R.pods, "demo", "p1", { gracePeriodSeconds: 0 });
  env.clock.advance(16_000);
  env.client.clearActions();
  await ctl.sync("demo");
  assert.deepEqual(env.client.writes(), ["update namespaces/status demo", "update namespaces/finalize demo"]);
  ns = env.ns();
  assert.deepEqual(ns.spec.finalizers, []);
  assert.equal(condition(ns.status.conditions, "NamespaceContentRemaining")?.message, "All content successfully removed");
  assert.equal(condition(ns.status.conditions, "NamespaceContentRemaining")?.status, "False");
});

test("items held by finalizers are reported and waited for", async () => {
  const env = setup();
  env.client.seed(R.namespaces, { ...terminating("demo", "2026-01-01T00:00:00Z"), status: { phase: "Terminating" } });
  env.client.seed(R.configmaps, { metadata: { name: "held", namespace: "demo", finalizers: ["example.com/keep"] } });
  env.client.seed(R.configmaps, { metadata: { name: "held2", namespace: "demo", finalizers: ["example.com/keep"] } });
  const ctl = newNamespaceController(env.ctx, { queue: env.queue });
  env.queue.clear();
  await ctl.sync("demo");
  const ns = env.ns();
  assert.equal(condition(ns.status.conditions, "NamespaceContentRemaining")?.message, "Some resources are remaining: configmaps. has 2 resource instances");
  assert.equal(condition(ns.status.conditions, "NamespaceFinalizersRemaining")?.message, "Some finalizers are remaining: example.com/keep in 2 resource instances");
  assert.equal(condition(ns.status.conditions, "NamespaceFinalizersRemaining")?.reason, "SomeFinalizerRemain");
  assert.deepEqual(env.queue.after.at(-1), { key: "demo", delayMs: 8000 });
  assert.deepEqual(ns.spec.finalizers, ["kubernetes"]);
});

test("a discovery failure is a condition and an error to retry", async () => {
  const env = setup();
  env.client.seed(R.namespaces, { ...terminating("demo", "2026-01-01T00:00:00Z"), status: { phase: "Terminating" } });
  env.client.discovery = async () => {
    throw new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
  };
  const ctl = newNamespaceController(env.ctx, { queue: env.queue });
  await assert.rejects(ctl.sync("demo"), /unable to handle/);
  const c = condition(env.ns().status.conditions, "NamespaceDeletionDiscoveryFailure");
  assert.equal(c?.status, "True");
  assert.equal(c?.reason, "DiscoveryFailed");
  assert.equal(c?.message, "the server is currently unable to handle the request");
  assert.deepEqual(env.ns().spec.finalizers, ["kubernetes"]);
});

test("items left without finalizers or grace are a content failure", async () => {
  const env = setup();
  env.client.seed(R.namespaces, { ...terminating("demo", "2026-01-01T00:00:00Z"), status: { phase: "Terminating" } });
  env.client.seed(R.configmaps, { metadata: { name: "stuck", namespace: "demo" } });
  // The server refuses the delete: the item stays without a finalizer.
  env.client.addReactor((a) => (a.verb === "delete" ? new ApiError(403, "Forbidden", "no") : undefined));
  const ctl = newNamespaceController(env.ctx, { queue: env.queue });
  await assert.rejects(ctl.sync("demo"), /no/);
  const c = condition(env.ns().status.conditions, "NamespaceDeletionContentFailure");
  assert.equal(c?.reason, "ContentDeletionFailed");
  assert.equal(c?.message, "Failed to delete all resource types, 1 remaining: no");
});

test("namespaces not being deleted are left alone", async () => {
  const env = setup();
  env.client.seed(R.namespaces, { metadata: { name: "demo" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  const ctl = newNamespaceController(env.ctx, { queue: env.queue });
  assert.deepEqual(env.queue.after, []);
  await ctl.sync("demo");
  await ctl.sync("gone");
  assert.deepEqual(env.client.writes(), []);
});

test("core: pod grace estimate, requeue delay and condition merging", () => {
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const pods: KObject[] = [
    { metadata: { name: "a" }, spec: { terminationGracePeriodSeconds: 10 }, status: { phase: "Running" } },
    { metadata: { name: "b" }, spec: { terminationGracePeriodSeconds: 60 }, status: { phase: "Succeeded" } },
  ];
  assert.equal(podGraceEstimate(pods, t0, t0 + 5000), 10);
  assert.equal(podGraceEstimate(pods, t0, t0 + 10_000), 0);
  assert.equal(requeueAfterMs(15), 8000);
  assert.equal(requeueAfterMs(0), 1000);
  const first = mergeConditions(undefined, [], "T1");
  assert.equal(first.changed, true);
  assert.equal(first.conditions.length, 5);
  const again = mergeConditions(first.conditions, [], "T2");
  assert.equal(again.changed, false);
  const failing = mergeConditions(first.conditions, [{ type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: "m", lastTransitionTime: "T3" }], "T3");
  const c = failing.conditions.find((x) => x.type === "NamespaceContentRemaining");
  assert.equal(c?.lastTransitionTime, "T3");
  assert.equal(failing.conditions.find((x) => x.type === "NamespaceFinalizersRemaining")?.lastTransitionTime, "T1");
});
