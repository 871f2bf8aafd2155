import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../../client/types.js";
import {
  daemonPodTolerations, isPodUpdated, manageDaemonSet, nodeMatchesPod, nodeShouldRunDaemonPod, pinToNode, rollingUpdateDecision, scaledValue,
  targetNodeName, toleratesTaint, type DaemonSet, type Node, type PodSpec, type Taint,
} from "./core.js";

const ds = (spec: PodSpec = {}, strategy?: DaemonSet["spec"] extends infer S ? (S extends { updateStrategy?: infer U } ? U : never) : never): DaemonSet => ({
  metadata: { name: "d", namespace: "default", uid: "ds" },
  spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec }, updateStrategy: strategy ?? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } } },
});
const node = (name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node => ({ metadata: { name, labels }, spec: { taints } });

test("toleratesTaint", () => {
  const taint: Taint = { key: "k", value: "v", effect: "NoSchedule" };
  const cases: [Parameters<typeof toleratesTaint>[0], boolean][] = [
    [{ key: "k", operator: "Equal", value: "v", effect: "NoSchedule" }, true],
    [{ key: "k", value: "v" }, true],
    [{ key: "k", value: "w" }, false],
    [{ key: "k", operator: "Exists" }, true],
    [{ operator: "Exists" }, true],
    [{ key: "k", operator: "Exists", effect: "NoExecute" }, false],
    [{ key: "other", operator: "Exists" }, false],
  ];
  for (const [t, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
});

test("nodeShouldRunDaemonPod: name, selector, affinity, taints", () => {
  const cases: [string, DaemonSet, Node, [boolean, boolean]][] = [
    ["plain", ds(), node("n"), [true, true]],
    ["NoSchedule taint", ds(), node("n", {}, [{ key: "x", effect: "NoSchedule" }]), [false, true]],
    ["NoExecute taint", ds(), node("n", {}, [{ key: "x", effect: "NoExecute" }]), [false, false]],
    ["PreferNoSchedule is fine", ds(), node("n", {}, [{ key: "x", effect: "PreferNoSchedule" }]), [true, true]],
    ["unschedulable tolerated", ds(), node("n", {}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), [true, true]],
    ["not-ready tolerated", ds(), node("n", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]), [true, true]],
    ["network-unavailable needs hostNetwork", ds(), node("n", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), [false, true]],
    ["network-unavailable with hostNetwork", ds({ hostNetwork: true }), node("n", {}, [{ key: "node.kubernetes.io/network-unavailable", effect: "NoSchedule" }]), [true, true]],
    ["own toleration", ds({ tolerations: [{ key: "x", operator: "Exists" }] }), node("n", {}, [{ key: "x", effect: "NoExecute" }]), [true, true]],
    ["nodeName elsewhere", ds({ nodeName: "m" }), node("n"), [false, false]],
    ["nodeSelector miss", ds({ nodeSelector: { disk: "ssd" } }), node("n"), [false, false]],
    ["nodeSelector hit", ds({ nodeSelector: { disk: "ssd" } }), node("n", { disk: "ssd" }), [true, true]],
    ["affinity Gt", ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "cpu", operator: "Gt", values: ["4"] }] }] } } } }), node("n", { cpu: "8" }), [true, true]],
    ["affinity terms are ORed", ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Exists" }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["n"] }] }] } } } }), node("n"), [true, true]],
    ["empty term matches nothing", ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } }), node("n"), [false, false]],
  ];
  for (const [name, d, n, want] of cases) {
    const got = nodeShouldRunDaemonPod(n, d);
    assert.deepEqual([got.shouldRun, got.shouldContinueRunning], want, name);
  }
});

test("daemon tolerations are added once, and pinning replaces the required terms", () => {
  const t = daemonPodTolerations({ tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }] });
  assert.equal(t.length, 6);
  assert.equal(t[0]!.tolerationSeconds, undefined);
  const aff = pinToNode({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Exists" }] }] } } }, "n1");
  const pod: KObject = { metadata: {}, spec: { affinity: aff } };
  assert.equal(targetNodeName(pod), "n1");
  assert.ok(nodeMatchesPod({ affinity: aff }, node("n1")));
  assert.ok(!nodeMatchesPod({ affinity: aff }, node("n2")));
});

test("scaledValue rounds percentages as asked", () => {
  assert.equal(scaledValue("25%", 3, true), 1);
  assert.equal(scaledValue("25%", 3, false), 0);
  assert.equal(scaledValue(2, 3, true), 2);
  assert.equal(scaledValue(undefined, 3, true), 0);
});

const dpod = (name: string, nodeName: string, hash: string, ready = true, extra: Partial<KObject["metadata"]> = {}): KObject => ({
  metadata: { name, labels: { a: "b", "controller-revision-hash": hash }, creationTimestamp: `2026-01-01T00:00:0${name.slice(-1)}Z`, ...extra },
  spec: { affinity: pinToNode(undefined, nodeName) },
  status: { phase: "Running", conditions: ready ? [{ type: "Ready", status: "True" }] : [] },
});

test("manage: create where missing, keep the oldest of duplicates, delete from ineligible nodes", () => {
  const nodes = [node("n1"), node("n2"), node("n3", {}, [{ key: "x", effect: "NoExecute" }])];
  const m = new Map<string, KObject[]>([
    ["n1", [dpod("p1", "n1", "h"), dpod("p2", "n1", "h")]],
    ["n3", [dpod("p3", "n3", "h")]],
    ["gone", [dpod("p4", "gone", "h")]],
  ]);
  const d = manageDaemonSet({ ds: ds(), nodes, nodeToPods: m, hash: "h", now: 0, inBackoff: () => false });
  assert.deepEqual(d.createOn, ["n2"]);
  assert.deepEqual(d.deletePods, ["p2", "p3", "p4"]);
});

test("rolling update decisions", () => {
  const nodes = [node("n1"), node("n2"), node("n3")];
  const pods = (hashes: string[], ready = [true, true, true]) =>
    new Map(hashes.map((h, i) => [`n${i + 1}`, h ? [dpod(`p${i + 1}`, `n${i + 1}`, h, ready[i])] : []]));
  const unavailable1 = ds();
  assert.deepEqual(rollingUpdateDecision(unavailable1, nodes, pods(["old", "old", "old"]), "new", 0), { deletePods: ["p1"], createOn: [] });
  assert.deepEqual(rollingUpdateDecision(unavailable1, nodes, pods(["new", "old", "old"], [false, true, true]), "new", 0).deletePods, []);
  assert.deepEqual(rollingUpdateDecision(unavailable1, nodes, pods(["new", "old", "old"], [true, false, true]), "new", 0).deletePods, ["p2"]);
  const surge = ds({}, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  assert.deepEqual(rollingUpdateDecision(surge, nodes, pods(["old", "old", "old"]), "new", 0), { deletePods: [], createOn: ["n1"] });
  const both = pods(["old", "old", "old"]);
  both.set("n1", [dpod("p1", "n1", "old"), dpod("p9", "n1", "new")]);
  assert.deepEqual(rollingUpdateDecision(surge, nodes, both, "new", 0), { deletePods: ["p1"], createOn: ["n2"] });
  assert.ok(isPodUpdated(dpod("x", "n", "zz", true, { labels: { "pod-template-generation": "3" } }), "h", 3));
});
