import type { Strategy } from "../types.js";
import { flowSchemaStrategy } from "./flowschemas.js";
import { priorityLevelConfigurationStrategy } from "./prioritylevelconfigurations.js";

export const flowcontrolStrategies: Record<string, Strategy> = {
  flowschemas: flowSchemaStrategy,
  prioritylevelconfigurations: priorityLevelConfigurationStrategy,
};
