/** coordination.k8s.io/v1 Lease (kube's lease strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { isObj } from "../groupsupport/json.js";

/**
 * spec.strategy and spec.preferredHolder belong to CoordinatedLeaderElection, alpha (off) in
 * 1.32: dropped unless the stored lease already uses them.
 */
function dropDisabledFields(obj: KObject, old: KObject | undefined): void {
  if (!isObj(obj.spec)) return;
  const oldSpec = isObj(old?.spec) ? old.spec : {};
  for (const k of ["strategy", "preferredHolder"]) {
    if (oldSpec[k] === undefined || oldSpec[k] === null) delete obj.spec[k];
  }
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const d = spec.leaseDurationSeconds;
  if (typeof d === "number" && d <= 0) errs.push(invalid("spec.leaseDurationSeconds", d, "must be greater than 0"));
  const t = spec.leaseTransitions;
  if (typeof t === "number" && t < 0) errs.push(invalid("spec.leaseTransitions", t, "must be greater than or equal to 0"));
  return errs;
}

export const leaseStrategy: Strategy = {
  prepareForCreate: (obj) => dropDisabledFields(obj, undefined),
  prepareForUpdate: (obj, old) => dropDisabledFields(obj, old),
  validate,
  allowCreateOnUpdate: true,
  // Leases are for leader election: every write must be conditional on the version read.
  allowUnconditionalUpdate: false,
};
