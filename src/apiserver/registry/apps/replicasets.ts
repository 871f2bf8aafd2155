/** apps/v1 ReplicaSet (kube's replicaset strategy, 1.32). */
import type { KObject } from "../../api/types.js";
import { defaultPodTemplateSpec } from "../core/podspec.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { isObj, objAt, objField, setDefault, specOf } from "../groupsupport/json.js";
import { immutable, labelSelectorValue, nonNegative } from "../groupsupport/validate.js";
import { dnsLabelNameWarning, validateReplicaStatus } from "./status.js";
import { validateSelectorAndTemplate } from "./replicas.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  setDefault(spec, "replicas", 1);
  defaultPodTemplateSpec(objField(spec, "template"));
}

export const replicaSetStrategy: Strategy = {
  defaults,
  ...specStatusStrategy({
    zeroStatus: () => ({ replicas: 0 }),
    generation: true,
    validateStatusUpdate: (obj, old) =>
      validateReplicaStatus(obj, old, {
        counters: ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"],
        atMostReplicas: ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"],
        availableVsReady: "cannot be greater than readyReplicas",
      }),
  }),
  validate(obj) {
    const spec = isObj(obj.spec) ? obj.spec : {};
    return [
      ...nonNegative(spec.replicas, "spec.replicas"),
      ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
      // kube's replica set validation says "deployment" here too.
      ...validateSelectorAndTemplate(spec, "deployment", "ReplicaSet"),
    ];
  },
  validateUpdate: (obj, old) => immutable(objAt(obj, "spec")?.selector, objAt(old, "spec")?.selector, "spec.selector", labelSelectorValue),
  warningsOnCreate: (obj) => dnsLabelNameWarning(obj.metadata.name),
  selectableFields: (obj) => ({ "status.replicas": String(objAt(obj, "status")?.replicas ?? 0) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
