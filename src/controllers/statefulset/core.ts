/**
 * The statefulset controller's decisions (kube's stateful_set_control.go and
 * stateful_set_utils.go, 1.32) as pure functions: given the set, its current and update
 * revisions, its pods and the claims that exist, which writes to make this sync and what status
 * to report. The shell (controller.ts) executes the steps in order.
 */
import type { MetaLabelSelector } from "../../apiserver/selectors/index.js";
import { R } from "../../client/resources.js";
import type { KObject, OwnerReference } from "../../client/types.js";
import { CONTROLLER_REVISION_HASH_LABEL } from "../history/revision.js";
import { isPodAvailable, isPodReady, newControllerRef, podFromTemplate, podStatus } from "../util/pods.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

type RetentionType = "Retain" | "Delete";

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector?: MetaLabelSelector;
  template?: PodTemplateSpec;
  volumeClaimTemplates?: KObject[];
  serviceName?: string;
  podManagementPolicy?: "OrderedReady" | "Parallel";
  updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: RetentionType; whenScaled?: RetentionType };
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas?: number;
  conditions?: unknown[];
}

export interface StatefulSet extends KObject {
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}

export const specOf = (set: StatefulSet): StatefulSetSpec => set.spec ?? {};
export const replicasOf = (set: StatefulSet): number => specOf(set).replicas ?? 1;

// ---- identity ----

const statefulPodName = /^(.*)-([0-9]+)$/;

/** The parent set's name and the ordinal in a pod's name; ordinal -1 when it has none. */
export function parentAndOrdinal(name: string): { parent: string; ordinal: number } {
  const m = statefulPodName.exec(name);
  if (!m) return { parent: "", ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1]!, ordinal: Number.isSafeInteger(n) && n <= 2147483647 ? n : -1 };
}

export const ordinalOf = (pod: KObject): number => parentAndOrdinal(pod.metadata.name ?? "").ordinal;
export const startOrdinal = (set: StatefulSet): number => specOf(set).ordinals?.start ?? 0;
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + replicasOf(set) - 1;
export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name}-${ordinal}`;
export const claimName = (set: StatefulSet, template: KObject, ordinal: number): string => `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
export const isMemberOf = (set: StatefulSet, pod: KObject): boolean => parentAndOrdinal(pod.metadata.name ?? "").parent === set.metadata.name;

export function inOrdinalRange(pod: KObject, set: StatefulSet): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export const podRevision = (pod: KObject): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "";

export function identityMatches(set: StatefulSet, pod: KObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name ?? "");
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  [k: string]: unknown;
}
const volumesOf = (pod: KObject): Volume[] => ((pod.spec as { volumes?: Volume[] } | undefined)?.volumes ?? []);
const claimTemplates = (set: StatefulSet): KObject[] => specOf(set).volumeClaimTemplates ?? [];

export function storageMatches(set: StatefulSet, pod: KObject): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const byName = new Map(volumesOf(pod).map((v) => [v.name, v]));
  return claimTemplates(set).every((t) => byName.get(t.metadata.name ?? "")?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/** Sets the pod's name, namespace and identity labels (updateIdentity). Mutates `pod`. */
export function updateIdentity(set: StatefulSet, pod: KObject): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** Points the pod's volumes named after claim templates at the ordinal's claims (updateStorage). Mutates `pod`. */
export function updateStorage(set: StatefulSet, pod: KObject): void {
  const ordinal = ordinalOf(pod);
  const templates = claimTemplates(set);
  const names = new Set(templates.map((t) => t.metadata.name ?? ""));
  const volumes: Volume[] = templates.map((t) => ({ name: t.metadata.name ?? "", persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } }));
  for (const v of volumesOf(pod)) if (!names.has(v.name)) volumes.push(v);
  const spec = (pod.spec ??= {}) as Record<string, unknown>;
  if (volumes.length) spec.volumes = volumes;
}

/** The claims a pod of this ordinal uses, as they would be created (getPersistentVolumeClaims). */
export function claimsFor(set: StatefulSet, ordinal: number): KObject[] {
  const matchLabels = specOf(set).selector?.matchLabels ?? {};
  return claimTemplates(set).map((t) => {
    const meta = t.metadata;
    const claim: KObject = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: claimName(set, t, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(meta.labels ?? {}), ...matchLabels },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      },
      spec: structuredClone(t.spec ?? {}),
    };
    return claim;
  });
}

/** A new pod for `ordinal` from the set's template (newStatefulSetPod). */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: string): KObject {
  const pod = podFromTemplate(specOf(set).template, set.metadata.namespace ?? "", `${set.metadata.name}-`, newControllerRef(set, R.statefulsets));
  pod.metadata.name = podName(set, ordinal);
  updateIdentity(set, pod);
  const spec = pod.spec as Record<string, unknown>;
  spec.hostname = pod.metadata.name;
  const svc = specOf(set).serviceName;
  if (svc) spec.subdomain = svc;
  updateStorage(set, pod);
  pod.metadata.labels![CONTROLLER_REVISION_HASH_LABEL] = revision;
  return pod;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or, for a RollingUpdate without
 * rollingUpdate, below status.currentReplicas) are created at the current revision, the rest at
 * the update revision. The condition keeps kube's operator precedence.
 */
export function newVersionedPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): KObject {
  const us = specOf(currentSet).updateStrategy ?? {};
  const start = startOrdinal(currentSet);
  const atCurrent =
    (us.type === "RollingUpdate" && !us.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (!!us.rollingUpdate && ordinal < start + (us.rollingUpdate.partition ?? 0));
  return atCurrent ? newStatefulSetPod(currentSet, ordinal, currentRevision) : newStatefulSetPod(updateSet, ordinal, updateRevision);
}

// ---- pod state ----

export const isCreated = (pod: KObject): boolean => !!podStatus(pod).phase;
export const isTerminating = (pod: KObject): boolean => !!pod.metadata.deletionTimestamp;
export const isRunningAndReady = (pod: KObject): boolean => podStatus(pod).phase === "Running" && isPodReady(pod);
const isHealthy = (pod: KObject): boolean => isRunningAndReady(pod) && !isTerminating(pod);
export const isUnavailable = (pod: KObject, minReadySeconds: number, now: number): boolean => !isHealthy(pod) || !isPodAvailable(pod, minReadySeconds, now);

// ---- claim ownership (persistentVolumeClaimRetentionPolicy) ----

export function retentionPolicy(set: StatefulSet): { whenDeleted: RetentionType; whenScaled: RetentionType } {
  const p = specOf(set).persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted ?? "Retain", whenScaled: p.whenScaled ?? "Retain" };
}

const refMatches = (ref: OwnerReference, apiVersion: string, kind: string, name: string | undefined): boolean =>
  ref.apiVersion === apiVersion && ref.kind === kind && ref.name === name;
const isSetRef = (ref: OwnerReference, set: StatefulSet): boolean => refMatches(ref, "apps/v1", "StatefulSet", set.metadata.name);
const isPodRef = (ref: OwnerReference, pod: KObject): boolean => refMatches(ref, "v1", "Pod", pod.metadata.name);

/**
 * The ownerReferences a claim should carry under the set's retention policy, or undefined when
 * it must be left alone (a stale reference to an earlier set or pod of the same name, or another
 * controller). WhenDeleted=Delete: owned by the set; WhenScaled=Delete: owned by its pod once
 * that pod is scaled away.
 */
export function desiredClaimRefs(claim: KObject, set: StatefulSet, pod: KObject): OwnerReference[] | undefined {
  const refs = claim.metadata.ownerReferences ?? [];
  const stale = refs.some((r) => (isSetRef(r, set) && r.uid !== set.metadata.uid) || (isPodRef(r, pod) && r.uid !== pod.metadata.uid));
  if (stale) return undefined;
  const policy = retentionPolicy(set);
  const ours = (r: OwnerReference): boolean => isSetRef(r, set) || isPodRef(r, pod);
  const kept = refs.filter((r) => !ours(r));
  const retainAll = policy.whenDeleted === "Retain" && policy.whenScaled === "Retain";
  if (!retainAll && kept.some((r) => r.controller === true)) return kept;
  const scaledDown = !inOrdinalRange(pod, set);
  if (policy.whenScaled === "Delete" && scaledDown) kept.push(newControllerRef(pod, R.pods));
  if (policy.whenDeleted === "Delete" && !(policy.whenScaled === "Delete" && scaledDown)) kept.push(newControllerRef(set, R.statefulsets));
  return kept;
}

const refKey = (r: OwnerReference): string => `${r.uid}|${r.controller === true}`;

/** The claim's references already agree with the policy. */
export function claimRefsUpToDate(claim: KObject, set: StatefulSet, pod: KObject): boolean {
  const want = desiredClaimRefs(claim, set, pod);
  if (!want) return true;
  const have = (claim.metadata.ownerReferences ?? []).map(refKey).sort();
  return JSON.stringify(have) === JSON.stringify(want.map(refKey).sort());
}

/** A claim left over from an earlier pod of this name blocks creation when scale-down deletes claims (PodClaimIsStale). */
export function claimIsStale(set: StatefulSet, claim: KObject | undefined, podNameWanted: string): boolean {
  if (!claim || retentionPolicy(set).whenScaled === "Retain") return false;
  // The pod does not exist yet, so any reference to a pod of its name is stale.
  return (claim.metadata.ownerReferences ?? []).some((r) => refMatches(r, "v1", "Pod", podNameWanted));
}

// ---- status ----

export function computeReplicaStatus(pods: KObject[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: number) {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isPodAvailable(pod, minReadySeconds, now)) s.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const rev = podRevision(pod);
      if (rev === currentRevision) s.currentReplicas++;
      if (rev === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/** completeRollingUpdate: once every replica is updated and ready, the update revision becomes current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const n = replicasOf(set);
  if (specOf(set).updateStrategy?.type === "RollingUpdate" && status.updatedReplicas === n && status.readyReplicas === n && status.replicas === n) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

/** inconsistentStatus: whether the status must be written. */
export function statusChanged(set: StatefulSet, status: StatefulSetStatus): boolean {
  const cur = set.status ?? { replicas: 0 };
  return (
    (status.observedGeneration ?? 0) > (cur.observedGeneration ?? 0) ||
    status.replicas !== (cur.replicas ?? 0) ||
    (status.currentReplicas ?? 0) !== (cur.currentReplicas ?? 0) ||
    (status.readyReplicas ?? 0) !== (cur.readyReplicas ?? 0) ||
    (status.updatedReplicas ?? 0) !== (cur.updatedReplicas ?? 0) ||
    (status.currentRevision ?? "") !== (cur.currentRevision ?? "") ||
    (status.availableReplicas ?? 0) !== (cur.availableReplicas ?? 0) ||
    (status.updateRevision ?? "") !== (cur.updateRevision ?? "")
  );
}

/** Drops zero/empty fields Go's omitempty drops (replicas and availableReplicas are always written). */
export function wireStatus(s: StatefulSetStatus): StatefulSetStatus {
  const out: StatefulSetStatus = { replicas: s.replicas };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.currentReplicas) out.currentReplicas = s.currentReplicas;
  if (s.updatedReplicas) out.updatedReplicas = s.updatedReplicas;
  if (s.currentRevision) out.currentRevision = s.currentRevision;
  if (s.updateRevision) out.updateRevision = s.updateRevision;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  out.availableReplicas = s.availableReplicas ?? 0;
  return out;
}

// ---- the plan ----

export type Step =
  /** Create the missing claims (with their owner references), then the pod. */
  | { kind: "createPod"; pod: KObject; claims: KObject[]; claimsDeleting: string[] }
  /** A pending pod whose claims went missing: recreate them. */
  | { kind: "createClaims"; pod: KObject; claims: KObject[]; claimsDeleting: string[] }
  /** Restore a pod's identity or storage (and create the claims its new volumes need). */
  | { kind: "updatePod"; pod: KObject; claims: KObject[]; claimsDeleting: string[] }
  | { kind: "updateClaim"; pod: KObject; claim: KObject }
  | { kind: "deletePod"; pod: KObject; why: "failed" | "scaleDown" | "update" };

export interface PlanInput {
  set: StatefulSet;
  /** The set as of its current and update revisions (ApplyRevision). */
  currentSet: StatefulSet;
  updateSet: StatefulSet;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  pods: KObject[];
  /** Existing claims by name (the claim lister). */
  claim: (name: string) => KObject | undefined;
  now: number;
}

export interface Plan {
  steps: Step[];
  status: StatefulSetStatus;
}

/** The claims `pod` needs that do not exist yet, with their owner references; and those being deleted. */
function missingClaims(set: StatefulSet, pod: KObject, claim: (name: string) => KObject | undefined): { claims: KObject[]; claimsDeleting: string[] } {
  const claims: KObject[] = [];
  const claimsDeleting: string[] = [];
  for (const c of claimsFor(set, ordinalOf(pod))) {
    const existing = claim(c.metadata.name ?? "");
    if (!existing) {
      const refs = desiredClaimRefs(c, set, pod) ?? [];
      if (refs.length) c.metadata.ownerReferences = refs;
      claims.push(c);
    } else if (existing.metadata.deletionTimestamp) claimsDeleting.push(c.metadata.name ?? "");
  }
  return { claims, claimsDeleting };
}

/** Claims of an existing pod whose owner references disagree with the policy, as they should be. */
function claimUpdates(set: StatefulSet, pod: KObject, claim: (name: string) => KObject | undefined): Step[] {
  const steps: Step[] = [];
  for (const t of claimTemplates(set)) {
    const existing = claim(claimName(set, t, ordinalOf(pod)));
    if (!existing || claimRefsUpToDate(existing, set, pod)) continue;
    const next = structuredClone(existing);
    next.metadata.ownerReferences = desiredClaimRefs(existing, set, pod);
    if (!next.metadata.ownerReferences?.length) delete next.metadata.ownerReferences;
    steps.push({ kind: "updateClaim", pod, claim: next });
  }
  return steps;
}

/**
 * One sync of a statefulset (updateStatefulSet): the writes kube makes, in order, assuming each
 * succeeds, and the status it then reports. OrderedReady stops at the first pod that is not yet
 * Running, Ready and available; Parallel does everything at once.
 */
export function planStatefulSet(input: PlanInput): Plan {
  const { set, currentSet, updateSet, currentRevision, updateRevision, claim, now } = input;
  const minReady = specOf(set).minReadySeconds ?? 0;
  const steps: Step[] = [];
  const statusOf = (...lists: KObject[][]): StatefulSetStatus => {
    const c = computeReplicaStatus(lists.flat(), minReady, currentRevision, updateRevision, now);
    return { observedGeneration: set.metadata.generation, currentRevision, updateRevision, collisionCount: input.collisionCount, ...c };
  };

  const start = startOrdinal(set);
  const replicaCount = replicasOf(set);
  const replicas: (KObject | undefined)[] = new Array(replicaCount).fill(undefined);
  const condemned: KObject[] = [];
  for (const pod of input.pods) {
    if (inOrdinalRange(pod, set)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  const isNew = new Set<KObject>();
  for (let i = 0; i < replicaCount; i++) {
    if (!replicas[i]) {
      const pod = newVersionedPod(currentSet, updateSet, currentRevision, updateRevision, start + i);
      replicas[i] = pod;
      isNew.add(pod);
    }
  }
  const live = replicas as KObject[];
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  let firstUnavailable: KObject | undefined;
  for (const p of live) if (!firstUnavailable && isUnavailable(p, minReady, now)) firstUnavailable = p;
  for (let i = condemned.length - 1; i >= 0 && !firstUnavailable; i--) if (isUnavailable(condemned[i]!, minReady, now)) firstUnavailable = condemned[i];

  if (set.metadata.deletionTimestamp) return { steps, status: statusOf(input.pods) };

  const monotonic = specOf(set).podManagementPolicy !== "Parallel";
  const done = (): Plan => ({ steps, status: statusOf(live, condemned) });

  // Living replicas, in ordinal order.
  for (const pod of live) {
    const phase = podStatus(pod).phase;
    if (phase === "Failed" || phase === "Succeeded") {
      if (!isTerminating(pod)) steps.push({ kind: "deletePod", pod, why: "failed" });
      if (monotonic) return done();
      continue;
    }
    if (isNew.has(pod)) {
      if (claimTemplates(set).some((t) => claimIsStale(set, claim(claimName(set, t, ordinalOf(pod))), pod.metadata.name ?? ""))) {
        if (monotonic) return done();
        continue;
      }
      steps.push({ kind: "createPod", pod, ...missingClaims(set, pod, claim) });
      if (monotonic) return done();
      continue;
    }
    if (phase === "Pending") {
      const m = missingClaims(set, pod, claim);
      if (m.claims.length || m.claimsDeleting.length) steps.push({ kind: "createClaims", pod, ...m });
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now))) return done();
    const claimSteps = claimUpdates(updateSet, pod, claim);
    if (identityMatches(set, pod) && storageMatches(set, pod) && claimSteps.length === 0) continue;
    steps.push(...claimSteps);
    if (!identityMatches(updateSet, pod) || !storageMatches(updateSet, pod)) {
      const fixed = structuredClone(pod);
      if (!identityMatches(updateSet, fixed)) updateIdentity(updateSet, fixed);
      let m: { claims: KObject[]; claimsDeleting: string[] } = { claims: [], claimsDeleting: [] };
      if (!storageMatches(updateSet, fixed)) {
        updateStorage(updateSet, fixed);
        m = missingClaims(updateSet, fixed, claim);
      }
      steps.push({ kind: "updatePod", pod: fixed, ...m });
    }
  }

  // Claims of condemned pods take the pod as owner before the pod goes (WhenScaled=Delete).
  for (const pod of condemned) steps.push(...claimUpdates(updateSet, pod, claim));

  // Scale down, highest ordinal first.
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    const first = firstUnavailable?.metadata.name === pod.metadata.name;
    if (monotonic && !first && (!isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now))) return done();
    steps.push({ kind: "deletePod", pod, why: "scaleDown" });
    if (monotonic) return done();
  }

  const status = statusOf(live, condemned);
  if (specOf(set).updateStrategy?.type === "OnDelete") return { steps, status };

  // Rolling update: replace the highest ordinal not at the update revision, one at a time, down to the partition.
  const partition = specOf(set).updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let target = live.length - 1; target >= partition; target--) {
    const pod = live[target]!;
    if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
      steps.push({ kind: "deletePod", pod, why: "update" });
      break;
    }
    if (isUnavailable(pod, minReady, now)) break;
  }
  return { steps, status };
}
