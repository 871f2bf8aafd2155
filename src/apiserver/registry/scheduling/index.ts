import type { Strategy } from "../types.js";
import { priorityClassStrategy } from "./priorityclasses.js";

export const schedulingStrategies: Record<string, Strategy> = {
  priorityclasses: priorityClassStrategy,
};
