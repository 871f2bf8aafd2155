/**
 * What deployments, replicasets and statefulsets share: the selector checks of
 * ValidateDeploymentSpec / ValidateReplicaSetSpec and the pod template rules of
 * ValidatePodTemplateSpecForReplicaSet (apps validation).
 */
import type { FieldError } from "../../api/types.js";
import { child, forbidden, invalid, notSupported, required } from "../../validation/index.js";
import { labelSelectorEmpty, matchesLabels } from "../../selectors/index.js";
import { validatePodTemplateSpec } from "../core/podspec.js";
import { len, objAt, stringMap, type Json } from "../groupsupport/json.js";
import { labelSelectorValue, labelsValue, selectorFromMeta, validateLabelSelector } from "../groupsupport/validate.js";

/**
 * spec.selector: required, valid, non-empty, and matching the template labels; then the
 * template itself. `kind` names the resource in the empty-selector message ("deployment" —
 * kube's replicasets say "deployment" too).
 */
export function validateSelectorAndTemplate(spec: Json, kind: string, templateKind: string): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (sel === undefined || sel === null) {
    errs.push(required("spec.selector"));
  } else {
    errs.push(...validateLabelSelector(sel, "spec.selector"));
    const m = objAt(spec, "selector") ?? {};
    if (len(m.matchLabels) + len(m.matchExpressions) === 0) {
      errs.push(invalid("spec.selector", labelSelectorValue(sel), `empty selector is invalid for ${kind}`));
    }
  }
  const selector = selectorFromMeta(sel);
  if (!selector) {
    errs.push(invalid("spec.selector", labelSelectorValue(sel), "invalid label selector"));
    return errs;
  }
  errs.push(...validateTemplateForReplicaSet(spec.template, selector, templateKind));
  return errs;
}

function validateTemplateForReplicaSet(template: unknown, selector: NonNullable<ReturnType<typeof selectorFromMeta>>, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const labels = objAt(template, "metadata")?.labels;
  if (!labelSelectorEmpty(selector) && !matchesLabels(selector, stringMap(labels))) {
    errs.push(invalid("spec.template.metadata.labels", labelsValue(labels), "`selector` does not match template `labels`"));
  }
  errs.push(...validatePodTemplateSpec(template ?? {}, "spec.template"));
  const podSpec = objAt(template, "spec") ?? {};
  const restart = podSpec.restartPolicy;
  if (restart !== "Always") {
    errs.push(notSupported(child("spec.template.spec", "restartPolicy"), restart ?? "", ["Always"]));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}
