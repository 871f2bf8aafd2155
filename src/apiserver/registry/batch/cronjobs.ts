/** batch/v1 CronJob (kube's cronjob strategy, defaults and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, notSupported, required } from "../../validation/index.js";
import { defaultPodTemplateSpec } from "../core/podspec.js";
import type { Strategy } from "../types.js";
import { oldObjectOf, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { defaultString, isObj, objAt, objField, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import { labelSelectorValue, nonNegative } from "../groupsupport/validate.js";
import { loadLocationError, parseStandardCron } from "./cron.js";
import { validateJobSpecFields } from "./jobspec.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  defaultString(spec, "concurrencyPolicy", "Allow");
  setDefault(spec, "suspend", false);
  setDefault(spec, "successfulJobsHistoryLimit", 3);
  setDefault(spec, "failedJobsHistoryLimit", 1);
  const jobTemplate = objField(spec, "jobTemplate");
  // Templates serialize an unset creationTimestamp as null, as kube's ObjectMeta does.
  const meta = objField(jobTemplate, "metadata");
  if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
  defaultPodTemplateSpec(objField(objField(jobTemplate, "spec"), "template"));
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown): FieldError[] {
  const path = "spec.schedule";
  const errs: FieldError[] = [];
  const err = parseStandardCron(schedule);
  if (err) errs.push(invalid(path, schedule, err));
  if (allowTZ && schedule.includes("TZ") && timeZone !== undefined && timeZone !== null) {
    errs.push(invalid(path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
  } else if (!allowTZ && schedule.includes("TZ")) {
    errs.push(invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  }
  return errs;
}

const timeZonePart = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: unknown): FieldError[] {
  if (typeof tz !== "string") return [];
  const path = "spec.timeZone";
  if (tz === "") return [invalid(path, tz, "timeZone must be nil or non-empty string")];
  for (const part of tz.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !timeZonePart.test(part)) {
      return [invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === "local") {
    errs.push(invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
  }
  const err = loadLocationError(tz);
  if (err) errs.push(invalid(path, tz, err));
  return errs;
}

function validateSpec(spec: Json, oldSpec: Json | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = s(spec.schedule);
  if (schedule === "") errs.push(required("spec.schedule"));
  else errs.push(...validateSchedule(schedule, oldSpec !== undefined && s(oldSpec.schedule).includes("TZ"), spec.timeZone));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  const cp = s(spec.concurrencyPolicy);
  if (cp === "") errs.push(required("spec.concurrencyPolicy"));
  else if (!["Allow", "Forbid", "Replace"].includes(cp)) errs.push(notSupported("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]));
  const jobSpec = objAt(spec, "jobTemplate", "spec") ?? {};
  errs.push(...validateJobSpecFields(jobSpec, "spec.jobTemplate.spec"));
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) {
    errs.push(invalid("spec.jobTemplate.spec.selector", labelSelectorValue(jobSpec.selector), "`selector` will be auto-generated"));
  }
  if (jobSpec.manualSelector === true) errs.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  return errs;
}

/** ValidateCronJobCreate on create, ValidateCronJobUpdate on update (kube runs one or the other). */
function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const old = oldObjectOf(obj);
  if (old) return validateSpec(spec, isObj(old.spec) ? old.spec : {});
  const errs = validateSpec(spec, undefined);
  const name = obj.metadata.name ?? "";
  // Job names are `<cronjob>-<11 character timestamp>` and must stay within 63 characters.
  if (name.length > 52) errs.push(invalid("metadata.name", name, "must be no more than 52 characters"));
  return errs;
}

export const cronJobStrategy: Strategy = {
  defaults,
  ...specStatusStrategy({ zeroStatus: () => ({}), generation: true }),
  validate,
  warningsOnCreate(obj) {
    return s(objAt(obj, "spec")?.schedule).includes("TZ")
      ? ["spec.schedule: CRON_TZ or TZ used in spec.schedule is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"]
      : [];
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
