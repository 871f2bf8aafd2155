import type { Strategy } from "../types.js";
import { cronJobStrategy } from "./cronjobs.js";
import { jobStrategy } from "./jobs.js";

export const batchStrategies: Record<string, Strategy> = {
  cronjobs: cronJobStrategy,
  jobs: jobStrategy,
};
