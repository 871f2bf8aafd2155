/**
 * The pod garbage collector's shell (kube's pkg/controller/podgc): every 20 s one pass over the
 * pod and node caches force-deletes (grace 0) terminated pods over the threshold, terminating
 * pods on out-of-service nodes, pods bound to nodes that no longer exist (after a 40 s
 * quarantine and a GET), and unscheduled terminating pods. Pods not yet finished are first
 * patched to Failed (orphans also get a DisruptionTarget condition, reason DeletionByPodGC).
 */
import { R } from "../../client/resources.js";
import { isNotFound, type Informer, type KObject, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import type { PodCondition } from "../util/pods.js";
import { newWorkQueue } from "../../client/workqueue.js";
import {
  DEFAULT_TERMINATED_POD_THRESHOLD,
  GC_CHECK_PERIOD_MS,
  QUARANTINE_MS,
  failedStatusPatch,
  nodeName,
  orphanedCondition,
  terminatedToDelete,
  terminatingOnOutOfServiceNodes,
  unscheduledTerminating,
} from "./core.js";

export interface PodGCOptions {
  /** --terminated-pod-gc-threshold; 0 or less turns that part off. */
  terminatedPodThreshold?: number;
  queue?: WorkQueue;
}

const PASS_KEY = "gc";

export class PodGCController implements Controller {
  readonly name = "pod-garbage-collector";
  readonly queue: WorkQueue;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly threshold: number;
  /** Node names missing from the cache -> when they may be checked against the API server. */
  private readonly quarantine = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: PodGCOptions = {},
  ) {
    this.queue = opts.queue ?? newWorkQueue();
    this.threshold = opts.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD;
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
  }

  async run(signal: AbortSignal, _workers: number): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    this.queue.add(PASS_KEY);
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync();
      } catch (e) {
        this.ctx.log.warn("pod gc pass failed", { err: String(e) });
      }
      this.queue.done(key);
      this.queue.addAfter(PASS_KEY, GC_CHECK_PERIOD_MS);
    }
  }

  /** One pass (kube's gc()). Failures on single pods are logged, not thrown: the next pass retries. */
  async sync(): Promise<void> {
    const pods = this.pods.lister.list();
    const nodes = this.nodes.lister.list();
    for (const p of terminatedToDelete(pods, this.threshold)) await this.markFailedAndDelete(p);
    for (const p of terminatingOnOutOfServiceNodes(pods, (n) => this.nodes.lister.get(undefined, n))) await this.markFailedAndDelete(p);
    await this.gcOrphaned(pods, nodes);
    for (const p of unscheduledTerminating(pods)) await this.markFailedAndDelete(p);
  }

  private async gcOrphaned(pods: KObject[], nodes: KObject[]): Promise<void> {
    const now = this.ctx.clock.now();
    const existing = new Set(nodes.map((n) => n.metadata.name ?? ""));
    for (const p of pods) {
      const n = nodeName(p);
      if (n && !existing.has(n) && !this.quarantine.has(n)) this.quarantine.set(n, now + QUARANTINE_MS);
    }
    const deleted = new Set<string>();
    for (const [n, due] of [...this.quarantine]) {
      if (due > now) continue;
      this.quarantine.delete(n);
      if (existing.has(n)) continue;
      try {
        await this.ctx.client.get(R.nodes, undefined, n);
      } catch (e) {
        if (isNotFound(e)) deleted.add(n);
        else this.ctx.log.warn("pod gc: error getting node", { node: n, err: String(e) });
      }
    }
    for (const p of pods) if (deleted.has(nodeName(p))) await this.markFailedAndDelete(p, orphanedCondition());
  }

  private async markFailedAndDelete(pod: KObject, condition?: PodCondition): Promise<void> {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name ?? "";
    try {
      const patch = failedStatusPatch(pod, condition, this.ctx.clock.now());
      if (patch) await this.ctx.client.patch(R.pods, ns, name, "strategic", patch, { subresource: "status" });
      await this.ctx.client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 });
    } catch (e) {
      if (!isNotFound(e)) this.ctx.log.warn("pod gc: force deleting pod failed", { pod: `${ns}/${name}`, err: String(e) });
    }
  }
}

export function newPodGCController(ctx: ControllerContext, opts: PodGCOptions = {}): PodGCController {
  return new PodGCController(ctx, opts);
}
