/**
 * The strategies of every named (non-core) group kube-apiserver 1.32 serves, by group name and
 * then by resource. Each group's folder holds one file per resource (see groups README.md).
 */
import type { Strategy } from "./types.js";
import { admissionregistrationStrategies } from "./admissionregistration/index.js";
import { apiextensionsStrategies } from "./apiextensions/index.js";
import { apiregistrationStrategies } from "./apiregistration/index.js";
import { appsStrategies } from "./apps/index.js";
import { autoscalingStrategies } from "./autoscaling/index.js";
import { batchStrategies } from "./batch/index.js";
import { certificatesStrategies } from "./certificates/index.js";
import { coordinationStrategies } from "./coordination/index.js";
import { discoveryStrategies } from "./discovery/index.js";
import { eventsStrategies } from "./events/index.js";
import { flowcontrolStrategies } from "./flowcontrol/index.js";
import { networkingStrategies } from "./networking/index.js";
import { nodeStrategies } from "./node/index.js";
import { policyStrategies } from "./policy/index.js";
import { rbacStrategies } from "./rbac/index.js";
import { schedulingStrategies } from "./scheduling/index.js";
import { storageStrategies } from "./storage/index.js";

export const groupStrategies: Record<string, Record<string, Strategy>> = {
  "admissionregistration.k8s.io": admissionregistrationStrategies,
  "apiextensions.k8s.io": apiextensionsStrategies,
  "apiregistration.k8s.io": apiregistrationStrategies,
  apps: appsStrategies,
  autoscaling: autoscalingStrategies,
  batch: batchStrategies,
  "certificates.k8s.io": certificatesStrategies,
  "coordination.k8s.io": coordinationStrategies,
  "discovery.k8s.io": discoveryStrategies,
  "events.k8s.io": eventsStrategies,
  "flowcontrol.apiserver.k8s.io": flowcontrolStrategies,
  "networking.k8s.io": networkingStrategies,
  "node.k8s.io": nodeStrategies,
  policy: policyStrategies,
  "rbac.authorization.k8s.io": rbacStrategies,
  "scheduling.k8s.io": schedulingStrategies,
  "storage.k8s.io": storageStrategies,
};
