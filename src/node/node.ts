/**
 * What a simulated node writes about itself, as plain data: the Node it registers (labels,
 * capacity, addresses, pod CIDR, nodeInfo, the kubelet's four conditions) and the Lease it
 * renews in kube-node-lease. Facts from the kubelet (pkg/kubelet/nodestatus, kubelet_node_status
 * and nodelease) and kwok's node stages; the words and code are kplane's.
 */
import { createHash } from "node:crypto";
import type { KObject } from "../client/types.js";
import { rfc3339 } from "../controllers/util/pods.js";

export const KUBELET_VERSION = "v1.32.4";
export const RUNTIME_VERSION = "kplane://0.1.0";
export const KERNEL_VERSION = "kplane-simulated";
export const OS_IMAGE = "kplane simulated node (no containers run)";
export const KUBELET_PORT = 10250;

/** Marks a node (and nothing else) as simulated by kplane; kwok's equivalent is kwok.x-k8s.io/node: fake. */
export const SIMULATED_ANNOTATION = "node.kplane.io/simulated";
/** The label kwok's examples put on fake nodes is type=kwok; kplane's nodes carry type=kplane. */
export const TYPE_LABEL_VALUE = "kplane";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;
/** The kubelet renews at a quarter of the lease duration. */
export const LEASE_RENEW_MS = (LEASE_DURATION_SECONDS * 1000) / 4;
/** nodeStatusReportFrequency: status is posted this often when nothing changed. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

export interface Capacity {
  cpu: string;
  memory: string;
  pods: string;
}

export const DEFAULT_CAPACITY: Capacity = { cpu: "32", memory: "256Gi", pods: "110" };

export interface NodeSpecInput {
  name: string;
  internalIP: string;
  podCIDR: string;
  capacity: Capacity;
  /** ms; lastHeartbeatTime and lastTransitionTime of a fresh registration. */
  now: number;
}

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The conditions a healthy kubelet reports, in its order. */
const HEALTHY: readonly Pick<NodeCondition, "type" | "status" | "reason" | "message">[] = [
  { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
  { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
  { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
  { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
];

/**
 * The healthy conditions stamped with `now` as heartbeat; lastTransitionTime is kept from
 * `previous` when the status did not change (as the kubelet's setters do).
 */
export function nodeConditions(now: number, previous: readonly NodeCondition[] = []): NodeCondition[] {
  const t = rfc3339(now);
  return HEALTHY.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const transition = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : t;
    return { type: c.type, status: c.status, lastHeartbeatTime: t, lastTransitionTime: transition, reason: c.reason, message: c.message };
  });
}

/** True when every healthy condition is present with its expected status, reason and message. */
export function conditionsHealthy(conditions: readonly NodeCondition[] | undefined): boolean {
  return HEALTHY.every((h) => {
    const c = conditions?.find((x) => x.type === h.type);
    return c !== undefined && c.status === h.status && c.reason === h.reason && c.message === h.message;
  });
}

const hex = (s: string, n: number): string => createHash("sha256").update(s).digest("hex").slice(0, n);
const uuidOf = (s: string): string => {
  const h = hex(s, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

export function nodeLabels(name: string): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    type: TYPE_LABEL_VALUE,
  };
}

export function nodeAnnotations(): Record<string, string> {
  return {
    [SIMULATED_ANNOTATION]: "true",
    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
  };
}

/** status.nodeInfo; the IDs are derived from the name so that a node keeps them across restarts. */
export function nodeInfo(name: string): Record<string, string> {
  return {
    machineID: hex(`machine:${name}`, 32),
    systemUUID: uuidOf(`system:${name}`),
    bootID: uuidOf(`boot:${name}`),
    kernelVersion: KERNEL_VERSION,
    osImage: OS_IMAGE,
    containerRuntimeVersion: RUNTIME_VERSION,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: "",
    operatingSystem: "linux",
    architecture: "amd64",
  };
}

export function nodeStatus(input: NodeSpecInput, previous?: readonly NodeCondition[]): Record<string, unknown> {
  return {
    capacity: { ...input.capacity },
    allocatable: { ...input.capacity },
    conditions: nodeConditions(input.now, previous),
    addresses: [
      { type: "InternalIP", address: input.internalIP },
      { type: "Hostname", address: input.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: nodeInfo(input.name),
  };
}

/** The Node a simulated kubelet registers. */
export function nodeObject(input: NodeSpecInput): KObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: input.name, labels: nodeLabels(input.name), annotations: nodeAnnotations() },
    spec: { podCIDR: input.podCIDR, podCIDRs: [input.podCIDR] },
    status: nodeStatus(input),
  };
}

/**
 * What registering over an existing Node changes (kubelet's reconcile on re-registration):
 * missing labels and annotations, and the whole status. Undefined fields need no change.
 * A pod CIDR is added only when the node has none (the API server refuses to change one).
 */
export function adoptPatch(existing: KObject, input: NodeSpecInput): { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(nodeLabels(input.name))) if (existing.metadata.labels?.[k] === undefined) labels[k] = v;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(nodeAnnotations())) if (existing.metadata.annotations?.[k] === undefined) annotations[k] = v;
  const spec = (existing.spec ?? {}) as { podCIDR?: string };
  const out: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } = {};
  if (Object.keys(labels).length || Object.keys(annotations).length) {
    out.metadata = { ...(Object.keys(labels).length ? { labels } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) };
  }
  if (!spec.podCIDR) out.spec = { podCIDR: input.podCIDR, podCIDRs: [input.podCIDR] };
  return out.metadata || out.spec ? out : undefined;
}

/** The node's first InternalIP, if any. */
export function internalIPOf(node: KObject): string | undefined {
  const addrs = ((node.status ?? {}) as { addresses?: { type?: string; address?: string }[] }).addresses ?? [];
  return addrs.find((a) => a.type === "InternalIP")?.address;
}

export function podCIDROf(node: KObject): string | undefined {
  return ((node.spec ?? {}) as { podCIDR?: string }).podCIDR || undefined;
}

/** metav1.MicroTime on the wire: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The node's Lease in kube-node-lease, owned by the Node so that it goes when the node goes. */
export function leaseObject(nodeName: string, nodeUID: string | undefined, now: number, durationSeconds = LEASE_DURATION_SECONDS): KObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUID ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUID }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

/** The same lease renewed at `now` (and re-owned when the node was re-created). */
export function renewedLease(lease: KObject, nodeName: string, nodeUID: string | undefined, now: number, durationSeconds = LEASE_DURATION_SECONDS): KObject {
  const fresh = leaseObject(nodeName, nodeUID, now, durationSeconds);
  return {
    ...lease,
    metadata: { ...lease.metadata, ...(fresh.metadata.ownerReferences ? { ownerReferences: fresh.metadata.ownerReferences } : {}) },
    spec: { ...((lease.spec ?? {}) as Record<string, unknown>), ...(fresh.spec as Record<string, unknown>) },
  };
}
