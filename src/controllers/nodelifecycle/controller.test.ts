import assert from "node:assert/strict";
import { test } from "node:test";
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { RecordingQueue, T0, iso, node, pod, testEnv } from "../endpointslice/testutil.js";
import { podCondition } from "../util/pods.js";
import { KEY_MONITOR, newNodeLifecycleController } from "./controller.js";
import { computeZoneState, matchingTolerations, minTolerationMs, noScheduleTaintDiff, type Lease, type Node, type NodeCondition } from "./core.js";
import { newTaintEvictionController } from "./taint-eviction.js";

function readyNode(name: string, at: number): Node {
  const n = node(name) as Node;
  const c = (type: string, status: "True" | "False"): NodeCondition => ({ type, status, lastHeartbeatTime: iso(at), lastTransitionTime: iso(T0 - 3_000_000), reason: "KubeletReady", message: "ok" });
  n.status = { conditions: [c("MemoryPressure", "False"), c("DiskPressure", "False"), c("PIDPressure", "False"), c("Ready", "True")] };
  return n;
}

function lease(name: string, at: number): Lease {
  return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date(at).toISOString().replace("Z", "000Z") } };
}

function setup() {
  const env = testEnv();
  env.client.seed(R.nodes, readyNode("n1", T0), readyNode("n2", T0));
  env.client.seed(R.leases, lease("n1", T0), lease("n2", T0));
  const forever = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" };
  const fiveMinutes = { ...forever, tolerationSeconds: 300 };
  env.client.seed(
    R.pods,
    pod("plain", { ip: "10.1.0.1", node: "n1", ready: true }),
    pod("patient", { ip: "10.1.0.2", node: "n1", ready: true, tolerations: [fiveMinutes] }),
    pod("stubborn", { ip: "10.1.0.3", node: "n1", ready: true, tolerations: [forever] }),
    pod("elsewhere", { ip: "10.1.0.4", node: "n2", ready: true }),
  );
  const nlc = newNodeLifecycleController(env.ctx, { queue: env.queue });
  const taintQueue = new RecordingQueue();
  const tec = newTaintEvictionController(env.ctx, { queue: taintQueue });
  const getNode = (name: string): Node => env.client.objectsOf<Node>(R.nodes).find((n) => n.metadata.name === name)!;
  const getPod = (name: string): KObject | undefined => env.client.objectsOf(R.pods).find((p) => p.metadata.name === name);
  const renew = async (name: string): Promise<void> => {
    const l = env.client.objectsOf<Lease>(R.leases).find((x) => x.metadata.name === name)!;
    await env.client.update(R.leases, { ...l, spec: { ...l.spec, renewTime: new Date(env.clock.now()).toISOString().replace("Z", "000Z") } });
  };
  /** Runs what the queues asked for since the last call, as the workers would. */
  const drain = async (): Promise<void> => {
    for (const k of env.queue.added.splice(0)) await nlc.sync(k);
    for (const k of taintQueue.added.splice(0)) await tec.sync(k);
  };
  return { ...env, nlc, tec, taintQueue, getNode, getPod, renew, drain };
}

const taintsOf = (n: Node): string[] => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}@${t.timeAdded}`);

test("a node whose lease goes stale becomes Unknown, is tainted, and its pods are evicted as their tolerations allow", async () => {
  const t = setup();
  await t.nlc.sync(KEY_MONITOR);
  await t.drain();
  assert.deepEqual(t.recorder.events, ["Normal RegisteredNode Node n1 event: Registered Node n1 in Controller", "Normal RegisteredNode Node n2 event: Registered Node n2 in Controller"]);
  assert.deepEqual(t.client.writes(), []);
  assert.deepEqual(t.queue.after, [{ key: KEY_MONITOR, delayMs: 5000 }]);

  // 40 s on, n2 renews its lease and n1 does not: still within the 50 s grace period.
  t.clock.advance(40_000);
  await t.renew("n2");
  await t.nlc.sync(KEY_MONITOR);
  assert.deepEqual(t.client.writes(), ["update leases kube-node-lease/n2"]);

  // 51 s after n1's last renewal: Unknown.
  t.clock.advance(11_000);
  await t.renew("n2");
  t.client.clearActions();
  t.recorder.events.length = 0;
  await t.nlc.sync(KEY_MONITOR);
  const n1 = t.getNode("n1");
  const ready = n1.status!.conditions!.find((c) => c.type === "Ready")!;
  assert.deepEqual(ready, { type: "Ready", status: "Unknown", lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0 + 51_000), reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
  assert.deepEqual(n1.status!.conditions!.map((c) => `${c.type}=${c.status}`), ["MemoryPressure=Unknown", "DiskPressure=Unknown", "PIDPressure=Unknown", "Ready=Unknown"]);
  assert.equal(t.getNode("n2").status!.conditions!.find((c) => c.type === "Ready")!.status, "True");
  assert.deepEqual(t.client.writes(), ["update nodes/status n1", "update pods/status default/plain", "update pods/status default/patient", "update pods/status default/stubborn"]);
  assert.equal(podCondition(t.getPod("plain")!, "Ready")?.status, "False");
  assert.equal(podCondition(t.getPod("plain")!, "Ready")?.lastTransitionTime, iso(T0 + 51_000));
  assert.equal(podCondition(t.getPod("elsewhere")!, "Ready")?.status, "True");
  assert.deepEqual(t.recorder.events, [
    "Normal NodeNotReady Node n1 status is now: NodeNotReady",
    "Warning NodeNotReady Node is not ready",
    "Warning NodeNotReady Node is not ready",
    "Warning NodeNotReady Node is not ready",
  ]);

  // The node update queues its NoSchedule pass: unreachable:NoSchedule.
  t.client.clearActions();
  await t.drain();
  assert.deepEqual(t.client.writes(), ["patch nodes n1"]);
  assert.deepEqual(taintsOf(t.getNode("n1")), [`node.kubernetes.io/unreachable:NoSchedule@${iso(T0 + 51_000)}`]);

  // Next monitor pass sees Unknown as the observed state and queues the NoExecute taint; the tainting pass adds it.
  t.clock.advance(5_000);
  await t.renew("n2");
  await t.nlc.sync(KEY_MONITOR);
  await t.nlc.sync("noexecute");
  assert.deepEqual(taintsOf(t.getNode("n1")), [`node.kubernetes.io/unreachable:NoSchedule@${iso(T0 + 51_000)}`, `node.kubernetes.io/unreachable:NoExecute@${iso(T0 + 56_000)}`]);

  // Taint eviction: the pod without a toleration goes at once, with DisruptionTarget set first.
  t.client.clearActions();
  t.recorder.events.length = 0;
  await t.drain();
  await t.tec.evictDue();
  assert.deepEqual(t.client.writes(), ["update pods/status default/plain", "delete pods default/plain"]);
  const plain = t.getPod("plain")!;
  assert.ok(plain.metadata.deletionTimestamp);
  assert.deepEqual(podCondition(plain, "DisruptionTarget"), { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint", lastProbeTime: null, lastTransitionTime: iso(T0 + 56_000) });
  assert.deepEqual(t.recorder.events, ["Normal TaintManagerEviction Marking for deletion Pod default/plain"]);
  assert.deepEqual(t.taintQueue.after.map((a) => `${a.key} ${a.delayMs}`).sort(), ["evict/default/patient 300000", "evict/default/plain 0"]);

  // 299 s later the patient pod is still there; at 300 s it goes; the stubborn one stays.
  t.clock.advance(299_000);
  t.client.clearActions();
  await t.tec.evictDue();
  assert.deepEqual(t.client.writes(), []);
  t.clock.advance(1_000);
  await t.tec.sync("evict/default/patient");
  assert.deepEqual(t.client.writes(), ["update pods/status default/patient", "delete pods default/patient"]);
  assert.equal(t.getPod("stubborn")!.metadata.deletionTimestamp, undefined);
  assert.equal(t.getPod("elsewhere")!.metadata.deletionTimestamp, undefined);

  // The kubelet comes back: Ready again, the controller removes its taints.
  const back = t.getNode("n1");
  back.status!.conditions = readyNode("n1", t.clock.now()).status!.conditions;
  await t.client.update(R.nodes, back, { subresource: "status" });
  await t.renew("n1");
  await t.renew("n2");
  t.client.clearActions();
  await t.drain();
  await t.nlc.sync(KEY_MONITOR);
  assert.deepEqual(taintsOf(t.getNode("n1")), []);
  // One patch drops unreachable:NoSchedule (the NoSchedule pass), one unreachable:NoExecute (the monitor pass).
  assert.deepEqual(t.client.writes(), ["patch nodes n1", "patch nodes n1"]);
});

test("every node down at once: master disruption mode, no NoExecute taints", async () => {
  const t = setup();
  await t.nlc.sync(KEY_MONITOR);
  t.clock.advance(51_000);
  await t.nlc.sync(KEY_MONITOR);
  t.clock.advance(5_000);
  await t.nlc.sync(KEY_MONITOR);
  await t.nlc.sync("noexecute");
  assert.deepEqual(t.nlc.zoneStates.get(""), "FullDisruption");
  for (const n of ["n1", "n2"]) assert.ok(!(t.getNode(n).spec?.taints ?? []).some((x) => x.effect === "NoExecute"));
});

test("a new node gets nodeStartupGracePeriod before its never-posted conditions become Unknown", async () => {
  const env = testEnv();
  const fresh = node("fresh") as Node;
  fresh.metadata.creationTimestamp = iso(T0);
  env.client.seed(R.nodes, fresh, readyNode("n2", T0));
  env.client.seed(R.leases, lease("n2", T0));
  const nlc = newNodeLifecycleController(env.ctx, { queue: env.queue });
  await nlc.sync(KEY_MONITOR);
  const renew = async (): Promise<void> => {
    const l = env.client.objectsOf<Lease>(R.leases)[0]!;
    await env.client.update(R.leases, { ...l, spec: { ...l.spec, renewTime: new Date(env.clock.now()).toISOString() } });
  };
  env.clock.advance(55_000);
  await renew();
  env.client.clearActions();
  await nlc.sync(KEY_MONITOR);
  assert.deepEqual(env.client.writes(), []);
  env.clock.advance(6_000);
  await renew();
  await nlc.sync(KEY_MONITOR);
  const got = env.client.objectsOf<Node>(R.nodes).find((n) => n.metadata.name === "fresh")!;
  assert.deepEqual(got.status!.conditions!.find((c) => c.type === "Ready"), {
    type: "Ready",
    status: "Unknown",
    lastHeartbeatTime: iso(T0),
    lastTransitionTime: iso(T0 + 61_000),
    reason: "NodeStatusNeverUpdated",
    message: "Kubelet never posted node status.",
  });
});

test("NoSchedule taints follow conditions and spec.unschedulable", () => {
  const n = readyNode("n1", T0);
  n.spec = { unschedulable: true, taints: [{ key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" }, { key: "custom", effect: "NoSchedule" }] };
  n.status!.conditions!.find((c) => c.type === "DiskPressure")!.status = "True";
  const d = noScheduleTaintDiff(n);
  assert.deepEqual(d.add.map((t) => t.key), ["node.kubernetes.io/disk-pressure", "node.kubernetes.io/unschedulable"]);
  assert.deepEqual(d.remove.map((t) => t.key), ["node.kubernetes.io/memory-pressure"]);
});

test("tolerations: matching, shortest tolerationSeconds, forever", () => {
  const taints = [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" as const }, { key: "node.kubernetes.io/not-ready", effect: "NoExecute" as const }];
  assert.deepEqual(matchingTolerations(taints, [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }]).all, false);
  const both = matchingTolerations(taints, [
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
  ]);
  assert.equal(both.all, true);
  assert.equal(minTolerationMs(both.used), 60_000);
  assert.equal(minTolerationMs(matchingTolerations(taints, [{ operator: "Exists" }]).used), -1);
  assert.equal(minTolerationMs([{ operator: "Exists", tolerationSeconds: -5 }]), 0);
  assert.equal(matchingTolerations(taints, [{ key: "node.kubernetes.io/unreachable", value: "x" }, { operator: "Exists" }]).used.length, 2);
});

test("zone states", () => {
  const c = (s: "True" | "False" | "Unknown") => ({ type: "Ready", status: s });
  assert.equal(computeZoneState([c("Unknown"), c("False")], 0.55).state, "FullDisruption");
  assert.equal(computeZoneState([c("True"), c("Unknown"), c("Unknown"), c("Unknown")], 0.55).state, "PartialDisruption");
  assert.equal(computeZoneState([c("True"), c("Unknown"), c("Unknown")], 0.55).state, "Normal");
});
