/** node.k8s.io/v1 RuntimeClass (kube's runtimeclass strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, nameIsDNSLabel, validateLabels } from "../../validation/index.js";
import { validateTolerations } from "../core/podspec.js";
import { validateResourceRequirements } from "../core/resources.js";
import type { Strategy } from "../types.js";
import { isObj, s, stringMap } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

function validate(obj: KObject): FieldError[] {
  const handler = s(obj.handler);
  const errs = nameIsDNSLabel(handler, false).map((m) => invalid("handler", handler, m));
  if (isObj(obj.overhead)) {
    // kube reuses container resource validation, the fixed overhead as limits.
    errs.push(...validateResourceRequirements({ limits: obj.overhead.podFixed }, new Set(), "overhead"));
  }
  if (isObj(obj.scheduling)) {
    const sched = obj.scheduling;
    if (isObj(sched.nodeSelector)) errs.push(...validateLabels(stringMap(sched.nodeSelector), "scheduling.nodeSelector"));
    errs.push(...validateTolerations(sched.tolerations, "scheduling.tolerations"));
  }
  return errs;
}

export const runtimeClassStrategy: Strategy = {
  validate,
  validateUpdate: (obj, old) => immutable(s(obj.handler), s(old.handler), "handler"),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
