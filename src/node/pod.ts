/**
 * A simulated kubelet's decisions about one pod, as functions of plain data: the status a pod
 * shows once "started" (Running, every container running and ready), once finished (Succeeded,
 * every container terminated with exit code 0) and once killed for deletion (Failed, containers
 * terminated by SIGTERM; only pods that finalizers keep after the final delete), and which of
 * those a pod needs now. No container runs; the statuses are shaped as the kubelet's status
 * manager writes them (pkg/kubelet/status, kubelet_pods.go).
 */
import { createHash } from "node:crypto";
import type { KObject } from "../client/types.js";
import { controllerRefOf, rfc3339, type PodCondition } from "../controllers/util/pods.js";

export interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface PodSpec {
  nodeName?: string;
  hostNetwork?: boolean;
  restartPolicy?: string;
  containers?: Container[];
  initContainers?: Container[];
  readinessGates?: { conditionType: string }[];
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodStatusFull {
  phase?: string;
  conditions?: PodCondition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  [field: string]: unknown;
}

export const specOf = (pod: KObject): PodSpec => (pod.spec ?? {}) as PodSpec;
export const statusOf = (pod: KObject): PodStatusFull => (pod.status ?? {}) as PodStatusFull;

/** Exit code and reason of a container stopped by the kubelet's SIGTERM (128 + 15). */
export const KILLED_EXIT_CODE = 143;
export const KILLED_REASON = "Error";

// ---- QoS class (kube's v1 qos.GetPodQOS, for cpu and memory) ----

const QOS_RESOURCES = ["cpu", "memory"];

export function qosClass(spec: PodSpec): "Guaranteed" | "Burstable" | "BestEffort" {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of QOS_RESOURCES) {
      const rq = req[r];
      const lm = lim[r];
      if ((rq !== undefined && !isZero(rq)) || (lm !== undefined && !isZero(lm))) any = true;
      // Requests default to limits; Guaranteed needs both resources limited with equal requests.
      if (lm === undefined || isZero(lm)) guaranteed = false;
      else if (rq !== undefined && rq !== lm) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const isZero = (q: string): boolean => /^[+]?0*(\.0*)?[a-zA-Z]*$/.test(q.trim());

// ---- images and IDs ----

/** The image reference as a container runtime reports it: "nginx" -> "docker.io/library/nginx:latest". */
export function normalizeImage(image: string): string {
  if (!image) return image;
  let name = image;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!first.includes(".") && !first.includes(":") && first !== "localhost") name = `docker.io/${name}`;
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (!name.includes("@") && !lastPart.includes(":")) name += ":latest";
  return name;
}

const imageIDs = new Map<string, string>();

/** A digest reference for the image, as imageID: the given digest, or one derived from the name. */
export function imageIDOf(image: string): string {
  let id = imageIDs.get(image);
  if (id !== undefined) return id;
  const full = normalizeImage(image);
  const at = full.indexOf("@");
  const repo = full.slice(0, full.lastIndexOf(":"));
  id = at >= 0 ? full : `${repo}@sha256:${createHash("sha256").update(full).digest("hex")}`;
  // Pods repeat a few images: each digest is computed once (the map is bounded all the same).
  if (imageIDs.size >= 1024) imageIDs.clear();
  imageIDs.set(image, id);
  return id;
}

/** `kplane://<64 hex>`: stable for a pod UID, container and restart, so a rewrite is idempotent. */
export function containerIDOf(podUID: string, container: string, restartCount: number): string {
  return `kplane://${createHash("sha256").update(`${podUID}/${container}/${restartCount}`).digest("hex")}`;
}

// ---- which pods finish ----

/** Pods of Jobs run for a while and then succeed (kwok's pod-complete stage selects the same pods). */
export function isJobPod(pod: KObject): boolean {
  return controllerRefOf(pod)?.kind === "Job" && specOf(pod).restartPolicy !== "Always";
}

const isSidecar = (c: Container): boolean => c.restartPolicy === "Always";

// ---- conditions ----

function condition(type: string, status: "True" | "False", now: string, prev: PodCondition[] | undefined, reason?: string, message?: string): PodCondition {
  const old = prev?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

const KUBELET_CONDITIONS = new Set(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]);

/** Kubelet-owned conditions in the kubelet's order, then any others the pod already had (readiness gates, DisruptionTarget). */
function withConditions(prev: PodCondition[] | undefined, own: PodCondition[]): PodCondition[] {
  return [...own, ...(prev ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type))];
}

function scheduledCondition(now: string, prev: PodCondition[] | undefined): PodCondition {
  return condition("PodScheduled", "True", now, prev);
}

/** Ready when containers are, unless a readiness gate is not yet True (the message is the kubelet's). */
function readyCondition(spec: PodSpec, now: string, prev: PodCondition[] | undefined): PodCondition {
  const unready: string[] = [];
  for (const g of spec.readinessGates ?? []) {
    const c = prev?.find((x) => x.type === g.conditionType);
    if (!c) unready.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== "True") unready.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  if (unready.length) return condition("Ready", "False", now, prev, "ReadinessGatesNotReady", unready.join(", "));
  return condition("Ready", "True", now, prev);
}

// ---- statuses ----

export interface RunInput {
  hostIP: string;
  podIP: string;
  now: number;
}

function runningContainer(pod: KObject, c: Container, prev: ContainerStatus | undefined, now: string, ready: boolean): ContainerStatus {
  const image = normalizeImage(c.image ?? "");
  // The same container keeps its status; a changed image means the kubelet restarted it.
  if (prev && prev.image === image && prev.state.running) return { ...prev, ready, started: true };
  const restartCount = prev ? prev.restartCount + 1 : 0;
  const lastState: ContainerState = prev?.state.running
    ? { terminated: { exitCode: KILLED_EXIT_CODE, reason: KILLED_REASON, startedAt: prev.state.running.startedAt, finishedAt: now, containerID: prev.containerID } }
    : {};
  return {
    containerID: containerIDOf(pod.metadata.uid ?? "", c.name, restartCount),
    image,
    imageID: imageIDOf(c.image ?? ""),
    lastState,
    name: c.name,
    ready,
    restartCount,
    started: true,
    state: { running: { startedAt: now } },
  };
}

function completedInitContainer(pod: KObject, c: Container, prev: ContainerStatus | undefined, now: string): ContainerStatus {
  if (prev?.state.terminated?.exitCode === 0) return prev;
  const containerID = containerIDOf(pod.metadata.uid ?? "", c.name, 0);
  return {
    containerID,
    image: normalizeImage(c.image ?? ""),
    imageID: imageIDOf(c.image ?? ""),
    lastState: {},
    name: c.name,
    ready: true,
    restartCount: 0,
    started: false,
    state: { terminated: { containerID, exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } },
  };
}

const byName = (list: ContainerStatus[] | undefined, name: string): ContainerStatus | undefined => list?.find((s) => s.name === name);

/** The status of a pod whose containers all started: phase Running, ready, IPs assigned. */
export function runningStatus(pod: KObject, input: RunInput): PodStatusFull {
  const spec = specOf(pod);
  const prev = statusOf(pod);
  const now = rfc3339(input.now);
  const initContainerStatuses = (spec.initContainers ?? []).map((c) =>
    isSidecar(c) ? runningContainer(pod, c, byName(prev.initContainerStatuses, c.name), now, true) : completedInitContainer(pod, c, byName(prev.initContainerStatuses, c.name), now),
  );
  const containerStatuses = (spec.containers ?? []).map((c) => runningContainer(pod, c, byName(prev.containerStatuses, c.name), now, true));
  const conditions = withConditions(prev.conditions, [
    condition("PodReadyToStartContainers", "True", now, prev.conditions),
    condition("Initialized", "True", now, prev.conditions),
    readyCondition(spec, now, prev.conditions),
    condition("ContainersReady", "True", now, prev.conditions),
    scheduledCondition(now, prev.conditions),
  ]);
  const status: PodStatusFull = {
    ...prev,
    phase: "Running",
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    startTime: prev.startTime ?? now,
    qosClass: prev.qosClass ?? qosClass(spec),
    containerStatuses,
  };
  if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
  else delete status.initContainerStatuses;
  return status;
}

function terminate(s: ContainerStatus, now: string, exitCode: number, reason: string): ContainerStatus {
  if (s.state.terminated) return { ...s, ready: false, started: false };
  return {
    ...s,
    ready: false,
    started: false,
    state: { terminated: { containerID: s.containerID, exitCode, reason, startedAt: s.state.running?.startedAt ?? now, finishedAt: now } },
  };
}

/**
 * A terminal status: every container (and sidecar) terminated. Succeeded pods say PodCompleted
 * on Ready/ContainersReady and Initialized; Failed ones say PodFailed.
 */
export function terminalStatus(pod: KObject, nowMs: number, phase: "Succeeded" | "Failed"): PodStatusFull {
  const spec = specOf(pod);
  const prev = statusOf(pod);
  const now = rfc3339(nowMs);
  const [exitCode, reason] = phase === "Succeeded" ? [0, "Completed"] : [KILLED_EXIT_CODE, KILLED_REASON];
  const reasonOnReady = phase === "Succeeded" ? "PodCompleted" : "PodFailed";
  const conditions = withConditions(prev.conditions, [
    condition("PodReadyToStartContainers", "False", now, prev.conditions),
    condition("Initialized", "True", now, prev.conditions, phase === "Succeeded" ? "PodCompleted" : undefined),
    condition("Ready", "False", now, prev.conditions, reasonOnReady),
    condition("ContainersReady", "False", now, prev.conditions, reasonOnReady),
    scheduledCondition(now, prev.conditions),
  ]);
  const status: PodStatusFull = {
    ...prev,
    phase,
    conditions,
    qosClass: prev.qosClass ?? qosClass(spec),
    containerStatuses: (prev.containerStatuses ?? []).map((s) => terminate(s, now, exitCode, reason)),
  };
  if (prev.initContainerStatuses) status.initContainerStatuses = prev.initContainerStatuses.map((s) => terminate(s, now, exitCode, reason));
  return status;
}

// ---- what a pod needs now ----

export type PodAction =
  /** Write the Running status (needs a pod IP unless hostNetwork). */
  | { kind: "start" }
  /** Write a terminal status. */
  | { kind: "finish"; phase: "Succeeded" | "Failed" }
  /** Delete with grace 0 and the pod's UID as precondition (the kubelet's final delete). */
  | { kind: "delete" }
  /** Nothing now; look again at `at` (ms). */
  | { kind: "wait"; at: number }
  | { kind: "none" };

/**
 * What the simulated kubelet does with a pod bound to one of its nodes, given the current time
 * and how long job pods run. One step at a time: the shell writes, the informer brings the
 * result back, and the next call takes the next step.
 */
export function nextPodAction(pod: KObject, nowMs: number, jobPodDurationMs: number): PodAction {
  const st = statusOf(pod);
  const terminal = st.phase === "Succeeded" || st.phase === "Failed";
  if (pod.metadata.deletionTimestamp) {
    // The kubelet writes a terminal status (Failed: SIGTERM) before its final delete. That
    // status outlives the delete only when finalizers hold the pod (a Job's tracking finalizer,
    // whose controller may wait for phase Failed); otherwise it is gone one round trip later, so,
    // as kwok does, the pod is deleted straight away: no container runs to be killed, and the
    // status write would be a third of the API server's work in a mass deletion.
    const held = (pod.metadata.finalizers?.length ?? 0) > 0;
    if (held && !terminal && [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? [])].some((s) => s.state.running)) {
      return { kind: "finish", phase: "Failed" };
    }
    // Deleted with grace 0 already, and kept by its finalizers: nothing left for the kubelet.
    if (held && pod.metadata.deletionGracePeriodSeconds === 0) return { kind: "none" };
    return { kind: "delete" };
  }
  if (terminal) return { kind: "none" };
  if (st.phase !== "Running" || needsRestart(pod)) return { kind: "start" };
  if (isJobPod(pod)) {
    const started = st.startTime ? Date.parse(st.startTime) : nowMs;
    const at = started + jobPodDurationMs;
    return nowMs >= at ? { kind: "finish", phase: "Succeeded" } : { kind: "wait", at };
  }
  if (readyStale(pod)) return { kind: "start" };
  return { kind: "none" };
}

/** A running pod whose containers no longer match its spec (an image changed, a status went missing). */
function needsRestart(pod: KObject): boolean {
  const spec = specOf(pod);
  const st = statusOf(pod);
  for (const c of spec.containers ?? []) {
    const s = byName(st.containerStatuses, c.name);
    if (!s || !s.state.running || s.image !== normalizeImage(c.image ?? "")) return true;
  }
  return false;
}

/** Ready does not agree with the readiness gates any more (someone set a gate's condition). */
function readyStale(pod: KObject): boolean {
  const spec = specOf(pod);
  if (!spec.readinessGates?.length) return false;
  const prev = statusOf(pod).conditions;
  const want = readyCondition(spec, "", prev);
  const have = prev?.find((c) => c.type === "Ready");
  return have?.status !== want.status || (have.message ?? "") !== (want.message ?? "");
}
