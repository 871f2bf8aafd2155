export { CronJobController, newCronJobController, type CronJobControllerOptions } from "./controller.js";
export { CronError, parseSchedule, parseGoDuration, loadZone, type Schedule, type Zone } from "./cron.js";
export { SCHEDULED_TIMESTAMP_ANNOTATION } from "./core.js";
