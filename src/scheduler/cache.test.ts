import { test } from "node:test";
import assert from "node:assert/strict";
import { cloneNodeInfo, newPodInfo, removePodFromNode } from "./cache.js";
import { cacheWith, node, pod } from "./testutil.js";

test("a placed pod's status update swaps the object but leaves the node's pods (and their generation) alone", () => {
  const cache = cacheWith([node("n1")]);
  const p = pod("p", { cpu: "100m", labels: { app: "a" } });
  const info = newPodInfo(p);
  cache.assume(info, "n1");
  const gen = cache.get("n1")!.generation;
  // The binding comes back: nodeName set, PodScheduled in status.
  const bound = { ...p, spec: { ...p.spec, nodeName: "n1" }, status: { conditions: [{ type: "PodScheduled", status: "True" }] } };
  cache.addOrUpdatePod(bound);
  assert.equal(cache.isAssumed(info.key), false);
  assert.equal(cache.get("n1")!.generation, gen);
  assert.equal(cache.get("n1")!.pods[0]!.pod, bound);
  // Running.
  const running = { ...bound, status: { phase: "Running" } };
  cache.addOrUpdatePod(running);
  assert.equal(cache.get("n1")!.generation, gen);
  assert.equal(cache.get("n1")!.pods.length, 1);
  assert.equal(cache.get("n1")!.requested.milliCPU, 100);
});

test("a placed pod whose labels, requests or deletion change is placed afresh", () => {
  const cache = cacheWith([node("n1")]);
  const p = pod("p", { cpu: "100m", labels: { app: "a" }, node: "n1" });
  cache.addOrUpdatePod(p);
  let gen = cache.get("n1")!.generation;
  cache.addOrUpdatePod({ ...p, metadata: { ...p.metadata, labels: { app: "b" } } });
  assert.notEqual(cache.get("n1")!.generation, gen);
  assert.deepEqual(cache.get("n1")!.pods[0]!.labels, { app: "b" });
  gen = cache.get("n1")!.generation;
  const resized = pod("p", { cpu: "300m", labels: { app: "b" }, node: "n1" });
  cache.addOrUpdatePod(resized);
  assert.notEqual(cache.get("n1")!.generation, gen);
  assert.equal(cache.get("n1")!.requested.milliCPU, 300);
  cache.addOrUpdatePod({ ...resized, metadata: { ...resized.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } });
  assert.equal(cache.get("n1")!.pods[0]!.terminating, true);
  assert.equal(cache.get("n1")!.pods.length, 1);
});

test("domain totals follow pods, node labels and nodes as they change", () => {
  const zone = "topology.kubernetes.io/zone";
  const cache = cacheWith([node("n1", { labels: { [zone]: "a" } }), node("n2", { labels: { [zone]: "b" } }), node("n3")]);
  const count = (n: Parameters<Parameters<typeof cache.domainTotals>[3]>[0]) => n.pods.length;
  const totals = () => Object.fromEntries(cache.domainTotals("k", zone, [], count));
  assert.deepEqual(totals(), { a: 0, b: 0, "": 0 });
  cache.addOrUpdatePod(pod("p1", { node: "n1" }));
  cache.addOrUpdatePod(pod("p2", { node: "n1" }));
  cache.addOrUpdatePod(pod("p3", { node: "n3" }));
  assert.deepEqual(totals(), { a: 2, b: 0, "": 1 });
  cache.removePod("default/p1");
  assert.deepEqual(totals(), { a: 1, b: 0, "": 1 });
  cache.addNode(node("n3", { labels: { [zone]: "b" } }));
  assert.deepEqual(totals(), { a: 1, b: 1 });
  cache.removeNode("n1");
  assert.deepEqual(totals(), { b: 1 });
  // Only nodes with every required key count.
  assert.deepEqual(Object.fromEntries(cache.domainTotals("k", zone, [zone], count)), { b: 1 });
});

test("a placed pod's other spec changes (tolerations, image) keep its PodInfo; affinity is compared", () => {
  const cache = cacheWith([node("n1")]);
  const p = pod("p", { cpu: "100m", labels: { app: "a" }, node: "n1" });
  cache.addOrUpdatePod(p);
  const gen = cache.get("n1")!.generation;
  cache.addOrUpdatePod({ ...p, spec: { ...p.spec, tolerations: [{ key: "k", operator: "Exists" }] } });
  assert.equal(cache.get("n1")!.generation, gen);
  const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "a" } } }] } };
  cache.addOrUpdatePod({ ...p, spec: { ...p.spec, affinity } });
  assert.notEqual(cache.get("n1")!.generation, gen);
  assert.equal(cache.get("n1")!.podsWithRequiredAntiAffinity.length, 1);
});

test("nodes with (anti-)affinity pods: kept between cycles, rebuilt when such pods or nodes come and go", () => {
  const cache = cacheWith([node("n1"), node("n2")]);
  assert.deepEqual(cache.havePodsWithAffinity(), []);
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "a" } } }] } };
  cache.addOrUpdatePod(pod("plain", { node: "n1" }));
  const first = cache.havePodsWithAffinity();
  assert.equal(cache.havePodsWithAffinity(), first, "the same list while nothing relevant changed");
  cache.addOrUpdatePod(pod("a", { node: "n2", labels: { app: "a" }, spec: { affinity: anti } }));
  assert.deepEqual(cache.havePodsWithAffinity().map((n) => n.name), ["n2"]);
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinity().map((n) => n.name), ["n2"]);
  cache.removeNode("n2");
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinity(), []);
  cache.addNode(node("n2"));
  assert.deepEqual(cache.havePodsWithRequiredAntiAffinity().map((n) => n.name), ["n2"]);
  cache.removePod("default/a");
  assert.deepEqual(cache.havePodsWithAffinity(), []);
});

test("a NodeInfo's own copies of allocatable, requested, pod count and unschedulable follow their sources", () => {
  const cache = cacheWith([node("n1", { cpu: "4", memory: "8Gi", pods: 10 })]);
  const same = (n: ReturnType<typeof cache.get> & object) => {
    assert.deepEqual(
      [n.allocMilliCPU, n.allocMemory, n.allocPods, n.reqMilliCPU, n.reqMemory, n.podCount, n.unschedulable],
      [n.allocatable.milliCPU, n.allocatable.memory, n.allocatable.pods, n.requested.milliCPU, n.requested.memory, n.pods.length, !!n.node.spec?.unschedulable],
    );
  };
  same(cache.get("n1")!);
  cache.addOrUpdatePod(pod("a", { cpu: "500m", memory: "1Gi", node: "n1" }));
  cache.assume(newPodInfo(pod("b", { cpu: "250m", memory: "64Mi" })), "n1");
  same(cache.get("n1")!);
  assert.equal(cache.get("n1")!.reqMilliCPU, 750);
  const clone = cloneNodeInfo(cache.get("n1")!);
  removePodFromNode(clone, "default/a");
  same(clone);
  same(cache.get("n1")!);
  assert.equal(cache.get("n1")!.podCount, 2, "the original keeps its pods");
  cache.forget("default/b");
  cache.addNode(node("n1", { cpu: "8", memory: "16Gi", pods: 20, unschedulable: true }));
  same(cache.get("n1")!);
  assert.equal(cache.get("n1")!.unschedulable, true);
});
