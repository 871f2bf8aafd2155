/**
 * The endpoints controller's shell (kube's pkg/controller/endpoint): services, pods and
 * Endpoints feed a queue of service keys; sync(key) writes the service's Endpoints object
 * (decisions in core.ts) or deletes it once the service is gone.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isForbidden, isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { TriggerTimeTracker, hasSelector, selectorMatches, serviceSpec, servicesForPod, type Service } from "../endpointslice/util.js";
import { ANNOTATION_LEADER, planEndpoints, type Endpoints } from "./core.js";
import { runWorkers, shutDownOnAbort } from "./queue.js";

export interface EndpointsControllerOptions {
  queue?: WorkQueue;
}

const unwrap = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));

export class EndpointsController implements Controller {
  readonly name = "endpoint";
  readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly pods: Informer;
  private readonly endpoints: Informer<Endpoints>;
  private readonly recorder: EventRecorder;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** resourceVersions we already replaced, per key: seeing one in the lister means it lags (kube's staleEndpointsTracker). */
  private readonly staleVersions = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext, opts: EndpointsControllerOptions = {}) {
    this.queue = opts.queue ?? newWorkQueue();
    this.services = ctx.informers.for<Service>(R.services);
    this.pods = ctx.informers.for(R.pods);
    this.endpoints = ctx.informers.for<Endpoints>(R.endpoints);
    this.recorder = ctx.recorder("endpoint-controller");
    const enqueue = (o: KObject): void => this.queue.add(keyOf(o));
    this.services.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: (o) => enqueue(unwrap(o)) });
    this.pods.addEventHandler({
      add: (p) => this.enqueueForPod(p),
      update: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return;
        this.enqueueForPod(n, o);
      },
      delete: (o) => this.enqueueForPod(unwrap(o)),
    });
    // A deleted Endpoints of a live service is written again.
    this.endpoints.addEventHandler({ delete: (o) => enqueue(unwrap(o)) });
  }

  private enqueueForPod(pod: KObject, old?: KObject): void {
    const ns = pod.metadata.namespace;
    const services = this.services.lister.list(ns);
    const keys = new Set(servicesForPod(services, pod));
    if (old && old.metadata.labels !== pod.metadata.labels) for (const k of servicesForPod(services, old)) keys.add(k);
    for (const k of keys) this.queue.add(k);
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    shutDownOnAbort(this.queue, signal);
    await this.ctx.informers.waitForSync(signal);
    // Endpoints whose service went away while we were down (kube's checkLeftoverEndpoints).
    for (const ep of this.endpoints.lister.list()) {
      if (ep.metadata.annotations?.[ANNOTATION_LEADER] === undefined) this.queue.add(keyOf(ep));
    }
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("endpoints sync failed", { key, err: String(err) }));
  }

  async sync(key: string): Promise<void> {
    const i = key.indexOf("/");
    const namespace = key.slice(0, i);
    const name = key.slice(i + 1);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      try {
        await this.ctx.client.delete(R.endpoints, namespace, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      this.triggerTimes.delete(key);
      this.staleVersions.delete(key);
      return;
    }
    if (serviceSpec(svc).type === "ExternalName" || !hasSelector(svc)) return;
    const selector = serviceSpec(svc).selector!;
    const pods = this.pods.lister.list(namespace).filter((p) => selectorMatches(selector, p.metadata.labels));
    // Computed before the no-op check so the tracker's state advances either way.
    const trigger = this.triggerTimes.compute(key, svc, pods);
    const current = this.endpoints.lister.get(namespace, name);
    if (current && this.staleVersions.get(key) === current.metadata.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`);
    }
    const plan = planEndpoints(svc, pods, current, trigger);
    if (plan.action === "none") return;
    try {
      if (plan.action === "create") await this.ctx.client.create(R.endpoints, namespace, plan.endpoints);
      else {
        const updated = await this.ctx.client.update(R.endpoints, plan.endpoints);
        if (updated.metadata.resourceVersion !== current?.metadata.resourceVersion && current?.metadata.resourceVersion) {
          this.staleVersions.set(key, current.metadata.resourceVersion);
        }
      }
    } catch (e) {
      // A terminating namespace refuses creates; nothing to retry.
      if (plan.action === "create" && isForbidden(e) && String((e as Error).message).includes("being terminated")) return;
      if (plan.action === "create") this.recorder.event(plan.endpoints, "Warning", "FailedToCreateEndpoint", `Failed to create endpoint for service ${namespace}/${name}: ${(e as Error).message}`);
      else this.recorder.event(plan.endpoints, "Warning", "FailedToUpdateEndpoint", `Failed to update endpoint ${namespace}/${name}: ${(e as Error).message}`);
      throw e;
    }
  }
}

export function newEndpointsController(ctx: ControllerContext, opts: EndpointsControllerOptions = {}): EndpointsController {
  return new EndpointsController(ctx, opts);
}
