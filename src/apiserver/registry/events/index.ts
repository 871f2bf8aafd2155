import type { Strategy } from "../types.js";
import { eventStrategy } from "./events.js";

export const eventsStrategies: Record<string, Strategy> = {
  events: eventStrategy,
};
