import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { CONTROLLER_REVISION_HASH_LABEL, type ControllerRevision } from "../history/revision.js";
import { defaultPodPhases, markRunningReady, testEnv, type TestEnv } from "../history/testutil.js";
import { DaemonSetController } from "./controller.js";
import { targetNodeName, type DaemonSet, type DaemonSetSpec, type Node } from "./core.js";

const node = (name: string, taints: Node["spec"] extends infer S ? (S extends { taints?: infer T } ? T : never) : never = []): Node => ({
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
  spec: taints && taints.length ? { taints } : {},
});

function agent(spec: Partial<DaemonSetSpec> = {}): DaemonSet {
  return {
    metadata: { name: "agent", namespace: "default", annotations: { "deprecated.daemonset.template.generation": "1" } },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "agent:1" }] } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

interface Harness extends TestEnv {
  sync(): Promise<string[]>;
  ds(): DaemonSet;
  pods(): KObject[];
  readyAll(): Promise<void>;
}

function harness(ds: DaemonSet, nodes: Node[]): Harness {
  const env = testEnv();
  env.client.seed(R.nodes, ...nodes);
  env.client.seed(R.daemonsets, ds);
  const ctrl = new DaemonSetController(env.ctx, { queue: env.queue });
  const h: Harness = {
    ...env,
    async sync() {
      env.client.clearActions();
      await ctrl.sync("default/agent");
      const w = env.client.writes();
      await defaultPodPhases(env.client);
      return w;
    },
    ds: () => env.client.objectsOf<DaemonSet>(R.daemonsets)[0]!,
    pods: () => env.client.objectsOf(R.pods),
    async readyAll() {
      for (const p of h.pods()) if ((p.status as { phase?: string }).phase !== "Running") await markRunningReady(env.client, p.metadata.name!);
    },
  };
  return h;
}

const nodesOf = (pods: KObject[]): string[] => pods.map((p) => targetNodeName(p) ?? "?").sort();

test("one pod per eligible node: the NoSchedule-tainted node gets none", async () => {
  const h = harness(agent(), [node("n1"), node("n2"), node("n3", [{ key: "dedicated", value: "db", effect: "NoSchedule" }])]);
  const writes = await h.sync();
  const rev = h.client.objectsOf<ControllerRevision>(R.controllerrevisions)[0]!;
  const pods = h.pods();
  assert.deepEqual(writes, [
    `create controllerrevisions default/${rev.metadata.name}`,
    "create pods default/",
    "create pods default/",
    "update daemonsets/status default/agent",
  ]);
  assert.equal(pods.length, 2);
  assert.deepEqual(nodesOf(pods), ["n1", "n2"]);
  const hash = rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]!;
  assert.equal(rev.metadata.name, `agent-${hash}`);
  assert.equal(rev.revision, 1);
  const pod = pods[0]!;
  assert.equal(pod.metadata.generateName, "agent-");
  assert.ok(pod.metadata.name?.startsWith("agent-"));
  assert.deepEqual(pod.metadata.labels, { app: "agent", "pod-template-generation": "1", [CONTROLLER_REVISION_HASH_LABEL]: hash });
  const spec = pod.spec as { nodeName?: string; affinity: unknown; tolerations: { key: string; effect: string }[] };
  assert.equal(spec.nodeName, undefined, "the scheduler binds daemon pods");
  assert.deepEqual(spec.affinity, {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [targetNodeName(pod)] }] }] } },
  });
  assert.deepEqual(spec.tolerations.map((t) => `${t.key}:${t.effect}`), [
    "node.kubernetes.io/not-ready:NoExecute",
    "node.kubernetes.io/unreachable:NoExecute",
    "node.kubernetes.io/disk-pressure:NoSchedule",
    "node.kubernetes.io/memory-pressure:NoSchedule",
    "node.kubernetes.io/pid-pressure:NoSchedule",
    "node.kubernetes.io/unschedulable:NoSchedule",
  ]);
  assert.deepEqual(h.recorder.events.sort(), pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort());
  assert.deepEqual(h.ds().status, {
    currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 0, observedGeneration: 1, updatedNumberScheduled: 2, numberUnavailable: 2,
  });

  await h.readyAll();
  await h.sync();
  assert.equal(h.ds().status?.numberReady, 2);
  assert.equal(h.ds().status?.numberAvailable, 2);
  assert.equal(h.ds().status?.numberUnavailable, undefined);
  assert.deepEqual(await h.sync(), [], "steady state");

  // A new node gets a pod; tainting a node NoExecute evicts its pod.
  await h.client.create(R.nodes, undefined, node("n4"));
  assert.ok((await h.sync()).includes("create pods default/"));
  const n1 = (await h.client.get<Node>(R.nodes, undefined, "n1"));
  await h.client.update(R.nodes, { ...n1, spec: { taints: [{ key: "gone", effect: "NoExecute" }] } });
  const writes2 = await h.sync();
  assert.ok(writes2.some((w) => w.startsWith("delete pods")));
  assert.deepEqual(nodesOf(h.pods()), ["n2", "n4"]);
});

test("nodeSelector, hostNetwork toleration of network-unavailable", async () => {
  const nodes = [node("n1"), { ...node("n2"), metadata: { name: "n2", labels: { disk: "ssd" } } }, node("n3", [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }])];
  const h = harness(agent({ template: { metadata: { labels: { app: "agent" } }, spec: { hostNetwork: true, containers: [] } } }), nodes);
  await h.sync();
  assert.deepEqual(nodesOf(h.pods()), ["n1", "n2", "n3"]);
  const h2 = harness(agent({ template: { metadata: { labels: { app: "agent" } }, spec: { nodeSelector: { disk: "ssd" }, containers: [] } } }), nodes);
  await h2.sync();
  assert.deepEqual(nodesOf(h2.pods()), ["n2"]);
});

test("rolling update with maxUnavailable 1 replaces one node at a time", async () => {
  const h = harness(agent(), [node("n1"), node("n2"), node("n3")]);
  await h.sync();
  await h.readyAll();
  await h.sync();
  const ds = h.ds();
  (ds.spec!.template!.spec!.containers as { image: string }[])[0]!.image = "agent:2";
  ds.metadata.annotations = { "deprecated.daemonset.template.generation": "2" };
  await h.client.update(R.daemonsets, ds);
  let writes = await h.sync();
  const revs = h.client.objectsOf<ControllerRevision>(R.controllerrevisions);
  assert.equal(revs.length, 2);
  const rev2 = revs.find((r) => r.revision === 2)!;
  assert.equal(writes[0], `create controllerrevisions default/${rev2.metadata.name}`);
  assert.equal(writes.filter((w) => w.startsWith("delete pods")).length, 1);
  // The deleted node gets its new pod on the next sync; nothing else goes while it is unready.
  writes = await h.sync();
  assert.deepEqual(writes.filter((w) => !w.includes("status")), ["create pods default/"]);
  writes = await h.sync();
  assert.ok(!writes.some((w) => w.startsWith("delete")));
  for (let i = 0; i < 6; i++) {
    await h.readyAll();
    await h.sync();
  }
  const hash2 = rev2.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  assert.equal(h.pods().length, 3);
  for (const p of h.pods()) assert.equal(p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL], hash2);
  const st = h.ds().status!;
  assert.equal(st.updatedNumberScheduled, 3);
  assert.equal(st.numberAvailable, 3);
  assert.equal(st.observedGeneration, 2);
});

test("rolling update with maxSurge creates the new pod before deleting the old one", async () => {
  const h = harness(agent({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }), [node("n1"), node("n2")]);
  await h.sync();
  await h.readyAll();
  await h.sync();
  const ds = h.ds();
  (ds.spec!.template!.spec!.containers as { image: string }[])[0]!.image = "agent:2";
  // The API server bumps the template generation with the template; the fake does not.
  ds.metadata.annotations = { "deprecated.daemonset.template.generation": "2" };
  await h.client.update(R.daemonsets, ds);
  let writes = await h.sync();
  assert.deepEqual(writes.filter((w) => w.includes("pods")), ["create pods default/"]);
  assert.equal(h.pods().length, 3);
  writes = await h.sync();
  assert.ok(!writes.some((w) => w.includes("pods")), "waits for the surge pod");
  await h.readyAll();
  writes = await h.sync();
  assert.ok(writes.some((w) => w.startsWith("delete pods")));
  for (let i = 0; i < 4; i++) {
    await h.readyAll();
    await h.sync();
  }
  assert.equal(h.pods().length, 2);
  assert.equal(h.ds().status?.updatedNumberScheduled, 2);
});

test("OnDelete keeps old pods until deleted; failed pods are replaced", async () => {
  const h = harness(agent({ updateStrategy: { type: "OnDelete" } }), [node("n1")]);
  await h.sync();
  const ds = h.ds();
  (ds.spec!.template!.spec!.containers as { image: string }[])[0]!.image = "agent:2";
  await h.client.update(R.daemonsets, ds);
  let writes = await h.sync();
  assert.ok(!writes.some((w) => w.includes(" pods")));
  const [pod] = h.pods();
  await h.client.update(R.pods, { ...pod!, status: { phase: "Failed" } }, { subresource: "status" });
  writes = await h.sync();
  assert.ok(writes.includes(`delete pods default/${pod!.metadata.name}`));
  assert.ok(h.recorder.events.includes(`Warning FailedDaemonPod Found failed daemon pod default/${pod!.metadata.name} on node n1, will try to kill it`));
  writes = await h.sync();
  assert.deepEqual(writes.filter((w) => w.includes("pods")), ["create pods default/"]);
});

test("an empty selector is refused with kube's warning", async () => {
  const h = harness(agent({ selector: {} }), [node("n1")]);
  assert.deepEqual(await h.sync(), []);
  assert.deepEqual(h.recorder.events, ["Warning SelectingAll This daemon set is selecting all pods. A non-empty selector is required."]);
});

test("run() drives syncs from informer events until aborted", async () => {
  const env = testEnv();
  env.client.seed(R.nodes, node("n1"), node("n2"));
  const ctrl = new DaemonSetController(env.ctx);
  const ac = new AbortController();
  const running = ctrl.run(ac.signal, 2);
  await env.client.create(R.daemonsets, "default", agent());
  for (let i = 0; i < 100 && env.client.objectsOf(R.pods).length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(nodesOf(env.client.objectsOf(R.pods)), ["n1", "n2"]);
  ac.abort();
  await running;
});
