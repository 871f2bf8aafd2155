/**
 * The EndpointSlice controller's shell (kube's pkg/controller/endpointslice): services, pods
 * and managed slices feed a queue of service keys; sync(key) hands the service, its pods and
 * its slices to the reconciler (reconciler.ts) and performs the writes it plans. A tracker of
 * the resourceVersions we wrote keeps a lagging informer from making us act twice.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import { runWorkers, shutDownOnAbort } from "../endpoints/queue.js";
import type { Controller, ControllerContext } from "../types.js";
import { CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MAX_ENDPOINTS_PER_SLICE, reconcile, type EndpointSlice } from "./reconciler.js";
import { TriggerTimeTracker, hasSelector, selectorMatches, serviceSpec, servicesForPod, type Service } from "./util.js";

export interface EndpointSliceControllerOptions {
  queue?: WorkQueue;
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

const DELETED = "deleted";
const unwrap = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));

/** a is older than b, when both are numeric (kplane's are etcd revisions); else unknown, so no. */
function olderThan(a: string | undefined, b: string): boolean {
  if (!a || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** What we last wrote per slice UID, per service key (kube's EndpointSliceTracker). */
export class SliceTracker {
  private readonly byService = new Map<string, Map<string, string>>();

  private forService(key: string): Map<string, string> {
    let m = this.byService.get(key);
    if (!m) this.byService.set(key, (m = new Map()));
    return m;
  }

  wrote(serviceKey: string, slice: KObject): void {
    if (slice.metadata.uid) this.forService(serviceKey).set(slice.metadata.uid, slice.metadata.resourceVersion ?? "");
  }

  expectDeletion(serviceKey: string, slice: KObject): void {
    if (slice.metadata.uid) this.forService(serviceKey).set(slice.metadata.uid, DELETED);
  }

  /** The lister lags our writes: it still shows a slice we deleted, an older version, or misses one we created. */
  stale(serviceKey: string, slices: KObject[]): boolean {
    const m = this.byService.get(serviceKey);
    if (!m) return false;
    const seen = new Set<string>();
    for (const s of slices) {
      const uid = s.metadata.uid ?? "";
      seen.add(uid);
      const want = m.get(uid);
      if (want === DELETED || (want !== undefined && olderThan(s.metadata.resourceVersion, want))) return true;
    }
    for (const [uid, want] of m) if (want !== DELETED && !seen.has(uid)) return true;
    return false;
  }

  /** An informer event for a slice: answers whether it is news to us (someone else's change). */
  observed(serviceKey: string, slice: KObject, deleted: boolean): boolean {
    const m = this.byService.get(serviceKey);
    const uid = slice.metadata.uid ?? "";
    const want = m?.get(uid);
    if (deleted) {
      m?.delete(uid);
      return want !== DELETED;
    }
    if (want === undefined || want === DELETED) return true;
    return olderThan(want, slice.metadata.resourceVersion ?? "");
  }

  forget(serviceKey: string, slice: KObject): void {
    this.byService.get(serviceKey)?.delete(slice.metadata.uid ?? "");
  }

  deleteService(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }
}

export class EndpointSliceController implements Controller {
  readonly name = "endpointslice";
  readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly slices: Informer<EndpointSlice>;
  private readonly recorder: EventRecorder;
  private readonly triggerTimes = new TriggerTimeTracker();
  readonly tracker = new SliceTracker();
  private readonly maxEndpointsPerSlice: number;

  constructor(private readonly ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    this.queue = opts.queue ?? newWorkQueue();
    this.maxEndpointsPerSlice = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.services = ctx.informers.for<Service>(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.nodes = ctx.informers.for(R.nodes);
    this.slices = ctx.informers.for<EndpointSlice>(R.endpointslices);
    this.recorder = ctx.recorder("endpoint-slice-controller");
    const enqueue = (o: KObject): void => this.queue.add(keyOf(o));
    this.services.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => enqueue(unwrap(o)) });
    this.pods.addEventHandler({
      add: (p) => this.enqueueForPod(p),
      update: (o, n) => {
        if (o.metadata.resourceVersion !== n.metadata.resourceVersion) this.enqueueForPod(n, o);
      },
      delete: (o) => this.enqueueForPod(unwrap(o)),
    });
    const onSlice = (s: EndpointSlice, deleted: boolean): void => {
      const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (!svc || s.metadata.labels?.[LABEL_MANAGED_BY] !== CONTROLLER_NAME) return;
      const key = `${s.metadata.namespace}/${svc}`;
      if (this.tracker.observed(key, s, deleted)) this.queue.add(key);
    };
    this.slices.addEventHandler({
      add: (s) => onSlice(s, false),
      update: (o, n) => {
        if (o.metadata.resourceVersion !== n.metadata.resourceVersion) onSlice(n, false);
      },
      delete: (s) => onSlice(unwrap(s), true),
    });
  }

  private enqueueForPod(pod: KObject, old?: KObject): void {
    const services = this.services.lister.list(pod.metadata.namespace);
    const keys = new Set(servicesForPod(services, pod));
    if (old && old.metadata.labels !== pod.metadata.labels) for (const k of servicesForPod(services, old)) keys.add(k);
    for (const k of keys) this.queue.add(k);
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    shutDownOnAbort(this.queue, signal);
    await this.ctx.informers.waitForSync(signal);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("endpointslice sync failed", { key, err: String(err) }));
  }

  async sync(key: string): Promise<void> {
    const i = key.indexOf("/");
    const namespace = key.slice(0, i);
    const name = key.slice(i + 1);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      // The slices' ownerReferences let the garbage collector delete them.
      this.triggerTimes.delete(key);
      this.tracker.deleteService(key);
      return;
    }
    if (serviceSpec(svc).type === "ExternalName" || !hasSelector(svc)) return;
    const selector = serviceSpec(svc).selector!;
    const pods = this.pods.lister.list(namespace).filter((p) => selectorMatches(selector, p.metadata.labels));
    const slices = this.slices.lister
      .list(namespace, `${LABEL_SERVICE_NAME}=${name},${LABEL_MANAGED_BY}=${CONTROLLER_NAME}`)
      .filter((s) => !s.metadata.deletionTimestamp);
    if (this.tracker.stale(key, slices)) throw new Error("EndpointSlice informer cache is out of date");
    const trigger = this.triggerTimes.compute(key, svc, pods);
    const plan = reconcile({
      service: svc,
      pods,
      existing: slices,
      nodeOf: (n) => this.nodes.lister.get(undefined, n),
      triggerTimeMs: trigger,
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
    });
    try {
      for (const s of plan.create) {
        try {
          this.tracker.wrote(key, await this.ctx.client.create(R.endpointslices, namespace, s));
        } catch (e) {
          // A terminating namespace refuses creates; nothing to retry.
          if (String((e as Error).message).includes("being terminated")) return;
          throw e;
        }
      }
      for (const s of plan.update) this.tracker.wrote(key, await this.ctx.client.update(R.endpointslices, s));
      for (const s of plan.delete) {
        // Expected before the call: an informer may report the deletion before the call returns.
        this.tracker.expectDeletion(key, s);
        try {
          await this.ctx.client.delete(R.endpointslices, namespace, s.metadata.name ?? "");
        } catch (e) {
          this.tracker.forget(key, s);
          if (!isNotFound(e)) throw e;
        }
      }
      if (plan.errors.length) throw new Error(plan.errors.join("; "));
    } catch (e) {
      this.recorder.event(svc, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${namespace}/${name}: ${(e as Error).message}`);
      throw e;
    }
  }
}

export function newEndpointSliceController(ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}): EndpointSliceController {
  return new EndpointSliceController(ctx, opts);
}
