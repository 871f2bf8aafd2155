import type { Strategy } from "../types.js";
import { runtimeClassStrategy } from "./runtimeclasses.js";

export const nodeStrategies: Record<string, Strategy> = {
  runtimeclasses: runtimeClassStrategy,
};
