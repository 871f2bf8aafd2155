/** Printers for batch/v1. */
import type { Printer } from "./types.js";
import { humanDuration } from "./duration.js";
import {
  age,
  ageColumn,
  boolPtr,
  column,
  containerCells,
  containersColumn,
  formatLabelSelector,
  imagesColumn,
  int,
  isDeleting,
  isSet,
  name,
  nameColumn,
  obj,
  objects,
  parseTime,
  printer,
  selectorColumn,
  since,
  str,
  type JSONObject,
} from "./format.js";

/** The first condition of the type decides (kube's hasJobCondition). */
function hasCondition(conditions: JSONObject[], type: string): boolean {
  return conditions.find((c) => c.type === type)?.status === "True";
}

function jobStatus(deleting: boolean, conditions: JSONObject[]): string {
  if (hasCondition(conditions, "Complete")) return "Complete";
  if (hasCondition(conditions, "Failed")) return "Failed";
  if (deleting) return "Terminating";
  if (hasCondition(conditions, "Suspended")) return "Suspended";
  if (hasCondition(conditions, "FailureTarget")) return "FailureTarget";
  return "Running";
}

export const jobs: Printer = printer(
  [
    nameColumn,
    column("Status", "string", "Complete, Failed, Terminating, Suspended, FailureTarget or Running."),
    column("Completions", "string", "Succeeded pods out of the completions wanted."),
    column("Duration", "string", "How long the job ran (or has been running)."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    const succeeded = int(status.succeeded);
    let completions: string;
    if (isSet(spec.completions)) {
      completions = `${succeeded}/${int(spec.completions)}`;
    } else {
      const parallelism = int(spec.parallelism);
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTime(status.startTime);
    const completion = parseTime(status.completionTime);
    let duration = "";
    if (start !== undefined) duration = humanDuration((completion ?? now.getTime()) - start);
    return [
      name(o),
      jobStatus(isDeleting(o), objects(status.conditions)),
      completions,
      duration,
      age(o, now),
      ...containerCells(obj(spec, "template", "spec")),
      formatLabelSelector(spec.selector),
    ];
  },
);

export const cronJobs: Printer = printer(
  [
    nameColumn,
    column("Schedule", "string", "The cron schedule."),
    column("Timezone", "string", "The time zone of the schedule."),
    column("Suspend", "boolean", "Whether new runs are suspended."),
    column("Active", "integer", "Number of jobs running now."),
    column("Last Schedule", "string", "Time since a job was last scheduled."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  (o, now) => {
    const spec = obj(o, "spec");
    const status = obj(o, "status");
    const jobSpec = obj(spec, "jobTemplate", "spec");
    return [
      name(o),
      str(spec.schedule),
      isSet(spec.timeZone) ? str(spec.timeZone) : "<none>",
      boolPtr(spec.suspend),
      objects(status.active).length,
      isSet(status.lastScheduleTime) ? since(status.lastScheduleTime, now) : "<none>",
      age(o, now),
      ...containerCells(obj(jobSpec, "template", "spec")),
      formatLabelSelector(jobSpec.selector),
    ];
  },
);
