/**
 * The taint eviction controller (kube's pkg/controller/tainteviction, its own controller since
 * 1.29): pods on a node with NoExecute taints they do not tolerate are deleted at once; pods
 * tolerating them for tolerationSeconds are deleted when the shortest such time has passed
 * since the taint was first seen; pods tolerating them forever stay. Before deleting it sets
 * the pod's DisruptionTarget condition (reason DeletionByTaintManager).
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { isDeepStrictEqual } from "node:util";
import { R } from "../../client/resources.js";
import { isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import { runWorkers, shutDownOnAbort } from "../endpoints/queue.js";
import type { Controller, ControllerContext } from "../types.js";
import { matchingTolerations, minTolerationMs, nodeTaints, type Node, type Taint, type Toleration } from "./core.js";
import { ensurePodNodeIndex, podsOnNode, setPodCondition } from "./nodes.js";

const RETRIES = 5;

export interface TaintEvictionControllerOptions {
  queue?: WorkQueue;
}

/** A scheduled deletion (kube's TimedWorker); fired ones stay until cancelled so they are not scheduled twice. */
interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  fired: boolean;
}

const unwrap = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));
const noExecuteTaints = (n: Node | undefined): Taint[] => (n ? nodeTaints(n).filter((t) => t.effect === "NoExecute") : []);
const podSpecOf = (p: KObject | undefined): { nodeName?: string; tolerations?: Toleration[] } => (p?.spec ?? {}) as { nodeName?: string; tolerations?: Toleration[] };
/** A pod as events name it, for pods already gone from the cache. */
const podRefObject = (key: string): KObject => {
  const i = key.indexOf("/");
  return { apiVersion: "v1", kind: "Pod", metadata: { namespace: key.slice(0, i), name: key.slice(i + 1) } };
};

export class TaintEvictionController implements Controller {
  readonly name = "taint-eviction-controller";
  readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  /** NoExecute taints per node, as last seen. */
  private readonly taintedNodes = new Map<string, Taint[]>();
  readonly scheduled = new Map<string, ScheduledEviction>();

  constructor(private readonly ctx: ControllerContext, opts: TaintEvictionControllerOptions = {}) {
    this.queue = opts.queue ?? newWorkQueue();
    this.nodes = ctx.informers.for<Node>(R.nodes);
    this.pods = ctx.informers.for(R.pods);
    ensurePodNodeIndex(this.pods);
    this.recorder = ctx.recorder("taint-eviction-controller");
    const podUpdated = (old: KObject | undefined, pod: KObject | undefined): void => {
      if (old && pod && podSpecOf(old).nodeName === podSpecOf(pod).nodeName && isDeepStrictEqual(podSpecOf(old).tolerations ?? [], podSpecOf(pod).tolerations ?? [])) return;
      const p = (pod ?? old)!;
      this.queue.add(`pod/${p.metadata.namespace}/${p.metadata.name}`);
    };
    this.pods.addEventHandler({ add: (p) => podUpdated(undefined, p), update: podUpdated, delete: (p) => podUpdated(unwrap(p), undefined) });
    const nodeUpdated = (old: Node | undefined, node: Node | undefined): void => {
      if (old && node && isDeepStrictEqual(noExecuteTaints(old), noExecuteTaints(node))) return;
      this.queue.add(`node/${(node ?? old)!.metadata.name}`);
    };
    this.nodes.addEventHandler({ add: (n) => nodeUpdated(undefined, n), update: nodeUpdated, delete: (n) => nodeUpdated(unwrap(n), undefined) });
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    shutDownOnAbort(this.queue, signal);
    await this.ctx.informers.waitForSync(signal);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("taint eviction failed", { key, err: String(err) }));
  }

  /** "node/<name>", "pod/<ns>/<name>", or "evict/<ns>/<name>" (a scheduled deletion coming due). */
  async sync(key: string): Promise<void> {
    if (key.startsWith("node/")) this.handleNodeUpdate(key.slice(5));
    else if (key.startsWith("pod/")) this.handlePodUpdate(key.slice(4));
    else if (key.startsWith("evict/")) await this.fire(key.slice(6));
  }

  /** Fires every scheduled deletion that is due (what the timers do; tests call it after moving the clock). */
  async evictDue(): Promise<void> {
    const now = this.now();
    for (const [podKey, s] of [...this.scheduled]) if (!s.fired && s.fireAt <= now) await this.fire(podKey);
  }

  private handleNodeUpdate(name: string): void {
    const node = this.nodes.lister.get(undefined, name);
    if (!node) {
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecuteTaints(node);
    if (taints.length) this.taintedNodes.set(name, taints);
    else this.taintedNodes.delete(name);
    const pods = podsOnNode(this.pods, name);
    if (taints.length === 0) {
      for (const p of pods) this.cancel(`${p.metadata.namespace}/${p.metadata.name}`);
      return;
    }
    const now = this.now();
    for (const p of pods) this.processPodOnNode(`${p.metadata.namespace}/${p.metadata.name}`, podSpecOf(p).tolerations ?? [], taints, now);
  }

  private handlePodUpdate(podKey: string): void {
    const i = podKey.indexOf("/");
    const pod = this.pods.lister.get(podKey.slice(0, i), podKey.slice(i + 1));
    if (!pod) return this.cancel(podKey);
    const nodeName = podSpecOf(pod).nodeName;
    if (!nodeName) return;
    const taints = this.taintedNodes.get(nodeName);
    if (!taints) return;
    this.processPodOnNode(podKey, podSpecOf(pod).tolerations ?? [], taints, this.now());
  }

  private processPodOnNode(podKey: string, tolerations: Toleration[], taints: Taint[], now: number): void {
    if (taints.length === 0) return this.cancel(podKey);
    const { all, used } = matchingTolerations(taints, tolerations);
    if (!all) {
      this.cancel(podKey);
      return this.schedule(podKey, now, now);
    }
    const min = minTolerationMs(used);
    if (min < 0) return this.cancel(podKey);
    let start = now;
    const existing = this.scheduled.get(podKey);
    if (existing && !existing.fired) {
      start = existing.createdAt;
      // The eviction already scheduled stands (kube keeps it rather than moving it later).
      if (start + min < now + min) return;
      this.cancel(podKey);
    }
    this.schedule(podKey, start, start + min);
  }

  private schedule(podKey: string, createdAt: number, fireAt: number): void {
    if (this.scheduled.has(podKey)) return;
    this.scheduled.set(podKey, { createdAt, fireAt, fired: false });
    this.queue.addAfter(`evict/${podKey}`, Math.max(0, fireAt - this.now()));
  }

  private cancel(podKey: string): void {
    const s = this.scheduled.get(podKey);
    if (!s) return;
    this.scheduled.delete(podKey);
    if (!s.fired) this.recorder.event(podRefObject(podKey), "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${podKey}`);
  }

  private async fire(podKey: string): Promise<void> {
    const s = this.scheduled.get(podKey);
    if (!s || s.fired) return;
    const now = this.now();
    if (s.fireAt > now) {
      this.queue.addAfter(`evict/${podKey}`, s.fireAt - now);
      return;
    }
    s.fired = true;
    this.recorder.event(podRefObject(podKey), "Normal", "TaintManagerEviction", `Marking for deletion Pod ${podKey}`);
    const i = podKey.indexOf("/");
    const [namespace, name] = [podKey.slice(0, i), podKey.slice(i + 1)];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.addConditionAndDeletePod(namespace, name);
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (attempt >= RETRIES - 1) {
          this.scheduled.delete(podKey);
          throw e;
        }
      }
    }
  }

  private async addConditionAndDeletePod(namespace: string, name: string): Promise<void> {
    const pod = await this.ctx.client.get(R.pods, namespace, name);
    const cond = { type: "DisruptionTarget", status: "True" as const, reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" };
    if (setPodCondition(pod, cond, this.now())) await this.ctx.client.update(R.pods, pod, { subresource: "status" });
    await this.ctx.client.delete(R.pods, namespace, name);
  }
}

export function newTaintEvictionController(ctx: ControllerContext, opts: TaintEvictionControllerOptions = {}): TaintEvictionController {
  return new TaintEvictionController(ctx, opts);
}
