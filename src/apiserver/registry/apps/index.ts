import type { Strategy } from "../types.js";
import { controllerRevisionStrategy } from "./controllerrevisions.js";
import { daemonSetStrategy } from "./daemonsets.js";
import { deploymentStrategy } from "./deployments.js";
import { replicaSetStrategy } from "./replicasets.js";
import { statefulSetStrategy } from "./statefulsets.js";

export const appsStrategies: Record<string, Strategy> = {
  controllerrevisions: controllerRevisionStrategy,
  daemonsets: daemonSetStrategy,
  deployments: deploymentStrategy,
  replicasets: replicaSetStrategy,
  statefulsets: statefulSetStrategy,
};
