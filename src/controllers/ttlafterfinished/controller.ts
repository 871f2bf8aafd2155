/**
 * The TTL-after-finished controller (kube's pkg/controller/ttlafterfinished): a finished Job
 * with spec.ttlSecondsAfterFinished is deleted that long after its Complete/Failed condition's
 * lastTransitionTime; until then it is requeued for the time left. Before deleting, the live Job
 * is read again (its TTL may have changed) and deleted with a uid precondition and Foreground
 * propagation, as kube does, so its pods go before it.
 */
import { newWorkQueue } from "../../client/workqueue.js";
import { keyOf, splitKey } from "../../client/cache.js";
import { R } from "../../client/resources.js";
import { isNotFound, type Informer, type WorkQueue } from "../../client/types.js";
import type { Controller, ControllerContext } from "../types.js";
import { finishedCondition, jobSpec, type Job } from "../job/api.js";
import { runWorkers } from "../job/queue.js";

export interface TTLAfterFinishedOptions {
  queue?: WorkQueue;
}

/** A finished job with a TTL, not already being deleted (kube's needsCleanup plus the deletion check). */
export function needsCleanup(job: Job): boolean {
  return !job.metadata.deletionTimestamp && jobSpec(job).ttlSecondsAfterFinished != null && finishedCondition(job) !== undefined;
}

/** Milliseconds until the job's TTL expires (<= 0: expired). Throws when the finish time is unknown. */
export function timeLeftMs(job: Job, nowMs: number): number {
  const c = finishedCondition(job);
  const ns = job.metadata.namespace ?? "";
  const name = job.metadata.name ?? "";
  if (!c) throw new Error(`unable to find the status of the finished Job ${ns}/${name}`);
  const finishedAt = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isNaN(finishedAt)) throw new Error(`unable to find the time when the Job ${ns}/${name} finished`);
  const ttl = Number(jobSpec(job).ttlSecondsAfterFinished ?? 0);
  return finishedAt + ttl * 1000 - nowMs;
}

export class TTLAfterFinishedController implements Controller {
  readonly name = "ttl-after-finished";
  readonly queue: WorkQueue;
  private readonly jobs: Informer<Job>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: TTLAfterFinishedOptions = {},
  ) {
    this.queue = opts.queue ?? newWorkQueue();
    this.jobs = ctx.informers.for<Job>(R.jobs);
    const enqueue = (job: Job): void => {
      if (needsCleanup(job)) this.queue.add(keyOf(job));
    };
    this.jobs.addEventHandler({ add: enqueue, update: (_old, job) => enqueue(job) });
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.ctx.informers.waitForSync(signal).catch(() => undefined);
    await runWorkers(this.queue, workers, (k) => this.sync(k), (key, err) => this.ctx.log.warn("error cleaning up Job, will retry", { key, err: String(err) }));
  }

  /** kube's processJob for one "namespace/name". */
  async sync(key: string): Promise<void> {
    const job = this.jobs.lister.getByKey(key);
    if (!job || !this.expired(key, job)) return;
    // The cached TTL may be stale: decide again on the live Job.
    const { namespace, name } = splitKey(key);
    let fresh: Job;
    try {
      fresh = await this.ctx.client.get<Job>(R.jobs, namespace, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (!this.expired(key, fresh)) return;
    await this.ctx.client.delete(R.jobs, namespace, name, { propagationPolicy: "Foreground", preconditions: { uid: fresh.metadata.uid } });
  }

  /** True when the TTL has run out; otherwise requeues the job for when it will. */
  private expired(key: string, job: Job): boolean {
    if (!needsCleanup(job)) return false;
    const left = timeLeftMs(job, this.ctx.clock.now());
    if (left <= 0) return true;
    this.queue.addAfter(key, left);
    return false;
  }
}

export function newTTLAfterFinishedController(ctx: ControllerContext, opts: TTLAfterFinishedOptions = {}): TTLAfterFinishedController {
  return new TTLAfterFinishedController(ctx, opts);
}
