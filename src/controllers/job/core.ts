/**
 * The job controller's decisions as functions of plain data (kube's pkg/controller/job): how
 * many pods a job wants, which pods to remove, when a pod counts as failed, the pod-creation
 * backoff after failures, conditions, and the pod a job creates. controller.ts does the I/O.
 */
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { isPodReady, newControllerRef, podCondition, podFromTemplate, podStatus, rfc3339 } from "../util/pods.js";
import {
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX,
  JOB_NAME_LABEL,
  JOB_TRACKING_FINALIZER,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  jobSpec,
  jobStatus,
  type JobCondition,
} from "./api.js";
import { completionIndexOf } from "./indexes.js";

/** First delay before re-creating pods after a failure, doubled per consecutive failure. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
/** kube 1.32's MaxJobPodFailureBackOff. */
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;
/** Pods created or deleted, and pods added to uncountedTerminatedPods, in one sync at most. */
export const MAX_PODS_PER_SYNC = 500;
export const MAX_UNCOUNTED_PODS = 500;

export const isIndexed = (job: KObject): boolean => jobSpec(job).completionMode === "Indexed";
export const isSuspended = (job: KObject): boolean => jobSpec(job).suspend === true;
export const parallelismOf = (job: KObject): number => jobSpec(job).parallelism ?? 1;
export const backoffLimitOf = (job: KObject): number => jobSpec(job).backoffLimit ?? 6;
/** null: the job completes on its first success (no completions set). */
export const completionsOf = (job: KObject): number | null => jobSpec(job).completions ?? null;

export const hasTrackingFinalizer = (pod: KObject): boolean => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/** Replaces only failed pods (not terminating ones): podReplacementPolicy Failed, or a podFailurePolicy. */
export function onlyReplaceFailedPods(job: KObject): boolean {
  const s = jobSpec(job);
  return s.podReplacementPolicy === "Failed" || s.podFailurePolicy != null;
}

/** A pod counts as failed when Failed, or (unless only failed pods are replaced) when deleted before succeeding. */
export function isPodFailed(pod: KObject, job: KObject): boolean {
  const phase = podStatus(pod).phase;
  if (phase === "Failed") return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && phase !== "Succeeded";
}

/** Being deleted and not yet terminal (kube's CountTerminatingPods). */
export function isPodTerminating(pod: KObject): boolean {
  const phase = podStatus(pod).phase;
  return !!pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
}

/** How many pods should be running: parallelism, bounded by the completions still missing. */
export function wantActive(job: KObject, active: number, succeeded: number): number {
  const completions = completionsOf(job);
  const parallelism = parallelismOf(job);
  if (completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** The job has all its successes and nothing left running. */
export function jobComplete(job: KObject, succeeded: number, active: number): boolean {
  const completions = completionsOf(job);
  if (completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions && active === 0;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * kube's controller.ActivePods order, earliest to delete first: unscheduled before scheduled,
 * Pending < Unknown < Running, not ready before ready, newer before older.
 */
export function compareForDeletion(a: KObject, b: KObject): number {
  const nodeA = !!(a.spec as { nodeName?: string } | undefined)?.nodeName;
  const nodeB = !!(b.spec as { nodeName?: string } | undefined)?.nodeName;
  if (nodeA !== nodeB) return nodeA ? 1 : -1;
  const ra = phaseRank[podStatus(a).phase ?? "Pending"] ?? 0;
  const rb = phaseRank[podStatus(b).phase ?? "Pending"] ?? 0;
  if (ra !== rb) return ra - rb;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const ca = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const cb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  return cb - ca;
}

/**
 * Active pods to delete: for Indexed jobs first those with an invalid or duplicated index
 * (keeping the most advanced pod of each index), then the earliest in deletion order until
 * at least `rmAtLeast` are chosen.
 */
export function activePodsForRemoval(job: KObject, active: KObject[], rmAtLeast: number): KObject[] {
  const rm: KObject[] = [];
  let left: KObject[] = active;
  if (isIndexed(job)) {
    const completions = completionsOf(job) ?? 0;
    left = [];
    const byIndex = new Map<number, KObject[]>();
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const group of byIndex.values()) {
      group.sort(compareForDeletion);
      rm.push(...group.slice(0, -1));
      left.push(group[group.length - 1]!);
    }
  }
  if (rm.length < rmAtLeast) rm.push(...[...left].sort(compareForDeletion).slice(0, rmAtLeast - rm.length));
  return rm;
}

/**
 * When a pod finished: its containers' latest finishedAt, else when Ready turned False, else its
 * deletion time minus the grace period, else its creation (kube's getFinishedTime).
 */
export function podFinishedTime(pod: KObject): number {
  const statuses = (podStatus(pod).containerStatuses ?? []) as { state?: { terminated?: { finishedAt?: string } } }[];
  let latest: number | undefined;
  for (const cs of statuses) {
    const t = Date.parse(cs.state?.terminated?.finishedAt ?? "");
    if (Number.isNaN(t)) {
      latest = undefined;
      break;
    }
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (latest !== undefined) return latest;
  const ready = podCondition(pod, "Ready");
  if (ready?.status === "False" && ready.lastTransitionTime) {
    const t = Date.parse(ready.lastTransitionTime);
    if (!Number.isNaN(t)) return t;
  }
  if (pod.metadata.deletionTimestamp) {
    return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  }
  return Date.parse(pod.metadata.creationTimestamp ?? "") || 0;
}

/** Consecutive pod failures since the last success, which set how long pod re-creation waits. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** Folds newly finished pods into a job's backoff record (kube's newBackoffRecord). */
export function nextBackoffRecord(prev: BackoffRecord, newSucceeded: KObject[], newFailed: KObject[]): BackoffRecord {
  const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return after.length === 0 ? { failuresAfterLastSuccess: 0 } : { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] };
}

/** How long pod creation must still wait: 10 s doubling per failure, capped, minus the time since the last failure. */
export function backoffRemainingMs(rec: BackoffRecord, nowMs: number, baseMs = POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = nowMs - rec.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** With restartPolicy OnFailure, container restarts of running pods count against backoffLimit. */
export function pastBackoffLimitOnFailure(job: KObject, pods: KObject[]): boolean {
  const template = jobSpec(job).template?.spec as { restartPolicy?: string } | undefined;
  if (template?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    const st = podStatus(p);
    if (st.phase !== "Running" && st.phase !== "Pending") continue;
    for (const key of ["initContainerStatuses", "containerStatuses"] as const) {
      for (const cs of (st[key] ?? []) as { restartCount?: number }[]) restarts += cs.restartCount ?? 0;
    }
  }
  const limit = backoffLimitOf(job);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** activeDeadlineSeconds has run out since startTime (never while suspended). */
export function pastActiveDeadline(job: KObject, nowMs: number): boolean {
  const ads = jobSpec(job).activeDeadlineSeconds;
  const start = jobStatus(job).startTime;
  if (ads == null || !start || isSuspended(job)) return false;
  return nowMs - Date.parse(start) >= ads * 1000;
}

export function newCondition(type: string, status: JobCondition["status"], reason: string, message: string, nowMs: number): JobCondition {
  const t = rfc3339(nowMs);
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

/**
 * Sets a condition's status, reason and message (new timestamps when any changed); a missing
 * condition is added unless its status would be False. Answers whether the list changed.
 */
export function ensureCondition(list: JobCondition[], type: string, status: JobCondition["status"], reason: string, message: string, nowMs: number): boolean {
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && c.reason === reason && c.message === message) return false;
    list[i] = newCondition(type, status, reason, message, nowMs);
    return true;
  }
  if (status === "False") return false;
  list.push(newCondition(type, status, reason, message, nowMs));
  return true;
}

/** The pod prefix kube uses for an index: "<job>-<index>-", the job name cut to fit 58 characters. */
export function indexedGenerateName(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > 58 ? jobName.slice(0, 58 - suffix.length) + suffix : prefix;
}

interface ContainerSpec {
  env?: { name: string; [k: string]: unknown }[];
  [k: string]: unknown;
}

/**
 * The pod a job creates: its template with the job-tracking finalizer and the Job as controller;
 * for Indexed jobs also the completion index (annotation, label, JOB_COMPLETION_INDEX env var,
 * hostname "<job>-<index>") and the name prefix "<job>-<index>-".
 */
export function podForJob(job: KObject, index: number | undefined): KObject {
  const spec = jobSpec(job);
  const name = job.metadata.name ?? "";
  const template = structuredClone(spec.template ?? {});
  const meta = (template.metadata ??= {});
  // The API server puts these labels in the template; keep pods findable if a job skipped that.
  if (!spec.manualSelector && job.metadata.uid) {
    const labels = (meta.labels ??= {});
    labels[CONTROLLER_UID_LABEL] ??= job.metadata.uid;
    labels[JOB_NAME_LABEL] ??= name;
    labels[LEGACY_CONTROLLER_UID_LABEL] ??= job.metadata.uid;
    labels[LEGACY_JOB_NAME_LABEL] ??= name;
  }
  const finalizers = Array.isArray(meta.finalizers) ? (meta.finalizers as string[]) : [];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) meta.finalizers = [...finalizers, JOB_TRACKING_FINALIZER];
  let generateName = `${name}-`;
  if (index !== undefined) {
    meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
    meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
    const podSpec = (template.spec ??= {}) as { hostname?: string; containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
    podSpec.hostname = `${name}-${index}`;
    for (const c of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
      if (c.env?.some((e) => e.name === "JOB_COMPLETION_INDEX")) continue;
      c.env = [...(c.env ?? []), { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } }];
    }
    generateName = indexedGenerateName(name, index);
  }
  return podFromTemplate(template, job.metadata.namespace ?? "default", generateName, newControllerRef(job, R.jobs));
}
