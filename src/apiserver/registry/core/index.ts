import type { Strategy } from "../types.js";
import { configMapStrategy } from "./configmaps.js";
import { endpointsStrategy } from "./endpoints.js";
import { eventStrategy } from "./events.js";
import { limitRangeStrategy } from "./limitranges.js";
import { namespaceStrategy } from "./namespaces.js";
import { nodeStrategy } from "./nodes.js";
import { persistentVolumeClaimStrategy } from "./persistentvolumeclaims.js";
import { persistentVolumeStrategy } from "./persistentvolumes.js";
import { podStrategy } from "./pods.js";
import { podTemplateStrategy } from "./podtemplates.js";
import { replicationControllerStrategy } from "./replicationcontrollers.js";
import { resourceQuotaStrategy } from "./resourcequotas.js";
import { secretStrategy } from "./secrets.js";
import { serviceAccountStrategy } from "./serviceaccounts.js";
import { serviceStrategy } from "./services.js";

/** Strategies of the core group (""), by resource. */
export const coreStrategies: Record<string, Strategy> = {
  configmaps: configMapStrategy,
  endpoints: endpointsStrategy,
  events: eventStrategy,
  limitranges: limitRangeStrategy,
  namespaces: namespaceStrategy,
  nodes: nodeStrategy,
  persistentvolumeclaims: persistentVolumeClaimStrategy,
  persistentvolumes: persistentVolumeStrategy,
  pods: podStrategy,
  podtemplates: podTemplateStrategy,
  replicationcontrollers: replicationControllerStrategy,
  resourcequotas: resourceQuotaStrategy,
  secrets: secretStrategy,
  serviceaccounts: serviceAccountStrategy,
  services: serviceStrategy,
};

export { bindPod, validateBinding } from "./pods.js";
export { defaultPodSpec, defaultPodTemplateSpec, validatePodSpec, validatePodTemplateSpec } from "./podspec.js";
