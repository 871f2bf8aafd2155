/**
 * The strategies of every named (non-core) group kube-apiserver 1.32 serves, by group name and
 * then by resource. Each group's folder holds one file per resource.
 */
import type { Strategy } from "./types.js";
import { appsStrategies } from "./apps/index.js";
import { autoscalingStrategies } from "./autoscaling/index.js";
import { batchStrategies } from "./batch/index.js";
import { coordinationStrategies } from "./coordination/index.js";
import { discoveryStrategies } from "./discovery/index.js";
import { networkingStrategies } from "./networking/index.js";
import { policyStrategies } from "./policy/index.js";
import { rbacStrategies } from "./rbac/index.js";

export const groupStrategies: Record<string, Record<string, Strategy>> = {
  apps: appsStrategies,
  autoscaling: autoscalingStrategies,
  batch: batchStrategies,
  "coordination.k8s.io": coordinationStrategies,
  "discovery.k8s.io": discoveryStrategies,
  "networking.k8s.io": networkingStrategies,
  policy: policyStrategies,
  "rbac.authorization.k8s.io": rbacStrategies,
};
