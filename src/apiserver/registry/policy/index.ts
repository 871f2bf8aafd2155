import type { Strategy } from "../types.js";
import { podDisruptionBudgetStrategy } from "./poddisruptionbudgets.js";

export const policyStrategies: Record<string, Strategy> = {
  poddisruptionbudgets: podDisruptionBudgetStrategy,
};
