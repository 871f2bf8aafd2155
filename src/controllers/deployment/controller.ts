/**
 * The deployment controller's shell (kube's pkg/controller/deployment): informer handlers feed a
 * queue of Deployment keys; sync(key) claims replica sets, then (in kube's order) records the
 * paused condition, scales on a scaling event or while paused, or rolls out (RollingUpdate or
 * Recreate), cleans up old replica sets and writes status. Decisions live in util.ts.
 */
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isAlreadyExists, isInvalid, isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import { labelSelectorEmpty, labelSelectorFromMeta, matchesLabels, type LabelSelector } from "../../apiserver/selectors/index.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { runWorkers } from "../job/queue.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, newControllerRef } from "../util/pods.js";
import { ensurePodControllerIndex, podsControlledBy } from "../util/podindex.js";
import { errorText } from "../replicaset/core.js";
import {
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  NEW_RS_REASON,
  PAUSED_REASON,
  POD_TEMPLATE_HASH,
  RESUMED_REASON,
  REVISION,
  TIMED_OUT_REASON,
  byRevision,
  calculateStatus,
  computeHash,
  deploymentComplete,
  equalIgnoreHash,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isScalingEvent,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  planRollingScaleDown,
  planScale,
  replicasAnnotationsNeedUpdate,
  rolloutStatus,
  rsReplicas,
  sameStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumActual,
  withDefaults,
  type Deployment,
  type DeploymentStatus,
  type ReplicaSet,
} from "./util.js";

/** kube's maxRetries: after this many failed syncs in a row a key is dropped until its next event. */
const MAX_RETRIES = 15;

export interface DeploymentControllerOptions {
  queue?: WorkQueue;
}

const tombstoneObj = <T extends KObject>(o: T | Tombstone<T>): T => ("tombstone" in o && o.tombstone === true ? (o as Tombstone<T>).obj : (o as T));

export class DeploymentController implements Controller {
  readonly name = "deployment";
  readonly queue: WorkQueue;
  private readonly deployments: Informer<Deployment>;
  private readonly sets: Informer<ReplicaSet>;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    opts: DeploymentControllerOptions = {},
  ) {
    this.queue = opts.queue ?? newWorkQueue();
    this.deployments = ctx.informers.for<Deployment>(R.deployments);
    this.sets = ctx.informers.for<ReplicaSet>(R.replicasets);
    this.pods = ctx.informers.for(R.pods);
    ensurePodControllerIndex(this.pods);
    this.recorder = ctx.recorder("deployment-controller");
    this.deployments.addEventHandler({
      add: (d) => this.queue.add(keyOf(d)),
      update: (_o, d) => this.queue.add(keyOf(d)),
      delete: (d) => this.queue.add(keyOf(tombstoneObj(d))),
    });
    this.sets.addEventHandler({
      add: (rs) => this.rsEvent(undefined, rs),
      update: (o, rs) => this.rsEvent(o, rs),
      delete: (rs) => {
        const d = this.resolve(tombstoneObj(rs));
        if (d) this.queue.add(keyOf(d));
      },
    });
    this.pods.addEventHandler({ delete: (p) => this.podDeleted(tombstoneObj(p)) });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return this.queue.shutDown();
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    const onError = (key: string, err: unknown): void => {
      this.ctx.log.warn("syncing deployment", { key, err: errorText(err) });
      // runWorkers requeues with backoff; give up as kube does after MAX_RETRIES.
      if (this.queue.numRequeues(key) >= MAX_RETRIES) this.queue.forget(key);
    };
    await runWorkers(this.queue, workers, (k) => this.sync(k), onError);
  }

  // ---- informer handlers ----

  private resolve(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== "Deployment") return undefined;
    const d = this.deployments.lister.get(rs.metadata.namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan replica set (an empty selector matches none). */
  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    return this.deployments.lister.list(rs.metadata.namespace).filter((d) => {
      try {
        const sel = labelSelectorFromMeta(d.spec?.selector);
        return !labelSelectorEmpty(sel) && matchesLabels(sel, rs.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private rsEvent(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const ref = controllerRefOf(rs);
    if (old && oldRef && oldRef.uid !== ref?.uid) {
      const d = this.resolve(old);
      if (d) this.queue.add(keyOf(d));
    }
    if (ref) {
      const d = this.resolve(rs);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    const labelsChanged = !old || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
    if (labelsChanged || oldRef) for (const d of this.deploymentsMatching(rs)) this.queue.add(keyOf(d));
  }

  /** Recreate waits for old pods to be gone: their deletion may unblock it. */
  private podDeleted(pod: KObject): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.sets.lister.get(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.resolve(rs);
    if (!d || d.spec?.strategy?.type !== "Recreate") return;
    const owned = this.sets.lister.list(d.metadata.namespace).filter((x) => controllerRefOf(x)?.uid === d.metadata.uid);
    const left = owned.some((x) => podsControlledBy(this.pods, x.metadata.uid).length > 0);
    if (!left) this.queue.add(keyOf(d));
  }

  // ---- sync ----

  /** Brings one deployment (by "namespace/name") one step toward its spec. */
  async sync(key: string): Promise<void> {
    const shared = this.deployments.lister.getByKey(key);
    if (!shared) return;
    const d = withDefaults(structuredClone(shared));
    const sel = d.spec.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.recorder.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      }
      return;
    }
    const selector = labelSelectorFromMeta(d.spec.selector);
    const rsList = await this.claimReplicaSets(d, selector);
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
      return this.syncStatus(d, [...oldRSs, newRS], newRS);
    }
    await this.checkPausedConditions(d);
    if (d.spec.paused) return this.syncScale(d, rsList);
    {
      const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
      if (isScalingEvent(d, [...oldRSs, newRS])) return this.syncScale(d, rsList);
    }
    if (d.spec.strategy?.type === "Recreate") return this.rolloutRecreate(d, rsList, selector);
    return this.rolloutRolling(d, rsList);
  }

  /** kube's ClaimReplicaSets: ours that match, matching orphans adopted, ours that stopped matching released. */
  private async claimReplicaSets(d: Deployment, selector: LabelSelector): Promise<ReplicaSet[]> {
    const uid = d.metadata.uid ?? "";
    const out: ReplicaSet[] = [];
    let canAdopt: Promise<void> | undefined;
    for (const rs of this.sets.lister.list(d.metadata.namespace)) {
      const ref = controllerRefOf(rs);
      const match = matchesLabels(selector, rs.metadata.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (match) out.push(rs);
        else if (!d.metadata.deletionTimestamp) await this.patchRS(rs, { metadata: { ownerReferences: [{ $patch: "delete", uid }], uid: rs.metadata.uid } });
        continue;
      }
      if (d.metadata.deletionTimestamp || !match || rs.metadata.deletionTimestamp) continue;
      canAdopt ??= this.recheckDeployment(d);
      await canAdopt;
      const adopted = await this.patchRS(rs, { metadata: { ownerReferences: [newControllerRef(d, R.deployments)], uid: rs.metadata.uid } });
      if (adopted) out.push(adopted);
    }
    return out;
  }

  private async recheckDeployment(d: Deployment): Promise<void> {
    const fresh = await this.ctx.client.get(R.deployments, d.metadata.namespace, d.metadata.name ?? "");
    if (fresh.metadata.uid !== d.metadata.uid) throw new Error(`original Deployment ${d.metadata.namespace}/${d.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${d.metadata.uid}`);
    if (fresh.metadata.deletionTimestamp) throw new Error(`Deployment ${d.metadata.namespace}/${d.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  private async patchRS(rs: ReplicaSet, body: unknown): Promise<ReplicaSet | undefined> {
    try {
      return await this.ctx.client.patch<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name ?? "", "strategic", body);
    } catch (e) {
      if (isNotFound(e) || isInvalid(e)) return undefined;
      throw e;
    }
  }

  /**
   * Writes the deployment's status (and the revision annotation, which kube sets through the
   * status subresource too; when the server keeps metadata out of status writes, a metadata patch
   * follows). Keeps `d` current so later writes in the same sync do not conflict.
   */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    d.status = status;
    let res = await this.ctx.client.update<Deployment>(R.deployments, d, { subresource: "status" });
    const rev = d.metadata.annotations?.[REVISION];
    if (rev !== undefined && res.metadata.annotations?.[REVISION] !== rev) {
      res = await this.ctx.client.patch<Deployment>(R.deployments, d.metadata.namespace, d.metadata.name ?? "", "merge", { metadata: { annotations: { [REVISION]: rev } } });
    }
    d.metadata.resourceVersion = res.metadata.resourceVersion;
  }

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCond = cond?.reason === PAUSED_REASON;
    const now = this.ctx.clock.now();
    const status = structuredClone(d.status ?? {});
    if (d.spec.paused && !pausedCond) setCondition(status, newCondition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused", now));
    else if (!d.spec.paused && pausedCond) setCondition(status, newCondition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed", now));
    else return;
    await this.writeStatus(d, status);
  }

  /**
   * kube's getAllReplicaSetsAndSyncRevision: the old replica sets, and the new one (created when
   * asked) with its revision and annotations synced; the deployment's revision follows the new one.
   */
  private async replicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(d, rsList).all;
    const newRS = await this.newReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const now = this.ctx.clock.now();
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
        copy.spec = { ...copy.spec, minReadySeconds: d.spec.minReadySeconds ?? 0 };
        if (!copy.spec.minReadySeconds) delete copy.spec.minReadySeconds;
        return track(rsList, await this.ctx.client.update<ReplicaSet>(R.replicasets, copy));
      }
      let needsUpdate = this.setDeploymentRevision(d, copy.metadata.annotations?.[REVISION]);
      const status = structuredClone(d.status ?? {});
      if (hasProgressDeadline(d) && !getCondition(d.status, "Progressing")) {
        setCondition(status, newCondition("Progressing", "True", FOUND_NEW_RS_REASON, `Found new replica set ${JSON.stringify(copy.metadata.name)}`, now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus(d, status);
      return copy;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    const labels = { ...(d.spec.template?.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    template.metadata = { ...(template.metadata ?? {}), labels };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, ownerReferences: [newControllerRef(d, R.deployments)], labels: { ...labels } },
      spec: { replicas: 0, ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}), selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = count;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.ctx.client.create<ReplicaSet>(R.replicasets, d.metadata.namespace, rs);
      rsList.push(created);
    } catch (e) {
      if (isAlreadyExists(e)) {
        alreadyExists = true;
        const found = this.sets.lister.get(d.metadata.namespace, rs.metadata.name ?? "");
        if (!found) throw e;
        if (controllerRefOf(found)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, found.spec?.template)) {
          created = found;
        } else {
          // A hash collision: a different template under the same name. Bump collisionCount and retry.
          await this.writeStatus(d, { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw e;
        }
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(rs.metadata.name)}: ${errorText(e)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition("Progressing", "False", FAILED_RS_CREATE_REASON, msg, now));
          await this.writeStatus(d, status).catch(() => undefined);
        }
        this.recorder.event(d, "Warning", FAILED_RS_CREATE_REASON, msg);
        throw e;
      }
    }
    if (!alreadyExists && count > 0) this.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${count}`);
    let needsUpdate = this.setDeploymentRevision(d, String(newRevision));
    const status = structuredClone(d.status ?? {});
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(status, newCondition("Progressing", "True", NEW_RS_REASON, `Created new replica set ${JSON.stringify(created.metadata.name)}`, now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d, status);
    return created;
  }

  private setDeploymentRevision(d: Deployment, revision: string | undefined): boolean {
    const a = (d.metadata.annotations ??= {});
    if (a[REVISION] === revision) return false;
    if (revision === undefined) delete a[REVISION];
    else a[REVISION] = revision;
    return true;
  }

  /** kube's scaleReplicaSet: writes size and replica annotations; answers the stored replica set. */
  private async scaleReplicaSet(rsList: ReplicaSet[], rs: ReplicaSet, size: number, d: Deployment, op: string): Promise<ReplicaSet> {
    const desired = d.spec.replicas ?? 1;
    const max = desired + maxSurge(d);
    const sizeChanged = rsReplicas(rs) !== size;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    const from = rsReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, replicas: size };
    setReplicasAnnotations(copy, desired, max);
    const updated = track(rsList, await this.ctx.client.update<ReplicaSet>(R.replicasets, copy));
    if (sizeChanged) this.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled ${op} replica set ${rs.metadata.name} from ${from} to ${size}`);
    return updated;
  }

  private scaleAndRecord(rsList: ReplicaSet[], rs: ReplicaSet, size: number, d: Deployment): Promise<ReplicaSet> {
    if (rsReplicas(rs) === size) return Promise.resolve(rs);
    return this.scaleReplicaSet(rsList, rs, size, d, rsReplicas(rs) < size ? "up" : "down");
  }

  /** kube's `sync`: scaling events and paused deployments. */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
    for (const step of planScale(d, newRS, oldRSs)) await this.scaleReplicaSet(rsList, step.rs, step.size, d, step.op);
    if (d.spec.paused) await this.cleanup(d, oldRSs);
    await this.syncStatus(d, [...oldRSs, newRS], newRS);
  }

  private async syncStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, d, this.ctx.clock.now());
    if (sameStatus(d.status, status)) return;
    await this.writeStatus(d, status);
  }

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, true);
    const nrs = newRS!;
    const allRSs = [...oldRSs, nrs];
    // Scale up, if we can.
    const want = d.spec.replicas ?? 1;
    if (rsReplicas(nrs) !== want) {
      const target = rsReplicas(nrs) > want ? want : newRSNewReplicas(d, allRSs, nrs);
      if (target !== rsReplicas(nrs)) {
        await this.scaleAndRecord(rsList, nrs, target, d);
        return this.syncRolloutStatus(d, allRSs, nrs);
      }
    }
    // Scale down, if we can.
    const steps = planRollingScaleDown(d, allRSs, filterActive(oldRSs), nrs);
    // A replica set may be scaled twice (unhealthy pods, then available ones): write the latest copy.
    for (const s of steps) await this.scaleAndRecord(rsList, rsList.find((x) => x.metadata.uid === s.rs.metadata.uid) ?? s.rs, s.size, d);
    if (steps.length) return this.syncRolloutStatus(d, allRSs, nrs);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, allRSs, nrs);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[], selector: LabelSelector): Promise<void> {
    let { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) {
      await this.scaleAndRecord(rsList, rs, 0, d);
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(d, allRSs, newRS);
    if (this.oldPodsRunning(newRS, oldRSs, rsList, selector, d)) return this.syncRolloutStatus(d, allRSs, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.scaleAndRecord(rsList, newRS!, d.spec.replicas ?? 1, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, allRSs, newRS);
  }

  /** Old replica sets still have pods, or a non-terminal pod of theirs remains. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], rsList: ReplicaSet[], selector: LabelSelector, d: Deployment): boolean {
    if (sumActual(oldRSs) > 0) return true;
    const olds = rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    return olds.flatMap((rs) => podsControlledBy(this.pods, rs.metadata.uid)).some((p) => {
      if (!matchesLabels(selector, p.metadata.labels)) return false;
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      return phase !== "Failed" && phase !== "Succeeded";
    });
  }

  /** Deletes the oldest unused replica sets beyond revisionHistoryLimit. */
  private async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - (d.spec.revisionHistoryLimit ?? 10);
    if (diff <= 0) return;
    alive.sort(byRevision);
    for (const rs of alive.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
      await this.ctx.client.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name ?? "").catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  private async syncRolloutStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const now = this.ctx.clock.now();
    const status = rolloutStatus(d, allRSs, newRS, now);
    if (!sameStatus(d.status, status)) return this.writeStatus(d, status);
    // Nothing new: wake up when the progress deadline would pass.
    const cur = getCondition(d.status, "Progressing");
    if (!hasProgressDeadline(d) || !cur || deploymentComplete(d, status) || cur.reason === TIMED_OUT_REASON) return;
    const after = Date.parse(cur.lastUpdateTime ?? "") + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - now;
    if (Number.isNaN(after)) return;
    if (after < 1000) this.queue.addRateLimited(keyOf(d));
    else this.queue.addAfter(keyOf(d), after + 1000);
  }
}

/**
 * Puts a replica set just written in place of its older copy in this sync's list, so a later
 * step of the same sync starts from the stored version (kube re-reads it on the next sync and
 * meets a conflict meanwhile).
 */
function track(rsList: ReplicaSet[], rs: ReplicaSet): ReplicaSet {
  const i = rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
  if (i >= 0) rsList[i] = rs;
  return rs;
}

export function newDeploymentController(ctx: ControllerContext, opts?: DeploymentControllerOptions): DeploymentController {
  return new DeploymentController(ctx, opts);
}
