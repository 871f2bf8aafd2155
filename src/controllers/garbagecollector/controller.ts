/**
 * The garbage collector's shell (kube's pkg/controller/garbagecollector): informers over every
 * resource discovery reports with list, watch and delete feed the graph (graph.ts); two queues
 * of uids act on it. attemptToDelete verifies a node against the API server and deletes
 * dependents whose owners are all gone (or removes dangling references when some owner lives),
 * and ends foreground deletions; attemptToOrphan strips an owner's reference from its
 * dependents, then its `orphan` finalizer. Discovery is checked again every 30 s. Reads and
 * writes ask for metadata only, as kube's collector goes through its metadata client.
 */
import { apiVersionOf } from "../../client/resources.js";
import {
  isConflict,
  isNotFound,
  ApiError,
  type DiscoveredResource,
  type EventRecorder,
  type KObject,
  type OwnerReference,
  type ResourceType,
  type Tombstone,
  type WorkQueue,
} from "../../client/types.js";
import { PatchError } from "../../apiserver/patch/index.js";
import type { Controller, ControllerContext } from "../types.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, Graph, hasFinalizer, identityKey, type GraphNode, type Identity } from "./graph.js";

export const RESYNC_PERIOD_MS = 30_000;
/** Kinds the collector never watches (kube's DefaultIgnoredResources). */
const IGNORED = new Set(["/events", "events.k8s.io/events"]);
const RESYNC_KEY = "discovery";

export type Outcome = "forget" | "requeue";

export interface GarbageCollectorOptions {
  attemptToDelete?: WorkQueue;
  attemptToOrphan?: WorkQueue;
}

/** Not an error to retry: a cluster-scoped object cannot have a namespaced owner. */
class NamespacedOwnerOfClusterScopedObject extends Error {}

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector";
  readonly attemptToDelete: WorkQueue;
  readonly attemptToOrphan: WorkQueue;
  readonly graph: Graph;
  private readonly resync = newWorkQueue();
  private readonly recorder: EventRecorder;
  /** Types with informers, by group/resource. */
  private readonly monitored = new Map<string, ResourceType>();
  /** "apiVersion|kind" and "group|kind" -> the served type (kube's REST mapper). */
  private mapper = new Map<string, ResourceType>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: GarbageCollectorOptions = {},
  ) {
    this.attemptToDelete = opts.attemptToDelete ?? newWorkQueue();
    this.attemptToOrphan = opts.attemptToOrphan ?? newWorkQueue();
    this.recorder = ctx.recorder("garbage-collector-controller");
    this.graph = new Graph({
      attemptToDelete: (n, rateLimited) => (rateLimited ? this.attemptToDelete.addRateLimited(n.identity.uid) : this.attemptToDelete.add(n.identity.uid)),
      attemptToOrphan: (n) => this.attemptToOrphan.add(n.identity.uid),
      invalidNamespaceOwnerRef: (dep, ref) => {
        const i = dep.identity;
        const ns = i.namespace;
        const involved: KObject = { apiVersion: i.apiVersion, kind: i.kind, metadata: { name: i.name, namespace: ns, uid: i.uid } };
        this.recorder.event(involved, "Warning", "OwnerRefInvalidNamespace", `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ${JSON.stringify(ns)}`);
      },
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const queues = [this.attemptToDelete, this.attemptToOrphan, this.resync];
    if (signal.aborted) return;
    signal.addEventListener("abort", () => queues.forEach((q) => q.shutDown()), { once: true });
    await this.syncMonitors().catch((e: unknown) => this.ctx.log.warn("garbage collector: discovery failed", { err: String(e) }));
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    this.resync.addAfter(RESYNC_KEY, RESYNC_PERIOD_MS);
    const loop = async (q: WorkQueue, fn: (k: string) => Promise<Outcome>): Promise<void> => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        let outcome: Outcome;
        try {
          outcome = await fn(key);
        } catch (e) {
          this.ctx.log.warn("garbage collector: error syncing item", { key, err: String(e) });
          outcome = "requeue";
        }
        if (outcome === "forget") q.forget(key);
        else q.addRateLimited(key);
        q.done(key);
      }
    };
    const n = Math.max(1, workers);
    await Promise.all([
      ...Array.from({ length: n }, () => loop(this.attemptToDelete, (uid) => this.syncAttemptToDelete(uid))),
      ...Array.from({ length: n }, () => loop(this.attemptToOrphan, (uid) => this.syncAttemptToOrphan(uid))),
      loop(this.resync, async () => {
        await this.syncMonitors().catch((e: unknown) => this.ctx.log.warn("garbage collector: discovery failed", { err: String(e) }));
        this.resync.addAfter(RESYNC_KEY, RESYNC_PERIOD_MS);
        return "forget";
      }),
    ]);
  }

  /** Reads discovery: refreshes the type mapping and starts informers for new deletable types. */
  async syncMonitors(): Promise<void> {
    const resources = await this.ctx.client.discovery();
    this.mapper = buildMapper(resources);
    for (const r of deletableResources(resources)) {
      const k = `${r.group}/${r.resource}`;
      if (this.monitored.has(k)) continue;
      const type: ResourceType = { group: r.group, version: r.version, resource: r.resource, kind: r.kind, namespaced: r.namespaced };
      this.monitored.set(k, type);
      const apiVersion = apiVersionOf(type);
      const kind = type.kind;
      this.ctx.informers.for(type).addEventHandler({
        add: (obj) => this.graph.process({ type: "add", apiVersion, kind, obj }),
        update: (oldObj, obj) => this.graph.process({ type: "update", apiVersion, kind, obj, oldObj }),
        delete: (o) => this.graph.process({ type: "delete", apiVersion, kind, obj: (o as Tombstone).tombstone === true ? (o as Tombstone).obj : (o as KObject) }),
      });
    }
  }

  // ---- attemptToDelete ----

  /** kube's attemptToDeleteWorker for one uid. */
  async syncAttemptToDelete(uid: string): Promise<Outcome> {
    const n = this.graph.get(uid);
    if (!n) return "forget";
    await this.attemptToDeleteItem(n).catch((e: unknown) => {
      if (e instanceof NamespacedOwnerOfClusterScopedObject) return;
      throw e;
    });
    // A virtual node that exists is polled until its informer event arrives.
    return n.observed || !this.graph.get(uid) ? "forget" : "requeue";
  }

  private async attemptToDeleteItem(item: GraphNode): Promise<void> {
    // Being deleted is a one-way trip; its dependents are handled when it is gone.
    if (item.beingDeleted && !item.deletingDependents) return;
    const latest = await this.getObject(item.identity);
    if (!latest || latest.metadata.uid !== item.identity.uid) return this.virtualDelete(item.identity);
    if (item.deletingDependents) return this.processDeletingDependents(item);

    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const { solid, dangling, waiting } = await this.classifyReferences(item, refs);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // References to owners waiting on their dependents must go too, or those owners never finish.
      await this.deleteOwnerRefs(item, [...dangling, ...waiting].map((r) => r.uid));
      return;
    }
    let policy: "Orphan" | "Foreground" | "Background";
    if (waiting.length > 0 && item.dependents.size > 0) {
      // An owner waits for this item, which has dependents itself: delete it in the foreground.
      // A dependent that also waits on its dependents could make a cycle: unblock our references first.
      if ([...item.dependents].some((d) => d.deletingDependents)) await this.unblockOwnerRefs(item);
      policy = "Foreground";
    } else if (hasFinalizer(latest, FINALIZER_ORPHAN)) policy = "Orphan";
    else if (hasFinalizer(latest, FINALIZER_FOREGROUND)) policy = "Foreground";
    else policy = "Background";
    try {
      const { type, namespace } = this.resolve(item.identity);
      await this.ctx.client.delete(type, namespace, item.identity.name, { propagationPolicy: policy, preconditions: { uid: item.identity.uid }, metadataOnly: true });
    } catch (e) {
      if (isNotFound(e)) return this.virtualDelete(item.identity);
      throw e;
    }
  }

  /** An owner in foreground deletion: its finalizer goes once no blocking dependent remains. */
  private async processDeletingDependents(item: GraphNode): Promise<void> {
    const blocking = this.graph.blockingDependents(item);
    if (blocking.length === 0) {
      await this.removeFinalizer(item, FINALIZER_FOREGROUND);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.add(dep.identity.uid);
  }

  private async classifyReferences(item: GraphNode, refs: OwnerReference[]): Promise<{ solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] }> {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.liveOwner(ref, item);
      if (!owner) dangling.push(ref);
      else if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND)) waiting.push(ref);
      else solid.push(ref);
    }
    return { solid, dangling, waiting };
  }

  /** The owner a reference names, read live from the API server; undefined when it is gone (kube's isDangling). */
  private async liveOwner(ref: OwnerReference, item: GraphNode): Promise<KObject | undefined> {
    const coords: Identity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: "" };
    if (this.graph.absentOwners.has(coords)) return undefined;
    const inNamespace = { ...coords, namespace: item.identity.namespace };
    if (this.graph.absentOwners.has(inNamespace)) return undefined;
    const type = this.typeFor(ref.apiVersion, ref.kind);
    if (type.namespaced && item.identity.namespace === "") throw new NamespacedOwnerOfClusterScopedObject(`cluster-scoped ${identityKey(item.identity)} refers to a namespaced owner`);
    const absentKey = type.namespaced ? inNamespace : coords;
    let owner: KObject;
    try {
      owner = await this.ctx.client.get(type, type.namespaced ? item.identity.namespace : undefined, ref.name, { metadataOnly: true });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.graph.absentOwners.add(absentKey);
      return undefined;
    }
    if (owner.metadata.uid !== ref.uid) {
      this.graph.absentOwners.add(absentKey);
      return undefined;
    }
    return owner;
  }

  // ---- attemptToOrphan ----

  /** kube's attemptToOrphanWorker: drop the owner's references from its dependents, then its orphan finalizer. */
  async syncAttemptToOrphan(uid: string): Promise<Outcome> {
    const owner = this.graph.get(uid);
    if (!owner) return "forget";
    const errors: string[] = [];
    for (const dep of [...owner.dependents]) {
      try {
        await this.deleteOwnerRefs(dep, [uid]);
      } catch (e) {
        if (!isNotFound(e)) errors.push(`orphaning ${identityKey(dep.identity)} failed, ${String(e)}`);
      }
    }
    if (errors.length > 0) throw new Error(`failed to orphan dependents of owner ${identityKey(owner.identity)}: ${errors.join("; ")}`);
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
    return "forget";
  }

  // ---- API helpers ----

  private virtualDelete(identity: Identity): void {
    const obj: KObject = { apiVersion: identity.apiVersion, kind: identity.kind, metadata: { name: identity.name, uid: identity.uid, ...(identity.namespace ? { namespace: identity.namespace } : {}) } };
    this.graph.process({ type: "delete", apiVersion: identity.apiVersion, kind: identity.kind, obj, virtual: true });
  }

  private typeFor(apiVersion: string, kind: string): ResourceType {
    const t = this.mapper.get(`${apiVersion}|${kind}`) ?? this.mapper.get(`${groupOf(apiVersion)}|${kind}`);
    if (!t) throw new Error(`unable to get REST mapping for ${kind}.${apiVersion}`);
    return t;
  }

  private resolve(i: Identity): { type: ResourceType; namespace: string | undefined } {
    const type = this.typeFor(i.apiVersion, i.kind);
    return { type, namespace: type.namespaced ? i.namespace : undefined };
  }

  private async getObject(i: Identity): Promise<KObject | undefined> {
    const { type, namespace } = this.resolve(i);
    try {
      return await this.ctx.client.get(type, namespace, i.name, { metadataOnly: true });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Strategic merge patch with the item's uid as precondition; JSON merge patch of the whole list for types without one (custom resources). */
  private async patchOwnerRefs(item: GraphNode, smpRefs: Record<string, unknown>[], rewrite: (refs: OwnerReference[]) => OwnerReference[]): Promise<void> {
    const { type, namespace } = this.resolve(item.identity);
    try {
      await this.ctx.client.patch(type, namespace, item.identity.name, "strategic", { metadata: { ownerReferences: smpRefs, uid: item.identity.uid } }, { metadataOnly: true });
    } catch (e) {
      if (!isUnsupportedMediaType(e)) throw e;
      const latest = await this.ctx.client.get(type, namespace, item.identity.name, { metadataOnly: true });
      if (latest.metadata.uid !== item.identity.uid) throw new ApiError(404, "NotFound", `${item.identity.kind} ${item.identity.name} not found`);
      const refs = rewrite(latest.metadata.ownerReferences ?? []);
      await this.ctx.client.patch(type, namespace, item.identity.name, "merge", { metadata: { resourceVersion: latest.metadata.resourceVersion, ownerReferences: refs } }, { metadataOnly: true });
    }
  }

  private deleteOwnerRefs(item: GraphNode, ownerUids: string[]): Promise<void> {
    const drop = new Set(ownerUids);
    return this.patchOwnerRefs(
      item,
      ownerUids.map((uid) => ({ $patch: "delete", uid })),
      (refs) => refs.filter((r) => !drop.has(r.uid)),
    );
  }

  private unblockOwnerRefs(item: GraphNode): Promise<void> {
    const blocking = item.owners.filter((r) => r.blockOwnerDeletion === true);
    return this.patchOwnerRefs(
      item,
      blocking.map((r) => ({ uid: r.uid, blockOwnerDeletion: false })),
      (refs) => refs.map((r) => ({ ...r, blockOwnerDeletion: false })),
    );
  }

  /** Removes one finalizer with a merge patch guarded by resourceVersion, retrying conflicts (kube's removeFinalizer). */
  private async removeFinalizer(owner: GraphNode, finalizer: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const latest = await this.getObject(owner.identity);
      if (!latest) return;
      const finalizers = latest.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const rest = finalizers.filter((f) => f !== finalizer);
      const { type, namespace } = this.resolve(owner.identity);
      try {
        await this.ctx.client.patch(type, namespace, owner.identity.name, "merge", { metadata: { resourceVersion: latest.metadata.resourceVersion, finalizers: rest.length ? rest : null } }, { metadataOnly: true });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`updateMaxRetries(5) has reached. The garbage collector will retry later for owner ${identityKey(owner.identity)}.`);
  }
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

function isUnsupportedMediaType(e: unknown): boolean {
  return (e instanceof ApiError && e.code === 415) || (e instanceof PatchError && e.failure.kind === "UnsupportedMediaType");
}

/** The types the collector watches: list, watch and delete, one version per group/resource, events excluded. */
export function deletableResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Set<string>();
  const out: DiscoveredResource[] = [];
  for (const r of resources) {
    const k = `${r.group}/${r.resource}`;
    if (seen.has(k) || IGNORED.has(k)) continue;
    if (!["list", "watch", "delete"].every((v) => r.verbs.includes(v))) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

/** apiVersion|kind for every served version, and group|kind for the first (preferred) one. */
function buildMapper(resources: DiscoveredResource[]): Map<string, ResourceType> {
  const m = new Map<string, ResourceType>();
  for (const r of resources) {
    const type: ResourceType = { group: r.group, version: r.version, resource: r.resource, kind: r.kind, namespaced: r.namespaced };
    const exact = `${apiVersionOf(type)}|${r.kind}`;
    if (!m.has(exact)) m.set(exact, type);
    const byGroup = `${r.group}|${r.kind}`;
    if (!m.has(byGroup)) m.set(byGroup, type);
  }
  return m;
}

export function newGarbageCollector(ctx: ControllerContext, opts: GarbageCollectorOptions = {}): GarbageCollector {
  return new GarbageCollector(ctx, opts);
}
