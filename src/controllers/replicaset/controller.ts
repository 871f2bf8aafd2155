/**
 * The replica set controller's shell (kube's pkg/controller/replicaset): informer handlers feed a
 * queue of ReplicaSet (or ReplicationController) keys; sync(key) claims pods, creates or deletes
 * pods toward spec.replicas and writes status. The same code serves both kinds through a
 * `ReplicaSetKind` (resource, names, selector shape); decisions live in core.ts.
 */
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isInvalid, isNotFound, type EventRecorder, type Informer, type KObject, type ResourceType, type Tombstone, type WorkQueue } from "../../client/types.js";
import {
  labelSelectorEmpty,
  labelSelectorFromMeta,
  labelSelectorFromSet,
  matchesLabels,
  type LabelSelector,
  type MetaLabelSelector,
} from "../../apiserver/selectors/index.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { runWorkers } from "../job/queue.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, isPodActive, isPodReady, newControllerRef, podFromTemplate } from "../util/pods.js";
import { ensurePodControllerIndex, podsControlledBy, podsControlledByOrOrphaned } from "../util/podindex.js";
import {
  BURST_REPLICAS,
  SLOW_START_INITIAL_BATCH,
  calculateStatus,
  errorText,
  podsToDelete,
  replicasOf,
  slowStartBatch,
  statusChanged,
  type ReplicaSetLike,
} from "./core.js";
import { Expectations } from "./expectations.js";

/** What differs between ReplicaSet and ReplicationController. */
export interface ReplicaSetKind {
  type: ResourceType;
  /** kube-controller-manager's controller name. */
  name: string;
  /** Events' source component. */
  component: string;
  /** The selector; throws SelectorError when it does not parse. */
  selectorOf(obj: ReplicaSetLike): LabelSelector;
}

export const replicaSetKind: ReplicaSetKind = {
  type: R.replicasets,
  name: "replicaset",
  component: "replicaset-controller",
  selectorOf: (rs) => labelSelectorFromMeta(rs.spec?.selector as MetaLabelSelector | undefined),
};

export const replicationControllerKind: ReplicaSetKind = {
  type: R.replicationcontrollers,
  name: "replicationcontroller",
  component: "replication-controller",
  // A map selector; the API server defaults it from the template's labels.
  selectorOf: (rc) => labelSelectorFromSet(rc.spec?.selector as Record<string, string> | undefined),
};

export interface ReplicaSetControllerOptions {
  queue?: WorkQueue;
  burstReplicas?: number;
}

const tombstoneObj = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));

export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly expectations: Expectations;
  private readonly sets: Informer<ReplicaSetLike>;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly burst: number;

  constructor(
    private readonly ctx: ControllerContext,
    readonly kind: ReplicaSetKind,
    opts: ReplicaSetControllerOptions = {},
  ) {
    this.name = kind.name;
    this.queue = opts.queue ?? newWorkQueue();
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new Expectations(() => ctx.clock.now());
    this.sets = ctx.informers.for<ReplicaSetLike>(kind.type);
    this.pods = ctx.informers.for(R.pods);
    ensurePodControllerIndex(this.pods);
    this.recorder = ctx.recorder(kind.component);
    this.sets.addEventHandler({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_old, rs) => this.queue.add(keyOf(rs)),
      delete: (o) => {
        const rs = tombstoneObj(o);
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.addPod(p),
      update: (o, p) => this.updatePod(o, p),
      delete: (p) => this.deletePod(tombstoneObj(p)),
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return this.queue.shutDown();
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn(`syncing ${this.kind.type.kind}`, { key, err: errorText(err) }));
  }

  // ---- informer handlers ----

  /** The owner a controllerRef names, if it is one of ours and still the same object. */
  private resolve(pod: KObject): ReplicaSetLike | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== this.kind.type.kind) return undefined;
    const rs = this.sets.lister.get(pod.metadata.namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** Replica sets whose selector matches an orphan pod (a nil or empty selector matches none). */
  private setsMatching(pod: KObject): ReplicaSetLike[] {
    return this.sets.lister.list(pod.metadata.namespace).filter((rs) => {
      try {
        const sel = this.kind.selectorOf(rs);
        return !labelSelectorEmpty(sel) && matchesLabels(sel, pod.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: KObject): void {
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    if (controllerRefOf(pod)) {
      const rs = this.resolve(pod);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
      return;
    }
    for (const rs of this.setsMatching(pod)) this.queue.add(keyOf(rs));
  }

  private updatePod(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolve(old);
      if (rs) this.queue.add(keyOf(rs));
    }
    if (curRef) {
      const rs = this.resolve(cur);
      if (!rs) return;
      this.queue.add(keyOf(rs));
      // A pod turning ready becomes available minReadySeconds later.
      const mrs = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && mrs > 0) this.queue.addAfter(keyOf(rs), mrs * 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.setsMatching(cur)) this.queue.add(keyOf(rs));
  }

  private deletePod(pod: KObject): void {
    const rs = this.resolve(pod);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  // ---- sync ----

  /** Brings one replica set (by "namespace/name") one step toward spec.replicas. */
  async sync(key: string): Promise<void> {
    const rs = this.sets.lister.getByKey(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    let selector: LabelSelector;
    try {
      selector = this.kind.selectorOf(rs);
    } catch (e) {
      // kube logs and drops a key whose selector does not parse: retrying cannot help.
      this.ctx.log.warn(`${this.kind.type.kind} has a bad selector`, { key, err: errorText(e) });
      return;
    }
    // Ours and the namespace's orphans: a pod another controller owns is never claimed.
    const active = podsControlledByOrOrphaned(this.pods, rs).filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (e) {
        manageError = e;
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateStatus(rs, pods, manageError, now);
    const updated = await this.updateStatus(rs, status);
    const want = replicasOf(updated);
    const mrs = updated.spec?.minReadySeconds ?? 0;
    const st = updated.status ?? { replicas: 0 };
    if (manageError === undefined && mrs > 0 && (st.readyReplicas ?? 0) === want && (st.availableReplicas ?? 0) !== want) {
      this.queue.addAfter(key, mrs * 1000);
    }
    if (manageError !== undefined) throw manageError;
  }

  /**
   * kube's ClaimPods: keeps the pods we control that still match, adopts matching orphans
   * (unless we are being deleted) and releases our pods that no longer match.
   */
  private async claimPods(rs: ReplicaSetLike, selector: LabelSelector, pods: KObject[]): Promise<KObject[]> {
    const uid = rs.metadata.uid ?? "";
    const ns = rs.metadata.namespace;
    const claimed: KObject[] = [];
    let canAdopt: Promise<void> | undefined;
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      const match = matchesLabels(selector, pod.metadata.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (match) {
          claimed.push(pod);
          continue;
        }
        if (rs.metadata.deletionTimestamp) continue;
        await this.patchPod(ns, pod, { metadata: { ownerReferences: [{ $patch: "delete", uid }], uid: pod.metadata.uid } });
        continue;
      }
      if (rs.metadata.deletionTimestamp || !match || pod.metadata.deletionTimestamp) continue;
      // Re-read the owner once before the first adoption: a stale cache must not adopt into a deleted owner.
      canAdopt ??= this.recheckOwner(rs);
      await canAdopt;
      const patched = await this.patchPod(ns, pod, { metadata: { ownerReferences: [newControllerRef(rs, this.kind.type)], uid: pod.metadata.uid } });
      if (patched) claimed.push(patched);
    }
    return claimed;
  }

  private async recheckOwner(rs: ReplicaSetLike): Promise<void> {
    const fresh = await this.ctx.client.get(this.kind.type, rs.metadata.namespace, rs.metadata.name ?? "");
    if (fresh.metadata.uid !== rs.metadata.uid) {
      throw new Error(`original ${this.kind.type.kind} ${rs.metadata.namespace}/${rs.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${rs.metadata.uid}`);
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(`${this.kind.type.kind} ${rs.metadata.namespace}/${rs.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  /** A strategic merge patch of a pod's ownerReferences; a pod gone (or changed under us) is skipped. */
  private async patchPod(ns: string | undefined, pod: KObject, body: unknown): Promise<KObject | undefined> {
    try {
      return await this.ctx.client.patch(R.pods, ns, pod.metadata.name ?? "", "strategic", body);
    } catch (e) {
      if (isNotFound(e) || isInvalid(e)) return undefined;
      throw e;
    }
  }

  private async manageReplicas(key: string, rs: ReplicaSetLike, pods: KObject[]): Promise<void> {
    const diff = pods.length - replicasOf(rs);
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const ref = newControllerRef(rs, this.kind.type);
      const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, () => this.createPod(rs, ref));
      // Pods never created will never be observed.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = podsToDelete(pods, this.relatedPods(rs), n, this.ctx.clock.now());
      this.expectations.expectDeletions(key, victims.map((p) => keyOf(p)));
      const errors: unknown[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.ctx.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? "", { metadataOnly: true });
            this.recorder.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
          } catch (e) {
            // The informer will not see this deletion.
            this.expectations.deletionObserved(key, keyOf(pod));
            if (!isNotFound(e)) {
              this.recorder.event(rs, "Warning", "FailedDelete", `Error deleting: ${errorText(e)}`);
              errors.push(e);
            }
          }
        }),
      );
      if (errors.length) throw errors[0];
    }
  }

  private async createPod(rs: ReplicaSetLike, ref: ReturnType<typeof newControllerRef>): Promise<void> {
    const pod = podFromTemplate(rs.spec?.template, rs.metadata.namespace ?? "", `${rs.metadata.name}-`, ref);
    if (Object.keys(pod.metadata.labels ?? {}).length === 0) throw new Error("unable to create pods, no labels");
    try {
      // Only the generated name is read from the answer.
      const created = await this.ctx.client.create(R.pods, rs.metadata.namespace, pod, { metadataOnly: true });
      this.recorder.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
    } catch (e) {
      // A terminating namespace refuses every create; that is not this controller's failure.
      if (namespaceTerminating(e)) return;
      this.recorder.event(rs, "Warning", "FailedCreate", `Error creating: ${errorText(e)}`);
      throw e;
    }
  }

  /** Active pods of every replica set under the same controller (a Deployment), for ranking. */
  private relatedPods(rs: ReplicaSetLike): KObject[] {
    const owner = controllerRefOf(rs);
    const uids = new Set<string>([rs.metadata.uid ?? ""]);
    if (owner) {
      for (const other of this.sets.lister.list(rs.metadata.namespace)) {
        if (controllerRefOf(other)?.uid === owner.uid) uids.add(other.metadata.uid ?? "");
      }
    }
    return [...uids].flatMap((uid) => podsControlledBy(this.pods, uid));
  }

  /** Writes status when anything changed, retrying once on a fresh copy (kube's statusUpdateRetries). */
  private async updateStatus(rs: ReplicaSetLike, status: ReturnType<typeof calculateStatus>): Promise<ReplicaSetLike> {
    if (!statusChanged(rs, status)) return rs;
    const next = { ...status };
    if (rs.metadata.generation) next.observedGeneration = rs.metadata.generation;
    else delete next.observedGeneration;
    let cur: ReplicaSetLike = rs;
    for (let i = 0; ; i++) {
      try {
        return await this.ctx.client.update<ReplicaSetLike>(this.kind.type, { ...cur, status: next }, { subresource: "status" });
      } catch (e) {
        if (i >= 1) throw e;
        cur = await this.ctx.client.get<ReplicaSetLike>(this.kind.type, rs.metadata.namespace, rs.metadata.name ?? "");
      }
    }
  }
}

function namespaceTerminating(e: unknown): boolean {
  const details = (e as { status?: { details?: { causes?: { type?: string }[] } } } | undefined)?.status?.details;
  return details?.causes?.some((c) => c.type === "NamespaceTerminating") ?? false;
}

export function newReplicaSetController(ctx: ControllerContext, opts?: ReplicaSetControllerOptions): ReplicaSetController {
  return new ReplicaSetController(ctx, replicaSetKind, opts);
}

export function newReplicationControllerController(ctx: ControllerContext, opts?: ReplicaSetControllerOptions): ReplicaSetController {
  return new ReplicaSetController(ctx, replicationControllerKind, opts);
}
