import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import { ApiError } from "../../client/types.js";
import { testEnv } from "../job/testutil.js";
import { newReplicaSetController } from "../replicaset/controller.js";
import type { ReplicaSetLike } from "../replicaset/core.js";
import { newDeploymentController } from "./controller.js";
import { cluster, rolloutStatusMessage, revisionOfObj, type Cluster } from "./testutil.js";
import { POD_TEMPLATE_HASH, computeHash, getCondition, type Deployment } from "./util.js";

function deployment(replicas = 3, extra: Partial<Deployment["spec"]> = {}): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns", annotations: { "kubernetes.io/change-cause": "first" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } },
      ...extra,
    },
  };
}

const sets = (c: Cluster): ReplicaSetLike[] => c.client.objectsOf<ReplicaSetLike>(R.replicasets, "ns").sort((a, b) => Number(revisionOfObj(a)) - Number(revisionOfObj(b)));
const setImage = (c: Cluster, image: string, cause?: string): Promise<unknown> =>
  c.client.patch(R.deployments, "ns", "web", "merge", {
    ...(cause ? { metadata: { annotations: { "kubernetes.io/change-cause": cause } } } : {}),
    spec: { template: { spec: { containers: [{ name: "c", image }] } } },
  });
const scaling = (c: Cluster): string[] => c.recorder.events.filter((e) => e.includes("ScalingReplicaSet"));

test("a new deployment rolls out: replica set, pods, conditions, rollout status", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment());
  await c.dc.sync("ns/web");
  const [rs] = sets(c);
  const hash = computeHash(deployment().spec.template);
  assert.equal(rs!.metadata.name, `web-${hash}`);
  assert.deepEqual(rs!.metadata.labels, { app: "web", [POD_TEMPLATE_HASH]: hash });
  assert.deepEqual(rs!.spec?.selector, { matchLabels: { app: "web", [POD_TEMPLATE_HASH]: hash } });
  assert.deepEqual(rs!.spec?.template?.metadata?.labels, { app: "web", [POD_TEMPLATE_HASH]: hash });
  assert.equal(rs!.spec?.replicas, 3);
  assert.deepEqual(rs!.metadata.annotations, {
    "kubernetes.io/change-cause": "first",
    "deployment.kubernetes.io/revision": "1",
    "deployment.kubernetes.io/desired-replicas": "3",
    "deployment.kubernetes.io/max-replicas": "4",
  });
  assert.equal(rs!.metadata.ownerReferences?.[0]?.kind, "Deployment");
  assert.deepEqual(c.recorder.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`]);
  let d = c.deployment();
  assert.equal(revisionOfObj(d), "1");
  assert.equal(getCondition(d.status, "Progressing")?.reason, "NewReplicaSetCreated");
  assert.equal(getCondition(d.status, "Progressing")?.message, `Created new replica set "web-${hash}"`);
  assert.equal(getCondition(d.status, "Available")?.reason, "MinimumReplicasUnavailable");
  assert.equal(getCondition(d.status, "Available")?.message, "Deployment does not have minimum availability.");

  const msgs = await c.settle(2);
  assert.deepEqual(msgs, [
    // updatedReplicas counts the new replica set's pods, which its controller has only just created.
    'Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...',
    'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...',
  ]);
  const pods = c.client.objectsOf(R.pods, "ns");
  assert.equal(pods.length, 3);
  for (const p of pods) assert.equal(p.metadata.labels?.[POD_TEMPLATE_HASH], hash);
  d = c.deployment();
  assert.equal(getCondition(d.status, "Progressing")?.reason, "ReplicaSetUpdated");
  assert.equal(getCondition(d.status, "Progressing")?.message, `ReplicaSet "web-${hash}" is progressing.`);

  assert.deepEqual(await c.settle(2, true), ['deployment "web" successfully rolled out']);
  d = c.deployment();
  assert.deepEqual(
    { ...d.status, conditions: undefined },
    { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: undefined },
  );
  assert.deepEqual(
    d.status?.conditions?.map((x) => [x.type, x.status, x.reason, x.message]),
    [
      ["Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."],
      ["Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "web-${hash}" has successfully progressed.`],
    ],
  );
  // Settled: another sync writes nothing.
  c.client.clearActions();
  await c.dc.sync("ns/web");
  assert.deepEqual(c.client.writes(), []);
});

test("changing the image rolls pods over within maxSurge/maxUnavailable", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(4));
  await c.settle(3, true);
  const [first] = sets(c);
  c.recorder.events.length = 0;
  await setImage(c, "nginx:2", "second");
  assert.match(rolloutStatusMessage(c.deployment()), /Waiting for deployment spec update to be observed/);

  // Track the pod counts at each step: never over 4+1 (maxSurge 25% of 4 = 1), never fewer than 3 available.
  const msgs: string[] = [];
  for (let i = 0; i < 12; i++) {
    msgs.push(...(await c.settle(1, true)));
    const all = sets(c);
    const total = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const avail = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    assert.ok(total <= 5, `surge bound: ${total}`);
    assert.ok(avail >= 3, `availability bound: ${avail}`);
  }
  const [old, cur] = sets(c);
  assert.equal(old!.metadata.uid, first!.metadata.uid);
  assert.equal(old!.spec?.replicas, 0);
  assert.equal(cur!.spec?.replicas, 4);
  assert.equal(revisionOfObj(cur!), "2");
  assert.equal(cur!.metadata.annotations?.["kubernetes.io/change-cause"], "second");
  assert.equal(revisionOfObj(c.deployment()), "2");
  assert.equal(msgs.at(-1), 'deployment "web" successfully rolled out');
  assert.ok(msgs.some((m) => /old replicas are pending termination|new replicas have been updated/.test(m)), msgs.join("\n"));
  const ev = scaling(c);
  assert.equal(ev[0], `Normal ScalingReplicaSet Scaled up replica set ${cur!.metadata.name} from 0 to 1`);
  assert.ok(ev.includes(`Normal ScalingReplicaSet Scaled down replica set ${old!.metadata.name} from 4 to 3`), ev.join("\n"));
  assert.ok(ev.at(-1)?.includes(`Scaled down replica set ${old!.metadata.name} from 1 to 0`), ev.join("\n"));
});

test("paused deployments do not roll out; resuming does", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(2));
  await c.settle(3, true);
  await c.client.patch(R.deployments, "ns", "web", "merge", { spec: { paused: true } });
  await c.dc.sync("ns/web");
  let p = getCondition(c.deployment().status, "Progressing");
  assert.deepEqual([p?.status, p?.reason, p?.message], ["Unknown", "DeploymentPaused", "Deployment is paused"]);
  await setImage(c, "nginx:2");
  await c.settle(3, true);
  assert.equal(sets(c).length, 1, "no new replica set while paused");
  assert.equal(c.deployment().status?.observedGeneration, 3);

  await c.client.patch(R.deployments, "ns", "web", "merge", { spec: { paused: false } });
  await c.dc.sync("ns/web");
  assert.equal(sets(c).length, 2);
  p = getCondition(c.deployment().status, "Progressing");
  assert.equal(p?.reason, "NewReplicaSetCreated");
  assert.deepEqual(await c.settle(8, true).then((m) => m.at(-1)), 'deployment "web" successfully rolled out');
});

test("rollback (kubectl rollout undo) reuses the old replica set under a new revision", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(2));
  await c.settle(3, true);
  await setImage(c, "nginx:2", "second");
  await c.settle(8, true);
  const [rev1] = sets(c);
  // kubectl 1.32 rollout undo: the old template (minus pod-template-hash) and its annotations, copied back.
  const template = structuredClone(rev1!.spec!.template!);
  delete template.metadata!.labels![POD_TEMPLATE_HASH];
  await c.client.patch(R.deployments, "ns", "web", "json", [
    { op: "replace", path: "/spec/template", value: template },
    { op: "replace", path: "/metadata/annotations", value: { "kubernetes.io/change-cause": "first" } },
  ]);
  const msgs = await c.settle(8, true);
  assert.equal(msgs.at(-1), 'deployment "web" successfully rolled out');
  const all = c.client.objectsOf<ReplicaSetLike>(R.replicasets, "ns");
  assert.equal(all.length, 2, "no third replica set");
  const back = all.find((rs) => rs.metadata.uid === rev1!.metadata.uid)!;
  assert.equal(revisionOfObj(back), "3");
  assert.equal(back.metadata.annotations?.["deployment.kubernetes.io/revision-history"], "1");
  assert.equal(back.spec?.replicas, 2);
  assert.equal(revisionOfObj(c.deployment()), "3");
});

test("scaling a finished deployment scales its one replica set", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(3));
  await c.settle(3, true);
  c.recorder.events.length = 0;
  await c.client.patch(R.deployments, "ns", "web", "merge", { spec: { replicas: 5 } });
  await c.dc.sync("ns/web");
  const [rs] = sets(c);
  assert.equal(rs!.spec?.replicas, 5);
  assert.equal(rs!.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"], "5");
  assert.equal(rs!.metadata.annotations?.["deployment.kubernetes.io/max-replicas"], "7");
  assert.deepEqual(scaling(c), [`Normal ScalingReplicaSet Scaled up replica set ${rs!.metadata.name} from 3 to 5`]);
  assert.equal((await c.settle(3, true)).at(-1), 'deployment "web" successfully rolled out');
  assert.equal(c.client.objectsOf(R.pods, "ns").length, 5);
});

test("scaling mid-rollout is proportional across old and new replica sets", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(10));
  await c.settle(3, true);
  await setImage(c, "nginx:2");
  // maxSurge 3, maxUnavailable 2: new up to 3, old down to 8, new up to 5; no new pod ready yet.
  await c.settle(1);
  assert.deepEqual(sets(c).map((rs) => rs.spec?.replicas), [8, 5]);
  await c.client.patch(R.deployments, "ns", "web", "merge", { spec: { replicas: 20 } });
  c.recorder.events.length = 0;
  await c.dc.sync("ns/web");
  // Allowed 20+5 = 25, had 13 (max-replicas 13): old round(8*25/13)=15, new round(5*25/13)=10.
  assert.deepEqual(sets(c).map((rs) => rs.spec?.replicas), [15, 10]);
  assert.deepEqual(scaling(c).map((e) => e.replace(/web-[a-z0-9]+/, "web-x")), [
    "Normal ScalingReplicaSet Scaled up replica set web-x from 8 to 15",
    "Normal ScalingReplicaSet Scaled up replica set web-x from 5 to 10",
  ]);
});

test("Recreate scales old pods away before creating the new replica set", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(2, { strategy: { type: "Recreate" } }));
  await c.settle(3, true);
  await setImage(c, "nginx:2");
  await c.dc.sync("ns/web");
  assert.equal(sets(c).length, 1, "no new replica set while old pods run");
  assert.equal(sets(c)[0]!.spec?.replicas, 0);
  await c.settle(6, true);
  const [old, cur] = sets(c);
  assert.equal(old!.spec?.replicas, 0);
  assert.equal(cur!.spec?.replicas, 2);
  assert.equal(rolloutStatusMessage(c.deployment()), 'deployment "web" successfully rolled out');
});

test("progressDeadlineSeconds: no progress for too long is ProgressDeadlineExceeded", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(1, { progressDeadlineSeconds: 60 }));
  await c.settle(2);
  c.queue.clear();
  await c.dc.sync("ns/web");
  assert.equal(c.queue.after.length, 1, "requeued for the deadline");
  assert.ok(c.queue.after[0]!.delayMs > 59_000 && c.queue.after[0]!.delayMs <= 61_000);
  c.clock.advance(61_000);
  await c.dc.sync("ns/web");
  const p = getCondition(c.deployment().status, "Progressing");
  assert.deepEqual([p?.status, p?.reason], ["False", "ProgressDeadlineExceeded"]);
  assert.match(p?.message ?? "", /^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
  assert.equal(rolloutStatusMessage(c.deployment()), 'error: deployment "web" exceeded its progress deadline');
});

test("revisionHistoryLimit deletes the oldest unused replica sets", async () => {
  const c = cluster();
  c.client.seed(R.deployments, deployment(1, { revisionHistoryLimit: 1 }));
  await c.settle(3, true);
  for (const image of ["nginx:2", "nginx:3", "nginx:4"]) {
    await setImage(c, image);
    await c.settle(6, true);
  }
  const revs = sets(c).map((rs) => revisionOfObj(rs));
  assert.deepEqual(revs, ["3", "4"]);
});

test("a failing replica set's ReplicaFailure shows on the deployment", async () => {
  const c = cluster();
  c.client.addReactor((a) => (a.verb === "create" && a.resource === "pods" ? new ApiError(403, "Forbidden", "exceeded quota") : undefined));
  c.client.seed(R.deployments, deployment(1));
  await c.dc.sync("ns/web");
  const [rs] = sets(c);
  await assert.rejects(c.rsc.sync(`ns/${rs!.metadata.name}`));
  await c.dc.sync("ns/web");
  const f = getCondition(c.deployment().status, "ReplicaFailure");
  assert.deepEqual([f?.status, f?.reason, f?.message], ["True", "FailedCreate", "exceeded quota"]);
});

test("run(): both controllers on real work queues bring a deployment's pods up", async () => {
  const env = testEnv();
  const ac = new AbortController();
  const runs = [newDeploymentController(env.ctx).run(ac.signal, 2), newReplicaSetController(env.ctx).run(ac.signal, 2)];
  await env.client.create(R.deployments, "ns", deployment(3));
  for (let i = 0; i < 100 && env.client.objectsOf(R.pods, "ns").length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await Promise.all(runs);
  assert.equal(env.client.objectsOf(R.pods, "ns").length, 3);
  assert.equal(env.client.objectsOf(R.replicasets, "ns").length, 1);
});
