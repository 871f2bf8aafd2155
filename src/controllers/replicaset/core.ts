/**
 * The replica set controller's decisions over plain data (kube's pkg/controller/replicaset and
 * the pod ranking in pkg/controller/controller_utils.go): which pods to delete, how creations
 * are batched, and the status a sync writes. ReplicaSet and ReplicationController share all of it.
 */
import type { KObject } from "../../client/types.js";
import { matchesLabels, labelSelectorFromSet } from "../../apiserver/selectors/index.js";
import { isPodAvailable, isPodReady, isPodActive, podCondition, podStatus, rfc3339 } from "../util/pods.js";

/** Most pods one sync creates or deletes (kube's BurstReplicas). */
export const BURST_REPLICAS = 500;
/** The first creation batch; each later batch doubles (kube's SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH = 1;

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface ReplicaSetCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/** A ReplicaSet or ReplicationController as the controller reads it (selector shapes differ). */
export interface ReplicaSetLike extends KObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: unknown; template?: PodTemplate };
  status?: ReplicaSetStatus;
}

export const replicasOf = (rs: ReplicaSetLike): number => rs.spec?.replicas ?? 1;

/**
 * Runs `count` calls of fn in batches of 1, 2, 4, ... (each batch in parallel), stopping after
 * the first batch with a failure: a quota or admission error then costs one call, not hundreds.
 * Answers how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}

// ---- which pods to delete (kube's ActivePodsWithRanks) ----

const phaseOrdinal = (pod: KObject): number => {
  const p = podStatus(pod).phase;
  return p === "Pending" ? 0 : p === "Unknown" ? 1 : p === "Running" ? 2 : 0;
};

const nodeOf = (pod: KObject): string => ((pod.spec as { nodeName?: string } | undefined)?.nodeName ?? "");

/** controller.kubernetes.io/pod-deletion-cost as an int32; absent or malformed reads as 0. */
export function deletionCost(pod: KObject): number {
  const v = pod.metadata.annotations?.["controller.kubernetes.io/pod-deletion-cost"];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function maxContainerRestarts(pod: KObject): number {
  const statuses = (podStatus(pod).containerStatuses ?? []) as { restartCount?: number }[];
  return statuses.reduce((m, c) => Math.max(m, c.restartCount ?? 0), 0);
}

/** Milliseconds of a timestamp; 0 stands for Go's zero time. */
const timeOf = (s: string | null | undefined): number => {
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? 0 : t;
};

function readyTime(pod: KObject): number {
  const c = podCondition(pod, "Ready");
  return c?.status === "True" ? timeOf(c.lastTransitionTime) : 0;
}

/** Zero first, then the later time first. */
const afterOrZero = (t1: number, t2: number): boolean => (t1 === 0 || t2 === 0 ? t1 === 0 : t1 > t2);

/** floor(log2(age in nanoseconds)): pods whose ages are within a factor of 2 rank alike (LogarithmicScaleDown, on by default). */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

function compareTimes(t1: number, t2: number, now: number, uid1: string, uid2: string): boolean {
  if (now === 0 || t1 === 0 || t2 === 0) return afterOrZero(t1, t2);
  const diff = logRank(t1, now) - logRank(t2, now);
  return diff === 0 ? uid1 < uid2 : diff < 0;
}

export interface RankedPod {
  pod: KObject;
  /** Active related pods on the same node: more means delete first. */
  rank: number;
}

/** True when `a` should be deleted before `b`. */
export function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const pa = a.pod;
  const pb = b.pod;
  const na = nodeOf(pa);
  const nb = nodeOf(pb);
  // 1. unscheduled < scheduled
  if (na !== nb && (na === "" || nb === "")) return na === "";
  // 2. Pending < Unknown < Running
  if (phaseOrdinal(pa) !== phaseOrdinal(pb)) return phaseOrdinal(pa) < phaseOrdinal(pb);
  // 3. not ready < ready
  if (isPodReady(pa) !== isPodReady(pb)) return !isPodReady(pa);
  // 4. lower pod-deletion-cost first
  if (deletionCost(pa) !== deletionCost(pb)) return deletionCost(pa) < deletionCost(pb);
  // 5. doubled up on a node first
  if (a.rank !== b.rank) return a.rank > b.rank;
  const ua = pa.metadata.uid ?? "";
  const ub = pb.metadata.uid ?? "";
  // 6. ready for less time first
  if (isPodReady(pa) && isPodReady(pb)) {
    const ra = readyTime(pa);
    const rb = readyTime(pb);
    if (ra !== rb) return compareTimes(ra, rb, now, ua, ub);
  }
  // 7. more container restarts first
  if (maxContainerRestarts(pa) !== maxContainerRestarts(pb)) return maxContainerRestarts(pa) > maxContainerRestarts(pb);
  // 8. newer first
  const ca = timeOf(pa.metadata.creationTimestamp);
  const cb = timeOf(pb.metadata.creationTimestamp);
  if (ca !== cb) return compareTimes(ca, cb, now, ua, ub);
  return false;
}

/**
 * The `diff` pods to delete from `pods`, ranked as kube ranks them; `related` are the active
 * pods of every replica set under the same owner (a Deployment's), which decide "doubled up".
 */
export function podsToDelete(pods: KObject[], related: KObject[], diff: number, now: number): KObject[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(nodeOf(p), (onNode.get(nodeOf(p)) ?? 0) + 1);
  const ranked: RankedPod[] = pods.map((pod) => ({ pod, rank: onNode.get(nodeOf(pod)) ?? 0 }));
  ranked.sort((a, b) => (deleteBefore(a, b, now) ? -1 : deleteBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, diff).map((r) => r.pod);
}

// ---- status ----

/**
 * The status a sync writes (kube's calculateStatus): counts over the claimed active pods, and the
 * ReplicaFailure condition set while creating or deleting fails, removed once a sync succeeds.
 * observedGeneration is left to the writer.
 */
export function calculateStatus(rs: ReplicaSetLike, pods: KObject[], manageError: unknown, now: number): ReplicaSetStatus {
  const prev = rs.status ?? { replicas: 0 };
  const templateSelector = labelSelectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (matchesLabels(templateSelector, p.metadata.labels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  let conditions = (prev.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === "ReplicaFailure");
  if (manageError !== undefined && !failure) {
    const diff = pods.length - replicasOf(rs);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    conditions.push({ type: "ReplicaFailure", status: "True", lastTransitionTime: rfc3339(now), reason, message: errorText(manageError) });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== "ReplicaFailure");
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (prev.observedGeneration) status.observedGeneration = prev.observedGeneration;
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** Whether writing `next` (with observedGeneration = generation) would change anything. */
export function statusChanged(rs: ReplicaSetLike, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) !== next.replicas ||
    (cur.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (cur.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (cur.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (rs.metadata.generation ?? 0) !== (cur.observedGeneration ?? 0) ||
    JSON.stringify(cur.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
