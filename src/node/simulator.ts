/**
 * The shell of kplane's simulated nodes: many kubelets in one process that run no containers.
 * Shared informers (all nodes; all pods, indexed by spec.nodeName) feed one set of keyed tasks
 * worked off with bounded concurrency; timed work (lease renewals, status reports, job pods
 * finishing) sits in one DueQueue driven by one timer. Decisions live in node.ts, pod.ts,
 * static.ts and ip.ts.
 */
import { keyOf } from "../client/cache.js";
import { R } from "../client/resources.js";
import { isAlreadyExists, isConflict, isNotFound, type Informer, type KObject, type Tombstone } from "../client/types.js";
import type { ControllerContext } from "../controllers/types.js";
import { DueQueue } from "./due.js";
import { IpPool, addressAt, subnetAt } from "./ip.js";
import {
  DEFAULT_CAPACITY,
  LEASE_DURATION_SECONDS,
  LEASE_RENEW_MS,
  NODE_LEASE_NAMESPACE,
  NODE_STATUS_REPORT_MS,
  adoptPatch,
  conditionsHealthy,
  leaseObject,
  nodeConditions,
  nodeObject,
  nodeStatus,
  podCIDROf,
  renewedLease,
  type Capacity,
  type NodeCondition,
  type NodeSpecInput,
} from "./node.js";
import { nextPodAction, runningStatus, specOf, statusOf, terminalStatus } from "./pod.js";
import { CONFIG_MIRROR_ANNOTATION, isCurrentMirror, loadManifests, mirrorPod, type Manifest } from "./static.js";

export interface SimulatedNodesOptions {
  /** How many nodes this process hosts. */
  count: number;
  /** Node names are `${namePrefix}${firstIndex}` ... (default "node-", 1). */
  namePrefix?: string;
  firstIndex?: number;
  /** The cluster CIDR the /24 pod CIDRs are carved from, node k (1-based) taking the k-th (default 10.244.0.0/16). */
  podCIDRBase?: string;
  /** Node k's InternalIP is this address + k (default 10.0.0.0: node-1 is 10.0.0.1). */
  nodeIPBase?: string;
  /** How long pods of Jobs run before they succeed (default 1000 ms). */
  jobPodDurationMs?: number;
  /** A directory (or file) of static pod manifests; every node runs each as a mirror pod. */
  podManifestPath?: string;
  /** How often the manifests are read again (default 20 s, the kubelet's file check frequency). */
  manifestCheckMs?: number;
  /** Capacity = allocatable (default cpu 32, memory 256Gi, pods 110, as kwok). */
  capacity?: Partial<Capacity>;
  /** The node Lease's duration (kubelet's --node-lease-duration-seconds, default 40). */
  leaseDurationSeconds?: number;
  /** Lease renewal interval (default a quarter of the lease's duration, as the kubelet: 10 s). */
  heartbeatMs?: number;
  /** How often an unchanged node status is re-posted (default 5 min). */
  statusReportMs?: number;
  /** API calls in flight at once across all nodes (default nodeRequestsInFlight(count)). */
  maxInFlight?: number;
}

/**
 * API calls the simulated nodes keep in flight by default: one per 8 nodes, at least 64. Each
 * real kubelet has its own client (50 queries a second, bursts of 100), so a process standing
 * for a thousand of them must not queue their writes behind one connection pool: at 64 for
 * 1,000 nodes, bench:cluster's pods waited ~5 s between bound and Running while the scheduler
 * and the controller manager ran ahead (startup p99 6.1 s against 1.6-2.5 s at 128).
 */
export function nodeRequestsInFlight(count: number): number {
  return Math.max(64, Math.ceil(count / 8));
}

export interface SimulatedNodesHandle {
  /** The node names, in order. */
  nodes: string[];
  /** Resolves once every node has registered (and its static pods are posted). */
  ready: Promise<void>;
  /** Stops heartbeats and pod work; nodes and pods stay (their leases then expire, as when kubelets stop). */
  stop(): Promise<void>;
}

interface NodeState {
  name: string;
  /** 0-based position among all nodes of this naming scheme (firstIndex-1+i). */
  index: number;
  internalIP: string;
  podCIDR: string;
  pool: IpPool;
  uid?: string;
  registered: boolean;
  /** The lease as last written (kept to renew without a read). */
  lease?: KObject;
}

/** Pod index by spec.nodeName; named for kplane so it cannot clash with another component's index. */
export const POD_NODE_INDEX = "kplane.node/spec.nodeName";

const RETRY_MS = 1000;

type TaskKind = "register" | "lease" | "status" | "mirror" | "pod" | "manifests";
const taskKey = (kind: TaskKind, id: string): string => `${kind}\u0000${id}`;
const splitTask = (key: string): [TaskKind, string] => {
  const i = key.indexOf("\u0000");
  return [key.slice(0, i) as TaskKind, key.slice(i + 1)];
};

const unwrap = <T extends KObject>(o: T | Tombstone<T>): T => ((o as Tombstone<T>).tombstone === true ? (o as Tombstone<T>).obj : (o as T));
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class SimulatedNodes {
  readonly nodeNames: string[];
  private readonly nodes = new Map<string, NodeState>();
  private readonly pods: Informer;
  private readonly nodeInformer: Informer;
  private readonly capacity: Capacity;
  private readonly jobPodDurationMs: number;
  private readonly heartbeatMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly statusReportMs: number;
  private readonly maxInFlight: number;
  private manifests: Manifest[] = [];

  private readonly due = new DueQueue();
  private readonly ready = new Set<string>();
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private inFlight = 0;
  private pumpScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private started = false;
  private stopped = false;
  private registeredOnce = new Set<string>();
  private readyResolve!: () => void;
  /** Resolves once every node has registered. */
  readonly allRegistered: Promise<void>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: SimulatedNodesOptions,
  ) {
    if (!Number.isInteger(options.count) || options.count < 0) throw new Error(`count must be a non-negative integer, not ${options.count}`);
    const prefix = options.namePrefix ?? "node-";
    const first = options.firstIndex ?? 1;
    const cidrBase = options.podCIDRBase ?? "10.244.0.0/16";
    const ipBase = options.nodeIPBase ?? "10.0.0.0";
    this.capacity = { ...DEFAULT_CAPACITY, ...(options.capacity ?? {}) };
    this.jobPodDurationMs = options.jobPodDurationMs ?? 1000;
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? LEASE_DURATION_SECONDS;
    this.heartbeatMs = options.heartbeatMs ?? (options.leaseDurationSeconds !== undefined ? (options.leaseDurationSeconds * 1000) / 4 : LEASE_RENEW_MS);
    this.statusReportMs = options.statusReportMs ?? NODE_STATUS_REPORT_MS;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? nodeRequestsInFlight(options.count));
    this.nodeNames = [];
    for (let i = 0; i < options.count; i++) {
      const k = first + i;
      const name = `${prefix}${k}`;
      const podCIDR = subnetAt(cidrBase, k - 1);
      this.nodeNames.push(name);
      this.nodes.set(name, { name, index: k - 1, internalIP: addressAt(ipBase, k), podCIDR, pool: new IpPool(podCIDR), registered: false });
    }
    this.allRegistered = new Promise((r) => (this.readyResolve = r));
    if (options.count === 0) this.readyResolve();

    this.pods = ctx.informers.for(R.pods);
    this.nodeInformer = ctx.informers.for(R.nodes);
    this.pods.addIndexers({
      [POD_NODE_INDEX]: (p) => {
        const n = specOf(p).nodeName;
        return n ? [n] : [];
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.onPod(p),
      update: (_old, p) => this.onPod(p),
      delete: (p) => this.onPodDeleted(unwrap(p)),
    });
    this.nodeInformer.addEventHandler({
      update: (_old, n) => this.onNodeUpdated(n),
      delete: (n) => this.onNodeDeleted(unwrap(n)),
    });
  }

  /**
   * Waits for the informers, registers every node, then keeps heartbeats and pods going until
   * the signal aborts; resolves once the work in flight has finished.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error("simulated nodes already running");
    this.started = true;
    try {
      await this.ctx.informers.waitForSync(signal);
    } catch {
      if (signal.aborted) return;
    }
    if (this.options.podManifestPath) await this.readManifests();
    for (const name of this.nodeNames) this.enqueue(taskKey("register", name));
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ready.clear();
    await this.idle();
  }

  /**
   * Queues everything due at the clock's current time and waits until no work is left (tests
   * advance a fake clock and call this; the timer calls the first half on its own).
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      this.tick();
      await this.idle();
      const next = this.due.next();
      if (next === undefined || next > this.ctx.clock.now()) return;
    }
  }

  /** Resolves when no task is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return new Promise((r) => setImmediate(() => (this.isIdle() ? r() : this.idleWaiters.push(r))));
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** The pod IPs handed out on a node (for tests and diagnostics). */
  allocatedIPs(node: string): number {
    return this.nodes.get(node)?.pool.size ?? 0;
  }

  // ---- informer handlers ----

  private onPod(pod: KObject): void {
    const node = this.nodes.get(specOf(pod).nodeName ?? "");
    if (!node) return;
    this.reserveIP(node, pod);
    if (node.registered) this.enqueue(taskKey("pod", keyOf(pod)));
  }

  private onPodDeleted(pod: KObject): void {
    const node = this.nodes.get(specOf(pod).nodeName ?? "");
    if (!node) return;
    node.pool.release(pod.metadata.uid ?? "");
    this.due.cancel(taskKey("pod", keyOf(pod)));
    // The kubelet posts a mirror pod again when it goes while the static pod still runs.
    if (pod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined && node.registered) this.enqueue(taskKey("mirror", node.name));
  }

  private onNodeUpdated(n: KObject): void {
    const node = this.nodes.get(n.metadata.name ?? "");
    if (!node?.registered) return;
    const conditions = (n.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
    if (!conditionsHealthy(conditions)) this.enqueue(taskKey("status", node.name));
  }

  private onNodeDeleted(n: KObject): void {
    const node = this.nodes.get(n.metadata.name ?? "");
    if (!node || this.stopped) return;
    if (node.uid && n.metadata.uid && n.metadata.uid !== node.uid) return;
    // A running kubelet whose Node is deleted registers it again.
    node.registered = false;
    node.uid = undefined;
    node.lease = undefined;
    this.due.cancel(taskKey("lease", node.name));
    this.due.cancel(taskKey("status", node.name));
    if (this.started) this.enqueue(taskKey("register", node.name));
  }

  private reserveIP(node: NodeState, pod: KObject): void {
    const st = statusOf(pod);
    if (!st.podIP || specOf(pod).hostNetwork || st.phase === "Succeeded" || st.phase === "Failed") return;
    node.pool.reserve(pod.metadata.uid ?? "", st.podIP);
  }

  // ---- the task loop ----

  private enqueue(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) this.again.add(key);
    else this.ready.add(key);
    this.kick();
  }

  private schedule(key: string, at: number): void {
    if (this.stopped) return;
    this.due.schedule(key, at);
    this.arm();
  }

  private kick(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) this.ready.clear();
    for (const key of this.ready) {
      if (this.inFlight >= this.maxInFlight) break;
      this.ready.delete(key);
      this.active.add(key);
      this.inFlight++;
      void this.process(key)
        .catch((e: unknown) => {
          this.ctx.log.warn("simulated node task failed", { task: key.replace("\u0000", " "), error: errText(e) });
          this.schedule(key, this.ctx.clock.now() + RETRY_MS);
        })
        .finally(() => {
          this.active.delete(key);
          this.inFlight--;
          if (this.again.delete(key)) this.ready.add(key);
          this.pump();
        });
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private isIdle(): boolean {
    return this.ready.size === 0 && this.inFlight === 0 && !this.pumpScheduled;
  }

  /** Moves due keys to the ready set. */
  private tick(): void {
    for (const key of this.due.popDue(this.ctx.clock.now())) this.enqueue(key);
    this.arm();
  }

  /** One timer for all timed work, re-armed for the earliest due key (at most a second ahead, so clock jumps are caught). */
  private arm(): void {
    if (this.stopped || !this.started) return;
    const next = this.due.next();
    if (next === undefined) return;
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.min(Math.max(0, next - this.ctx.clock.now()), 1000);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, delay);
    this.timer.unref?.();
  }

  private async process(key: string): Promise<void> {
    const [kind, id] = splitTask(key);
    switch (kind) {
      case "register":
        return this.register(id);
      case "lease":
        return this.renewLease(id);
      case "status":
        return this.reportStatus(id);
      case "mirror":
        return this.syncMirrorPods(id);
      case "pod":
        return this.syncPod(id);
      case "manifests":
        return this.readManifests();
    }
  }

  // ---- nodes ----

  private specInput(node: NodeState): NodeSpecInput {
    return { name: node.name, internalIP: node.internalIP, podCIDR: node.podCIDR, capacity: this.capacity, now: this.ctx.clock.now() };
  }

  /** Spreads a node's periodic work over the interval so that a thousand nodes do not fire together. */
  private spread(node: NodeState, intervalMs: number): number {
    const n = Math.max(1, this.nodes.size);
    return Math.floor(intervalMs * (0.5 + (0.5 * (node.index % n)) / n));
  }

  private async register(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.registered) return;
    const input = this.specInput(node);
    let registered: KObject;
    try {
      registered = await this.ctx.client.create(R.nodes, undefined, nodeObject(input));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Take over the existing Node as a restarted kubelet does: add what is missing, post status.
      let existing = await this.ctx.client.get(R.nodes, undefined, name);
      const patch = adoptPatch(existing, input);
      if (patch) existing = await this.ctx.client.patch(R.nodes, undefined, name, "strategic", patch);
      const prev = (existing.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
      registered = await this.ctx.client.update(R.nodes, { ...existing, status: { ...(existing.status ?? {}), ...nodeStatus(input, prev) } }, { subresource: "status" });
    }
    node.uid = registered.metadata.uid;
    const cidr = podCIDROf(registered);
    if (cidr && cidr !== node.podCIDR) {
      node.podCIDR = cidr;
      node.pool = new IpPool(cidr);
    }
    node.registered = true;
    node.lease = undefined;
    const now = this.ctx.clock.now();
    this.enqueue(taskKey("lease", name));
    this.schedule(taskKey("status", name), now + this.spread(node, this.statusReportMs));
    if (this.manifests.length) this.enqueue(taskKey("mirror", name));
    const pods = this.pods.lister.byIndex(POD_NODE_INDEX, name);
    for (const p of pods) this.reserveIP(node, p);
    for (const p of pods) this.enqueue(taskKey("pod", keyOf(p)));
    if (!this.registeredOnce.has(name)) {
      this.registeredOnce.add(name);
      if (this.registeredOnce.size === this.nodes.size) this.readyResolve();
    }
  }

  private async renewLease(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node?.registered) return;
    const now = this.ctx.clock.now();
    const client = this.ctx.client;
    const held = node.lease !== undefined;
    try {
      if (node.lease) {
        node.lease = await client.update(R.leases, renewedLease(node.lease, name, node.uid, now, this.leaseDurationSeconds));
      } else {
        try {
          const cur = await client.get(R.leases, NODE_LEASE_NAMESPACE, name);
          node.lease = await client.update(R.leases, renewedLease(cur, name, node.uid, now, this.leaseDurationSeconds));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          node.lease = await client.create(R.leases, NODE_LEASE_NAMESPACE, leaseObject(name, node.uid, now, this.leaseDurationSeconds));
        }
      }
    } catch (e) {
      // Read it afresh next time; the kubelet retries well inside the lease's 40 s.
      node.lease = undefined;
      if (!isConflict(e) && !isNotFound(e) && !isAlreadyExists(e)) this.ctx.log.warn("node lease renewal failed", { node: name, error: errText(e) });
      this.schedule(taskKey("lease", name), now + Math.min(this.heartbeatMs, RETRY_MS));
      return;
    }
    // The first renewal after (re-)registering is spread; later ones keep that phase.
    this.schedule(taskKey("lease", name), now + (held ? this.heartbeatMs : this.spread(node, this.heartbeatMs)));
  }

  private async reportStatus(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node?.registered) return;
    const now = this.ctx.clock.now();
    const cur = this.nodeInformer.lister.get(undefined, name);
    if (cur) {
      const prev = (cur.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
      try {
        await this.ctx.client.patch(R.nodes, undefined, name, "strategic", { status: { conditions: nodeConditions(now, prev) } }, { subresource: "status", metadataOnly: true });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    this.due.reschedule(taskKey("status", name), now + this.statusReportMs);
    this.arm();
  }

  // ---- pods ----

  /** Reads the manifests (again); when they changed, every node brings its mirror pods in line. */
  private async readManifests(): Promise<void> {
    const path = this.options.podManifestPath;
    if (!path) return;
    try {
      const { manifests, errors } = await loadManifests(path);
      for (const e of errors) this.ctx.log.warn("static pod manifest skipped", { error: e });
      const changed = JSON.stringify(manifests.map((m) => m.pod)) !== JSON.stringify(this.manifests.map((m) => m.pod));
      this.manifests = manifests;
      if (changed) for (const n of this.nodes.values()) if (n.registered) this.enqueue(taskKey("mirror", n.name));
    } catch (e) {
      this.ctx.log.warn("static pod manifests unreadable", { path, error: errText(e) });
    }
    this.schedule(taskKey("manifests", ""), this.ctx.clock.now() + (this.options.manifestCheckMs ?? 20_000));
  }

  private async syncMirrorPods(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node?.registered || !node.uid || !this.options.podManifestPath) return;
    const client = this.ctx.client;
    const wanted = new Set<string>();
    for (const m of this.manifests) {
      const want = mirrorPod(m, { name, uid: node.uid }, this.ctx.clock.now());
      const ns = want.metadata.namespace;
      const cur = this.pods.lister.get(ns, want.metadata.name ?? "");
      wanted.add(keyOf(want));
      if (cur?.metadata.deletionTimestamp) continue; // its deletion brings us back here
      if (cur && isCurrentMirror(cur, want)) continue;
      if (cur) {
        try {
          await client.delete(R.pods, ns, cur.metadata.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid: cur.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }
      try {
        await client.create(R.pods, ns, want);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    // Mirror pods of manifests that are gone are deleted, as the kubelet deletes orphaned mirrors.
    for (const p of this.pods.lister.byIndex(POD_NODE_INDEX, name)) {
      if (p.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === undefined || wanted.has(keyOf(p)) || p.metadata.deletionTimestamp) continue;
      try {
        await client.delete(R.pods, p.metadata.namespace, p.metadata.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  private async syncPod(key: string): Promise<void> {
    const pod = this.pods.lister.getByKey(key);
    if (!pod) return;
    const node = this.nodes.get(specOf(pod).nodeName ?? "");
    if (!node?.registered) return;
    const now = this.ctx.clock.now();
    const action = nextPodAction(pod, now, this.jobPodDurationMs);
    const client = this.ctx.client;
    const uid = pod.metadata.uid ?? "";
    try {
      switch (action.kind) {
        case "none":
          return;
        case "wait":
          return this.schedule(taskKey("pod", key), action.at);
        case "start": {
          const podIP = specOf(pod).hostNetwork ? node.internalIP : node.pool.allocate(uid);
          if (!podIP) {
            this.ctx.log.warn("no pod IP left on simulated node", { node: node.name, pod: key, podCIDR: node.podCIDR });
            return this.schedule(taskKey("pod", key), now + 10 * RETRY_MS);
          }
          // The answer is not read (the informer brings the pod): metadata is all the server need send.
          await client.update(R.pods, { ...pod, status: runningStatus(pod, { hostIP: node.internalIP, podIP, now }) }, { subresource: "status", metadataOnly: true });
          return;
        }
        case "finish":
          await client.update(R.pods, { ...pod, status: terminalStatus(pod, now, action.phase) }, { subresource: "status", metadataOnly: true });
          node.pool.release(uid);
          return;
        case "delete":
          node.pool.release(uid);
          await client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid }, metadataOnly: true });
          return;
      }
    } catch (e) {
      if (isNotFound(e)) return;
      // A newer pod is on its way through the informer; look again shortly in case it is not.
      if (isConflict(e)) return this.schedule(taskKey("pod", key), now + RETRY_MS);
      throw e;
    }
  }
}

/**
 * Starts `options.count` simulated nodes over the context's client and informers. Call it
 * before `ctx.informers.start()` (it adds a pod index and handlers), or with informers that
 * accept late indexes, as the fakes do.
 */
export function startSimulatedNodes(ctx: ControllerContext, options: SimulatedNodesOptions): SimulatedNodesHandle & { simulator: SimulatedNodes } {
  const simulator = new SimulatedNodes(ctx, options);
  const ac = new AbortController();
  const done = simulator.run(ac.signal);
  return {
    nodes: simulator.nodeNames,
    ready: simulator.allRegistered,
    simulator,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}
