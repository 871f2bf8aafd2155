/**
 * The namespace controller's shell (kube's pkg/controller/namespace): a namespace with a
 * deletionTimestamp is emptied of every namespaced resource discovery lists, its deletion
 * conditions kept on status, and once nothing is left the `kubernetes` finalizer is removed
 * from spec.finalizers through the finalize subresource (the API server then deletes it).
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import {
  isConflict,
  isNotFound,
  ApiError,
  type DiscoveredResource,
  type Informer,
  type KObject,
  type WorkQueue,
} from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { rfc3339 } from "../util/pods.js";
import { runWorkers } from "../job/queue.js";
import {
  FINALIZER_ESTIMATE_SECONDS,
  FINALIZER_KUBERNETES,
  NAMESPACE_DELETION_GRACE_MS,
  deletableResources,
  failureConditions,
  finalizerCounts,
  gvrString,
  mergeConditions,
  podGraceEstimate,
  requeueAfterMs,
  type DeletionFindings,
  type NamespaceCondition,
} from "./core.js";

interface NamespaceObject extends KObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

export interface NamespaceControllerOptions {
  queue?: WorkQueue;
}

/** The outcome of one deletion pass over a namespace's content. */
interface ContentResult {
  /** Seconds the remaining content is expected to take; 0 when nothing is left to wait for. */
  estimate: number;
  errors: string[];
  /** The namespace after the status write, if there was one. */
  namespace: NamespaceObject;
}

export class NamespaceController implements Controller {
  readonly name = "namespace";
  readonly queue: WorkQueue;
  private readonly namespaces: Informer<NamespaceObject>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: NamespaceControllerOptions = {},
  ) {
    this.queue = opts.queue ?? newWorkQueue();
    this.namespaces = ctx.informers.for<NamespaceObject>(R.namespaces);
    const enqueue = (ns: NamespaceObject): void => {
      if (ns.metadata.deletionTimestamp) this.queue.addAfter(keyOf(ns), NAMESPACE_DELETION_GRACE_MS);
    };
    this.namespaces.addEventHandler({ add: enqueue, update: (_o, ns) => enqueue(ns) }, 5 * 60_000);
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("deletion of namespace failed", { key, err: String(err) }));
  }

  /** One pass over a namespace (by name). Throws to be retried with backoff; requeues itself while content remains. */
  async sync(name: string): Promise<void> {
    const { client } = this.ctx;
    // Several actors edit a terminating namespace: start from the live object.
    let ns: NamespaceObject;
    try {
      ns = await client.get<NamespaceObject>(R.namespaces, undefined, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (!ns.metadata.deletionTimestamp) return;

    if (ns.status?.phase !== "Terminating") {
      const next = await this.retryOnConflict(ns, (cur) => {
        if (cur.status?.phase === "Terminating") return undefined;
        return client.update<NamespaceObject>(R.namespaces, { ...cur, status: { ...(cur.status ?? {}), phase: "Terminating" } }, { subresource: "status" });
      });
      if (!next) return;
      ns = next;
      if (!ns.metadata.deletionTimestamp) return;
    }
    if (!(ns.spec?.finalizers ?? []).length) return;

    const result = await this.deleteAllContent(ns);
    ns = result.namespace;
    if (result.errors.length > 0) throw new Error(result.errors.join("; "));
    if (result.estimate > 0) {
      this.queue.addAfter(name, requeueAfterMs(result.estimate));
      return;
    }

    await this.retryOnConflict(ns, (cur) => {
      const finalizers = [...new Set((cur.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES))].sort();
      return client.update<NamespaceObject>(R.namespaces, { ...cur, spec: { ...(cur.spec ?? {}), finalizers } }, { subresource: "finalize" });
    });
  }

  /** Deletes every namespaced resource in the namespace; records the conditions; answers what is left to wait for. */
  private async deleteAllContent(ns: NamespaceObject): Promise<ContentResult> {
    const { client, clock } = this.ctx;
    const name = ns.metadata.name ?? "";
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp ?? "");
    const findings: DeletionFindings = { contentErrors: [], remaining: [] };
    const errors: string[] = [];
    let resources: DiscoveredResource[] = [];
    try {
      resources = await client.discovery();
    } catch (e) {
      // Not fatal in kube: it works with what it has.
      findings.discoveryError = errorMessage(e);
      errors.push(findings.discoveryError);
    }
    let estimate = 0;
    for (const r of deletableResources(resources)) {
      try {
        const left = await this.deleteAllOf(r, name, deletedAt, clock.now());
        estimate = Math.max(estimate, left.estimate);
        if (left.count > 0) findings.remaining.push({ resource: r, count: left.count, finalizers: left.finalizers });
        if (left.error) {
          findings.contentErrors.push(left.error);
          errors.push(left.error);
        }
      } catch (e) {
        findings.contentErrors.push(errorMessage(e));
        errors.push(errorMessage(e));
      }
    }
    const now = rfc3339(clock.now());
    const { conditions, changed } = mergeConditions(ns.status?.conditions, failureConditions(findings, now), now);
    let latest = ns;
    if (changed) {
      try {
        latest = await client.update<NamespaceObject>(R.namespaces, { ...ns, status: { ...(ns.status ?? {}), conditions } }, { subresource: "status" });
      } catch (e) {
        this.ctx.log.warn("couldn't update status condition for namespace", { namespace: name, err: errorMessage(e) });
      }
    }
    return { estimate, errors, namespace: latest };
  }

  /** kube's deleteAllContentForGroupVersionResource, with list + delete of each item (the client has no deletecollection). */
  private async deleteAllOf(
    r: DiscoveredResource,
    namespace: string,
    deletedAtMs: number,
    nowMs: number,
  ): Promise<{ estimate: number; count: number; finalizers: Map<string, number>; error?: string }> {
    const { client } = this.ctx;
    const none = { estimate: 0, count: 0, finalizers: new Map<string, number>() };
    let estimate = 0;
    if (r.group === "" && r.resource === "pods") {
      const pods = await client.list(R.pods, namespace);
      estimate = podGraceEstimate(pods.items, deletedAtMs, nowMs);
    }
    if (!r.verbs.includes("list")) return { ...none, estimate };
    const items = await listOrNothing(client.list(r, namespace));
    for (const item of items) {
      // Already terminating: another delete changes nothing.
      if (item.metadata.deletionTimestamp) continue;
      try {
        await client.delete(r, namespace, item.metadata.name ?? "", { propagationPolicy: "Background" });
      } catch (e) {
        if (!isNotFound(e) && !(e instanceof ApiError && e.code === 405)) throw e;
      }
    }
    const left = await listOrNothing(client.list(r, namespace));
    if (left.length === 0) return none;
    const finalizers = finalizerCounts(left);
    if (estimate !== 0) return { estimate, count: left.length, finalizers };
    if (finalizers.size > 0) return { estimate: FINALIZER_ESTIMATE_SECONDS, count: left.length, finalizers };
    return { estimate, count: left.length, finalizers, error: `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(r)}` };
  }

  /** Runs fn on the latest namespace until it does not conflict (kube's retryOnConflictError). */
  private async retryOnConflict(ns: NamespaceObject, fn: (cur: NamespaceObject) => Promise<NamespaceObject> | undefined): Promise<NamespaceObject | undefined> {
    let cur = ns;
    for (;;) {
      try {
        const p = fn(cur);
        return p === undefined ? cur : await p;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        if (!isConflict(e)) throw e;
        const latest = await this.ctx.client.get<NamespaceObject>(R.namespaces, undefined, cur.metadata.name ?? "").catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        if (!latest) return undefined;
        if (latest.metadata.uid !== cur.metadata.uid) throw new Error("namespace uid has changed across retries");
        cur = latest;
      }
    }
  }
}

/** A list the server does not serve (404/405) counts as empty, as kube's listCollection. */
async function listOrNothing(p: Promise<{ items: KObject[] }>): Promise<KObject[]> {
  try {
    return (await p).items;
  } catch (e) {
    if (isNotFound(e) || (e instanceof ApiError && e.code === 405)) return [];
    throw e;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function newNamespaceController(ctx: ControllerContext, opts: NamespaceControllerOptions = {}): NamespaceController {
  return new NamespaceController(ctx, opts);
}
