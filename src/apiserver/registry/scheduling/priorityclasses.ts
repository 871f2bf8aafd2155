/** scheduling.k8s.io/v1 PriorityClass (kube's priorityclass strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, notSupported, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { setDefault } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

const systemPrefix = "system-";
const highestUserDefinablePriority = 1000000000;
const systemClasses: Record<string, number> = { "system-node-critical": 2000001000, "system-cluster-critical": 2000000000 };

function value(obj: KObject): number {
  return typeof obj.value === "number" ? obj.value : 0;
}

/** IsKnownSystemPriorityClass: undefined when it is one, else why not. */
function systemClassError(name: string, v: number, globalDefault: boolean): string | undefined {
  const want = systemClasses[name];
  if (want === undefined) return `${name} is not a known system priority class`;
  if (want !== v) return `value of ${name} PriorityClass must be ${want}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

function validate(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = obj.metadata.name ?? "";
  if (name.startsWith(systemPrefix)) {
    const err = systemClassError(name, value(obj), obj.globalDefault === true);
    if (err) errs.push(forbidden("metadata.name", `priority class names with '${systemPrefix}' prefix are reserved for system use only. error: ${err}`));
  } else if (value(obj) > highestUserDefinablePriority) {
    errs.push(forbidden("value", `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  const pp = obj.preemptionPolicy;
  if (pp !== undefined && pp !== null) {
    if (pp === "") errs.push(required("preemptionPolicy"));
    else if (pp !== "PreemptLowerPriority" && pp !== "Never") errs.push(notSupported("preemptionPolicy", pp, ["PreemptLowerPriority", "Never"]));
  }
  return errs;
}

export const priorityClassStrategy: Strategy = {
  defaults: (obj) => setDefault(obj, "preemptionPolicy", "PreemptLowerPriority"),
  validate,
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (value(obj) !== value(old)) errs.push(forbidden("value", "may not be changed in an update."));
    errs.push(...immutable(obj.preemptionPolicy, old.preemptionPolicy, "preemptionPolicy"));
    return errs;
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
