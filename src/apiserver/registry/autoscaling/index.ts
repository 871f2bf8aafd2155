import type { Strategy } from "../types.js";
import { horizontalPodAutoscalerStrategy } from "./horizontalpodautoscalers.js";

export const autoscalingStrategies: Record<string, Strategy> = {
  horizontalpodautoscalers: horizontalPodAutoscalerStrategy,
};
