/**
 * The node lifecycle controller's shell (kube's pkg/controller/nodelifecycle): a periodic
 * health pass over Nodes and their Leases (Unknown conditions past the grace period, pods
 * marked NotReady, nodes queued for their NoExecute taint), a rate-limited NoExecute tainting
 * pass per zone with kube's disruption modes, and per-node NoSchedule taints that follow
 * conditions and spec.unschedulable. Evicting pods from NoExecute-tainted nodes is the taint
 * eviction controller's job (taint-eviction.ts). Decisions live in core.ts.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { R } from "../../client/resources.js";
import type { EventRecorder, Informer, KObject, Tombstone, WorkQueue } from "../../client/types.js";
import { runWorkers, shutDownOnAbort } from "../endpoints/queue.js";
import type { Controller, ControllerContext } from "../types.js";
import {
  DEFAULTS,
  LABEL_EXCLUDE_DISRUPTION,
  NODE_LEASE_NAMESPACE,
  RateLimitedTimedQueue,
  TokenBucket,
  checkNodeHealth,
  computeZoneState,
  noScheduleTaintDiff,
  notReadyTaint,
  nodeCondition,
  nodeTaints,
  taintExists,
  unreachableTaint,
  zoneKey,
  type HealthResult,
  type Lease,
  type Node,
  type NodeCondition,
  type NodeHealth,
  type NodeLifecycleOptions,
  type ZoneState,
} from "./core.js";
import { ensurePodNodeIndex, markPodsNotReady, podsOnNode, swapNodeTaints } from "./nodes.js";

export const KEY_MONITOR = "monitor";
export const KEY_NO_EXECUTE = "noexecute";
const EVICTION_BURST = 1;
const HEALTH_UPDATE_RETRIES = 5;

/** Stable label first (source of truth), beta label kept in step with it. */
const LABELS_TO_RECONCILE = [
  { primary: "kubernetes.io/os", secondary: "beta.kubernetes.io/os" },
  { primary: "kubernetes.io/arch", secondary: "beta.kubernetes.io/arch" },
];

export interface NodeLifecycleControllerOptions extends Partial<NodeLifecycleOptions> {
  queue?: WorkQueue;
}

const unwrap = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));

export class NodeLifecycleController implements Controller {
  readonly name = "nodelifecycle";
  readonly queue: WorkQueue;
  readonly opts: NodeLifecycleOptions;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly knownNodes = new Map<string, Node>();
  private readonly health = new Map<string, NodeHealth>();
  readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();

  constructor(private readonly ctx: ControllerContext, opts: NodeLifecycleControllerOptions = {}) {
    const { queue, ...rest } = opts;
    this.opts = { ...DEFAULTS, ...rest };
    this.queue = queue ?? newWorkQueue();
    this.nodes = ctx.informers.for<Node>(R.nodes);
    this.leases = ctx.informers.for<Lease>(R.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = ctx.informers.for(R.pods);
    ensurePodNodeIndex(this.pods);
    this.recorder = ctx.recorder("node-controller");
    this.nodes.addEventHandler({
      add: (n) => this.queue.add(`node/${n.metadata.name}`),
      update: (_o, n) => this.queue.add(`node/${n.metadata.name}`),
      delete: (n) => this.nodesToRetry.delete(unwrap(n).metadata.name ?? ""),
    });
    const podUpdated = (old: KObject | undefined, pod: KObject): void => {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      const oldNode = (old?.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node && (!old || node !== oldNode)) this.queue.add(`pod/${pod.metadata.namespace}/${pod.metadata.name}`);
    };
    this.pods.addEventHandler({ add: (p) => podUpdated(undefined, p), update: podUpdated });
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    shutDownOnAbort(this.queue, signal);
    await this.ctx.informers.waitForSync(signal);
    this.queue.add(KEY_MONITOR);
    this.queue.add(KEY_NO_EXECUTE);
    // Two extra workers so the periodic passes never wait behind node and pod items.
    await runWorkers(this.queue, workers + 2, (k) => this.sync(k), (key, err) => this.ctx.log.warn("nodelifecycle sync failed", { key, err: String(err) }));
  }

  /** One work item: the periodic passes (which reschedule themselves), a node's NoSchedule taints, or a pod newly bound. */
  async sync(key: string): Promise<void> {
    if (key === KEY_MONITOR) {
      try {
        await this.monitorNodeHealth();
      } finally {
        this.queue.addAfter(KEY_MONITOR, this.opts.nodeMonitorPeriodMs);
      }
    } else if (key === KEY_NO_EXECUTE) {
      try {
        await this.doNoExecuteTaintingPass();
      } finally {
        this.queue.addAfter(KEY_NO_EXECUTE, this.opts.nodeEvictionPeriodMs);
      }
    } else if (key.startsWith("node/")) {
      const name = key.slice(5);
      await this.doNoScheduleTaintingPass(name);
      await this.reconcileNodeLabels(name);
    } else if (key.startsWith("pod/")) {
      await this.processPod(key.slice(4));
    }
  }

  private addZone(node: Node): void {
    const zone = zoneKey(node);
    if (this.zoneStates.has(zone)) return;
    this.zoneStates.set(zone, "Initial");
    this.tainters.set(zone, new RateLimitedTimedQueue(new TokenBucket(this.opts.evictionLimiterQPS, EVICTION_BURST, this.now())));
  }

  private tainter(node: Node): RateLimitedTimedQueue {
    this.addZone(node);
    return this.tainters.get(zoneKey(node))!;
  }

  /** kube's monitorNodeHealth: one pass over every node. */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.lister.list();
    const names = new Set(nodes.map((n) => n.metadata.name ?? ""));
    for (const n of nodes) {
      const name = n.metadata.name ?? "";
      if (this.knownNodes.has(name)) {
        this.addZone(n);
        continue;
      }
      this.recorder.event(n, "Normal", "RegisteredNode", `Node ${name} event: Registered Node ${name} in Controller`);
      this.knownNodes.set(name, n);
      this.addZone(n);
      await this.markNodeAsReachable(n);
    }
    for (const [name, n] of this.knownNodes) {
      if (names.has(name)) continue;
      this.recorder.event(n, "Normal", "RemovingNode", `Node ${name} event: Removing Node ${name} from Controller`);
      this.knownNodes.delete(name);
    }

    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    for (const listed of nodes) {
      // Read-only here (kube deep-copies because Go code could write to it; nothing below does,
      // and checkNodeHealth copies what it changes): no copy of every node every pass.
      let node: Node = listed;
      let result: HealthResult | undefined;
      for (let attempt = 0; attempt < HEALTH_UPDATE_RETRIES && !result; attempt++) {
        try {
          result = await this.tryUpdateNodeHealth(node);
          if (result.statusUpdate) node = result.statusUpdate;
        } catch {
          try {
            node = await this.ctx.client.get<Node>(R.nodes, undefined, listed.metadata.name ?? "");
          } catch {
            break;
          }
        }
      }
      if (!result) {
        this.ctx.log.warn("node health update failed; no pods will be evicted", { node: listed.metadata.name });
        continue;
      }
      const name = node.metadata.name ?? "";
      if (node.metadata.labels?.[LABEL_EXCLUDE_DISRUPTION] === undefined) {
        const zone = zoneKey(node);
        const conds = zoneConditions.get(zone);
        if (conds) conds.push(result.currentReady);
        else zoneConditions.set(zone, [result.currentReady]);
      }
      const { observedReady, currentReady } = result;
      if (currentReady) {
        await this.processTaintBaseEviction(node, observedReady);
        const needsRetry = this.nodesToRetry.has(name);
        const becameNotReady = currentReady.status !== "True" && observedReady.status === "True";
        if (becameNotReady) this.recorder.event(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
        if (becameNotReady || (needsRetry && observedReady.status !== "True")) {
          try {
            await markPodsNotReady(this.ctx.client, this.recorder, podsOnNode(this.pods, name), name, this.now());
          } catch (e) {
            this.ctx.log.warn("marking pods NotReady failed; will retry", { node: name, err: String(e) });
            this.nodesToRetry.add(name);
            continue;
          }
        }
      }
      this.nodesToRetry.delete(name);
    }
    await this.handleDisruption(zoneConditions, nodes);
  }

  private async tryUpdateNodeHealth(node: Node): Promise<HealthResult> {
    const name = node.metadata.name ?? "";
    const lease = this.leases.lister.get(NODE_LEASE_NAMESPACE, name);
    const r = checkNodeHealth(this.health.get(name), node, lease, this.now(), this.opts);
    if (r.statusUpdate) {
      const updated = await this.ctx.client.update<Node>(R.nodes, r.statusUpdate, { subresource: "status" });
      r.statusUpdate = updated;
    }
    this.health.set(name, r.health);
    return r;
  }

  private async processTaintBaseEviction(node: Node, observedReady: NodeCondition): Promise<void> {
    const taints = nodeTaints(node);
    const swap = (add: typeof unreachableTaint, remove: typeof unreachableTaint): Promise<void> =>
      swapNodeTaints(this.ctx.client, this.nodes, node, [add], [remove], () => this.now()).catch((e: unknown) => {
        this.ctx.log.warn("failed to swap NoExecute taint; will try again next pass", { node: node.metadata.name, err: String(e) });
      });
    switch (observedReady.status) {
      case "False":
        // Already unreachable: switch to not-ready straight away, not through the rate limiter.
        if (taintExists(taints, unreachableTaint)) await swap(notReadyTaint, unreachableTaint);
        else this.markNodeForTainting(node, "False");
        break;
      case "Unknown":
        if (taintExists(taints, notReadyTaint)) await swap(unreachableTaint, notReadyTaint);
        else this.markNodeForTainting(node, "Unknown");
        break;
      case "True":
        await this.markNodeAsReachable(node).catch((e: unknown) => this.ctx.log.warn("failed to remove taints from node", { node: node.metadata.name, err: String(e) }));
        break;
    }
  }

  private markNodeForTainting(node: Node, status: "False" | "Unknown"): boolean {
    const q = this.tainter(node);
    const name = node.metadata.name ?? "";
    if (!taintExists(nodeTaints(node), status === "False" ? notReadyTaint : unreachableTaint)) q.remove(name);
    return q.add(name, this.now());
  }

  private async markNodeAsReachable(node: Node): Promise<boolean> {
    await swapNodeTaints(this.ctx.client, this.nodes, node, [], [unreachableTaint], () => this.now());
    await swapNodeTaints(this.ctx.client, this.nodes, node, [], [notReadyTaint], () => this.now());
    return this.tainter(node).remove(node.metadata.name ?? "");
  }

  /** kube's handleDisruption: per-zone eviction rates, and master disruption mode when every zone is down. */
  private async handleDisruption(zoneConditions: Map<string, (NodeCondition | undefined)[]>, nodes: Node[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const { state } = computeZoneState(conds, this.opts.unhealthyZoneThreshold);
      if (state !== "FullDisruption") allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, "Initial");
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== "FullDisruption") {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    const now = this.now();
    if (allAreFullyDisrupted) {
      // Every node down at once is more likely our own connectivity: stop tainting, undo taints.
      this.ctx.log.warn("Controller detected that all Nodes are not-Ready. Entering master disruption mode");
      for (const n of nodes) await this.markNodeAsReachable(n).catch(() => undefined);
      for (const zone of this.zoneStates.keys()) {
        this.tainters.get(zone)?.swapLimiter(0, EVICTION_BURST, now);
        this.zoneStates.set(zone, "FullDisruption");
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.ctx.log.info("Controller detected that some Nodes are Ready. Exiting master disruption mode");
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name ?? "");
        if (h) this.health.set(n.metadata.name ?? "", { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? "Normal";
        this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, state);
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone);
      if (!next || next === state) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.zoneStates.set(zone, next);
    }
  }

  private setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const q = this.tainters.get(zone);
    if (!q) return;
    const now = this.now();
    if (state === "Normal" || state === "FullDisruption") q.swapLimiter(this.opts.evictionLimiterQPS, EVICTION_BURST, now);
    else if (state === "PartialDisruption") q.swapLimiter(size > this.opts.largeClusterThreshold ? this.opts.secondaryEvictionLimiterQPS : 0, EVICTION_BURST, now);
  }

  /** kube's doNoExecuteTaintingPass: taint queued nodes as their Ready condition says, as fast as each zone's limiter allows. */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of this.tainters.values()) {
      await q.try(this.now(), async (name) => {
        const node = this.nodes.lister.get(undefined, name);
        if (!node) return { done: true };
        const ready = nodeCondition(node, "Ready");
        if (!ready) return { done: false, retryAfterMs: 50 };
        // Unreachable and not-ready mirror Ready=Unknown and Ready=False, so they exclude each other.
        let add = notReadyTaint;
        let remove = unreachableTaint;
        if (ready.status === "Unknown") [add, remove] = [unreachableTaint, notReadyTaint];
        else if (ready.status !== "False") return { done: true };
        try {
          await swapNodeTaints(this.ctx.client, this.nodes, node, [add], [remove], () => this.now());
          return { done: true };
        } catch (e) {
          this.ctx.log.warn("failed to taint node", { node: name, err: String(e) });
          return { done: false, retryAfterMs: 0 };
        }
      });
    }
  }

  /** kube's doNoScheduleTaintingPass: NoSchedule taints that follow conditions and spec.unschedulable. */
  async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    if (!node) return;
    const { add, remove } = noScheduleTaintDiff(node);
    if (add.length === 0 && remove.length === 0) return;
    await swapNodeTaints(this.ctx.client, this.nodes, node, add, remove, () => this.now());
  }

  private async reconcileNodeLabels(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    const labels = node?.metadata.labels;
    if (!labels) return;
    const update: Record<string, string> = {};
    for (const { primary, secondary } of LABELS_TO_RECONCILE) {
      const v = labels[primary];
      if (v !== undefined && labels[secondary] !== v) update[secondary] = v;
    }
    if (Object.keys(update).length) await this.ctx.client.patch(R.nodes, undefined, name, "merge", { metadata: { labels: update } });
  }

  /** A pod newly bound to a node that is not Ready is marked NotReady at once. */
  private async processPod(key: string): Promise<void> {
    const i = key.indexOf("/");
    const pod = this.pods.lister.get(key.slice(0, i), key.slice(i + 1));
    if (!pod) return;
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
    const health = this.health.get(nodeName);
    if (!health) return;
    if (!this.nodes.lister.get(undefined, nodeName)) throw new Error(`node ${nodeName} not found`);
    const ready = health.readyCondition;
    if (!ready || ready.status === "True") return;
    await markPodsNotReady(this.ctx.client, this.recorder, [pod], nodeName, this.now());
  }
}

export function newNodeLifecycleController(ctx: ControllerContext, opts: NodeLifecycleControllerOptions = {}): NodeLifecycleController {
  return new NodeLifecycleController(ctx, opts);
}
