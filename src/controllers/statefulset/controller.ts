/**
 * The statefulset controller's shell (kube's pkg/controller/statefulset): informer handlers
 * feed a queue of set keys; sync(key) claims pods and revisions, settles the current and update
 * ControllerRevisions, executes the plan from core.ts, writes status and trims history.
 */
import { labelSelectorFromMeta, matchesLabels, type LabelSelector } from "../../apiserver/selectors/index.js";
import { keyOf, splitKey } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isConflict, isNotFound, isAlreadyExists, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import { claimObjects } from "../history/ownership.js";
import {
  applyRevision, dataEqual, newControllerRevision, nextRevision, ownedOrOrphan, revisionsToTruncate, sortRevisions, templatePatch,
  type ControllerRevision,
} from "../history/revision.js";
import { createControllerRevision, deleteControllerRevision, updateRevisionNumber } from "../history/store.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { runController } from "../history/workloop.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, isPodReady } from "../util/pods.js";
import {
  completeRollingUpdate, isMemberOf, planStatefulSet, podRevision, replicasOf, specOf, statusChanged, wireStatus,
  type StatefulSet, type StatefulSetStatus, type Step,
} from "./core.js";

const GVK = { group: "apps", version: "v1", kind: "StatefulSet" };
const STATUS_RETRIES = 5;

export interface StatefulSetControllerOptions {
  queue?: WorkQueue;
}

export class StatefulSetController implements Controller {
  readonly name = "statefulset";
  readonly queue: WorkQueue;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly claims: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, opts: StatefulSetControllerOptions = {}) {
    this.queue = opts.queue ?? newWorkQueue();
    this.sets = ctx.informers.for<StatefulSet>(R.statefulsets);
    this.pods = ctx.informers.for(R.pods);
    this.revisions = ctx.informers.for<ControllerRevision>(R.controllerrevisions);
    this.claims = ctx.informers.for(R.persistentvolumeclaims);
    this.recorder = ctx.recorder("statefulset-controller");
    this.sets.addEventHandler({
      add: (s) => this.queue.add(keyOf(s)),
      update: (_o, s) => this.queue.add(keyOf(s)),
      delete: (s) => this.queue.add(keyOf(unwrap(s))),
    });
    this.pods.addEventHandler({
      add: (p) => this.podChanged(undefined, p),
      update: (o, p) => this.podChanged(o, p),
      delete: (p) => this.enqueueOwner(unwrap(p)),
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runController(signal, workers, (s) => this.ctx.informers.waitForSync(s), this.queue, (k) => this.sync(k), (key, err) =>
      this.ctx.log.warn("syncing statefulset", { key, err: String(err) }),
    );
  }

  // ---- handlers ----

  private podChanged(old: KObject | undefined, pod: KObject): void {
    if (old && old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const ref = controllerRefOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) this.enqueueOwner(old!);
    if (ref) {
      const set = this.enqueueOwner(pod);
      // A pod that just became ready is available minReadySeconds later: look again then.
      const mrs = set ? (specOf(set).minReadySeconds ?? 0) : 0;
      if (set && old && mrs > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(keyOf(set), mrs * 1000);
      return;
    }
    // An orphan: every set that would select it may adopt it.
    if (!old || JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels) || !!oldRef) {
      for (const set of this.setsSelecting(pod)) this.queue.add(keyOf(set));
    }
  }

  private enqueueOwner(pod: KObject): StatefulSet | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== "StatefulSet") return undefined;
    const set = this.sets.lister.get(pod.metadata.namespace, ref.name);
    if (!set || set.metadata.uid !== ref.uid) return undefined;
    this.queue.add(keyOf(set));
    return set;
  }

  private setsSelecting(pod: KObject): StatefulSet[] {
    return this.sets.lister.list(pod.metadata.namespace).filter((s) => {
      const sel = selectorOf(s);
      return sel !== undefined && matchesLabels(sel, pod.metadata.labels);
    });
  }

  // ---- sync ----

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.lister.get(namespace, name);
    if (!cached) return;
    const set = structuredClone(cached);
    const selector = selectorOf(set);
    // A bad selector is not transient: retrying would not help.
    if (!selector) return;
    const matches = (o: KObject): boolean => matchesLabels(selector, o.metadata.labels);

    const orphanRevisions = this.listRevisions(set, selector).filter((r) => !controllerRefOf(r));
    if (orphanRevisions.length) await claimObjects(this.ctx.client, R.controllerrevisions, set, R.statefulsets, orphanRevisions, () => true);
    const pods = await claimObjects(this.ctx.client, R.pods, set, R.statefulsets, this.pods.lister.list(namespace), (p) => matches(p) && isMemberOf(set, p));

    const status = await this.updateStatefulSet(set, selector, pods);
    const mrs = specOf(set).minReadySeconds ?? 0;
    if (status && mrs > 0 && (status.availableReplicas ?? 0) !== replicasOf(set)) this.queue.addAfter(key, mrs * 1000);
  }

  private listRevisions(set: StatefulSet, selector: LabelSelector): ControllerRevision[] {
    return ownedOrOrphan(this.revisions.lister.list(set.metadata.namespace).filter((r) => matchesLabels(selector, r.metadata.labels)), set);
  }

  private async updateStatefulSet(set: StatefulSet, selector: LabelSelector, pods: KObject[]): Promise<StatefulSetStatus | undefined> {
    const revisions = sortRevisions(this.listRevisions(set, selector));
    const { current, update, collisionCount } = await this.settleRevisions(set, revisions);
    const currentSet = applyRevision(set, current, GVK);
    const updateSet = applyRevision(set, update, GVK);
    const plan = planStatefulSet({
      set, currentSet, updateSet, collisionCount, pods,
      currentRevision: current.metadata.name ?? "",
      updateRevision: update.metadata.name ?? "",
      claim: (n) => this.claims.lister.get(set.metadata.namespace, n),
      now: this.ctx.clock.now(),
    });
    let status = plan.status;
    let failure: unknown;
    for (const step of plan.steps) {
      try {
        await this.execute(set, step);
        if (step.kind === "deletePod" && step.why === "update") status = { ...status, currentReplicas: (status.currentReplicas ?? 0) - 1 };
      } catch (e) {
        failure = e;
        break;
      }
    }
    let statusErr: unknown;
    try {
      await this.writeStatus(set, completeRollingUpdate(set, status));
    } catch (e) {
      statusErr = e;
    }
    await this.truncateHistory(set, pods, revisions, current, update);
    if (failure) throw failure;
    if (statusErr) throw statusErr;
    return status;
  }

  /** getStatefulSetRevisions: the revision matching the set's template (created or renumbered as needed) and the current one. */
  private async settleRevisions(set: StatefulSet, revisions: ControllerRevision[]) {
    let collisionCount = set.status?.collisionCount ?? 0;
    const wanted = newControllerRevision(set, R.statefulsets, specOf(set).template?.metadata?.labels, templatePatch(set), nextRevision(revisions), collisionCount);
    wanted.metadata.annotations = { ...(set.metadata.annotations ?? {}) };
    const equal = revisions.filter((r) => dataEqual(r, wanted.data));
    const last = revisions[revisions.length - 1];
    let update: ControllerRevision;
    if (equal.length && last && dataEqual(last, wanted.data)) update = last;
    else if (equal.length) update = await updateRevisionNumber(this.ctx.client, this.revisions.lister, equal[equal.length - 1]!, wanted.revision ?? 1);
    else ({ revision: update, collisionCount } = await createControllerRevision(this.ctx.client, set, wanted, collisionCount));
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async execute(set: StatefulSet, step: Step): Promise<void> {
    const client = this.ctx.client;
    const ns = set.metadata.namespace;
    switch (step.kind) {
      case "createPod":
        await this.createClaims(set, step.pod, step.claims, step.claimsDeleting, "create");
        try {
          await client.create(R.pods, ns, step.pod);
        } catch (e) {
          // An existing pod of that name is the informer lagging; no event, as kube.
          if (!isAlreadyExists(e)) this.podEvent("create", set, step.pod, e);
          throw e;
        }
        this.podEvent("create", set, step.pod);
        return;
      case "createClaims":
        return this.createClaims(set, step.pod, step.claims, step.claimsDeleting, undefined);
      case "updatePod":
        await this.createClaims(set, step.pod, step.claims, step.claimsDeleting, "update");
        try {
          await client.update(R.pods, step.pod);
        } catch (e) {
          this.podEvent("update", set, step.pod, e);
          throw e;
        }
        this.podEvent("update", set, step.pod);
        return;
      case "updateClaim":
        await client.update(R.persistentvolumeclaims, step.claim);
        return;
      case "deletePod":
        try {
          await client.delete(R.pods, ns, step.pod.metadata.name ?? "");
        } catch (e) {
          this.podEvent("delete", set, step.pod, e);
          if (step.why === "update" && isNotFound(e)) return;
          throw e;
        }
        this.podEvent("delete", set, step.pod);
        return;
    }
  }

  /** Creates a pod's missing claims before the pod (createPersistentVolumeClaims). */
  private async createClaims(set: StatefulSet, pod: KObject, claims: KObject[], deleting: string[], verb: "create" | "update" | undefined): Promise<void> {
    const errors: string[] = [];
    for (const claim of claims) {
      try {
        await this.ctx.client.create(R.persistentvolumeclaims, set.metadata.namespace, claim);
        this.claimEvent(set, pod, claim);
      } catch (e) {
        errors.push(`failed to create PVC ${claim.metadata.name}: ${errText(e)}`);
        if (!isAlreadyExists(e)) this.claimEvent(set, pod, claim, e);
      }
    }
    for (const name of deleting) errors.push(`pvc ${name} is being deleted`);
    if (errors.length) {
      const err = new Error(errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
      if (verb) this.podEvent(verb, set, pod, err);
      throw err;
    }
  }

  private podEvent(verb: "create" | "update" | "delete", set: StatefulSet, pod: KObject, err?: unknown): void {
    const title = verb[0]!.toUpperCase() + verb.slice(1);
    if (err === undefined) this.recorder.event(set, "Normal", `Successful${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    else this.recorder.event(set, "Warning", `Failed${title}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errText(err)}`);
  }

  private claimEvent(set: StatefulSet, pod: KObject, claim: KObject, err?: unknown): void {
    if (err === undefined) this.recorder.event(set, "Normal", "SuccessfulCreate", `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    else this.recorder.event(set, "Warning", "FailedCreate", `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errText(err)}`);
  }

  /** updateStatefulSetStatus: writes only a changed status, retrying conflicts against the cache. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (!statusChanged(set, status)) return;
    let cur: StatefulSet = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ctx.client.update(R.statefulsets, { ...cur, status: wireStatus(status) }, { subresource: "status" });
        return;
      } catch (e) {
        if (!isConflict(e) || attempt >= STATUS_RETRIES) throw e;
        const fresh = this.sets.lister.get(set.metadata.namespace, set.metadata.name ?? "");
        cur = fresh ?? (await this.ctx.client.get<StatefulSet>(R.statefulsets, set.metadata.namespace, set.metadata.name ?? ""));
      }
    }
  }

  /** truncateHistory: the revisions not current, not the update and not used by a pod, beyond revisionHistoryLimit. */
  private async truncateHistory(set: StatefulSet, pods: KObject[], revisions: ControllerRevision[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const live = new Set([current.metadata.name ?? "", update.metadata.name ?? "", ...pods.map(podRevision)]);
    for (const r of revisionsToTruncate(revisions, live, specOf(set).revisionHistoryLimit ?? 10)) {
      try {
        await deleteControllerRevision(this.ctx.client, r);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}

function selectorOf(set: StatefulSet): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(specOf(set).selector);
  } catch {
    return undefined;
  }
}

function unwrap<T extends KObject>(o: T | Tombstone<T>): T {
  return "tombstone" in o ? (o as Tombstone<T>).obj : (o as T);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function newStatefulSetController(ctx: ControllerContext, opts?: StatefulSetControllerOptions): StatefulSetController {
  return new StatefulSetController(ctx, opts);
}
