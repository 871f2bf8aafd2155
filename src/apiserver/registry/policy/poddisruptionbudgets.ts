/** policy/v1 PodDisruptionBudget (kube's pdb strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, notSupported, printedValue } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { isObj, s } from "../groupsupport/json.js";
import { validateConditions } from "../groupsupport/conditions.js";
import { goPointer, nonNegative, notMoreThan100Percent, validateLabelSelector, validatePositiveIntOrPercent } from "../groupsupport/validate.js";

const evictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];

function set(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  if (set(spec.minAvailable) && set(spec.maxUnavailable)) {
    const shown =
      `policy.PodDisruptionBudgetSpec{MinAvailable:${goPointer("intstr.IntOrString", spec.minAvailable)}, ` +
      `Selector:${goPointer("v1.LabelSelector", spec.selector)}, MaxUnavailable:${goPointer("intstr.IntOrString", spec.maxUnavailable)}, ` +
      `UnhealthyPodEvictionPolicy:${goPointer("policy.UnhealthyPodEvictionPolicyType", spec.unhealthyPodEvictionPolicy)}}`;
    errs.push(invalid("spec", printedValue(shown), "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const k of ["minAvailable", "maxUnavailable"]) {
    if (!set(spec[k])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[k], `spec.${k}`), ...notMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  if (set(spec.unhealthyPodEvictionPolicy) && !evictionPolicies.includes(s(spec.unhealthyPodEvictionPolicy))) {
    errs.push(notSupported("spec.unhealthyPodEvictionPolicy", s(spec.unhealthyPodEvictionPolicy), evictionPolicies));
  }
  return errs;
}

function validateStatus(obj: KObject): FieldError[] {
  const st = isObj(obj.status) ? obj.status : {};
  const errs = validateConditions(st.conditions, "status.conditions");
  for (const k of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"]) errs.push(...nonNegative(st[k], `status.${k}`));
  return errs;
}

export const podDisruptionBudgetStrategy: Strategy = {
  ...specStatusStrategy({
    zeroStatus: () => ({ currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }),
    generation: true,
    validateStatusUpdate: validateStatus,
  }),
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
