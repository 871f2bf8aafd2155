/**
 * The pod garbage collector's choices over plain data (kube's pkg/controller/podgc): which
 * terminated pods exceed the threshold, which terminating pods sit on out-of-service nodes,
 * which are unscheduled and terminating, and the status a pod gets before it is force-deleted.
 */
import type { KObject } from "../../client/types.js";
import { podStatus, rfc3339, type PodCondition } from "../util/pods.js";

/** kube-controller-manager's --terminated-pod-gc-threshold default. */
export const DEFAULT_TERMINATED_POD_THRESHOLD = 12500;
/** How often a pass runs (kube's gcCheckPeriod). */
export const GC_CHECK_PERIOD_MS = 20_000;
/** How long a node missing from the informer is given before a GET confirms it gone (kube's quarantineTime). */
export const QUARANTINE_MS = 40_000;
export const TAINT_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

export const nodeName = (pod: KObject): string => ((pod.spec ?? {}) as { nodeName?: string }).nodeName ?? "";

/** Not Pending, Running or Unknown (kube counts a pod without a phase as terminated too). */
export function isPodTerminated(pod: KObject): boolean {
  const phase = podStatus(pod).phase;
  return phase !== "Pending" && phase !== "Running" && phase !== "Unknown";
}

const isEvicted = (pod: KObject): boolean => podStatus(pod).phase === "Failed" && podStatus(pod).reason === "Evicted";

/** Evicted pods first, then oldest first, names breaking ties (kube's byEvictionAndCreationTimestamp). */
export function byEvictionAndCreation(a: KObject, b: KObject): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
}

/** The terminated pods over the threshold, in deletion order. */
export function terminatedToDelete(pods: KObject[], threshold: number): KObject[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const n = terminated.length - threshold;
  return n > 0 ? terminated.sort(byEvictionAndCreation).slice(0, n) : [];
}

function isNodeReady(node: KObject): boolean {
  const conds = ((node.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return conds.some((c) => c.type === "Ready" && c.status === "True");
}

function hasTaint(node: KObject, key: string): boolean {
  const taints = ((node.spec ?? {}) as { taints?: { key: string }[] }).taints ?? [];
  return taints.some((t) => t.key === key);
}

/** Terminating pods on a node that is not Ready and carries the out-of-service taint. */
export function terminatingOnOutOfServiceNodes(pods: KObject[], nodeByName: (name: string) => KObject | undefined): KObject[] {
  return pods
    .filter((p) => {
      if (!p.metadata.deletionTimestamp) return false;
      const node = nodeByName(nodeName(p));
      return !!node && !isNodeReady(node) && hasTaint(node, TAINT_OUT_OF_SERVICE);
    })
    .sort(byEvictionAndCreation);
}

/** Terminating pods never bound to a node: nothing else will finish their deletion. */
export function unscheduledTerminating(pods: KObject[]): KObject[] {
  return pods.filter((p) => p.metadata.deletionTimestamp && nodeName(p) === "");
}

/** The condition an orphaned pod gets before it is deleted. */
export function orphanedCondition(): PodCondition {
  return { type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" };
}

/**
 * The status patch that marks a pod Failed before its forced deletion (undefined when it already
 * finished), with the condition merged as kube's UpdatePodCondition: lastTransitionTime moves
 * only when the status changes. metadata.uid makes it apply to this very pod.
 */
export function failedStatusPatch(pod: KObject, condition: PodCondition | undefined, nowMs: number): Record<string, unknown> | undefined {
  const phase = podStatus(pod).phase;
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  const status: Record<string, unknown> = { phase: "Failed" };
  if (condition) {
    const old = podStatus(pod).conditions?.find((c) => c.type === condition.type);
    const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(nowMs);
    status.conditions = [{ ...condition, lastTransitionTime }];
  }
  return { metadata: { uid: pod.metadata.uid }, status };
}
