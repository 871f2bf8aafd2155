import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClient, FakeClock, FakeInformerFactory, FakeRecorder } from "../client/fake.js";
import { R } from "../client/resources.js";
import { ApiError, type DeleteOptions, type KObject } from "../client/types.js";
import type { ControllerContext } from "../controllers/types.js";
import type { PodStatusFull } from "./pod.js";
import { startSimulatedNodes, type SimulatedNodesOptions } from "./simulator.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

async function setup(options: Partial<SimulatedNodesOptions> = {}, seed: (c: FakeClient) => void = () => {}) {
  const clock = new FakeClock(T0);
  const client = new FakeClient(clock);
  seed(client);
  const informers = new FakeInformerFactory(client);
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ctx: ControllerContext = { client, informers, recorder: () => new FakeRecorder(), clock, log: quiet };
  const h = startSimulatedNodes(ctx, { count: 3, ...options });
  await h.ready;
  await h.simulator.settle();
  const advance = async (ms: number) => {
    clock.advance(ms);
    await h.simulator.settle();
  };
  const pod = (name: string, ns = "default") => client.objectsOf(R.pods, ns).find((p) => p.metadata.name === name);
  return { clock, client, informers, h, advance, pod, settle: () => h.simulator.settle() };
}

const status = (p: KObject | undefined): PodStatusFull => (p?.status ?? {}) as PodStatusFull;
const leaseRenew = (c: FakeClient, name: string) => (c.objectsOf(R.leases, "kube-node-lease").find((l) => l.metadata.name === name)?.spec as { renewTime?: string } | undefined)?.renewTime;

function newPod(name: string, spec: Record<string, unknown> = {}, meta: Partial<KObject["metadata"]> = {}): KObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...meta }, spec: { containers: [{ name: "app", image: "nginx" }], ...spec } };
}

test("nodes register with distinct CIDRs and addresses, and leases are created and renewed", async () => {
  const t = await setup();
  try {
    assert.deepEqual(t.h.nodes, ["node-1", "node-2", "node-3"]);
    const nodes = t.client.objectsOf(R.nodes);
    assert.deepEqual(nodes.map((n) => (n.spec as { podCIDR: string }).podCIDR), ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
    assert.deepEqual(nodes.map((n) => (n.status as { addresses: { address: string }[] }).addresses[0]!.address), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    const leases = t.client.objectsOf(R.leases, "kube-node-lease");
    assert.equal(leases.length, 3);
    const l1 = leases.find((l) => l.metadata.name === "node-1")!;
    assert.deepEqual(l1.spec, { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" });
    assert.equal(l1.metadata.ownerReferences![0]!.uid, nodes[0]!.metadata.uid);

    t.client.clearActions();
    await t.advance(10_000);
    for (const n of t.h.nodes) assert.equal(leaseRenew(t.client, n), "2026-01-01T00:00:10.000000Z");
    assert.deepEqual(t.client.writes().sort(), ["update leases kube-node-lease/node-1", "update leases kube-node-lease/node-2", "update leases kube-node-lease/node-3"]);
    await t.advance(10_000);
    for (const n of t.h.nodes) assert.equal(leaseRenew(t.client, n), "2026-01-01T00:00:20.000000Z");

    // Node status (conditions' heartbeat) is re-posted about every five minutes.
    t.client.clearActions();
    for (let i = 0; i < 30; i++) await t.advance(10_000);
    const statusWrites = t.client.writes().filter((w) => w.startsWith("patch nodes/status"));
    assert.equal(statusWrites.length, 3);
    const ready = (t.client.objectsOf(R.nodes)[0]!.status as { conditions: { type: string; lastHeartbeatTime: string; lastTransitionTime: string }[] }).conditions.find((c) => c.type === "Ready")!;
    assert.notEqual(ready.lastHeartbeatTime, "2026-01-01T00:00:00Z");
    assert.equal(ready.lastTransitionTime, "2026-01-01T00:00:00Z");
    assert.equal((t.client.objectsOf(R.nodes)[0]!.status as { conditions: unknown[] }).conditions.length, 4);
  } finally {
    await t.h.stop();
  }
});

test("a pod bound to a simulated node goes Running with an IP from the node's CIDR", async () => {
  const t = await setup();
  try {
    await t.client.create(R.pods, "default", newPod("web", { nodeName: "node-2" }));
    await t.client.create(R.pods, "default", newPod("web2"));
    await t.client.createSubresource(R.pods, "default", "web2", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "web2" }, target: { kind: "Node", name: "node-2" } } as KObject);
    await t.client.create(R.pods, "default", newPod("host", { nodeName: "node-2", hostNetwork: true }));
    await t.client.create(R.pods, "default", newPod("elsewhere", { nodeName: "real-node" }));
    await t.settle();
    const web = status(t.pod("web"));
    assert.equal(web.phase, "Running");
    assert.equal(web.hostIP, "10.0.0.2");
    assert.equal(web.podIP, "10.244.1.2");
    assert.equal(status(t.pod("web2")).podIP, "10.244.1.3");
    assert.equal(status(t.pod("host")).podIP, "10.0.0.2");
    assert.equal(status(t.pod("elsewhere")).phase, undefined, "pods on other nodes are not touched");
    assert.match(web.containerStatuses![0]!.containerID!, /^kplane:\/\/[0-9a-f]{64}$/);
    assert.deepEqual(web.conditions!.map((c) => `${c.type}=${c.status}`), ["PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True", "PodScheduled=True"]);
    assert.equal(t.h.simulator.allocatedIPs("node-2"), 2);
    // Status is written through the status subresource, once per pod.
    assert.equal(t.client.writes().filter((w) => w === "update pods/status default/web").length, 1);
  } finally {
    await t.h.stop();
  }
});

test("a job pod succeeds after jobPodDurationMs", async () => {
  const t = await setup({ jobPodDurationMs: 2000 });
  try {
    const ref = { apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "job-1", controller: true, blockOwnerDeletion: true };
    await t.client.create(R.pods, "default", newPod("pi-x", { nodeName: "node-1", restartPolicy: "Never" }, { ownerReferences: [ref] }));
    await t.settle();
    assert.equal(status(t.pod("pi-x")).phase, "Running");
    await t.advance(1000);
    assert.equal(status(t.pod("pi-x")).phase, "Running");
    await t.advance(1000);
    const st = status(t.pod("pi-x"));
    assert.equal(st.phase, "Succeeded");
    assert.deepEqual(st.containerStatuses![0]!.state.terminated && [st.containerStatuses![0]!.state.terminated.exitCode, st.containerStatuses![0]!.state.terminated.reason], [0, "Completed"]);
    assert.equal(st.conditions!.find((c) => c.type === "Ready")!.reason, "PodCompleted");
    assert.equal(t.h.simulator.allocatedIPs("node-1"), 0, "the IP is free again");
  } finally {
    await t.h.stop();
  }
});

test("a pod being deleted gets the kubelet's final delete at once (no status write, as kwok)", async () => {
  const t = await setup();
  try {
    await t.client.create(R.pods, "default", newPod("web", { nodeName: "node-1" }));
    await t.settle();
    const uid = t.pod("web")!.metadata.uid;
    t.client.clearActions();
    await t.client.delete(R.pods, "default", "web");
    await t.settle();
    assert.equal(t.pod("web"), undefined);
    assert.deepEqual(t.client.writes(), ["delete pods default/web", "delete pods default/web"]);
    const final = t.client.actions.filter((a) => a.verb === "delete")[1]!.object as DeleteOptions;
    assert.deepEqual(final, { gracePeriodSeconds: 0, preconditions: { uid } });
    assert.equal(t.h.simulator.allocatedIPs("node-1"), 0);
  } finally {
    await t.h.stop();
  }
});

test("a pod that finalizers keep gets its containers terminated (Failed) before the final delete", async () => {
  const t = await setup();
  try {
    const p = newPod("job-pod", { nodeName: "node-1" });
    p.metadata.finalizers = ["batch.kubernetes.io/job-tracking"];
    await t.client.create(R.pods, "default", p);
    await t.settle();
    const uid = t.pod("job-pod")!.metadata.uid;
    t.client.clearActions();
    await t.client.delete(R.pods, "default", "job-pod");
    await t.settle();
    assert.deepEqual(t.client.writes(), ["delete pods default/job-pod", "update pods/status default/job-pod", "delete pods default/job-pod"]);
    const kill = t.client.actions.filter((a) => a.verb === "update")[0]!.object as KObject;
    assert.equal(status(kill).phase, "Failed");
    assert.equal(status(kill).containerStatuses![0]!.state.terminated!.exitCode, 143);
    const final = t.client.actions.filter((a) => a.verb === "delete")[1]!.object as DeleteOptions;
    assert.deepEqual(final, { gracePeriodSeconds: 0, preconditions: { uid } });
    const left = t.pod("job-pod")!;
    assert.equal(status(left).phase, "Failed", "the finalizer keeps the pod, with its terminal status");
  } finally {
    await t.h.stop();
  }
});

test("a deleted node registers again, with a fresh lease owner", async () => {
  const t = await setup({ count: 1 });
  try {
    const before = t.client.objectsOf(R.nodes)[0]!.metadata.uid;
    await t.client.delete(R.nodes, undefined, "node-1");
    await t.client.delete(R.leases, "kube-node-lease", "node-1"); // the garbage collector's part
    await t.settle();
    const after = t.client.objectsOf(R.nodes)[0]!;
    assert.notEqual(after.metadata.uid, before);
    await t.advance(10_000);
    const lease = t.client.objectsOf(R.leases, "kube-node-lease")[0]!;
    assert.equal(lease.metadata.ownerReferences![0]!.uid, after.metadata.uid);
    assert.equal((lease.spec as { renewTime: string }).renewTime, "2026-01-01T00:00:10.000000Z");
  } finally {
    await t.h.stop();
  }
});

test("a node whose Ready condition is knocked over reports healthy status again", async () => {
  const t = await setup({ count: 1 });
  try {
    const n = t.client.objectsOf(R.nodes)[0]!;
    const st = n.status as { conditions: { type: string; status: string; reason?: string }[] };
    st.conditions = st.conditions.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown", reason: "NodeStatusUnknown" } : c));
    await t.client.update(R.nodes, n, { subresource: "status" });
    await t.settle();
    const ready = (t.client.objectsOf(R.nodes)[0]!.status as typeof st).conditions.find((c) => c.type === "Ready")!;
    assert.deepEqual([ready.status, ready.reason], ["True", "KubeletReady"]);
  } finally {
    await t.h.stop();
  }
});

test("an existing node and its running pods are adopted: CIDR kept, pod IPs not handed out twice", async () => {
  const t = await setup({ count: 1 }, (c) => {
    c.seed(R.nodes, { apiVersion: "v1", kind: "Node", metadata: { name: "node-1", labels: { team: "a" } }, spec: { podCIDR: "10.99.0.0/24", podCIDRs: ["10.99.0.0/24"] } });
    c.seed(R.pods, { ...newPod("old", { nodeName: "node-1" }), status: { phase: "Running", podIP: "10.99.0.2", containerStatuses: [] } });
  });
  try {
    const node = t.client.objectsOf(R.nodes)[0]!;
    assert.equal(node.metadata.labels!.team, "a");
    assert.equal(node.metadata.labels!["kubernetes.io/hostname"], "node-1");
    assert.equal((node.spec as { podCIDR: string }).podCIDR, "10.99.0.0/24");
    assert.equal((node.status as { conditions: unknown[] }).conditions.length, 4);
    await t.client.create(R.pods, "default", newPod("new", { nodeName: "node-1" }));
    await t.settle();
    assert.equal(status(t.pod("new")).podIP, "10.99.0.3");
    assert.equal(status(t.pod("old")).podIP, "10.99.0.2");
    assert.equal(status(t.pod("old")).phase, "Running");
  } finally {
    await t.h.stop();
  }
});

test("static pods: a mirror pod per node, Running, posted again when deleted", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kplane-static-"));
  await writeFile(join(dir, "agent.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  namespace: kube-system\nspec:\n  containers:\n  - name: agent\n    image: busybox\n");
  const t = await setup({ count: 2, podManifestPath: dir });
  try {
    const mirrors = t.client.objectsOf(R.pods, "kube-system");
    assert.deepEqual(mirrors.map((p) => p.metadata.name).sort(), ["agent-node-1", "agent-node-2"]);
    const m1 = t.pod("agent-node-1", "kube-system")!;
    assert.equal(m1.metadata.annotations!["kubernetes.io/config.source"], "file");
    assert.equal(m1.metadata.ownerReferences![0]!.kind, "Node");
    assert.equal(status(m1).phase, "Running");
    assert.equal(status(m1).podIP, "10.244.0.2");
    await t.client.delete(R.pods, "kube-system", "agent-node-1");
    await t.settle();
    const again = t.pod("agent-node-1", "kube-system")!;
    assert.notEqual(again.metadata.uid, m1.metadata.uid);
    assert.equal(status(again).phase, "Running");

    // The manifests are read again every 20 s: a changed one replaces its mirrors, a removed one deletes them.
    const hash = again.metadata.annotations!["kubernetes.io/config.hash"];
    await writeFile(join(dir, "agent.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  namespace: kube-system\nspec:\n  containers:\n  - name: agent\n    image: busybox:1.37\n");
    await t.advance(20_000);
    const updated = t.pod("agent-node-1", "kube-system")!;
    assert.notEqual(updated.metadata.annotations!["kubernetes.io/config.hash"], hash);
    assert.equal(status(updated).containerStatuses![0]!.image, "docker.io/library/busybox:1.37");
    await rm(join(dir, "agent.yaml"));
    await t.advance(20_000);
    assert.deepEqual(t.client.objectsOf(R.pods, "kube-system"), []);
  } finally {
    await t.h.stop();
    await rm(dir, { recursive: true });
  }
});

test("a thousand nodes in one process", async () => {
  const started = Date.now();
  const t = await setup({ count: 1000 });
  try {
    const nodes = t.client.objectsOf(R.nodes);
    assert.equal(nodes.length, 1000);
    assert.equal(new Set(nodes.map((n) => (n.spec as { podCIDR: string }).podCIDR)).size, 1000);
    assert.equal(t.client.objectsOf(R.leases, "kube-node-lease").length, 1000);
    t.client.clearActions();
    await t.advance(10_000);
    assert.equal(t.client.writes().filter((w) => w.startsWith("update leases")).length, 1000);
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  } finally {
    await t.h.stop();
  }
});

test("a conflicting status write is retried; after stop() nothing more is written", async () => {
  const t = await setup({ count: 1 });
  let fail = 1;
  t.client.addReactor((a) => {
    if (a.verb === "update" && a.subresource === "status" && a.resource === "pods" && fail-- > 0) {
      return new ApiError(409, "Conflict", 'Operation cannot be fulfilled on pods "web": the object has been modified');
    }
    return undefined;
  });
  await t.client.create(R.pods, "default", newPod("web", { nodeName: "node-1" }));
  await t.settle();
  assert.equal(status(t.pod("web")).phase, undefined);
  await t.advance(1000);
  assert.equal(status(t.pod("web")).phase, "Running");
  await t.h.stop();
  t.client.clearActions();
  t.clock.advance(600_000);
  await t.client.create(R.pods, "default", newPod("late", { nodeName: "node-1" }));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(t.client.writes(), ["create pods default/late"]);
});
