/**
 * Facts about pods and owners that several controllers read (kube's podutil and
 * metav1.GetControllerOf): shared here so each controller does not grow its own copy.
 */
import { apiVersionOf } from "../../client/resources.js";
import type { KObject, OwnerReference, ResourceType } from "../../client/types.js";

export interface PodCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface PodStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  conditions?: PodCondition[];
  [field: string]: unknown;
}

export const podStatus = (pod: KObject): PodStatus => (pod.status ?? {}) as PodStatus;

export function podCondition(pod: KObject, type: string): PodCondition | undefined {
  return podStatus(pod).conditions?.find((c) => c.type === type);
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: KObject): boolean {
  return podCondition(pod, "Ready")?.status === "True";
}

/** Ready for at least minReadySeconds (kube's podutil.IsPodAvailable). */
export function isPodAvailable(pod: KObject, minReadySeconds: number, nowMs: number): boolean {
  const c = podCondition(pod, "Ready");
  if (c?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Not finished and not being deleted (kube's controller.IsPodActive). */
export function isPodActive(pod: KObject): boolean {
  const phase = podStatus(pod).phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

export function isPodTerminal(pod: KObject): boolean {
  const phase = podStatus(pod).phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** The ownerReference with controller: true, if any. */
export function controllerRefOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** An ownerReference naming `owner` as the controller, as controllers set on what they create. */
export function newControllerRef(owner: KObject, ownerType: ResourceType): OwnerReference {
  return {
    apiVersion: apiVersionOf(ownerType),
    kind: ownerType.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** kube's timestamps on the wire: RFC 3339 in seconds, UTC. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

/**
 * A pod to create from a controller's template (kube's GetPodFromTemplate): the template's
 * labels, annotations (minus kubectl's last-applied) and finalizers, generateName "<prefix>",
 * and the controller's ownerReference.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, namespace: string, generateName: string, controllerRef: OwnerReference | undefined): KObject {
  const meta = template?.metadata ?? {};
  const annotations = { ...(meta.annotations ?? {}) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  const pod: KObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName,
      namespace,
      labels: { ...(meta.labels ?? {}) },
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(Array.isArray(meta.finalizers) && meta.finalizers.length ? { finalizers: [...(meta.finalizers as string[])] } : {}),
      ...(controllerRef ? { ownerReferences: [controllerRef] } : {}),
    },
    spec: structuredClone(template?.spec ?? {}),
  };
  return pod;
}
