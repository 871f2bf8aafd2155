/**
 * Node lifecycle decisions as functions of plain data (kube's pkg/controller/nodelifecycle and
 * tainteviction): a node's health from its conditions and Lease, the NoSchedule taints its
 * conditions call for, zone disruption states, toleration matching, and the eviction rate
 * limiter. No I/O here; controller.ts and taint-eviction.ts perform the writes.
 */
import type { KObject } from "../../client/types.js";
import { rfc3339 } from "../util/pods.js";

/** kube-controller-manager 1.32 defaults. */
export const DEFAULTS = {
  /** --node-monitor-period */
  nodeMonitorPeriodMs: 5_000,
  /** --node-monitor-grace-period: 50 s since 1.32 (40 s before). */
  nodeMonitorGracePeriodMs: 50_000,
  /** --node-startup-grace-period */
  nodeStartupGracePeriodMs: 60_000,
  /** --node-eviction-rate */
  evictionLimiterQPS: 0.1,
  /** --secondary-node-eviction-rate */
  secondaryEvictionLimiterQPS: 0.01,
  /** --large-cluster-size-threshold */
  largeClusterThreshold: 50,
  /** --unhealthy-zone-threshold */
  unhealthyZoneThreshold: 0.55,
  /** How often the NoExecute tainting pass runs (kube's NodeEvictionPeriod). */
  nodeEvictionPeriodMs: 100,
};
export type NodeLifecycleOptions = typeof DEFAULTS;

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
export const TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
export const TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure";
export const TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";
export const LABEL_EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption";

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";
export type ConditionStatus = "True" | "False" | "Unknown";

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: TaintEffect | "";
  tolerationSeconds?: number;
}

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  lastHeartbeatTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface Node extends KObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; [f: string]: unknown };
  status?: { conditions?: NodeCondition[]; [f: string]: unknown };
}

export interface Lease extends KObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string | null; [f: string]: unknown };
}

export const unreachableTaint: Taint = { key: TAINT_UNREACHABLE, effect: "NoExecute" };
export const notReadyTaint: Taint = { key: TAINT_NOT_READY, effect: "NoExecute" };

export const nodeConditions = (n: Node): NodeCondition[] => n.status?.conditions ?? [];
export const nodeCondition = (n: Node, type: string): NodeCondition | undefined => nodeConditions(n).find((c) => c.type === type);
export const nodeTaints = (n: Node): Taint[] => n.spec?.taints ?? [];

/** Taints are the same taint when key and effect match (kube's MatchTaint). */
export const sameTaint = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;
export const taintExists = (taints: Taint[], t: Taint): boolean => taints.some((x) => sameTaint(x, t));

const time = (s: string | null | undefined): number => (s ? Date.parse(s) : 0) || 0;

/** What the controller remembers of a node between passes (kube's nodeHealthData). */
export interface NodeHealth {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen. */
  readyCondition: NodeCondition | undefined;
  leaseRenewTime: number | undefined;
}

export interface HealthResult {
  health: NodeHealth;
  /** Ready as the kubelet last posted it (a made-up Unknown if never). */
  observedReady: NodeCondition;
  /** Ready after this pass (undefined: the node never posted one and is still in its grace period). */
  currentReady: NodeCondition | undefined;
  /** The node with conditions set to Unknown, when a status update is due. */
  statusUpdate: Node | undefined;
}

/**
 * One health check of one node (kube's tryUpdateNodeHealth): the probe time advances when the
 * Ready heartbeat or the Lease renew time moves; past the grace period (startup grace for a
 * node that never posted Ready) every kubelet-owned condition becomes Unknown.
 */
export function checkNodeHealth(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number, opts: Pick<NodeLifecycleOptions, "nodeMonitorGracePeriodMs" | "nodeStartupGracePeriodMs">): HealthResult {
  const created = time(node.metadata.creationTimestamp);
  const ready = nodeCondition(node, "Ready");
  let health: NodeHealth | undefined = prev ? { ...prev } : undefined;
  let observedReady: NodeCondition;
  let grace: number;
  if (!ready) {
    observedReady = { type: "Ready", status: "Unknown", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: node.metadata.creationTimestamp };
    grace = opts.nodeStartupGracePeriodMs;
    if (health) health.readyCondition = undefined;
    else health = { probeTimestamp: created, readyTransitionTimestamp: created, readyCondition: undefined, leaseRenewTime: undefined };
  } else {
    observedReady = { ...ready };
    grace = opts.nodeMonitorGracePeriodMs;
  }
  const saved = health?.readyCondition;
  if (!health) {
    health = { probeTimestamp: now, readyTransitionTimestamp: now, readyCondition: ready && { ...ready }, leaseRenewTime: undefined };
  } else if (!saved && ready) {
    health = { probeTimestamp: now, readyTransitionTimestamp: now, readyCondition: { ...ready }, leaseRenewTime: health.leaseRenewTime };
  } else if (saved && !ready) {
    health = { probeTimestamp: now, readyTransitionTimestamp: now, readyCondition: undefined, leaseRenewTime: health.leaseRenewTime };
  } else if (saved && ready && saved.lastHeartbeatTime !== ready.lastHeartbeatTime) {
    const transition = saved.lastTransitionTime !== ready.lastTransitionTime ? now : health.readyTransitionTimestamp;
    health = { probeTimestamp: now, readyTransitionTimestamp: transition, readyCondition: { ...ready }, leaseRenewTime: health.leaseRenewTime };
  }

  // A renewed Lease counts as a heartbeat.
  const renew = lease ? time(lease.spec?.renewTime) : undefined;
  if (renew !== undefined && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
    health.leaseRenewTime = renew;
    health.probeTimestamp = now;
  }

  let currentReady = ready && { ...ready };
  let statusUpdate: Node | undefined;
  if (now > health.probeTimestamp + grace) {
    const next = structuredClone(node);
    const status = (next.status ??= {});
    const conds = (status.conditions ??= []);
    const stamp = rfc3339(now);
    // NetworkUnavailable is the network plugin's, not the kubelet's: left alone.
    for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
      const c = conds.find((x) => x.type === type);
      if (!c) {
        conds.push({ type, status: "Unknown", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: stamp, reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status." });
      } else if (c.status !== "Unknown") {
        c.status = "Unknown";
        c.reason = "NodeStatusUnknown";
        c.message = "Kubelet stopped posting node status.";
        c.lastTransitionTime = stamp;
      }
    }
    currentReady = conds.find((x) => x.type === "Ready");
    if (JSON.stringify(currentReady) !== JSON.stringify(observedReady)) {
      statusUpdate = next;
      health = { probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, readyCondition: currentReady && { ...currentReady }, leaseRenewTime: health.leaseRenewTime };
    }
  }
  return { health, observedReady, currentReady, statusUpdate };
}

const conditionTaints: Record<string, Partial<Record<ConditionStatus, string>>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};
const conditionTaintKeys = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_PID_PRESSURE]);

/** The NoSchedule taints the node's conditions and spec.unschedulable call for, against those it has (kube's doNoScheduleTaintingPass). */
export function noScheduleTaintDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of nodeConditions(node)) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) want.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" });
  const have = nodeTaints(node).filter((t) => t.effect === "NoSchedule" && (t.key === TAINT_UNSCHEDULABLE || conditionTaintKeys.has(t.key)));
  return { add: want.filter((t) => !taintExists(have, t)), remove: have.filter((t) => !taintExists(want, t)) };
}

/** The node's taints after adding (stamped with timeAdded) and removing; undefined when nothing changes. */
export function swapTaints(current: Taint[], add: Taint[], remove: Taint[], now: number): Taint[] | undefined {
  let next = current.filter((t) => !taintExists(remove, t));
  let changed = next.length !== current.length;
  for (const t of add) {
    const existing = next.find((x) => sameTaint(x, t));
    if (existing && existing.value === t.value) continue;
    next = next.filter((x) => !sameTaint(x, t));
    next.push({ ...t, timeAdded: rfc3339(now) });
    changed = true;
  }
  return changed ? next : undefined;
}

export type ZoneState = "Initial" | "Normal" | "FullDisruption" | "PartialDisruption";

/** kube's GetZoneKey: region and zone labels (topology or the old failure-domain ones). */
export function zoneKey(node: Node): string {
  const l = node.metadata.labels ?? {};
  const region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\x00:${zone}`;
}

export function computeZoneState(readyConditions: (NodeCondition | undefined)[], unhealthyThreshold: number): { unhealthy: number; state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const c of readyConditions) {
    if (c?.status === "True") ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: "FullDisruption" };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyThreshold) return { unhealthy: notReady, state: "PartialDisruption" };
  return { unhealthy: notReady, state: "Normal" };
}

/** A token bucket (client-go's flowcontrol) on an injected clock; qps 0 never accepts. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly qps: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  saturated(now: number): boolean {
    return this.qps > 0 && Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps) < 1;
  }
}

/**
 * Nodes waiting for their NoExecute taint in one zone (kube's RateLimitedTimedQueue): each
 * value is tried at most once per token; a value stays "known" after it is processed so that
 * adding it again is a no-op until it is removed (the node became reachable).
 */
export class RateLimitedTimedQueue {
  private readonly items: { value: string; processAt: number; addedAt: number }[] = [];
  private readonly known = new Set<string>();
  constructor(public limiter: TokenBucket) {}

  add(value: string, now: number): boolean {
    if (this.known.has(value)) return false;
    this.known.add(value);
    this.items.push({ value, processAt: now, addedAt: now });
    return true;
  }

  remove(value: string): boolean {
    const had = this.known.delete(value);
    const i = this.items.findIndex((x) => x.value === value);
    if (i >= 0) this.items.splice(i, 1);
    return had;
  }

  swapLimiter(qps: number, burst: number, now: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, burst, now);
    // A limiter we were waiting on hands its debt to the new one.
    if (qps > 0 && this.limiter.saturated(now)) next.tryAccept(now);
    this.limiter = next;
  }

  /** Calls fn on due values while tokens last; fn answers done, or a delay before the next try. */
  async try(now: number, fn: (value: string) => Promise<{ done: true } | { done: false; retryAfterMs: number }>): Promise<void> {
    for (;;) {
      this.items.sort((a, b) => a.processAt - b.processAt || a.addedAt - b.addedAt);
      const head = this.items[0];
      if (!head) return;
      if (!this.limiter.tryAccept(now)) return;
      if (now < head.processAt) return;
      const r = await fn(head.value);
      if (r.done) this.items.splice(this.items.indexOf(head), 1);
      else head.processAt = now + r.retryAfterMs + 1;
    }
  }

  has(value: string): boolean {
    return this.known.has(value);
  }
}

/** kube's ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/** Whether every taint is tolerated, and the first toleration matching each (kube's GetMatchingTolerations). */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[]): { all: boolean; used: Toleration[] } {
  if (taints.length === 0) return { all: true, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** The shortest tolerationSeconds among tolerations (ms); -1 when all tolerate forever; 0 for none. */
export function minTolerationMs(used: Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}
