import type { Strategy } from "../types.js";
import { endpointSliceStrategy } from "./endpointslices.js";

export const discoveryStrategies: Record<string, Strategy> = {
  endpointslices: endpointSliceStrategy,
};
