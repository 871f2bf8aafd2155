/** batch/v1 Job (kube's job strategy, defaults and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, isDNS1123Label, jsonEqual, printedValue, required } from "../../validation/index.js";
import { matchesLabels } from "../../selectors/index.js";
import { defaultPodTemplateSpec } from "../core/podspec.js";
import type { Strategy } from "../types.js";
import { oldObjectOf, specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, objAt, objField, setDefault, specOf, stringMap, type Json } from "../groupsupport/json.js";
import { immutable, labelSelectorValue, labelsValue, selectorFromMeta, validateLabelSelector } from "../groupsupport/validate.js";
import { dnsLabelNameWarning } from "../apps/status.js";
import { validateJobSpecFields } from "./jobspec.js";
import { validateJobStatusUpdate } from "./jobstatus.js";

export const jobNameLabel = "batch.kubernetes.io/job-name";
export const controllerUidLabel = "batch.kubernetes.io/controller-uid";
const legacyJobNameLabel = "job-name";
const legacyControllerUidLabel = "controller-uid";

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, "parallelism", 1);
  const hasPerIndex = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  setDefault(spec, "backoffLimit", hasPerIndex ? 2147483647 : 6);
  copyTemplateLabels(obj);
  setDefault(spec, "completionMode", "NonIndexed");
  setDefault(spec, "suspend", false);
  const pfp = objAt(spec, "podFailurePolicy");
  for (const rule of arr(pfp?.rules)) {
    for (const pattern of arr(isObj(rule) ? rule.onPodConditions : undefined)) {
      if (isObj(pattern) && (pattern.status === undefined || pattern.status === null || pattern.status === "")) pattern.status = "True";
    }
  }
  setDefault(spec, "podReplacementPolicy", pfp ? "Failed" : "TerminatingOrFailed");
  setDefault(spec, "manualSelector", false);
  defaultPodTemplateSpec(objField(spec, "template"));
}

/** A job without labels takes its template's (kube's SetDefaults_Job). */
function copyTemplateLabels(obj: KObject): void {
  const labels = objAt(obj.spec, "template", "metadata")?.labels;
  if (isObj(labels) && Object.keys(obj.metadata.labels ?? {}).length === 0) {
    obj.metadata.labels = { ...(labels as Record<string, string>) };
  }
}

/** generateSelector: the job's pods carry its name and uid, and the selector picks the uid. */
function generateSelector(obj: KObject): void {
  const spec = specOf(obj);
  const tmeta = objField(objField(spec, "template"), "metadata");
  const labels = objField(tmeta, "labels");
  const name = obj.metadata.name ?? "";
  const uid = obj.metadata.uid ?? "";
  for (const k of [legacyJobNameLabel, jobNameLabel]) if (!(k in labels)) labels[k] = name;
  for (const k of [legacyControllerUidLabel, controllerUidLabel]) if (!(k in labels)) labels[k] = uid;
  const matchLabels = objField(objField(spec, "selector"), "matchLabels");
  if (!(controllerUidLabel in matchLabels)) matchLabels[controllerUidLabel] = uid;
}

function hasLabel(labels: Record<string, string> | undefined, key: string, want: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!labels || !(key in labels)) return [required(path, `must be '${want}'`)];
  return labels[key] === want ? [] : [invalid(path, labelsValue(labels), `must be '${want}'`)];
}

/** validateGeneratedSelector. */
function validateGeneratedSelector(obj: KObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (spec.manualSelector === true || !isObj(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = obj.metadata.uid ?? "";
  const name = obj.metadata.name ?? "";
  if (uid === "") errs.push(required("metadata.uid"));
  const labels = stringMap(objAt(spec, "template", "metadata")?.labels);
  errs.push(...hasLabel(labels, legacyControllerUidLabel, uid), ...hasLabel(labels, legacyJobNameLabel, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...hasLabel(labels, controllerUidLabel, uid), ...hasLabel(labels, jobNameLabel, name));
    expected[controllerUidLabel] = uid;
    expected[jobNameLabel] = name;
  }
  expected[legacyControllerUidLabel] = uid;
  expected[legacyJobNameLabel] = name;
  const selector = selectorFromMeta(spec.selector);
  if (selector && !matchesLabels(selector, expected)) {
    errs.push(invalid("spec.selector", labelSelectorValue(spec.selector), "`selector` not auto-generated"));
  }
  return errs;
}

/** ValidateJobSpec: the fields, then the selector and its match with the template. */
function validateJobSpec(spec: Json): FieldError[] {
  const errs = validateJobSpecFields(spec, "spec");
  if (!isObj(spec.selector)) errs.push(required("spec.selector"));
  else errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const selector = selectorFromMeta(spec.selector);
  const labels = objAt(spec, "template", "metadata")?.labels;
  if (selector && !matchesLabels(selector, stringMap(labels))) {
    errs.push(invalid("spec.template.metadata.labels", labelsValue(labels), "`selector` does not match template `labels`"));
  }
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const old = oldObjectOf(obj);
  // Jobs created before 1.27 lack the prefixed labels; kube only requires them when old had them.
  const oldLabels = stringMap(objAt(old?.spec, "template", "metadata")?.labels) ?? {};
  const requirePrefixed = !old || (jobNameLabel in oldLabels && controllerUidLabel in oldLabels);
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = [...validateGeneratedSelector(obj, requirePrefixed), ...validateJobSpec(spec)];
  const completions = spec.completions;
  if (spec.completionMode === "Indexed" && typeof completions === "number" && completions > 0) {
    // Pod hostnames are `<job>-<index>`: the largest must still be a DNS label.
    const host = `${obj.metadata.name ?? ""}-${completions - 1}`;
    if (isDNS1123Label(host).length > 0) {
      errs.push(invalid("metadata.name", obj.metadata.name ?? "", `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  return errs;
}

/** ValidateJobSpecUpdate (ValidateJobSpec runs again inside it in kube, so its errors repeat). */
function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs = validateJobSpec(spec);
  errs.push(...validateCompletionsUpdate(spec, oldSpec));
  errs.push(...immutable(spec.selector, oldSpec.selector, "spec.selector", labelSelectorValue));
  errs.push(...validateTemplateUpdate(spec, oldSpec, old));
  errs.push(...immutable(spec.completionMode, oldSpec.completionMode, "spec.completionMode"));
  errs.push(...immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, "spec.podFailurePolicy", () => printedValue("batch.PodFailurePolicy{...}")));
  errs.push(...immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, "spec.backoffLimitPerIndex"));
  errs.push(...immutable(spec.managedBy, oldSpec.managedBy, "spec.managedBy"));
  errs.push(...immutable(spec.successPolicy, oldSpec.successPolicy, "spec.successPolicy", () => printedValue("batch.SuccessPolicy{...}")));
  return errs;
}

/** Completions are immutable, except for Indexed jobs scaled together with parallelism (ElasticIndexedJob, GA). */
function validateCompletionsUpdate(spec: Json, oldSpec: Json): FieldError[] {
  if (spec.completionMode !== "Indexed") return immutable(spec.completions, oldSpec.completions, "spec.completions");
  if (jsonEqual(spec.completions, oldSpec.completions) || typeof spec.completions !== "number") return [];
  if (spec.completions !== spec.parallelism) {
    return [invalid("spec.completions", spec.completions, "can only be modified in tandem with spec.parallelism")];
  }
  return [];
}

/**
 * The template is immutable, except that a suspended job that never started may change its
 * scheduling directives (node affinity, node selector, tolerations, labels, annotations,
 * scheduling gates).
 */
function validateTemplateUpdate(spec: Json, oldSpec: Json, old: KObject): FieldError[] {
  const template = objAt(spec, "template") ?? {};
  let oldTemplate: Json = objAt(oldSpec, "template") ?? {};
  const suspended = oldSpec.suspend === true;
  const notStarted = !objAt(old, "status")?.startTime;
  if (suspended && notStarted) {
    oldTemplate = structuredClone(oldTemplate);
    const ps = objAt(template, "spec") ?? {};
    const ops = objField(oldTemplate, "spec");
    const aff = objAt(ps, "affinity");
    const oldAff = objAt(ops, "affinity");
    if (!aff && oldAff) {
      delete oldAff.nodeAffinity;
      if (Object.keys(oldAff).length === 0) delete ops.affinity;
    } else if (aff && !oldAff) {
      ops.affinity = aff.nodeAffinity === undefined ? {} : { nodeAffinity: aff.nodeAffinity };
    } else if (aff && oldAff) {
      if (aff.nodeAffinity === undefined) delete oldAff.nodeAffinity;
      else oldAff.nodeAffinity = aff.nodeAffinity;
    }
    for (const k of ["nodeSelector", "tolerations", "schedulingGates"]) {
      if (ps[k] === undefined) delete ops[k];
      else ops[k] = ps[k];
    }
    const meta = objAt(template, "metadata") ?? {};
    const oldMeta = objField(oldTemplate, "metadata");
    for (const k of ["annotations", "labels"]) {
      if (meta[k] === undefined) delete oldMeta[k];
      else oldMeta[k] = meta[k];
    }
  }
  return immutable(template, oldTemplate, "spec.template", () => printedValue("core.PodTemplateSpec{...}"));
}

export const jobStrategy: Strategy = {
  defaults,
  ...specStatusStrategy(
    { zeroStatus: () => ({}), generation: true, validateStatusUpdate: validateJobStatusUpdate },
    (obj) => {
      if (!isObj(obj.spec) || obj.spec.manualSelector !== true) generateSelector(obj);
      // kube re-defaults the object as it reads it back from etcd: labels follow the template's.
      copyTemplateLabels(obj);
    },
  ),
  validate,
  validateUpdate,
  warningsOnCreate: (obj) => dnsLabelNameWarning(obj.metadata.name),
  selectableFields: (obj) => ({ "status.successful": String(objAt(obj, "status")?.succeeded ?? 0) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
