/**
 * The cronjob controller's decisions over plain data (kube's pkg/controller/cronjob utils):
 * which scheduled time is due, how many were missed, when to look again, the Job to create and
 * its name, and which finished jobs history limits drop.
 */
import { R } from "../../client/resources.js";
import type { KObject } from "../../client/types.js";
import { newControllerRef } from "../util/pods.js";
import type { Job, JobSpec } from "../job/api.js";
import type { Schedule, Zone } from "./cron.js";

export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Padding on requeues so a slightly early timer still finds the schedule due (kube's nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface CronJobSpec {
  schedule?: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JobSpec };
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}

export const cronSpec = (cj: KObject): CronJobSpec => (cj.spec ?? {}) as CronJobSpec;

/** The schedule string handed to the parser: with spec.timeZone as a TZ= prefix unless the schedule names one itself. */
export function formatSchedule(cj: CronJob, validZone: boolean): { schedule: string; usesTZ: boolean } {
  const s = cronSpec(cj).schedule ?? "";
  if (s.includes("TZ")) return { schedule: s, usesTZ: true };
  const tz = cronSpec(cj).timeZone;
  if (tz != null && validZone) return { schedule: `TZ=${tz} ${s}`, usesTZ: false };
  return { schedule: s, usesTZ: false };
}

export type Missed = "none" | "few" | "many";

export interface RecentSchedule {
  /** lastScheduleTime, or the creation time (moved up to now - startingDeadlineSeconds when asked). */
  earliest: number;
  /** The latest schedule time not after now, if any came since `earliest`. */
  mostRecent?: number;
  missed: Missed;
  error?: string;
}

/** kube's mostRecentScheduleTime: the due time and a rough count of those missed before it. */
export function mostRecentScheduleTime(cj: CronJob, nowMs: number, sched: Schedule, includeStartingDeadline: boolean): RecentSchedule {
  const st = cj.status ?? {};
  let earliest = Date.parse(st.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "") || 0;
  const sds = cronSpec(cj).startingDeadlineSeconds;
  if (includeStartingDeadline && sds != null) earliest = Math.max(earliest, nowMs - sds * 1000);
  const t1 = sched.next(earliest);
  if (t1 === undefined || nowMs < t1) return { earliest, missed: "none" };
  const t2 = sched.next(t1);
  if (t2 === undefined || nowMs < t2) return { earliest, mostRecent: t1, missed: "none" };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  const missedCount = Math.floor(Math.trunc((nowMs - t1) / 1000) / between) + 1;
  // Jump near the end by the interval, then let the schedule find the exact latest time.
  let mostRecent: number | undefined;
  for (let t = sched.next(t1 + (missedCount - 2) * between * 1000); t !== undefined && t <= nowMs; t = sched.next(t)) mostRecent = t;
  const missed: Missed = missedCount > 100 ? "many" : missedCount > 0 ? "few" : "none";
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** How long until the next schedule time (plus a 100 ms pad), as kube's nextScheduleTimeDuration. */
export function nextScheduleDelay(cj: CronJob, nowMs: number, sched: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, nowMs, sched, false);
  let from: number;
  if (r.error) from = nowMs;
  else if (r.mostRecent === undefined) from = r.missed === "none" ? r.earliest : nowMs;
  else from = r.mostRecent;
  const next = sched.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

/** Jobs are named after their scheduled time in minutes since the epoch, so one time makes one job. */
export function jobNameFor(cj: KObject, scheduledMs: number): string {
  return `${cj.metadata.name ?? ""}-${Math.floor(scheduledMs / 60_000)}`;
}

/** RFC 3339 in a zone, as Go's time.Format(time.RFC3339): "2026-01-01T05:00:00-05:00", or "Z" for UTC. */
export function rfc3339In(ms: number, zone: Zone): string {
  const w = zone.wall(ms);
  const offMin = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000) / 60_000);
  const p = (n: number, l = 2): string => String(n).padStart(l, "0");
  const base = `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
  if (offMin === 0) return `${base}Z`;
  const a = Math.abs(offMin);
  return `${base}${offMin < 0 ? "-" : "+"}${p(Math.floor(a / 60))}:${p(a % 60)}`;
}

/** Go's RFC1123Z in UTC: "Thu, 01 Jan 2026 00:05:00 +0000" (MissSchedule events). */
export function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** The Job a cronjob creates for a scheduled time (kube's getJobFromTemplate2). */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, zone: Zone): Job {
  const tpl = cronSpec(cj).jobTemplate ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(scheduledMs, zone) },
      ownerReferences: [newControllerRef(cj, R.cronjobs)],
    },
    spec: structuredClone(tpl.spec ?? {}),
  };
}

/** Oldest first by status.startTime (jobs not started last), then by name: kube's byJobStartTime. */
export function byJobStartTime(a: KObject, b: KObject): number {
  const sa = (a.status as { startTime?: string } | undefined)?.startTime;
  const sb = (b.status as { startTime?: string } | undefined)?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
}

/** Finished jobs beyond a history limit, oldest first. */
export function jobsOverLimit(finished: KObject[], limit: number | undefined): KObject[] {
  if (limit == null || finished.length <= limit) return [];
  return [...finished].sort(byJobStartTime).slice(0, finished.length - limit);
}
