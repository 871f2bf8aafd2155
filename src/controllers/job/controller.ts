/**
 * The job controller's shell (kube's pkg/controller/job): informer handlers feed a work queue of
 * job keys; sync(key) creates and deletes pods, counts finished pods through the job-tracking
 * finalizer and status.uncountedTerminatedPods, and sets conditions as kube 1.32 does
 * (SuccessCriteriaMet then Complete, FailureTarget then Failed). Decisions live in core.ts.
 */
import { CountExpectations } from "../util/expectations.js";
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf, splitKey } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, isPodActive, isPodReady, podStatus, rfc3339 } from "../util/pods.js";
import { JOB_CONTROLLER_NAME, JOB_TRACKING_FINALIZER, isJobFinished, jobSpec, type Job, type JobCondition, type JobStatus } from "./api.js";
import {
  MAX_PODS_PER_SYNC,
  MAX_UNCOUNTED_PODS,
  activePodsForRemoval,
  backoffLimitOf,
  backoffRemainingMs,
  completionsOf,
  ensureCondition,
  hasTrackingFinalizer,
  isIndexed,
  isPodFailed,
  isPodTerminating,
  isSuspended,
  jobComplete,
  newCondition,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  pastActiveDeadline,
  pastBackoffLimitOnFailure,
  podForJob,
  wantActive,
  type BackoffRecord,
} from "./core.js";
import { completionIndexOf, firstPendingIndexes, formatIndexes, parseIndexes } from "./indexes.js";
import { runWorkers } from "./queue.js";

/** Pod events are batched into one sync a second later (kube's syncJobBatchPeriod). */
export const SYNC_BATCH_MS = 1000;
const removeFinalizerPatch = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } };

export const REASON_BACKOFF_LIMIT = "BackoffLimitExceeded";
export const MESSAGE_BACKOFF_LIMIT = "Job has reached the specified backoff limit";
export const REASON_DEADLINE = "DeadlineExceeded";
export const MESSAGE_DEADLINE = "Job was active longer than specified deadline";
export const REASON_COMPLETIONS = "CompletionsReached";
export const MESSAGE_COMPLETIONS = "Reached expected number of succeeded pods";

export interface JobControllerOptions {
  /** The work queue; src/client's by default. */
  queue?: WorkQueue;
}

export class JobController implements Controller {
  readonly name = "job";
  readonly queue: WorkQueue;
  private readonly orphans: WorkQueue;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly expectations: CountExpectations;
  /** Pod UIDs whose finalizer removal was sent but not yet seen, per job key. */
  private readonly finalizerExpectations = new Map<string, Set<string>>();

  constructor(private readonly ctx: ControllerContext, opts: JobControllerOptions = {}) {
    this.expectations = new CountExpectations(() => ctx.clock.now());
    this.queue = opts.queue ?? newWorkQueue();
    this.orphans = newWorkQueue();
    this.jobs = ctx.informers.for<Job>(R.jobs);
    this.pods = ctx.informers.for(R.pods);
    this.recorder = ctx.recorder("job-controller");
    this.jobs.addEventHandler({
      add: (j) => this.queue.add(keyOf(j)),
      update: (oldJob, cur) => this.updateJob(oldJob, cur),
      delete: (j) => {
        const job = tombstoneObj(j);
        this.queue.add(keyOf(job));
        this.cleanupPodFinalizers(job);
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.podEvent(undefined, p, false),
      update: (o, p) => this.podEvent(o, p, false),
      delete: (p) => this.podEvent(undefined, tombstoneObj(p), true),
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const stop = (): void => {
      this.queue.shutDown();
      this.orphans.shutDown();
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    const onError = (key: string, err: unknown): void => this.ctx.log.warn("syncing job", { key, err: String(err) });
    await Promise.all([runWorkers(this.queue, workers, (k) => this.sync(k), onError), runWorkers(this.orphans, 1, (k) => this.syncOrphanPod(k), onError)]);
  }

  // ---- informer handlers ----

  private updateJob(oldJob: Job, cur: Job): void {
    const key = keyOf(cur);
    if (oldJob.metadata.generation === cur.metadata.generation) this.queue.addAfter(key, SYNC_BATCH_MS);
    else this.queue.add(key);
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const ads = jobSpec(cur).activeDeadlineSeconds;
    const start = cur.status?.startTime;
    if (start && ads != null && ads !== jobSpec(oldJob).activeDeadlineSeconds) {
      this.queue.addAfter(key, ads * 1000 - (this.ctx.clock.now() - Date.parse(start)));
    }
  }

  private podEvent(oldPod: KObject | undefined, pod: KObject, final: boolean): void {
    if (oldPod && oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    const ref = controllerRefOf(pod);
    const job = ref?.kind === "Job" ? this.jobs.lister.get(pod.metadata.namespace, ref.name) : undefined;
    if (!job || job.metadata.uid !== ref?.uid) {
      if (hasTrackingFinalizer(pod)) this.orphans.add(keyOf(pod));
      return;
    }
    const key = keyOf(job);
    const deleting = final || !!pod.metadata.deletionTimestamp;
    if (!oldPod && !deleting) this.expectations.observe(key, "adds");
    if (deleting && (final || !oldPod?.metadata.deletionTimestamp)) this.expectations.observe(key, "dels");
    if (final || !hasTrackingFinalizer(pod)) this.finalizerExpectations.get(key)?.delete(pod.metadata.uid ?? "");
    if (isJobFinished(job) && hasTrackingFinalizer(pod)) this.orphans.add(keyOf(pod));
    this.queue.addAfter(key, SYNC_BATCH_MS);
  }

  private cleanupPodFinalizers(job: KObject): void {
    for (const p of this.pods.lister.list(job.metadata.namespace)) {
      if (controllerRefOf(p)?.uid === job.metadata.uid && hasTrackingFinalizer(p)) this.orphans.add(keyOf(p));
    }
  }

  // ---- expectations: pod creations/deletions sent but not yet seen by the informer ----

  // ---- orphan pods: drop the tracking finalizer of pods no running Job counts ----

  async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== "Job" || ref.apiVersion !== "batch/v1") return;
      const job = this.jobs.lister.get(namespace, ref.name);
      if (job && job.metadata.uid === ref.uid && !isJobFinished(job)) return;
    }
    await this.ctx.client.patch(R.pods, namespace, name, "strategic", removeFinalizerPatch).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  // ---- sync ----

  /** Brings one job (by "namespace/name") one step toward its spec. */
  async sync(key: string): Promise<void> {
    const now = this.ctx.clock.now();
    const shared = this.jobs.lister.getByKey(key);
    if (!shared) {
      this.backoff.delete(key);
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      return;
    }
    const managedBy = jobSpec(shared).managedBy;
    if (managedBy && managedBy !== JOB_CONTROLLER_NAME) return;
    if (isJobFinished(shared)) {
      this.backoff.delete(key);
      return;
    }
    const mode = jobSpec(shared).completionMode;
    if (mode !== undefined && mode !== "NonIndexed" && mode !== "Indexed") {
      this.recorder.event(shared, "Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown");
      return;
    }
    const job = structuredClone(shared);
    const status = (job.status ??= {}) as JobStatus;
    status.uncountedTerminatedPods ??= {};
    const uncounted = { succeeded: new Set(status.uncountedTerminatedPods.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods.failed ?? []) };
    const satisfied = this.expectations.satisfied(key);
    const expectedRm = this.finalizerExpectations.get(key) ?? new Set<string>();
    const pods = this.pods.lister.list(job.metadata.namespace).filter((p) => controllerRefOf(p)?.uid === job.metadata.uid);
    const activePods = pods.filter(isPodActive);
    const indexed = isIndexed(job);
    const completions = completionsOf(job) ?? 0;
    const counts = { active: activePods.length, ready: activePods.filter(isPodReady).length, terminating: pods.filter(isPodTerminating).length };

    // Finished pods not yet in the counters: they still carry the finalizer and are not uncounted.
    const fresh = (p: KObject, set: Set<string>): boolean => {
      const uid = p.metadata.uid ?? "";
      if (!hasTrackingFinalizer(p) || set.has(uid) || expectedRm.has(uid)) return false;
      if (!indexed) return true;
      const ix = completionIndexOf(p);
      return ix >= 0 && ix < completions;
    };
    const newSucceeded = pods.filter((p) => fresh(p, uncounted.succeeded) && podStatus(p).phase === "Succeeded");
    const newFailed = pods.filter((p) => fresh(p, uncounted.failed) && isPodFailed(p, job));
    let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncounted.succeeded.size;
    const failed = (status.failed ?? 0) + newFailed.length + uncounted.failed.size;

    if (!status.startTime && !isSuspended(job)) status.startTime = rfc3339(now);
    const backoff = nextBackoffRecord(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, newSucceeded, newFailed);

    let finished: JobCondition | undefined = status.conditions?.find((c) => c.type === "SuccessCriteriaMet" && c.status === "True");
    if (!finished) {
      const target = status.conditions?.find((c) => c.type === "FailureTarget" && c.status === "True");
      if (target) finished = newCondition("Failed", "True", target.reason ?? "", target.message ?? "", now);
    }
    if (!finished) {
      if (failed > backoffLimitOf(job) || pastBackoffLimitOnFailure(job, pods)) {
        finished = newCondition("FailureTarget", "True", REASON_BACKOFF_LIMIT, MESSAGE_BACKOFF_LIMIT, now);
      } else if (pastActiveDeadline(job, now)) {
        finished = newCondition("FailureTarget", "True", REASON_DEADLINE, MESSAGE_DEADLINE, now);
      } else if (jobSpec(job).activeDeadlineSeconds != null && !isSuspended(job)) {
        this.queue.addAfter(key, jobSpec(job).activeDeadlineSeconds! * 1000 - (now - Date.parse(status.startTime!)));
      }
    }

    let prevSucceededIndexes = new Set<number>();
    let succeededIndexes = new Set<number>();
    if (indexed) {
      prevSucceededIndexes = parseIndexes(status.completedIndexes, completions);
      succeededIndexes = new Set(prevSucceededIndexes);
      for (const p of pods) {
        const ix = completionIndexOf(p);
        if (podStatus(p).phase === "Succeeded" && ix >= 0 && ix < completions && hasTrackingFinalizer(p)) succeededIndexes.add(ix);
      }
      succeeded = succeededIndexes.size;
    }

    let suspendChanged = false;
    // As kube, a failed create/delete still lets the status be tracked; the error comes last.
    let manageErr: unknown;
    if (finished) {
      // A finishing job stops its running pods; it is finished once they are all gone.
      const r = await this.deletePods(job, activePods, false);
      manageErr = r.error;
      if (r.deleted !== activePods.length || !satisfied) finished = undefined;
      counts.active -= r.deleted;
      counts.terminating += r.deleted;
      counts.ready -= r.deletedReady;
    } else {
      let managed = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        const r = await this.manageJob(key, job, activePods, succeeded, succeededIndexes, counts, backoff, now);
        counts.active = r.active;
        manageErr = r.error;
        managed = true;
      }
      if (jobComplete(job, succeeded, counts.active)) {
        finished = newCondition("SuccessCriteriaMet", "True", REASON_COMPLETIONS, MESSAGE_COMPLETIONS, now);
      } else if (managed) {
        const conds = (status.conditions ??= []);
        if (isSuspended(job)) {
          if (ensureCondition(conds, "Suspended", "True", "JobSuspended", "Job suspended", now)) {
            suspendChanged = true;
            this.recorder.event(job, "Normal", "Suspended", "Job suspended");
          }
        } else if (ensureCondition(conds, "Suspended", "False", "JobResumed", "Job resumed", now)) {
          suspendChanged = true;
          this.recorder.event(job, "Normal", "Resumed", "Job resumed");
          // activeDeadlineSeconds counts from the resume.
          status.startTime = rfc3339(now);
        }
        if (conds.length === 0) delete status.conditions;
      }
    }

    const needsUpdate = suspendChanged || counts.active !== (status.active ?? 0) || counts.ready !== status.ready || counts.terminating !== status.terminating;
    status.active = counts.active;
    status.ready = counts.ready;
    status.terminating = counts.terminating;
    await this.trackStatus(key, job, pods, { uncounted, expectedRm, finished, prevSucceededIndexes, succeededIndexes, terminating: counts.terminating, backoff }, needsUpdate);
    if (manageErr !== undefined) throw manageErr;
  }

  /** Creates or deletes pods toward the wanted number of active pods; answers the active count. */
  private async manageJob(
    key: string,
    job: Job,
    activePods: KObject[],
    succeeded: number,
    succeededIndexes: Set<number>,
    counts: { ready: number; terminating: number },
    backoff: BackoffRecord,
    now: number,
  ): Promise<{ active: number; error?: unknown }> {
    let active = activePods.length;
    if (isSuspended(job)) {
      this.expectations.expect(key, 0, activePods.length);
      const r = await this.deletePods(job, activePods, true);
      counts.terminating += r.deleted;
      counts.ready -= r.deletedReady;
      return { active: active - r.deleted, error: r.error };
    }
    const want = wantActive(job, active, succeeded);
    const toDelete = activePodsForRemoval(job, activePods, Math.max(0, active - want)).slice(0, MAX_PODS_PER_SYNC);
    if (toDelete.length > 0) {
      this.expectations.expect(key, 0, toDelete.length);
      const r = await this.deletePods(job, toDelete, true);
      counts.terminating += r.deleted;
      counts.ready -= r.deletedReady;
      return { active: active - r.deleted, error: r.error };
    }
    const terminating = onlyReplaceFailedPods(job) ? counts.terminating : 0;
    let diff = Math.min(want - terminating - active, MAX_PODS_PER_SYNC);
    if (diff <= 0) return { active };
    const wait = backoffRemainingMs(backoff, now);
    if (wait > 0) {
      this.queue.addAfter(key, Math.max(wait, SYNC_BATCH_MS));
      return { active };
    }
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = firstPendingIndexes(succeededIndexes, activePods, diff, completionsOf(job) ?? 0);
      diff = indexes.length;
    }
    this.expectations.expect(key, diff, 0);
    // Slow start: batches of 1, 2, 4, ... so a failing create (quota, admission) stops early.
    let created = 0;
    let failure: unknown;
    for (let batch = Math.min(diff, 1); created < diff && failure === undefined; batch = Math.min(batch * 2, diff - created)) {
      const results = await Promise.allSettled(
        Array.from({ length: batch }, (_, i) => this.createPod(job, indexes.length ? indexes[created + i] : undefined)),
      );
      for (const r of results) {
        if (r.status === "fulfilled") active++;
        else failure ??= r.reason;
      }
      created += batch;
    }
    const skippedOrFailed = diff - (active - activePods.length);
    for (let i = 0; i < skippedOrFailed; i++) this.expectations.observe(key, "adds");
    return { active, error: failure };
  }

  private async createPod(job: Job, index: number | undefined): Promise<void> {
    try {
      const pod = await this.ctx.client.create(R.pods, job.metadata.namespace, podForJob(job, index));
      this.recorder.event(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
    } catch (e) {
      this.recorder.event(job, "Warning", "FailedCreate", `Error creating: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  /**
   * Deletes pods. Pods the job no longer wants lose their finalizer first (they count as failed
   * nowhere); pods of a finishing job keep it so trackStatus counts them.
   */
  private async deletePods(job: Job, pods: KObject[], dropFinalizer: boolean): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let failure: unknown;
    await Promise.all(
      pods.map(async (p) => {
        const ns = p.metadata.namespace;
        const name = p.metadata.name ?? "";
        try {
          if (dropFinalizer && hasTrackingFinalizer(p)) await this.ctx.client.patch(R.pods, ns, name, "strategic", removeFinalizerPatch);
          await this.ctx.client.delete(R.pods, ns, name);
          this.recorder.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
          deleted++;
        } catch (e) {
          if (isNotFound(e)) deleted++;
          else {
            this.recorder.event(job, "Warning", "FailedDelete", `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
            failure ??= e;
            if (dropFinalizer) this.expectations.observe(keyOf(job), "dels");
            return;
          }
        }
        if (isPodReady(p)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, error: failure };
  }

  /**
   * kube's trackJobStatusAndRemoveFinalizers: records finished pods in uncountedTerminatedPods,
   * flushes the status, removes their finalizers, moves them into the counters, and finally sets
   * Complete or Failed once nothing is uncounted or terminating.
   */
  private async trackStatus(
    key: string,
    job: Job,
    podsIn: KObject[],
    t: {
      uncounted: { succeeded: Set<string>; failed: Set<string> };
      expectedRm: Set<string>;
      finished: JobCondition | undefined;
      prevSucceededIndexes: Set<number>;
      succeededIndexes: Set<number>;
      terminating: number;
      backoff: BackoffRecord;
    },
    needsFlushIn: boolean,
  ): Promise<void> {
    let needsFlush = needsFlushIn;
    let finished = t.finished;
    const indexed = isIndexed(job);
    const completions = completionsOf(job) ?? 0;
    const pods = indexed ? [...podsIn].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : podsIn;
    const uidsWithFinalizer = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !t.expectedRm.has(p.metadata.uid ?? "")).map((p) => p.metadata.uid ?? ""));
    if (cleanUncounted(job.status!, uidsWithFinalizer)) needsFlush = true;
    const uncountedStatus = job.status!.uncountedTerminatedPods!;
    const toRemove: KObject[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? "";
      if (!hasTrackingFinalizer(pod) || t.expectedRm.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      const phase = podStatus(pod).phase;
      if (!(job.metadata.deletionTimestamp || finished || phase === "Succeeded" || failed)) continue;
      toRemove.push(pod);
      const ix = completionIndexOf(pod);
      if (phase === "Succeeded" && !t.uncounted.failed.has(uid)) {
        if (indexed) {
          if (ix >= 0 && ix < completions && !t.prevSucceededIndexes.has(ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!t.uncounted.succeeded.has(uid)) {
          (uncountedStatus.succeeded ??= []).push(uid);
          needsFlush = true;
        }
      } else if (failed || (finished && finished.type !== "SuccessCriteriaMet")) {
        if (!t.uncounted.failed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
          (uncountedStatus.failed ??= []).push(uid);
          needsFlush = true;
        }
      }
      if (newSucceededIndexes.length + (uncountedStatus.succeeded?.length ?? 0) + (uncountedStatus.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const all = new Set([...t.succeededIndexes, ...newSucceededIndexes]);
      const s = formatIndexes(all);
      if (s !== (job.status!.completedIndexes ?? "")) needsFlush = true;
      job.status!.succeeded = all.size;
      job.status!.completedIndexes = s;
    }
    if (finished?.type === "FailureTarget") {
      (job.status!.conditions ??= []).push(finished);
      needsFlush = true;
      finished = newCondition("Failed", "True", finished.reason ?? "", finished.message ?? "", this.ctx.clock.now());
    }
    if (finished?.type === "SuccessCriteriaMet") {
      const conds = (job.status!.conditions ??= []);
      if (!conds.some((c) => c.type === "SuccessCriteriaMet" && c.status === "True")) {
        conds.push(finished);
        needsFlush = true;
      }
      finished = newCondition("Complete", "True", finished.reason ?? "", finished.message ?? "", this.ctx.clock.now());
    }

    // 1. Flush the uncounted UIDs (and interim conditions) before any finalizer goes.
    let current = job;
    if (needsFlush) {
      current = await this.updateStatus(current);
      this.backoff.set(key, t.backoff);
      needsFlush = false;
    }
    // 2. Remove finalizers; 3. move the pods that lost theirs into the counters.
    let rmErr: unknown;
    if (toRemove.length > 0) {
      let expected = this.finalizerExpectations.get(key);
      if (!expected) this.finalizerExpectations.set(key, (expected = new Set()));
      for (const p of toRemove) expected.add(p.metadata.uid ?? "");
      await Promise.all(
        toRemove.map(async (p) => {
          const uid = p.metadata.uid ?? "";
          try {
            await this.ctx.client.patch(R.pods, p.metadata.namespace, p.metadata.name ?? "", "strategic", removeFinalizerPatch);
            uidsWithFinalizer.delete(uid);
          } catch (e) {
            expected.delete(uid);
            if (isNotFound(e)) uidsWithFinalizer.delete(uid);
            else rmErr ??= e;
          }
        }),
      );
    }
    if (cleanUncounted(current.status!, uidsWithFinalizer)) needsFlush = true;
    if (rmErr !== undefined) {
      if (needsFlush) await this.updateStatus(current);
      throw rmErr;
    }
    // 4. The terminal condition, once every pod is counted and none is terminating.
    const st = current.status!;
    const jobFinished = !reachedMax && finished !== undefined && !(st.uncountedTerminatedPods?.succeeded?.length || st.uncountedTerminatedPods?.failed?.length) && t.terminating === 0;
    if (jobFinished && finished) {
      ensureCondition((st.conditions ??= []), finished.type, finished.status, finished.reason ?? "", finished.message ?? "", this.ctx.clock.now());
      if (finished.type === "Complete") st.completionTime = st.conditions.find((c) => c.type === "Complete")?.lastTransitionTime;
      needsFlush = true;
    }
    if (needsFlush) {
      current = await this.updateStatus(current);
      if (jobFinished && finished) this.recordFinished(current, finished);
    }
  }

  private recordFinished(job: Job, cond: JobCondition): void {
    if (cond.type === "Complete") {
      const completions = completionsOf(job);
      if (completions !== null && (job.status?.succeeded ?? 0) > completions) {
        this.recorder.event(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
      }
      this.recorder.event(job, "Normal", "Completed", "Job completed");
    } else this.recorder.event(job, "Warning", cond.reason ?? "", cond.message ?? "");
  }

  private async updateStatus(job: Job): Promise<Job> {
    const st = job.status!;
    const u = st.uncountedTerminatedPods;
    // kube omits empty lists and zero counters on the wire.
    if (u) {
      if (!u.succeeded?.length) delete u.succeeded;
      if (!u.failed?.length) delete u.failed;
    }
    for (const f of ["active", "succeeded", "failed"] as const) if (!st[f]) delete st[f];
    return this.ctx.client.update<Job>(R.jobs, job, { subresource: "status" });
  }
}

/** Moves uncounted UIDs whose pods lost their finalizer into succeeded/failed. */
function cleanUncounted(status: JobStatus, uidsWithFinalizer: Set<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  for (const which of ["succeeded", "failed"] as const) {
    const list = u[which] ?? [];
    const keep = list.filter((uid) => uidsWithFinalizer.has(uid));
    if (keep.length !== list.length) {
      status[which] = (status[which] ?? 0) + list.length - keep.length;
      u[which] = keep;
      changed = true;
    }
  }
  return changed;
}

function tombstoneObj<T extends KObject>(o: T | Tombstone<T>): T {
  return (o as Tombstone<T>).tombstone === true ? (o as Tombstone<T>).obj : (o as T);
}

export function newJobController(ctx: ControllerContext, opts: JobControllerOptions = {}): JobController {
  return new JobController(ctx, opts);
}
