import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../client/types.js";
import {
  DEFAULT_CAPACITY,
  SIMULATED_ANNOTATION,
  adoptPatch,
  conditionsHealthy,
  leaseObject,
  microTime,
  nodeConditions,
  nodeObject,
  renewedLease,
  type NodeCondition,
} from "./node.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const input = { name: "node-1", internalIP: "10.0.0.1", podCIDR: "10.244.0.0/24", capacity: DEFAULT_CAPACITY, now: T0 };

test("a registered node carries the kubelet's labels, capacity, addresses, CIDR, info and conditions", () => {
  const n = nodeObject(input);
  assert.equal(n.metadata.name, "node-1");
  assert.deepEqual(n.metadata.labels, {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": "node-1",
    "kubernetes.io/os": "linux",
    type: "kplane",
  });
  assert.equal(n.metadata.annotations?.[SIMULATED_ANNOTATION], "true");
  assert.deepEqual(n.spec, { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] });
  const st = n.status as Record<string, any>;
  assert.deepEqual(st.capacity, { cpu: "32", memory: "256Gi", pods: "110" });
  assert.deepEqual(st.allocatable, st.capacity);
  assert.deepEqual(st.addresses, [{ type: "InternalIP", address: "10.0.0.1" }, { type: "Hostname", address: "node-1" }]);
  assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(st.nodeInfo.kubeletVersion, "v1.32.4");
  assert.equal(st.nodeInfo.operatingSystem, "linux");
  assert.equal(st.nodeInfo.architecture, "amd64");
  assert.match(st.nodeInfo.containerRuntimeVersion, /^kplane:\/\//);
  assert.match(st.nodeInfo.machineID, /^[0-9a-f]{32}$/);
  assert.match(st.nodeInfo.systemUUID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notDeepEqual((nodeObject({ ...input, name: "node-2" }).status as Record<string, unknown>).nodeInfo, st.nodeInfo);
  assert.deepEqual(
    st.conditions.map((c: NodeCondition) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime, c.lastTransitionTime]),
    [
      ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
      ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
      ["Ready", "True", "KubeletReady", "kubelet is posting ready status", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
    ],
  );
  assert.ok(conditionsHealthy(st.conditions));
});

test("a heartbeat moves lastHeartbeatTime and keeps lastTransitionTime unless the status changed", () => {
  const first = nodeConditions(T0);
  const prev = first.map((c) => (c.type === "Ready" ? { ...c, status: "False" as const, reason: "KubeletNotReady" } : c));
  const next = nodeConditions(T0 + 300_000, prev);
  for (const c of next) assert.equal(c.lastHeartbeatTime, "2026-01-01T00:05:00Z");
  assert.equal(next.find((c) => c.type === "MemoryPressure")!.lastTransitionTime, "2026-01-01T00:00:00Z");
  assert.equal(next.find((c) => c.type === "Ready")!.lastTransitionTime, "2026-01-01T00:05:00Z");
  assert.equal(conditionsHealthy(prev), false);
  assert.equal(conditionsHealthy(undefined), false);
});

test("adopting an existing node adds missing labels/annotations and a CIDR only when it has none", () => {
  const bare: KObject = { metadata: { name: "node-1", labels: { "kubernetes.io/os": "windows" } }, spec: {} };
  const p = adoptPatch(bare, input)!;
  assert.equal((p.metadata!.labels as Record<string, string>)["kubernetes.io/os"], undefined, "existing values are kept");
  assert.equal((p.metadata!.labels as Record<string, string>)["kubernetes.io/hostname"], "node-1");
  assert.deepEqual(p.spec, { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] });
  const full = nodeObject(input);
  full.spec = { podCIDR: "10.9.0.0/24", podCIDRs: ["10.9.0.0/24"] };
  assert.equal(adoptPatch(full, input), undefined);
});

test("leases: kube-node-lease, held by the node, 40 s, MicroTime renewTime, owned by the Node", () => {
  assert.equal(microTime(Date.parse("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678000Z");
  const l = leaseObject("node-1", "uid-9", T0);
  assert.deepEqual(l, {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "node-1", namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "uid-9" }] },
    spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" },
  });
  const stored = { ...l, metadata: { ...l.metadata, resourceVersion: "7", uid: "lease-uid" } };
  const r = renewedLease(stored, "node-1", "uid-10", T0 + 10_000);
  assert.equal(r.metadata.resourceVersion, "7");
  assert.equal(r.metadata.uid, "lease-uid");
  assert.equal(r.metadata.ownerReferences![0]!.uid, "uid-10");
  assert.equal((r.spec as Record<string, unknown>).renewTime, "2026-01-01T00:00:10.000000Z");
});
