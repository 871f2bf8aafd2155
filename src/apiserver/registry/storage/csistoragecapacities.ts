/** storage.k8s.io/v1 CSIStorageCapacity (kube's strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, nameIsDNSSubdomain, printedValue } from "../../validation/index.js";
import { isNegative, parseQuantity } from "../core/quantity.js";
import type { Strategy } from "../types.js";
import { s } from "../groupsupport/json.js";
import { immutable, labelSelectorValue, validateLabelSelector } from "../groupsupport/validate.js";

function validate(obj: KObject): FieldError[] {
  const errs = validateLabelSelector(obj.nodeTopology, "nodeTopology");
  const sc = s(obj.storageClassName);
  for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid("storageClassName", sc, m));
  if (obj.capacity !== undefined && obj.capacity !== null) {
    const q = parseQuantity(obj.capacity);
    if (typeof q !== "string" && isNegative(q)) errs.push(invalid("capacity", printedValue(String(obj.capacity)), "must be greater than or equal to 0"));
  }
  return errs;
}

export const csiStorageCapacityStrategy: Strategy = {
  validate,
  validateUpdate: (obj, old) => [
    ...immutable(obj.nodeTopology, old.nodeTopology, "nodeTopology", labelSelectorValue),
    ...immutable(s(obj.storageClassName), s(old.storageClassName), "storageClassName"),
  ],
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
