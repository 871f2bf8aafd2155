import type { Strategy } from "../types.js";
import { apiServiceStrategy } from "./apiservices.js";

export const apiregistrationStrategies: Record<string, Strategy> = {
  apiservices: apiServiceStrategy,
};
