import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { CONTROLLER_REVISION_HASH_LABEL, type ControllerRevision } from "../history/revision.js";
import { defaultPodPhases, markRunningReady, testEnv, type TestEnv } from "../history/testutil.js";
import { StatefulSetController } from "./controller.js";
import type { StatefulSet, StatefulSetSpec } from "./core.js";

function web(spec: Partial<StatefulSetSpec> = {}): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", annotations: { "kubernetes.io/change-cause": "first" } },
    spec: {
      replicas: 3,
      serviceName: "nginx",
      selector: { matchLabels: { app: "web" } },
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } },
      volumeClaimTemplates: [
        { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
      ],
      ...spec,
    },
  };
}

interface Harness extends TestEnv {
  ctrl: StatefulSetController;
  sync(): Promise<string[]>;
  set(): StatefulSet;
  pods(): KObject[];
}

function harness(set: StatefulSet): Harness {
  const env = testEnv();
  env.client.seed(R.statefulsets, set);
  const ctrl = new StatefulSetController(env.ctx, { queue: env.queue });
  return {
    ...env,
    ctrl,
    async sync() {
      env.client.clearActions();
      await ctrl.sync("default/web");
      const writes = env.client.writes();
      await defaultPodPhases(env.client);
      return writes;
    },
    set: () => env.client.objectsOf<StatefulSet>(R.statefulsets)[0]!,
    pods: () => env.client.objectsOf(R.pods).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)),
  };
}

const names = (objs: KObject[]): string[] => objs.map((o) => o.metadata.name ?? "").sort();

async function rollToReady(h: Harness, name: string): Promise<void> {
  await markRunningReady(h.client, name);
}

test("OrderedReady creates web-0, waits for it Running and Ready, then web-1 and web-2, each after its claim", async () => {
  const h = harness(web());
  let writes = await h.sync();
  const rev = h.client.objectsOf<ControllerRevision>(R.controllerrevisions)[0]!;
  assert.match(rev.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.deepEqual(writes, [
    `create controllerrevisions default/${rev.metadata.name}`,
    "create persistentvolumeclaims default/data-web-0",
    "create pods default/web-0",
    "update statefulsets/status default/web",
  ]);
  assert.equal(rev.revision, 1);
  assert.equal(rev.metadata.labels?.app, "web");
  assert.equal(rev.metadata.annotations?.["kubernetes.io/change-cause"], "first");
  assert.equal(rev.metadata.ownerReferences?.[0]?.kind, "StatefulSet");
  const data = rev.data as { spec: { template: Record<string, unknown> } };
  assert.equal(data.spec.template.$patch, "replace");
  assert.deepEqual(Object.keys(data), ["spec"]);

  const [pod] = h.pods();
  assert.equal(pod!.metadata.name, "web-0");
  assert.deepEqual(pod!.metadata.labels, {
    app: "web",
    "statefulset.kubernetes.io/pod-name": "web-0",
    "apps.kubernetes.io/pod-index": "0",
    [CONTROLLER_REVISION_HASH_LABEL]: rev.metadata.name,
  });
  const spec = pod!.spec as { hostname?: string; subdomain?: string; volumes?: unknown[] };
  assert.equal(spec.hostname, "web-0");
  assert.equal(spec.subdomain, "nginx");
  assert.deepEqual(spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-web-0" } }]);
  assert.equal(pod!.metadata.ownerReferences?.[0]?.name, "web");
  const claim = h.client.objectsOf(R.persistentvolumeclaims)[0]!;
  assert.deepEqual(claim.metadata.labels, { app: "web" });
  assert.equal(claim.metadata.ownerReferences, undefined, "Retain/Retain: claims are not owned");
  assert.deepEqual(h.recorder.events, [
    `Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success`,
    "Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful",
  ]);

  // Pending: nothing more is created.
  writes = await h.sync();
  assert.deepEqual(writes, ["update statefulsets/status default/web"]);
  assert.equal(h.set().status?.replicas, 1);
  assert.deepEqual(names(h.pods()), ["web-0"]);

  await rollToReady(h, "web-0");
  writes = await h.sync();
  assert.deepEqual(writes, ["create persistentvolumeclaims default/data-web-1", "create pods default/web-1", "update statefulsets/status default/web"]);
  assert.equal(h.set().status?.readyReplicas, 1);

  await h.sync();
  await rollToReady(h, "web-1");
  await h.sync();
  assert.deepEqual(names(h.pods()), ["web-0", "web-1", "web-2"]);
  await rollToReady(h, "web-2");
  writes = await h.sync();
  assert.deepEqual(writes, ["update statefulsets/status default/web"]);
  assert.deepEqual(h.set().status, {
    observedGeneration: 1,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: rev.metadata.name,
    updateRevision: rev.metadata.name,
    collisionCount: 0,
    availableReplicas: 3,
  });
  assert.deepEqual(names(h.client.objectsOf(R.persistentvolumeclaims)), ["data-web-0", "data-web-1", "data-web-2"]);
  // Steady state: no writes at all.
  assert.deepEqual(await h.sync(), []);
});

async function readySet(spec: Partial<StatefulSetSpec> = {}): Promise<Harness> {
  const h = harness(web(spec));
  for (let i = 0; i < 10; i++) {
    await h.sync();
    for (const p of h.pods()) if ((p.status as { phase?: string }).phase !== "Running") await markRunningReady(h.client, p.metadata.name!);
  }
  await h.sync();
  assert.equal(h.set().status?.readyReplicas, spec.replicas ?? 3);
  h.recorder.events.length = 0;
  return h;
}

async function editSpec(h: Harness, edit: (s: StatefulSetSpec) => void): Promise<void> {
  const s = h.set();
  edit(s.spec!);
  await h.client.update(R.statefulsets, s);
}

test("scale down removes the highest ordinal first, one at a time, and keeps claims", async () => {
  const h = await readySet();
  await editSpec(h, (s) => (s.replicas = 1));
  let writes = await h.sync();
  assert.deepEqual(writes, ["delete pods default/web-2", "update statefulsets/status default/web"]);
  assert.deepEqual(h.recorder.events, ["Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful"]);
  writes = await h.sync();
  assert.deepEqual(writes, ["delete pods default/web-1", "update statefulsets/status default/web"]);
  assert.deepEqual(names(h.pods()), ["web-0"]);
  assert.equal(h.client.objectsOf(R.persistentvolumeclaims).length, 3);
  // Status counts the pods as the sync found them; the deletion's event brings the next sync.
  assert.equal(h.set().status?.replicas, 2);
  await h.sync();
  assert.equal(h.set().status?.replicas, 1);
});

test("rolling update replaces pods from the highest ordinal, waiting for each to be ready", async () => {
  const h = await readySet();
  const rev1 = h.set().status!.currentRevision!;
  await editSpec(h, (s) => ((s.template!.spec!.containers as { image: string }[])[0]!.image = "nginx:1.26"));
  let writes = await h.sync();
  const revs = h.client.objectsOf<ControllerRevision>(R.controllerrevisions);
  const rev2 = revs.find((r) => r.revision === 2)!;
  assert.ok(rev2 && rev2.metadata.name !== rev1);
  assert.deepEqual(writes, [`create controllerrevisions default/${rev2.metadata.name}`, "delete pods default/web-2", "update statefulsets/status default/web"]);
  assert.equal(h.set().status?.updateRevision, rev2.metadata.name);
  assert.equal(h.set().status?.currentRevision, rev1);
  assert.equal(h.set().status?.currentReplicas, 2);

  writes = await h.sync();
  assert.deepEqual(writes, ["create pods default/web-2", "update statefulsets/status default/web"]);
  const web2 = h.pods().find((p) => p.metadata.name === "web-2")!;
  assert.equal(web2.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL], rev2.metadata.name);
  assert.equal((web2.spec as { containers: { image: string }[] }).containers[0]!.image, "nginx:1.26");
  // web-2 is not ready yet: web-1 stays.
  assert.deepEqual(await h.sync(), ["update statefulsets/status default/web"]);
  await markRunningReady(h.client, "web-2");
  writes = await h.sync();
  assert.deepEqual(writes, ["delete pods default/web-1", "update statefulsets/status default/web"]);
  await h.sync();
  await markRunningReady(h.client, "web-1");
  await h.sync();
  await h.sync();
  await markRunningReady(h.client, "web-0");
  await h.sync();
  const st = h.set().status!;
  assert.equal(st.currentRevision, rev2.metadata.name);
  assert.equal(st.updateRevision, rev2.metadata.name);
  assert.equal(st.updatedReplicas, 3);
  assert.equal(st.currentReplicas, 3);
  for (const p of h.pods()) assert.equal(p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL], rev2.metadata.name);

  // Rolling back to the first template renumbers its revision instead of creating another.
  await editSpec(h, (s) => ((s.template!.spec!.containers as { image: string }[])[0]!.image = "nginx:1.25"));
  writes = await h.sync();
  assert.equal(writes[0], `update controllerrevisions default/${rev1}`);
  const back = h.client.objectsOf<ControllerRevision>(R.controllerrevisions).find((r) => r.metadata.name === rev1)!;
  assert.equal(back.revision, 3);
});

test("a partition keeps lower ordinals at the current revision", async () => {
  const h = await readySet({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } });
  await editSpec(h, (s) => ((s.template!.spec!.containers as { image: string }[])[0]!.image = "nginx:1.26"));
  const writes = await h.sync();
  assert.ok(writes.includes("delete pods default/web-2"));
  await h.sync();
  await markRunningReady(h.client, "web-2");
  assert.deepEqual(await h.sync(), ["update statefulsets/status default/web"]);
  const st = h.set().status!;
  assert.equal(st.updatedReplicas, 1);
  assert.equal(st.currentReplicas, 2);
  assert.notEqual(st.currentRevision, st.updateRevision);
});

test("OnDelete leaves pods alone until they are deleted", async () => {
  const h = await readySet({ updateStrategy: { type: "OnDelete" } });
  await editSpec(h, (s) => ((s.template!.spec!.containers as { image: string }[])[0]!.image = "nginx:1.26"));
  let writes = await h.sync();
  assert.ok(!writes.some((w) => w.startsWith("delete pods")));
  await h.client.delete(R.pods, "default", "web-1");
  writes = await h.sync();
  assert.ok(writes.includes("create pods default/web-1"));
  const web1 = h.pods().find((p) => p.metadata.name === "web-1")!;
  assert.equal(web1.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL], h.set().status?.updateRevision);
});

test("Parallel creates every pod at once and scales down all at once", async () => {
  const h = harness(web({ podManagementPolicy: "Parallel" }));
  const writes = await h.sync();
  assert.deepEqual(
    writes.filter((w) => w.startsWith("create pods")),
    ["create pods default/web-0", "create pods default/web-1", "create pods default/web-2"],
  );
  await editSpec(h, (s) => (s.replicas = 0));
  assert.deepEqual(
    (await h.sync()).filter((w) => w.startsWith("delete")),
    ["delete pods default/web-2", "delete pods default/web-1", "delete pods default/web-0"],
  );
});

test("retention policy Delete owns claims by the set, and by the pod once it is scaled away", async () => {
  const h = await readySet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } });
  const set = h.set();
  for (const c of h.client.objectsOf(R.persistentvolumeclaims)) {
    assert.deepEqual(c.metadata.ownerReferences?.map((r) => [r.kind, r.uid]), [["StatefulSet", set.metadata.uid]]);
  }
  await editSpec(h, (s) => (s.replicas = 2));
  const writes = await h.sync();
  assert.deepEqual(writes, ["update persistentvolumeclaims default/data-web-2", "delete pods default/web-2", "update statefulsets/status default/web"]);
  const claim = h.client.objectsOf(R.persistentvolumeclaims).find((c) => c.metadata.name === "data-web-2")!;
  assert.deepEqual(claim.metadata.ownerReferences?.map((r) => [r.kind, r.name]), [["Pod", "web-2"]]);
});

test("orphan pods and revisions matching the selector are adopted; history beyond the limit is trimmed", async () => {
  const h = harness(web({ replicas: 1, revisionHistoryLimit: 1 }));
  await h.sync();
  await markRunningReady(h.client, "web-0");
  // An orphan pod web-0 would be adopted; here: release and re-adopt by dropping the ownerReference.
  const pod = h.pods()[0]!;
  await h.client.update(R.pods, { ...pod, metadata: { ...pod.metadata, ownerReferences: undefined } });
  let writes = await h.sync();
  assert.equal(writes[0], "patch pods default/web-0");
  assert.equal(h.pods()[0]!.metadata.ownerReferences?.[0]?.uid, h.set().metadata.uid);

  for (const image of ["a", "b", "c"]) {
    await editSpec(h, (s) => ((s.template!.spec!.containers as { image: string }[])[0]!.image = image));
    for (let i = 0; i < 3; i++) {
      await h.sync();
      for (const p of h.pods()) if ((p.status as { phase?: string }).phase !== "Running") await markRunningReady(h.client, p.metadata.name!);
    }
  }
  writes = await h.sync();
  const revs = h.client.objectsOf<ControllerRevision>(R.controllerrevisions);
  // current + update are the same (live), one more kept as history.
  assert.equal(revs.length, 2);
  assert.deepEqual(revs.map((r) => r.revision).sort(), [3, 4]);
});
