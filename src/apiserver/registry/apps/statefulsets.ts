/** apps/v1 StatefulSet (kube's statefulset strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import {
  forbidden, goQuote, invalid, jsonEqual, notSupported, printedValue, required, validateAnnotations, validateLabels,
} from "../../validation/index.js";
import { labelSelectorEmpty, matchesLabels } from "../../selectors/index.js";
import { defaultPodTemplateSpec } from "../core/podspec.js";
import { defaultPersistentVolumeClaimSpec } from "../core/volumes.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, defaultString, isObj, len, objAt, objField, s, setDefault, specOf, stringMap, type Json } from "../groupsupport/json.js";
import {
  goPointer, intOrPercentValue, intOrStringValue, labelSelectorValue, labelsValue, nonNegative, notMoreThan100Percent,
  selectorFromMeta, validateLabelSelector, validatePositiveIntOrPercent,
} from "../groupsupport/validate.js";
import { validateReplicaStatus } from "./status.js";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  defaultString(spec, "podManagementPolicy", "OrderedReady");
  const us = objField(spec, "updateStrategy");
  if (s(us.type) === "") {
    us.type = "RollingUpdate";
    setDefault(us, "rollingUpdate", {});
  }
  // An explicit RollingUpdate without rollingUpdate stays that way, as in kube.
  if (us.type === "RollingUpdate" && isObj(us.rollingUpdate)) setDefault(us.rollingUpdate, "partition", 0);
  const retention = objField(spec, "persistentVolumeClaimRetentionPolicy");
  defaultString(retention, "whenDeleted", "Retain");
  defaultString(retention, "whenScaled", "Retain");
  setDefault(spec, "replicas", 1);
  setDefault(spec, "revisionHistoryLimit", 10);
  defaultPodTemplateSpec(objField(spec, "template"));
  for (const t of arr(spec.volumeClaimTemplates)) if (isObj(t)) defaultClaimTemplate(t);
}

/** What a claim template looks like stored: typed, PVC defaults, an empty Pending status. */
function defaultClaimTemplate(t: Json): void {
  setDefault(t, "apiVersion", "v1");
  setDefault(t, "kind", "PersistentVolumeClaim");
  const meta = objField(t, "metadata");
  if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
  defaultPersistentVolumeClaimSpec(objField(t, "spec"));
  defaultString(objField(t, "status"), "phase", "Pending");
}

/** MaxUnavailableStatefulSet is alpha (off) in 1.32: the field is dropped unless already in use. */
function dropMaxUnavailable(obj: KObject, old: KObject | undefined): void {
  const oldRU = objAt(old?.spec, "updateStrategy", "rollingUpdate");
  if (oldRU && oldRU.maxUnavailable !== undefined && oldRU.maxUnavailable !== null) return;
  const ru = objAt(obj.spec, "updateStrategy", "rollingUpdate");
  if (ru) delete ru.maxUnavailable;
}

function validateUpdateStrategy(us: Json): FieldError[] {
  const path = "spec.updateStrategy";
  const ru = us.rollingUpdate;
  switch (s(us.type)) {
    case "":
      return [required(path)];
    case "OnDelete":
      return isObj(ru) ? [invalid(`${path}.rollingUpdate`, rollingUpdateValue(ru), "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case "RollingUpdate": {
      if (!isObj(ru)) return [];
      const p = `${path}.rollingUpdate`;
      const errs = nonNegative(ru.partition, `${p}.partition`);
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(`${p}.maxUnavailable`, intOrStringValue(ru.maxUnavailable), "cannot be 0"));
        errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      }
      return errs;
    }
    default: {
      const shown = `apps.StatefulSetUpdateStrategy{Type:${goQuote(s(us.type))}, RollingUpdate:${goPointer("apps.RollingUpdateStatefulSetStrategy", ru)}}`;
      return [invalid(path, printedValue(shown), "must be 'RollingUpdate' or 'OnDelete'")];
    }
  }
}

function rollingUpdateValue(ru: Json): unknown {
  const partition = typeof ru.partition === "number" ? ru.partition : 0;
  return printedValue(`apps.RollingUpdateStatefulSetStrategy{Partition:${partition}, MaxUnavailable:${goPointer("intstr.IntOrString", ru.maxUnavailable)}}`);
}

function validateRetention(policy: unknown): FieldError[] {
  if (!isObj(policy)) return [];
  const errs: FieldError[] = [];
  for (const k of ["whenDeleted", "whenScaled"]) {
    const v = s(policy[k]);
    if (v !== "Retain" && v !== "Delete") {
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ["Retain", "Delete"]));
    }
  }
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const pmp = s(spec.podManagementPolicy);
  if (pmp === "") errs.push(required("spec.podManagementPolicy"));
  else if (pmp !== "OrderedReady" && pmp !== "Parallel") {
    errs.push(invalid("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(objAt(spec, "updateStrategy") ?? {}));
  errs.push(...validateRetention(spec.persistentVolumeClaimRetentionPolicy));
  errs.push(...nonNegative(spec.replicas, "spec.replicas"));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const ordinals = objAt(spec, "ordinals");
  if (ordinals) errs.push(...nonNegative(ordinals.start, "spec.ordinals.start"));

  const sel = spec.selector;
  if (!isObj(sel)) errs.push(required("spec.selector"));
  else {
    errs.push(...validateLabelSelector(sel, "spec.selector"));
    if (len(sel.matchLabels) + len(sel.matchExpressions) === 0) {
      errs.push(invalid("spec.selector", labelSelectorValue(sel), "empty selector is invalid for statefulset"));
    }
  }
  const selector = selectorFromMeta(sel);
  const template = objAt(spec, "template") ?? {};
  const tmeta = objAt(template, "metadata") ?? {};
  if (!selector) errs.push(invalid("spec.selector", labelSelectorValue(sel), ""));
  else {
    // kube checks only the template's labels and annotations here, not its pod spec.
    if (!labelSelectorEmpty(selector) && !matchesLabels(selector, stringMap(tmeta.labels))) {
      errs.push(invalid("spec.template.metadata.labels", labelsValue(tmeta.labels), "`selector` does not match template `labels`"));
    }
    errs.push(...validateLabels(stringMap(tmeta.labels), "spec.template.labels"));
    errs.push(...validateAnnotations(stringMap(tmeta.annotations), "spec.template.annotations"));
  }
  const podSpec = objAt(template, "spec") ?? {};
  if (podSpec.restartPolicy !== "Always") {
    errs.push(notSupported("spec.template.spec.restartPolicy", s(podSpec.restartPolicy), ["Always"]));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
  }
  return errs;
}

/** Fields an update may change; the rest of the spec is frozen. */
const mutableSpecFields = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const frozen = (o: KObject) => {
    const spec: Json = { ...(isObj(o.spec) ? o.spec : {}) };
    for (const k of mutableSpecFields) delete spec[k];
    return spec;
  };
  if (jsonEqual(frozen(obj), frozen(old))) return [];
  return [
    forbidden(
      "spec",
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulSetStrategy: Strategy = {
  defaults,
  ...specStatusStrategy(
    {
      zeroStatus: () => ({ availableReplicas: 0, replicas: 0 }),
      generation: true,
      validateStatusUpdate: (obj, old) =>
        validateReplicaStatus(obj, old, {
          counters: ["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "observedGeneration", "collisionCount"],
          atMostReplicas: ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"],
          availableVsReady: "cannot be greater than status.readyReplicas",
          collisionCount: true,
        }),
    },
    (obj) => dropMaxUnavailable(obj, undefined),
    (obj, old) => dropMaxUnavailable(obj, old),
  ),
  validate,
  validateUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
