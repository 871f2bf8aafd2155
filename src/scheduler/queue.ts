/**
 * The scheduling queue (kube's PriorityQueue): activeQ ordered by priority, then by when the
 * pod was queued; backoffQ holding pods until their backoff (1 s doubling to 10 s per attempt)
 * ends; unschedulablePods waiting for a cluster event that may help them, or 5 minutes. Pure:
 * time comes from `now`, and the shell calls flush() when it wakes.
 */
import type { Pod } from "./types.js";

export interface QueuedPod {
  key: string;
  pod: Pod;
  priority: number;
  /** When it last entered the queue (ms): activeQ's tie-break and the start of its backoff. */
  timestamp: number;
  attempts: number;
  /** Plugins that rejected it last time; empty means any event may help. */
  unschedulablePlugins: Set<string>;
  /** The cycle that popped it last (to notice events that arrived while it was being scheduled). */
  cycle: number;
}

/** A cluster event, named by what it can help (kube's ClusterEvent, reduced to what kplane's plugins register). */
export type ClusterEvent = "NodeAdd" | "NodeUpdate" | "AssignedPodAdd" | "AssignedPodUpdate" | "AssignedPodDelete" | "UnschedulableTimeout";

/** The plugins each event can turn from "no" to "yes" (the EventsToRegister of kube's plugins). */
const helps: Record<ClusterEvent, Set<string> | "all"> = {
  NodeAdd: "all",
  NodeUpdate: "all",
  AssignedPodAdd: new Set(["InterPodAffinity", "PodTopologySpread"]),
  AssignedPodUpdate: new Set(["InterPodAffinity", "PodTopologySpread"]),
  AssignedPodDelete: new Set(["NodeResourcesFit", "NodePorts", "InterPodAffinity", "PodTopologySpread"]),
  UnschedulableTimeout: "all",
};

/** Can this event help a pod rejected by these plugins? (No plugin recorded: any event may.) */
export function mayHelp(event: ClusterEvent, plugins: Set<string>): boolean {
  const h = helps[event];
  if (h === "all" || plugins.size === 0) return true;
  for (const p of plugins) if (h.has(p)) return true;
  return false;
}

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
}

export const priorityOf = (pod: Pod): number => pod.spec?.priority ?? 0;

/** PrioritySort's Less: higher priority first, then earlier timestamp. */
export function activeLess(a: QueuedPod, b: QueuedPod): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp);
}

/** A binary heap with removal by key. */
class Heap<T extends { key: string }> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(x: T): void {
    const existing = this.index.get(x.key);
    if (existing !== undefined) {
      this.items[existing] = x;
      this.fix(existing);
      return;
    }
    this.items.push(x);
    this.index.set(x.key, this.items.length - 1);
    this.up(this.items.length - 1);
  }
  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0]!;
    this.removeAt(0);
    return top;
  }
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const x = this.items[i]!;
    this.removeAt(i);
    return x;
  }
  values(): T[] {
    return [...this.items];
  }
  private removeAt(i: number): void {
    const last = this.items.pop()!;
    this.index.delete(this.items.length === i ? last.key : this.items[i]!.key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      this.fix(i);
    }
  }
  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[p]!)) break;
      this.swap(i, p);
      i = p;
    }
    return i !== start;
  }
  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l]!, this.items[m]!)) m = l;
      if (r < n && this.less(this.items[r]!, this.items[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(b.key, i);
    this.index.set(a.key, j);
  }
}

export class SchedulingQueue {
  private readonly activeQ = new Heap<QueuedPod>(activeLess);
  private readonly backoffQ: Heap<QueuedPod & { expiry: number }>;
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Popped and not yet finished: updates to them are remembered for done(). */
  private readonly inFlight = new Map<string, QueuedPod>();
  private schedulingCycle = 0;
  /** Events seen while pods were in flight, so a pod that fails after a helpful one backs off instead of parking. */
  private recentEvents: { cycle: number; event: ClusterEvent }[] = [];
  /** How many parked pods each plugin rejected ("" for none): lets an event skip the scan when it can help nobody. */
  private readonly parkedBy = new Map<string, number>();
  private lastSweep = -Infinity;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  /** Called when activeQ gains a pod (the shell wakes its loop). */
  onActive: () => void = () => {};

  constructor(
    private readonly now: () => number,
    opts: QueueOptions = {},
  ) {
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.backoffQ = new Heap((a, b) => a.expiry < b.expiry);
  }

  /** kube's calculateBackoffDuration: initial × 2^(attempts−1), capped. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return Math.min(d, this.maxBackoff);
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.timestamp + this.backoffDuration(q.attempts);
  }

  private toActive(q: QueuedPod): void {
    this.activeQ.push(q);
    this.onActive();
  }

  /** A new pending pod. */
  add(key: string, pod: Pod): void {
    if (this.has(key)) return this.update(key, pod);
    this.toActive({ key, pod, priority: priorityOf(pod), timestamp: this.now(), attempts: 0, unschedulablePlugins: new Set(), cycle: 0 });
  }

  has(key: string): boolean {
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** The pod changed: keep its place, but an unschedulable pod gets another try (kube moves it on any spec change). */
  update(key: string, pod: Pod): void {
    const inActive = this.activeQ.get(key);
    if (inActive) return this.activeQ.push({ ...inActive, pod, priority: priorityOf(pod) });
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) return this.backoffQ.push({ ...inBackoff, pod, priority: priorityOf(pod) });
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = pod;
      flying.priority = priorityOf(pod);
      return;
    }
    const u = this.unpark(key);
    if (u) {
      this.requeue({ ...u, pod, priority: priorityOf(pod) });
      return;
    }
    this.add(key, pod);
  }

  delete(key: string): void {
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unpark(key);
    this.inFlight.delete(key);
    this.trimEvents();
  }

  /** The next pod to schedule, or undefined when activeQ is empty. */
  pop(): QueuedPod | undefined {
    const q = this.activeQ.pop();
    if (!q) return undefined;
    q.attempts++;
    q.cycle = ++this.schedulingCycle;
    this.inFlight.set(q.key, q);
    return q;
  }

  /** The pod fit nowhere: park it until an event may help, or back off if one already came during its cycle. */
  addUnschedulable(q: QueuedPod, plugins: Set<string>): void {
    if (this.inFlight.get(q.key) !== q) return; // deleted (or re-added) while being scheduled
    this.inFlight.delete(q.key);
    q.timestamp = this.now();
    q.unschedulablePlugins = plugins;
    const helped = this.recentEvents.some((e) => e.cycle >= q.cycle && mayHelp(e.event, plugins));
    this.trimEvents();
    if (helped) this.toBackoff(q);
    else this.park(q);
  }

  private park(q: QueuedPod): void {
    this.unschedulable.set(q.key, q);
    for (const p of q.unschedulablePlugins.size ? q.unschedulablePlugins : [""]) this.parkedBy.set(p, (this.parkedBy.get(p) ?? 0) + 1);
  }

  private unpark(key: string): QueuedPod | undefined {
    const q = this.unschedulable.get(key);
    if (!q) return undefined;
    this.unschedulable.delete(key);
    for (const p of q.unschedulablePlugins.size ? q.unschedulablePlugins : [""]) {
      const n = (this.parkedBy.get(p) ?? 0) - 1;
      if (n <= 0) this.parkedBy.delete(p);
      else this.parkedBy.set(p, n);
    }
    return q;
  }

  private trimEvents(): void {
    if (this.inFlight.size === 0) this.recentEvents = [];
  }

  /** An error (e.g. a failed binding): retry after backoff. */
  addBackoff(q: QueuedPod): void {
    if (this.inFlight.get(q.key) !== q) return;
    this.inFlight.delete(q.key);
    this.trimEvents();
    q.timestamp = this.now();
    this.toBackoff(q);
  }

  /** A pod whose binding failed after done(): back in after its backoff, unless it is queued again already. */
  requeueAfterError(q: QueuedPod): void {
    if (this.has(q.key)) return;
    this.toBackoff({ ...q, timestamp: this.now() });
  }

  /** The pod was bound (or handed elsewhere): forget it. */
  done(key: string): void {
    this.inFlight.delete(key);
    this.trimEvents();
  }

  private toBackoff(q: QueuedPod): void {
    this.backoffQ.push({ ...q, expiry: this.backoffExpiry(q) });
  }

  private requeue(q: QueuedPod): void {
    if (this.backoffExpiry(q) > this.now()) this.toBackoff(q);
    else this.toActive(q);
  }

  /** A cluster event: unschedulable pods it may help go to backoffQ or activeQ. */
  moveOnEvent(event: ClusterEvent): number {
    if (this.inFlight.size > 0) this.recentEvents.push({ cycle: this.schedulingCycle, event });
    const h = helps[event];
    if (h !== "all" && !this.parkedBy.has("") && ![...h].some((p) => this.parkedBy.has(p))) return 0;
    let moved = 0;
    for (const [key, q] of [...this.unschedulable]) {
      if (!mayHelp(event, q.unschedulablePlugins)) continue;
      this.unpark(key);
      this.requeue(q);
      moved++;
    }
    return moved;
  }

  /** Moves pods whose backoff ended to activeQ, and those unschedulable for too long back into play. */
  flush(): void {
    const now = this.now();
    for (let top = this.backoffQ.peek(); top && top.expiry <= now; top = this.backoffQ.peek()) {
      this.backoffQ.pop();
      const { expiry: _e, ...q } = top;
      this.toActive(q);
    }
    // kube sweeps the parked pods every 30 s, not on every wake.
    if (now - this.lastSweep < 30_000) return;
    this.lastSweep = now;
    for (const [key, q] of [...this.unschedulable]) {
      if (now - q.timestamp < this.maxUnschedulable) continue;
      this.unpark(key);
      this.requeue(q);
    }
  }

  /** When flush() next has work (ms since epoch), or undefined. */
  nextWakeup(): number | undefined {
    let t = this.backoffQ.peek()?.expiry;
    for (const q of this.unschedulable.values()) {
      const at = q.timestamp + this.maxUnschedulable;
      if (t === undefined || at < t) t = at;
    }
    return t;
  }

  /** Counts by sub-queue, for logs and tests. */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  where(key: string): "active" | "backoff" | "unschedulable" | "inFlight" | undefined {
    if (this.activeQ.has(key)) return "active";
    if (this.backoffQ.has(key)) return "backoff";
    if (this.unschedulable.has(key)) return "unschedulable";
    if (this.inFlight.has(key)) return "inFlight";
    return undefined;
  }
}
