/**
 * The scheduler's shell (kube-scheduler's scheduleOne loop): informer handlers feed the
 * scheduling queue and the cache; each cycle pops one pod, runs the framework against the
 * cache, assumes the pod on the chosen node and binds it in the background (forgetting it if
 * the binding fails), or records why it fits nowhere (PodScheduled=False condition + event).
 */
import { keyOf } from "../client/cache.js";
import { R } from "../client/resources.js";
import { isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone } from "../client/types.js";
import type { Controller, ControllerContext } from "../controllers/types.js";
import { rfc3339 } from "../controllers/util/pods.js";
import { labelSelectorFromMeta, labelSelectorFromSet, matchesLabels, type LabelSelector, type MetaLabelSelector } from "../apiserver/selectors/index.js";
import { SchedulerCache, newPodInfo } from "./cache.js";
import { defaultProfile, fitErrorMessage, preemptionMessage, schedulePod, seededRandom, type CycleState, type Profile } from "./framework.js";
import type { DefaultSelector } from "./plugins/podtopologyspread.js";
import { SchedulingQueue, type ClusterEvent, type QueueOptions, type QueuedPod } from "./queue.js";
import type { Node, Pod, PodInfo } from "./types.js";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  schedulerName?: string;
  /** 0 or unset: kube's adaptive percentage. */
  percentageOfNodesToScore?: number;
  /** Seeds the tie-break among equally scored nodes. */
  seed?: number;
  queue?: QueueOptions;
  /** Bindings allowed in flight at once. */
  maxInFlightBindings?: number;
}

const tombstoneObj = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));
const isTerminal = (p: Pod): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export class Scheduler implements Controller {
  readonly name = "scheduler";
  readonly schedulerName: string;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly profile: Profile;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly namespaces: Informer;
  private readonly recorder: EventRecorder;
  private readonly cycleState: CycleState = { nextStartNodeIndex: 0 };
  private readonly random: () => number;
  private readonly bindings = new Set<Promise<void>>();
  private readonly maxBindings: number;
  private wake: (() => void) | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: SchedulerOptions = {},
  ) {
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.random = seededRandom(options.seed ?? Date.now());
    this.maxBindings = options.maxInFlightBindings ?? 64;
    this.recorder = ctx.recorder(DEFAULT_SCHEDULER_NAME);
    this.pods = ctx.informers.for<Pod>(R.pods);
    this.nodes = ctx.informers.for<Node>(R.nodes);
    this.namespaces = ctx.informers.for(R.namespaces);
    this.cache = new SchedulerCache((ns) => this.namespaces.lister.get(undefined, ns)?.metadata.labels ?? {});
    this.queue = new SchedulingQueue(() => ctx.clock.now(), options.queue);
    this.queue.onActive = () => this.wakeUp();
    this.profile = defaultProfile({ defaultSelector: this.defaultSelector() });
    this.nodes.addEventHandler({
      add: (n) => this.addNode(n),
      update: (o, n) => this.updateNode(o, n),
      delete: (n) => this.cache.removeNode(tombstoneObj(n).metadata.name ?? ""),
    });
    this.pods.addEventHandler({
      add: (p) => this.addPod(p),
      update: (o, p) => this.updatePod(o, p),
      delete: (p) => this.deletePod(tombstoneObj(p)),
    });
  }

  // ---- informer handlers ----

  private responsible(p: Pod): boolean {
    return (p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  /** Pending pods this scheduler should place: unassigned, ours, not terminating or finished, not gated. */
  private wantsScheduling(p: Pod): boolean {
    return !p.spec?.nodeName && this.responsible(p) && !p.metadata.deletionTimestamp && !isTerminal(p) && !(p.spec?.schedulingGates?.length);
  }

  private addNode(n: Node): void {
    this.cache.addNode(n);
    this.event("NodeAdd");
  }

  private updateNode(old: Node, n: Node): void {
    this.cache.addNode(n);
    if (old.metadata.resourceVersion === n.metadata.resourceVersion) return;
    const relevant = (x: Node) => JSON.stringify([x.metadata.labels, x.spec?.taints, x.spec?.unschedulable, x.status?.allocatable]);
    if (relevant(old) !== relevant(n)) this.event("NodeUpdate");
  }

  private addPod(p: Pod): void {
    if (p.spec?.nodeName) {
      if (isTerminal(p)) return;
      this.cache.addOrUpdatePod(p);
      this.event("AssignedPodAdd");
    } else if (this.wantsScheduling(p)) this.queue.add(keyOf(p), p);
  }

  private updatePod(old: Pod, p: Pod): void {
    const key = keyOf(p);
    if (p.spec?.nodeName) {
      // Bound (by us or anyone): out of the queue, into the cache; finished pods free their node.
      this.queue.delete(key);
      if (isTerminal(p)) {
        this.cache.removePod(key);
        this.event("AssignedPodDelete");
        return;
      }
      this.cache.addOrUpdatePod(p);
      this.event(old.spec?.nodeName ? "AssignedPodUpdate" : "AssignedPodAdd");
      return;
    }
    if (this.wantsScheduling(p)) {
      if (old.metadata.resourceVersion !== p.metadata.resourceVersion && !onlyStatusChanged(old, p)) this.queue.update(key, p);
      else if (!this.queue.has(key)) this.queue.add(key, p);
    } else this.queue.delete(key);
  }

  private deletePod(p: Pod): void {
    const key = keyOf(p);
    this.queue.delete(key);
    if (this.cache.nodeOfPod(key) !== undefined) {
      this.cache.removePod(key);
      this.event("AssignedPodDelete");
    }
  }

  private event(e: ClusterEvent): void {
    this.queue.moveOnEvent(e);
  }

  /** The system default spread's selector: the pod's services, and its ReplicaSet / RC / StatefulSet. */
  private defaultSelector(): DefaultSelector {
    const services = this.ctx.informers.for(R.services);
    const replicasets = this.ctx.informers.for(R.replicasets);
    const rcs = this.ctx.informers.for(R.replicationcontrollers);
    const statefulsets = this.ctx.informers.for(R.statefulsets);
    return (pod: PodInfo) => {
      const sels: LabelSelector[] = [];
      // What the selectors were built from: the key under which per-node counts are memoized.
      const parts: string[] = [];
      for (const svc of services.lister.list(pod.namespace)) {
        const s = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
        if (!s || Object.keys(s).length === 0) continue;
        const sel = labelSelectorFromSet(s);
        if (!matchesLabels(sel, pod.labels)) continue;
        sels.push(sel);
        parts.push(`s ${JSON.stringify(s)}`);
      }
      const owner = pod.pod.metadata.ownerReferences?.find((r) => r.controller);
      try {
        if (owner?.kind === "ReplicaSet" && owner.apiVersion === "apps/v1") {
          const rs = replicasets.lister.get(pod.namespace, owner.name);
          const sel = (rs?.spec as { selector?: MetaLabelSelector } | undefined)?.selector;
          if (rs) {
            sels.push(labelSelectorFromMeta(sel));
            parts.push(`m ${JSON.stringify(sel)}`);
          }
        } else if (owner?.kind === "StatefulSet" && owner.apiVersion === "apps/v1") {
          const ss = statefulsets.lister.get(pod.namespace, owner.name);
          const sel = (ss?.spec as { selector?: MetaLabelSelector } | undefined)?.selector;
          if (ss) {
            sels.push(labelSelectorFromMeta(sel));
            parts.push(`m ${JSON.stringify(sel)}`);
          }
        } else if (owner?.kind === "ReplicationController" && owner.apiVersion === "v1") {
          const rc = rcs.lister.get(pod.namespace, owner.name);
          const s = (rc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
          if (s) {
            sels.push(labelSelectorFromSet(s));
            parts.push(`s ${JSON.stringify(s)}`);
          }
        }
      } catch {
        // A selector that does not parse adds nothing, as in kube.
      }
      const reqs = sels.filter((s) => s.type === "requirements");
      if (reqs.length === 0 || reqs.every((s) => s.type === "requirements" && s.requirements.length === 0)) return undefined;
      return { matches: (labels) => reqs.every((s) => matchesLabels(s, labels)), key: parts.join("\n") };
    };
  }

  // ---- the loop ----

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async run(signal: AbortSignal, _workers: number): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener("abort", () => this.wakeUp(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    while (!signal.aborted) {
      if (await this.scheduleOne()) continue;
      // Nothing ready: sleep until a pod arrives or the next backoff ends (at most a second).
      const next = this.queue.nextWakeup();
      const ms = Math.max(1, Math.min(1000, next === undefined ? 1000 : next - this.ctx.clock.now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => this.wakeUp(), ms);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    await this.drainBindings();
  }

  /** Waits for every binding in flight (tests and shutdown). */
  async drainBindings(): Promise<void> {
    while (this.bindings.size > 0) await Promise.all([...this.bindings]);
  }

  /** One scheduling cycle, if a pod is ready; answers whether one ran. */
  async scheduleOne(): Promise<boolean> {
    this.queue.flush();
    if (this.bindings.size >= this.maxBindings) await Promise.race([...this.bindings]);
    const q = this.queue.pop();
    if (!q) return false;
    const pod = this.pods.lister.getByKey(q.key);
    if (!pod || !this.wantsScheduling(pod) || this.cache.isAssumed(q.key)) {
      this.queue.done(q.key);
      return true;
    }
    const info = newPodInfo(pod);
    const result = schedulePod(this.profile, info, this.cache, this.cycleState, {
      percentageOfNodesToScore: this.options.percentageOfNodesToScore,
      random: this.random,
    });
    if (result.kind === "scheduled") {
      this.cache.assume(info, result.node);
      this.queue.done(q.key);
      const b = this.bind(info, result.node, q).finally(() => this.bindings.delete(b));
      this.bindings.add(b);
      return true;
    }
    let message: string;
    let plugins = new Set<string>();
    if (result.kind === "noNodes") message = "no nodes available to schedule pods";
    else {
      plugins = result.diagnosis.unschedulablePlugins;
      message = fitErrorMessage(result.diagnosis, preemptionMessage(this.profile, info, this.cache, result.diagnosis));
    }
    this.queue.addUnschedulable(q, plugins);
    await this.recordFailure(pod, "Unschedulable", message);
    return true;
  }

  private async bind(info: PodInfo, node: string, q: QueuedPod): Promise<void> {
    const { namespace, name, uid } = info.pod.metadata;
    try {
      await this.ctx.client.createSubresource(R.pods, namespace, name ?? "", "binding", {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, namespace, uid },
        target: { apiVersion: "v1", kind: "Node", name: node },
      } as KObject);
      this.recorder.event(info.pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (e) {
      this.cache.forget(info.key);
      const current = this.pods.lister.getByKey(info.key);
      if (isNotFound(e) || !current || !this.wantsScheduling(current)) return;
      this.ctx.log.warn("binding failed", { pod: info.key, node, err: e instanceof Error ? e.message : String(e) });
      // Back into the queue as a fresh attempt after backoff (kube's error path).
      this.queue.requeueAfterError({ ...q, pod: current });
      await this.recordFailure(current, "SchedulerError", `running Bind plugin "DefaultBinder": ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** FailedScheduling event, and PodScheduled=False written only when it changes (kube's updatePod). */
  private async recordFailure(pod: Pod, reason: string, message: string): Promise<void> {
    this.recorder.event(pod, "Warning", "FailedScheduling", message);
    const cur = this.pods.lister.getByKey(keyOf(pod)) ?? pod;
    const old = cur.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (old && old.status === "False" && old.reason === reason && old.message === message) return;
    const condition = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: old && old.status === "False" && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(this.ctx.clock.now()),
      reason,
      message,
    };
    try {
      await this.ctx.client.patch(R.pods, cur.metadata.namespace, cur.metadata.name ?? "", "strategic", { status: { conditions: [condition] } }, { subresource: "status", metadataOnly: true });
    } catch (e) {
      if (!isNotFound(e)) this.ctx.log.warn("updating pod condition", { pod: keyOf(pod), err: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** Changes to status only (our own condition writes) do not make a pod worth another try. */
function onlyStatusChanged(old: Pod, cur: Pod): boolean {
  return JSON.stringify(old.spec) === JSON.stringify(cur.spec) && JSON.stringify(old.metadata.labels) === JSON.stringify(cur.metadata.labels);
}

/** kube-scheduler as a kplane Controller. */
export function newScheduler(ctx: ControllerContext, options: SchedulerOptions = {}): Scheduler {
  return new Scheduler(ctx, options);
}
