/** apps/v1 DaemonSet (kube's daemonset strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, goQuote, invalid, jsonEqual, notSupported, printedValue, required } from "../../validation/index.js";
import { matchesLabels } from "../../selectors/index.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "../core/podspec.js";
import type { Strategy } from "../types.js";
import { bumpGeneration, specChanged, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { defaultString, isObj, len, objAt, objField, s, setDefault, specOf, stringMap, type Json } from "../groupsupport/json.js";
import {
  goPointer, immutable, intOrPercentValue, intOrStringValue, labelSelectorValue, labelsValue, nonNegative,
  notMoreThan100Percent, selectorFromMeta, validateLabelSelector, validatePositiveIntOrPercent,
} from "../groupsupport/validate.js";
import { validateReplicaStatus } from "./status.js";

/**
 * apps/v1 keeps the internal spec.templateGeneration in this annotation (kube's conversion
 * writes it on every object it serves).
 */
export const templateGenerationAnnotation = "deprecated.daemonset.template.generation";

function templateGeneration(obj: KObject): number {
  const n = Number.parseInt(obj.metadata.annotations?.[templateGenerationAnnotation] ?? "", 10);
  return Number.isFinite(n) ? n : 0;
}

function setTemplateGeneration(obj: KObject, n: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [templateGenerationAnnotation]: String(n) };
}

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  const us = objField(spec, "updateStrategy");
  defaultString(us, "type", "RollingUpdate");
  if (us.type === "RollingUpdate") {
    const ru = objField(us, "rollingUpdate");
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  setDefault(spec, "revisionHistoryLimit", 10);
  defaultPodTemplateSpec(objField(spec, "template"));
}

function validateUpdateStrategy(us: Json): FieldError[] {
  const path = "spec.updateStrategy";
  switch (us.type) {
    case "OnDelete":
      return [];
    case "RollingUpdate": {
      const ru = us.rollingUpdate;
      if (!isObj(ru)) return [required(`${path}.rollingUpdate`)];
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`),
        ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`),
        ...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`),
        ...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`),
      ];
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalid(`${p}.maxSurge`, intOrStringValue(ru.maxSurge), "may not be set when maxUnavailable is non-zero"));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
      }
      return errs;
    }
    default: {
      const shown = `apps.DaemonSetUpdateStrategy{Type:${goQuote(s(us.type))}, RollingUpdate:${goPointer("apps.RollingUpdateDaemonSet", us.rollingUpdate)}}`;
      return [notSupported(path, printedValue(shown), ["RollingUpdate", "OnDelete"])];
    }
  }
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateLabelSelector(spec.selector, "spec.selector");
  const template = objAt(spec, "template") ?? {};
  const labels = objAt(template, "metadata")?.labels;
  const selector = selectorFromMeta(spec.selector);
  if (selector && !matchesLabels(selector, stringMap(labels))) {
    errs.push(invalid("spec.template.metadata.labels", labelsValue(labels), "`selector` does not match template `labels`"));
  }
  if (isObj(spec.selector) && len(spec.selector.matchLabels) + len(spec.selector.matchExpressions) === 0) {
    errs.push(invalid("spec.selector", labelSelectorValue(spec.selector), "empty selector is invalid for daemonset"));
  }
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const podSpec = objAt(template, "spec") ?? {};
  if (podSpec.restartPolicy !== "Always") {
    errs.push(notSupported("spec.template.spec.restartPolicy", s(podSpec.restartPolicy), ["Always"]));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"));
  }
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateUpdateStrategy(objAt(spec, "updateStrategy") ?? {}));
  errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

export const daemonSetStrategy: Strategy = {
  defaults,
  ...specStatusStrategy(
    {
      zeroStatus: () => ({ currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }),
      generation: false,
      validateStatusUpdate: (obj, old) =>
        validateReplicaStatus(obj, old, {
          counters: [
            "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady", "observedGeneration",
            "updatedNumberScheduled", "numberAvailable", "numberUnavailable", "collisionCount",
          ],
          atMostReplicas: [],
          collisionCount: true,
        }),
    },
    (obj) => {
      obj.metadata.generation = 1;
      setTemplateGeneration(obj, Math.max(1, templateGeneration(obj)));
    },
    (obj, old) => {
      // The template generation is the server's: carried over, bumped with the template.
      const templateChanged = !jsonEqual(objAt(obj.spec, "template"), objAt(old.spec, "template"));
      setTemplateGeneration(obj, templateGeneration(old) + (templateChanged ? 1 : 0));
      bumpGeneration(obj, old, templateChanged || specChanged(obj, old));
    },
  ),
  validate,
  validateUpdate: (obj, old) => immutable(objAt(obj, "spec")?.selector, objAt(old, "spec")?.selector, "spec.selector", labelSelectorValue),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
