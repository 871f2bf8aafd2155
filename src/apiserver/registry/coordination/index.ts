import type { Strategy } from "../types.js";
import { leaseStrategy } from "./leases.js";

export const coordinationStrategies: Record<string, Strategy> = {
  leases: leaseStrategy,
};
