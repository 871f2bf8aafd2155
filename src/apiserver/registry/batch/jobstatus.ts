/**
 * Job status updates (kube's ValidateJobUpdateStatus with the options its status strategy uses
 * in 1.32, JobManagedBy on): counters, uncounted pods, terminal conditions, times and indexes.
 * Most rules fire only when the fields they look at change, as kube's options arrange.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { duplicate, invalid, jsonEqual, printedValue, required } from "../../validation/index.js";
import { arr, isObj, s, type Json } from "../groupsupport/json.js";
import { nonNegative } from "../groupsupport/validate.js";
import { indexesFormat, indexInterval } from "./jobspec.js";

function conditionTrue(status: Json, type: string): boolean {
  return arr(status.conditions).some((c) => isObj(c) && c.type === type && c.status === "True");
}

const complete = (st: Json) => conditionTrue(st, "Complete");
const failed = (st: Json) => conditionTrue(st, "Failed");
const finished = (st: Json) => complete(st) || failed(st);
const successCriteriaMet = (st: Json) => conditionTrue(st, "SuccessCriteriaMet");
const failureTarget = (st: Json) => conditionTrue(st, "FailureTarget");

function n(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function time(v: unknown): unknown {
  return typeof v === "string" ? printedValue(goTime(v)) : null;
}

/** metav1.Time's String(): Go's time.Time format in UTC. */
function goTime(v: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  return d.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " +0000 UTC");
}

export function validateJobStatusUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const st = isObj(obj.status) ? obj.status : {};
  const os = isObj(old.status) ? old.status : {};
  const indexed = spec.completionMode === "Indexed";
  const changed = (k: string) => !jsonEqual(st[k], os[k]);
  const finishedChanged = finished(st) !== finished(os);
  const completeChanged = complete(st) !== complete(os);
  const failedChanged = failed(st) !== failed(os);
  const targetChanged = failureTarget(st) !== failureTarget(os);

  const errs: FieldError[] = [];
  for (const k of ["active", "succeeded", "failed", "ready", "terminating"]) errs.push(...nonNegative(st[k], `status.${k}`));
  const uncounted = isObj(st.uncountedTerminatedPods) ? st.uncountedTerminatedPods : undefined;
  if (uncounted) {
    const seen = new Set<string>();
    for (const k of ["succeeded", "failed"]) {
      arr(uncounted[k]).forEach((uid, i) => {
        const p = `status.uncountedTerminatedPods.${k}[${i}]`;
        const u = s(uid);
        if (u === "") errs.push(invalid(p, u, "must not be empty"));
        else if (seen.has(u)) errs.push(duplicate(p, u));
        else seen.add(u);
      });
    }
  }
  if ((completeChanged || failedChanged) && complete(st) && failed(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set Complete=True and Failed=true conditions"));
  }
  if ((completeChanged || targetChanged) && complete(st) && failureTarget(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set Complete=True and FailureTarget=true conditions"));
  }
  const timesChanged = completeChanged || changed("completionTime");
  if (timesChanged && st.completionTime && !complete(st)) {
    errs.push(invalid("status.completionTime", time(st.completionTime), "cannot set completionTime when there is no Complete=True condition"));
  }
  if (timesChanged && !st.completionTime && complete(st)) {
    errs.push(required("status.completionTime", "completionTime is required for Complete jobs"));
  }
  if ((changed("startTime") || changed("completionTime")) && typeof st.startTime === "string" && typeof st.completionTime === "string") {
    if (Date.parse(st.completionTime) < Date.parse(st.startTime)) {
      errs.push(invalid("status.completionTime", time(st.completionTime), "completionTime cannot be set before startTime"));
    }
  }
  if ((finishedChanged || changed("active")) && n(st.active) > 0 && finished(st)) {
    errs.push(invalid("status.active", n(st.active), "active>0 is invalid for finished job"));
  }
  if ((finishedChanged || changed("startTime")) && !st.startTime && finished(st)) {
    errs.push(required("status.startTime", "startTime is required for finished job"));
  }
  if ((finishedChanged || changed("uncountedTerminatedPods")) && finished(st) && uncounted && arr(uncounted.failed).length + arr(uncounted.succeeded).length > 0) {
    errs.push(invalid("status.uncountedTerminatedPods", printedValue("batch.UncountedTerminatedPods{...}"), "uncountedTerminatedPods needs to be empty for finished job"));
  }
  const completions = typeof spec.completions === "number" ? spec.completions : undefined;
  if (changed("completedIndexes") && completions !== undefined) {
    const r = indexesFormat(s(st.completedIndexes), completions);
    if (typeof r === "string") errs.push(invalid("status.completedIndexes", s(st.completedIndexes), `error parsing completedIndexes: ${r}`));
  }
  const perIndex = typeof spec.backoffLimitPerIndex === "number";
  if (changed("failedIndexes") && completions !== undefined && perIndex && typeof st.failedIndexes === "string") {
    const r = indexesFormat(st.failedIndexes, completions);
    if (typeof r === "string") errs.push(invalid("status.failedIndexes", st.failedIndexes, `error parsing failedIndexes: ${r}`));
  }
  if (changed("completedIndexes") && s(st.completedIndexes) !== "" && !indexed) {
    errs.push(invalid("status.completedIndexes", s(st.completedIndexes), "cannot set non-empty completedIndexes when non-indexed completion mode"));
  }
  if (changed("failedIndexes") && !perIndex && typeof st.failedIndexes === "string") {
    errs.push(invalid("status.failedIndexes", st.failedIndexes, "cannot set non-null failedIndexes when backoffLimitPerIndex is null"));
  }
  if ((changed("failedIndexes") || changed("completedIndexes")) && completions !== undefined && typeof st.failedIndexes === "string") {
    const overlap = firstOverlap(s(st.completedIndexes), st.failedIndexes, completions);
    if (overlap !== undefined) {
      errs.push(invalid("status.failedIndexes", st.failedIndexes, `failedIndexes and completedIndexes overlap at index: ${overlap}`));
    }
  }
  if (successCriteriaMet(st) && failed(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set SuccessCriteriaMet=True and Failed=true conditions"));
  }
  if (successCriteriaMet(st) && failureTarget(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set SuccessCriteriaMet=True and FailureTarget=true conditions"));
  }
  if (isObj(spec.successPolicy) && !successCriteriaMet(st) && complete(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True"));
  }

  // Transitions (ValidateJobStatusUpdate).
  for (const type of ["Failed", "Complete", "FailureTarget"]) {
    if (conditionTrue(os, type) && !conditionTrue(st, type)) {
      errs.push(invalid("status.conditions", undefined, `cannot disable the terminal ${type}=True condition`));
    }
  }
  if (n(st.failed) < n(os.failed)) errs.push(invalid("status.failed", n(st.failed), "cannot decrease the failed counter"));
  // Indexed jobs with completions == parallelism may scale down, and lose succeeded pods with it.
  const mayDecreaseSucceeded = indexed && spec.completions === spec.parallelism;
  if (!mayDecreaseSucceeded && n(st.succeeded) < n(os.succeeded)) {
    errs.push(invalid("status.succeeded", n(st.succeeded), "cannot decrease the succeeded counter"));
  }
  if (st.completionTime && os.completionTime && st.completionTime !== os.completionTime) {
    errs.push(invalid("status.completionTime", time(st.completionTime), "completionTime cannot be mutated"));
  }
  if (changed("startTime") && os.startTime && spec.suspend !== true) {
    errs.push(required("status.startTime", "startTime cannot be removed for unsuspended job"));
  }
  if (successCriteriaMet(os) && !successCriteriaMet(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot disable the SuccessCriteriaMet=True condition"));
  }
  if (complete(os) && !successCriteriaMet(os) && successCriteriaMet(st)) {
    errs.push(invalid("status.conditions", undefined, "cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions"));
  }
  return errs;
}

/** validateFailedIndexesNotOverlapCompleted: the first shared index, if any. */
function firstOverlap(completed: string, failedIdx: string, completions: number): number | undefined {
  if (completed === "" || failedIdx === "") return undefined;
  const parse = (list: string) =>
    list
      .split(",")
      .map((x) => indexInterval(x, completions))
      .filter((r): r is [number, number] => typeof r !== "string");
  for (const [cx, cy] of parse(completed)) {
    for (const [fx, fy] of parse(failedIdx)) {
      if (cx <= fy && fx <= cy) return Math.max(cx, fx);
    }
  }
  return undefined;
}
