/**
 * The daemonset controller's decisions (kube's pkg/controller/daemon, 1.32) as pure functions:
 * which nodes should run a daemon pod (node name, nodeSelector, required node affinity, taints
 * against the pod's tolerations plus the ones kube adds to every daemon pod), which pods to
 * create and delete, the rolling update under maxUnavailable / maxSurge, and the status.
 */
import type { KObject } from "../../client/types.js";
import { CONTROLLER_REVISION_HASH_LABEL } from "../history/revision.js";
import { isPodAvailable, isPodReady, podStatus } from "../util/pods.js";

export const TEMPLATE_GENERATION_LABEL = "pod-template-generation";
export const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";

type IntOrPercent = number | string;

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: PodSpec;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | "";
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
interface Affinity {
  nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] }; [k: string]: unknown };
  [k: string]: unknown;
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  [k: string]: unknown;
}

export interface DaemonSetSpec {
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: PodTemplateSpec;
  updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { maxUnavailable?: IntOrPercent; maxSurge?: IntOrPercent } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface DaemonSet extends KObject {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

export interface Node extends KObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [k: string]: unknown };
}

export const specOf = (ds: DaemonSet): DaemonSetSpec => ds.spec ?? {};
const podSpecOf = (pod: KObject): PodSpec => (pod.spec ?? {}) as PodSpec;

// ---- tolerations kube adds to daemon pods ----

/** util.AddOrUpdateDaemonPodTolerations: the node-condition taints a daemon pod rides out. */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const added: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  ];
  if (spec.hostNetwork) added.push({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
  const out = [...(spec.tolerations ?? [])];
  // AddOrUpdateTolerationInPodSpec: an existing toleration of the same key/operator/value/effect is replaced.
  for (const t of added) {
    const same = (o: Toleration): boolean => (o.key ?? "") === t.key && (o.operator ?? "Equal") === t.operator && (o.value ?? "") === "" && (o.effect ?? "") === t.effect;
    const i = out.findIndex(same);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

function untoleratedTaint(taints: Taint[], tolerations: Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

// ---- node selection ----

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
  }
  return false;
}

/** A term matches when all its requirements do; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return (
    exprs.every((r) => requirementMatches(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined)) &&
    fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata.name))
  );
}

/** nodeSelector and required node affinity (the scheduler's NodeAffinity filter). */
export function nodeMatchesPod(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
  return true;
}

/**
 * NodeShouldRunDaemonPod: shouldRun (a pod belongs there) and shouldContinueRunning (an existing
 * pod may stay: it is only evicted by an untolerated NoExecute taint).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec: PodSpec = { ...(specOf(ds).template?.spec ?? {}) };
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!nodeMatchesPod(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(spec);
  const taints = node.spec?.taints ?? [];
  if (untoleratedTaint(taints, tolerations, (t) => t.effect === "NoSchedule" || t.effect === "NoExecute")) {
    return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(taints, tolerations, (t) => t.effect === "NoExecute") };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** util.GetTargetNodeName: spec.nodeName, or the node the required affinity pins the pod to. */
export function targetNodeName(pod: KObject): string | undefined {
  const spec = podSpecOf(pod);
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In") return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required node affinity becomes "metadata.name In [node]". */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const terms: NodeSelectorTerm[] = [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }];
  const out: Affinity = structuredClone(affinity ?? {});
  const na = (out.nodeAffinity ??= {});
  na.requiredDuringSchedulingIgnoredDuringExecution = { ...(na.requiredDuringSchedulingIgnoredDuringExecution ?? {}), nodeSelectorTerms: terms };
  return out;
}

// ---- revisions on pods ----

/** util.GetTemplateGeneration: the server-kept annotation, if any. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** util.IsPodUpdated: the pod carries the current hash (or, for old pods, the template generation). */
export function isPodUpdated(pod: KObject, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** util.CreatePodTemplate: the template with generation and hash labels and the daemon tolerations. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const t = structuredClone(specOf(ds).template ?? {});
  const labels = { ...(t.metadata?.labels ?? {}) };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  t.metadata = { ...(t.metadata ?? {}), labels };
  const spec = (t.spec ??= {});
  spec.tolerations = daemonPodTolerations(spec);
  return t;
}

// ---- counts ----

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    const n = Number.parseInt(v, 10);
    return Number.isNaN(n) ? 0 : n;
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function surgeCount(ds: DaemonSet, n: number): number {
  const us = specOf(ds).updateStrategy;
  if (us?.type !== "RollingUpdate" || !us.rollingUpdate) return 0;
  return scaledValue(us.rollingUpdate.maxSurge, n, true);
}

export function unavailableCount(ds: DaemonSet, n: number): number {
  const us = specOf(ds).updateStrategy;
  if (us?.type !== "RollingUpdate" || !us.rollingUpdate) return 0;
  return scaledValue(us.rollingUpdate.maxUnavailable, n, true);
}

export const allowsSurge = (ds: DaemonSet): boolean => surgeCount(ds, 1) !== 0;

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
export function byCreation(a: KObject, b: KObject): number {
  const an = !!podSpecOf(a).nodeName;
  const bn = !!podSpecOf(b).nodeName;
  if (an !== bn) return an ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1;
}

// ---- manage ----

export interface ManageInput {
  ds: DaemonSet;
  nodes: Node[];
  /** Daemon pods by target node name (getNodesToDaemonPods). */
  nodeToPods: Map<string, KObject[]>;
  hash: string;
  now: number;
  /** Failed pods on this node were killed recently: wait before killing another (kube's failedPodsBackoff). */
  inBackoff: (nodeName: string) => boolean;
}

export interface ManageDecision {
  createOn: string[];
  deletePods: string[];
  /** Nodes whose failed pod is killed now (the shell records the event and advances the backoff). */
  failedPods: { node: string; pod: KObject }[];
  /** Nodes in failed-pod backoff: sync again later. */
  backoffNodes: string[];
}

/** manage + podsShouldBeOnNode: the daemon pods to create and delete. */
export function manageDaemonSet(input: ManageInput): ManageDecision {
  const { ds, nodes, nodeToPods, hash, now } = input;
  const out: ManageDecision = { createOn: [], deletePods: [], failedPods: [], backoffNodes: [] };
  const minReady = specOf(ds).minReadySeconds ?? 0;
  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = nodeToPods.get(name);
    if (shouldRun && !pods) {
      out.createOn.push(name);
    } else if (shouldContinueRunning) {
      const running: KObject[] = [];
      for (const pod of pods ?? []) {
        if (pod.metadata.deletionTimestamp) continue;
        const phase = podStatus(pod).phase;
        if (phase === "Failed") {
          if (input.inBackoff(name)) {
            out.backoffNodes.push(name);
            continue;
          }
          out.failedPods.push({ node: name, pod });
          out.deletePods.push(pod.metadata.name ?? "");
        } else if (phase === "Succeeded") out.deletePods.push(pod.metadata.name ?? "");
        else running.push(pod);
      }
      if (running.length <= 1) continue;
      running.sort(byCreation);
      if (!allowsSurge(ds)) {
        // More than one pod on a node: keep the oldest.
        for (const p of running.slice(1)) out.deletePods.push(p.metadata.name ?? "");
        continue;
      }
      // Surging: at most one new and one old pod; the old goes once the new is available.
      let oldestNew: KObject | undefined;
      let oldestOld: KObject | undefined;
      for (const p of running) {
        const isNew = p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
        if (isNew && !oldestNew) oldestNew = p;
        else if (!isNew && !oldestOld) oldestOld = p;
        else out.deletePods.push(p.metadata.name ?? "");
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, now))) {
        out.deletePods.push(oldestOld.metadata.name ?? "");
      }
    } else if (pods) {
      for (const p of pods) if (!p.metadata.deletionTimestamp) out.deletePods.push(p.metadata.name ?? "");
    }
  }
  // Unscheduled pods pinned to nodes that no longer exist would never be scheduled nor collected.
  const known = new Set(nodes.map((n) => n.metadata.name ?? ""));
  for (const [node, pods] of nodeToPods) {
    if (known.has(node)) continue;
    for (const p of pods) if (!podSpecOf(p).nodeName && !out.deletePods.includes(p.metadata.name ?? "")) out.deletePods.push(p.metadata.name ?? "");
  }
  return out;
}

// ---- rolling update ----

/** findUpdatedPodsOnNode: the node's new and old pod; ok false when it has more than one of either. */
export function updatedPodsOnNode(ds: DaemonSet, pods: KObject[], hash: string): { newPod?: KObject; oldPod?: KObject; ok: boolean } {
  let newPod: KObject | undefined;
  let oldPod: KObject | undefined;
  const gen = templateGeneration(ds);
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * rollingUpdate: without surge, delete old pods while at most maxUnavailable are unavailable
 * (the manage loop then recreates them); with surge, create new pods beside old ones on up to
 * maxSurge nodes and delete each old pod once its replacement is available.
 */
export function rollingUpdateDecision(ds: DaemonSet, nodes: Node[], nodeToPodsIn: Map<string, KObject[]>, hash: string, now: number): { deletePods: string[]; createOn: string[] } {
  const minReady = specOf(ds).minReadySeconds ?? 0;
  const available = (p: KObject): boolean => isPodAvailable(p, minReady, now);
  const nodeToPods = new Map(nodeToPodsIn);
  const byName = new Map(nodes.map((n) => [n.metadata.name ?? "", n]));
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!nodeToPods.has(node.metadata.name ?? "")) nodeToPods.set(node.metadata.name ?? "", []);
  }
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: string[] = [];
    const candidates: string[] = [];
    for (const pods of nodeToPods.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          replacements.push(oldPod.metadata.name ?? "");
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) candidates.push(oldPod.metadata.name ?? "");
      }
    }
    const remaining = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
    return { deletePods: [...replacements, ...candidates.slice(0, remaining)], createOn: [] };
  }

  const deletePods: string[] = [];
  const shouldNotRun: string[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of nodeToPods) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    const node = byName.get(nodeName);
    const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun) deletePods.push(oldPod.metadata.name ?? "");
        else allowedNodes.push(nodeName);
      } else if (!shouldRun) shouldNotRun.push(oldPod.metadata.name ?? "");
      else if (numSurge < maxSurge) candidateNodes.push(nodeName);
    } else if (!available(newPod)) numSurge++;
    else deletePods.push(oldPod.metadata.name ?? "");
  }
  // Pods on nodes that no longer want them go only while enough others are available.
  const deletable = Math.min(Math.max(numAvailable - desired, 0), shouldNotRun.length);
  deletePods.push(...shouldNotRun.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(maxSurge - numSurge, 0), candidateNodes.length);
  return { deletePods, createOn: [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)] };
}

// ---- status ----

export function computeDaemonSetStatus(ds: DaemonSet, nodes: Node[], nodeToPods: Map<string, KObject[]>, hash: string, now: number): Omit<DaemonSetStatus, "observedGeneration"> {
  const minReady = specOf(ds).minReadySeconds ?? 0;
  const gen = templateGeneration(ds);
  let desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata.name ?? "") ?? [];
    const scheduled = pods.length > 0;
    if (nodeShouldRunDaemonPod(node, ds).shouldRun) {
      desired++;
      if (!scheduled) continue;
      current++;
      const pod = [...pods].sort(byCreation)[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (isPodUpdated(pod, hash, gen)) updated++;
    } else if (scheduled) misscheduled++;
  }
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
}
