/**
 * ReplicationControllers: one replica and the template's labels as selector by default;
 * generation counts spec changes; status via replicationcontrollers/status.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, jsonEqual, notSupported, required, validateNonnegativeField } from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "./podspec.js";
import { ensureObj, int, isObj, obj, s, setDefault, strMap } from "./util.js";

function defaults(rc: KObject): void {
  const spec = ensureObj(rc, "spec");
  const st = ensureObj(rc, "status");
  setDefault(st, "replicas", 0);
  const labels = isObj(spec.template) ? strMap(obj(spec.template.metadata).labels) : undefined;
  if (labels) {
    if (Object.keys(obj(spec.selector)).length === 0) spec.selector = { ...labels };
    if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...labels };
  }
  setDefault(spec, "replicas", 1);
  if (isObj(spec.template)) defaultPodTemplateSpec(spec.template);
}

function validate(rc: KObject): FieldError[] {
  const spec = obj(rc.spec);
  const errs = validateNonnegativeField(int(spec.minReadySeconds), "spec.minReadySeconds");
  const selector = strMap(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) errs.push(required("spec.selector", ""));
  errs.push(...validateNonnegativeField(int(spec.replicas), "spec.replicas"));
  if (!isObj(spec.template)) {
    errs.push(required("spec.template", ""));
    return errs;
  }
  const tpl = spec.template;
  const labels = strMap(obj(tpl.metadata).labels) ?? {};
  if (Object.keys(selector).length > 0 && Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
    errs.push(invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"));
  }
  errs.push(...validatePodTemplateSpec(tpl, "spec.template"));
  const tplSpec = obj(tpl.spec);
  if (tplSpec.restartPolicy !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", s(tplSpec.restartPolicy), ["Always"]));
  if (tplSpec.activeDeadlineSeconds !== undefined && tplSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return errs;
}

function validateStatus(rc: KObject): FieldError[] {
  const st = obj(rc.status);
  const errs: FieldError[] = [];
  for (const k of ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"]) {
    errs.push(...validateNonnegativeField(int(st[k]), `status.${k}`));
  }
  const msg = "cannot be greater than status.replicas";
  for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]) {
    if (int(st[k]) > int(st.replicas)) errs.push(invalid(`status.${k}`, int(st[k]), msg));
  }
  if (int(st.availableReplicas) > int(st.readyReplicas)) {
    errs.push(invalid("status.availableReplicas", int(st.availableReplicas), "cannot be greater than readyReplicas"));
  }
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(rc, old) {
    rc.spec = old.spec;
  },
  validateUpdate: validateStatus,
};

export const replicationControllerStrategy: Strategy = {
  defaults,
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
    rc.metadata.generation = 1;
  },
  prepareForUpdate(rc, old) {
    rc.status = old.status;
    if (!jsonEqual(rc.spec, old.spec)) rc.metadata.generation = (old.metadata.generation ?? 0) + 1;
  },
  validate,
  selectableFields: (rc) => ({ "status.replicas": String(int(obj(rc.status).replicas)) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
