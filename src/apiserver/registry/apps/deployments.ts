/** apps/v1 Deployment: defaults, generation, validation (kube's deployment strategy, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, goQuote, invalid, jsonEqual, notSupported, printedValue, required } from "../../validation/index.js";
import { defaultPodTemplateSpec } from "../core/podspec.js";
import type { Strategy } from "../types.js";
import { bumpGeneration, specChanged, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { defaultString, isObj, objAt, objField, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import {
  goPointer, immutable, intOrPercentValue, intOrStringValue, labelSelectorValue, nonNegative, notMoreThan100Percent,
  validatePositiveIntOrPercent,
} from "../groupsupport/validate.js";
import { dnsLabelNameWarning, validateReplicaStatus, type StatusFields } from "./status.js";
import { validateSelectorAndTemplate } from "./replicas.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  setDefault(spec, "replicas", 1);
  const strategy = objField(spec, "strategy");
  defaultString(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = objField(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplateSpec(objField(spec, "template"));
}

function validateStrategy(strategy: Json): FieldError[] {
  const path = "spec.strategy";
  const ru = strategy.rollingUpdate;
  switch (strategy.type) {
    case "Recreate":
      return isObj(ru) ? [forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case "RollingUpdate": {
      if (!isObj(ru)) return [required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`),
        ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.rollingUpdate.maxSurge`),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalid(`${path}.rollingUpdate.maxUnavailable`, intOrStringValue(ru.maxUnavailable ?? 0), "may not be 0 when `maxSurge` is 0"));
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
      return errs;
    }
    default: {
      // kube reports the whole (internal) strategy struct.
      const shown = `apps.DeploymentStrategy{Type:${goQuote(s(strategy.type))}, RollingUpdate:${goPointer("apps.RollingUpdateDeployment", ru)}}`;
      return [notSupported(path, printedValue(shown), ["Recreate", "RollingUpdate"])];
    }
  }
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...validateSelectorAndTemplate(spec, "deployment", "ReplicaSet"),
    ...validateStrategy(objAt(spec, "strategy") ?? {}),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
  ];
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === "number") {
    errs.push(...nonNegative(pds, "spec.progressDeadlineSeconds"));
    const minReady = typeof spec.minReadySeconds === "number" ? spec.minReadySeconds : 0;
    if (pds <= minReady) errs.push(invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"));
  }
  return errs;
}

const deploymentStatusFields: StatusFields = {
  counters: ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "collisionCount"],
  atMostReplicas: ["updatedReplicas", "readyReplicas", "availableReplicas"],
  availableVsReady: "cannot be greater than readyReplicas",
  collisionCount: true,
};

const lifecycle = specStatusStrategy(
  {
    zeroStatus: () => ({}),
    generation: true,
    statusKeepsLabels: true,
    validateStatusUpdate: (obj, old) => validateReplicaStatus(obj, old, deploymentStatusFields),
  },
  undefined,
  (obj, old) => {
    // Annotations are copied to the replica sets, so changing them is a new generation too.
    bumpGeneration(obj, old, !jsonEqual(obj.metadata.annotations, old.metadata.annotations) && !specChanged(obj, old));
  },
);


export const deploymentStrategy: Strategy = {
  defaults,
  ...lifecycle,
  validate,
  validateUpdate: (obj, old) => immutable(objAt(obj, "spec")?.selector, objAt(old, "spec")?.selector, "spec.selector", labelSelectorValue),
  warningsOnCreate: (obj) => dnsLabelNameWarning(obj.metadata.name),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
