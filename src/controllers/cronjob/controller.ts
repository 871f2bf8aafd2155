/**
 * The cronjob controller's shell (kube's CronJob ControllerV2): cronjob and job events feed a
 * work queue; sync(key) cleans up finished jobs beyond the history limits, creates the job due
 * now (respecting suspend, startingDeadlineSeconds and concurrencyPolicy), updates the status,
 * and requeues the key for the next schedule time. Decisions live in core.ts and cron.ts.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isAlreadyExists, isNotFound, type EventRecorder, type Informer, type KObject, type Tombstone, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { controllerRefOf, rfc3339 } from "../util/pods.js";
import { finishedCondition, isJobFinished, isJobSucceeded, type Job } from "../job/api.js";
import { runWorkers } from "../job/queue.js";
import { CronError, loadZone, parseSchedule, type Schedule } from "./cron.js";
import {
  cronSpec,
  formatSchedule,
  jobFromTemplate,
  jobNameFor,
  jobsOverLimit,
  mostRecentScheduleTime,
  nextScheduleDelay,
  rfc1123z,
  type CronJob,
  type CronJobStatus,
  type ObjectReference,
} from "./core.js";

export interface CronJobControllerOptions {
  queue?: WorkQueue;
}

export class CronJobController implements Controller {
  readonly name = "cronjob";
  readonly queue: WorkQueue;
  private readonly cronjobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    this.queue = opts.queue ?? newWorkQueue();
    this.cronjobs = ctx.informers.for<CronJob>(R.cronjobs);
    this.jobs = ctx.informers.for<Job>(R.jobs);
    this.recorder = ctx.recorder("cronjob-controller");
    this.cronjobs.addEventHandler({
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (oldCj, cur) => this.updateCronJob(oldCj, cur),
      delete: (cj) => this.queue.add(keyOf(tombstoneObj(cj))),
    });
    this.jobs.addEventHandler({
      add: (j) => this.jobEvent(undefined, j),
      update: (o, j) => this.jobEvent(o, j),
      delete: (j) => this.jobEvent(undefined, tombstoneObj(j)),
    });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return this.queue.shutDown();
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("syncing cronjob", { key, err: String(err) }));
  }

  private owner(job: KObject, ref = controllerRefOf(job)): CronJob | undefined {
    if (!ref || ref.kind !== "CronJob") return undefined;
    const cj = this.cronjobs.lister.get(job.metadata.namespace, ref.name);
    return cj && cj.metadata.uid === ref.uid ? cj : undefined;
  }

  private jobEvent(oldJob: Job | undefined, job: Job): void {
    if (oldJob && oldJob.metadata.resourceVersion === job.metadata.resourceVersion) return;
    const oldRef = oldJob && controllerRefOf(oldJob);
    const ref = controllerRefOf(job);
    if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(ref)) {
      const prev = this.owner(oldJob!, oldRef);
      if (prev) this.queue.add(keyOf(prev));
    }
    const cj = this.owner(job, ref);
    if (cj) this.queue.add(keyOf(cj));
  }

  private updateCronJob(oldCj: CronJob, cur: CronJob): void {
    const a = cronSpec(oldCj);
    const b = cronSpec(cur);
    if (a.schedule === b.schedule && a.timeZone === b.timeZone) return this.queue.add(keyOf(cur));
    // A new schedule: wait for its next time (a sooner one replaces the queued wake-up).
    try {
      const sched = parseSchedule(formatSchedule(cur, b.timeZone == null || typeof loadZone(b.timeZone) !== "string").schedule);
      const delay = nextScheduleDelay(cur, this.ctx.clock.now(), sched);
      if (delay !== undefined) this.queue.addAfter(keyOf(cur), delay);
    } catch (e) {
      this.recorder.event(cur, "Warning", "UnParseableCronJobSchedule", `unparseable schedule for cronjob: ${b.schedule ?? ""}`);
      if (!(e instanceof CronError)) throw e;
    }
  }

  /** Reconciles one cronjob (by "namespace/name") and requeues it for its next schedule time. */
  async sync(key: string): Promise<void> {
    const shared = this.cronjobs.lister.getByKey(key);
    if (!shared) return;
    const owned = this.jobs.lister.list(shared.metadata.namespace).filter((j) => {
      const ref = controllerRefOf(j);
      return ref !== undefined && ref.name === shared.metadata.name;
    });
    const cj = structuredClone(shared);
    const cleaned = await this.cleanupFinishedJobs(cj, owned);
    // As kube: the status is written even when the sync failed part way.
    const progress = { updateStatus: false };
    let requeue: number | undefined;
    let syncErr: unknown;
    try {
      requeue = await this.syncCronJob(cj, owned, progress);
    } catch (e) {
      syncErr = e;
    }
    if (cleaned || progress.updateStatus) {
      const status = (cj.status ??= {});
      if (status.active && status.active.length === 0) delete status.active;
      await this.ctx.client.update(R.cronjobs, cj, { subresource: "status" });
    }
    if (requeue !== undefined) this.queue.addAfter(key, requeue);
    else if (syncErr !== undefined) throw syncErr;
  }

  /** Drops finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const spec = cronSpec(cj);
    if (spec.successfulJobsHistoryLimit == null && spec.failedJobsHistoryLimit == null) return false;
    const succeeded = jobs.filter((j) => finishedCondition(j)?.type === "Complete");
    const failed = jobs.filter((j) => finishedCondition(j)?.type === "Failed");
    let changed = false;
    for (const j of [...jobsOverLimit(succeeded, spec.successfulJobsHistoryLimit), ...jobsOverLimit(failed, spec.failedJobsHistoryLimit)]) {
      if (await this.deleteJob(cj, j)) changed = true;
    }
    return changed;
  }

  private async deleteJob(cj: CronJob, job: KObject): Promise<boolean> {
    try {
      await this.ctx.client.delete(R.jobs, job.metadata.namespace, job.metadata.name ?? "", { propagationPolicy: "Background" });
    } catch (e) {
      this.recorder.event(cj, "Warning", "FailedDelete", `Deleted job: ${errText(e)}`);
      return false;
    }
    removeActive(cj, job.metadata.uid);
    this.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
    return true;
  }

  /** kube's syncCronJob: answers when to look again (undefined: not until the cronjob changes). */
  private async syncCronJob(cjIn: CronJob, jobs: Job[], progress: { updateStatus: boolean }): Promise<number | undefined> {
    let cj = cjIn;
    const now = this.ctx.clock.now();
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata.uid ?? "";
      children.add(uid);
      const found = inActive(cj, uid);
      if (!found && !isJobFinished(j)) {
        const fresh = await this.ctx.client.get<CronJob>(R.cronjobs, cj.metadata.namespace, cj.metadata.name ?? "");
        if (inActive(fresh, uid)) {
          cj = Object.assign(cjIn, fresh);
          continue;
        }
        this.recorder.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (found && isJobFinished(j)) {
        removeActive(cj, uid);
        this.recorder.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${finishedCondition(j)!.type}`);
        progress.updateStatus = true;
      } else if (isJobSucceeded(j)) {
        // Finished jobs need not be active to count for lastSuccessfulTime.
        const done = j.status?.completionTime;
        const status = (cj.status ??= {});
        if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) {
          status.lastSuccessfulTime = done;
          progress.updateStatus = true;
        }
      }
    }
    // Active entries whose job is gone (checked against the server, the cache may lag).
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid ?? "")) continue;
      try {
        await this.ctx.client.get(R.jobs, ref.namespace, ref.name ?? "");
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.recorder.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
        removeActive(cj, ref.uid);
        progress.updateStatus = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return undefined;

    const spec = cronSpec(cj);
    const zone = loadZone(spec.timeZone ?? "");
    if (typeof zone === "string") {
      this.recorder.event(cj, "Warning", "UnknownTimeZone", `invalid timeZone: ${JSON.stringify(spec.timeZone)}: ${zone}`);
      return undefined;
    }
    if (spec.suspend) return undefined;

    const formatted = formatSchedule(cj, true);
    if (formatted.usesTZ) {
      this.recorder.event(
        cj,
        "Warning",
        "UnsupportedSchedule",
        `CRON_TZ or TZ used in schedule ${JSON.stringify(spec.schedule ?? "")} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let sched: Schedule;
    try {
      sched = parseSchedule(formatted.schedule);
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      this.recorder.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec.schedule ?? "")} : ${e.message}`);
      return undefined;
    }
    const next = (): number | undefined => nextScheduleDelay(cj, now, sched);

    const recent = mostRecentScheduleTime(cj, now, sched, true);
    if (recent.error) {
      this.recorder.event(cj, "Warning", "InvalidSchedule", `invalid schedule: ${spec.schedule ?? ""} : ${recent.error}`);
      return undefined;
    }
    const scheduled = recent.mostRecent;
    if (scheduled === undefined || scheduled > now) return next();
    if (recent.missed === "many") {
      this.recorder.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }
    const sds = spec.startingDeadlineSeconds;
    if (sds != null && scheduled + sds * 1000 < now) {
      this.recorder.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return next();
    }
    const name = jobNameFor(cj, scheduled);
    const lastSchedule = cj.status?.lastScheduleTime;
    if ((cj.status?.active ?? []).some((r) => r.name === name && r.namespace === cj.metadata.namespace) || (lastSchedule && Date.parse(lastSchedule) === scheduled)) {
      return next();
    }
    const policy = spec.concurrencyPolicy ?? "Allow";
    if (policy === "Forbid" && (cj.status?.active?.length ?? 0) > 0) {
      this.recorder.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return next();
    }
    if (policy === "Replace") {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: KObject;
        try {
          job = await this.ctx.client.get(R.jobs, ref.namespace, ref.name ?? "");
        } catch (e) {
          this.recorder.event(cj, "Warning", "FailedGet", `Get job: ${errText(e)}`);
          throw e;
        }
        if (!(await this.deleteJob(cj, job))) throw new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`);
        progress.updateStatus = true;
      }
    }

    const req = jobFromTemplate(cj, scheduled, zone);
    let created: KObject;
    try {
      created = await this.ctx.client.create(R.jobs, cj.metadata.namespace, req);
      this.recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        this.recorder.event(cj, "Warning", "FailedCreate", `Error creating job: ${errText(e)}`);
        throw e;
      }
      // Created before but not recorded (a crash between create and status update): record it now.
      created = await this.ctx.client.get(R.jobs, cj.metadata.namespace, name);
      const ref = controllerRefOf(created);
      if (ref?.uid !== cj.metadata.uid || inActive(cj, created.metadata.uid ?? "")) return undefined;
    }
    const status = (cj.status ??= {});
    status.active = [...(status.active ?? []), refTo(created)];
    status.lastScheduleTime = rfc3339(scheduled);
    progress.updateStatus = true;
    return next();
  }
}

function refTo(job: KObject): ObjectReference {
  return {
    kind: "Job",
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: "batch/v1",
    resourceVersion: job.metadata.resourceVersion,
  };
}

function inActive(cj: CronJob, uid: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

function removeActive(cj: CronJob, uid: string | undefined): void {
  const st: CronJobStatus = (cj.status ??= {});
  st.active = (st.active ?? []).filter((r) => r.uid !== uid);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function tombstoneObj<T extends KObject>(o: T | Tombstone<T>): T {
  return (o as Tombstone<T>).tombstone === true ? (o as Tombstone<T>).obj : (o as T);
}

export function newCronJobController(ctx: ControllerContext, opts: CronJobControllerOptions = {}): CronJobController {
  return new CronJobController(ctx, opts);
}
