/** storage.k8s.io/v1 CSINode (kube's csinode strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { duplicate, invalid, jsonEqual, printedValue, required, tooLong } from "../../validation/index.js";
import { validateQualifiedName } from "../core/util.js";
import type { Strategy } from "../types.js";
import { arr, isObj, s } from "../groupsupport/json.js";
import { nonNegative } from "../groupsupport/validate.js";
import { validateCSIDriverName } from "./csi.js";

const nodeIDMaxLength = 192;

function validate(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(isObj(obj.spec) ? obj.spec.drivers : undefined).forEach((d, i) => {
    const drv = isObj(d) ? d : {};
    const p = `spec.drivers[${i}]`;
    const name = s(drv.name);
    errs.push(...validateCSIDriverName(name, `${p}.name`));
    const nodeID = s(drv.nodeID);
    if (nodeID === "") errs.push(required(`${p}.nodeID`));
    else if (nodeID.length > nodeIDMaxLength) errs.push(tooLong(`${p}.nodeID`, nodeID, nodeIDMaxLength));
    if (isObj(drv.allocatable)) errs.push(...nonNegative(drv.allocatable.count, `${p}.allocatable.count`));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
    const keys = new Set<string>();
    for (const k of arr(drv.topologyKeys).map(s)) {
      if (k === "") errs.push(required(p));
      if (keys.has(k)) errs.push(duplicate(p, k));
      keys.add(k);
      errs.push(...validateQualifiedName(k, p));
    }
  });
  return errs;
}

/** Drivers may come and go; an entry for the same driver never changes. */
function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const drivers = arr(isObj(obj.spec) ? obj.spec.drivers : undefined).filter(isObj);
  for (const o of arr(isObj(old.spec) ? old.spec.drivers : undefined).filter(isObj)) {
    for (const n of drivers) {
      if (s(n.name) === s(o.name) && !jsonEqual(n, o)) errs.push(invalid("CSINodeDriver", printedValue("storage.CSINodeDriver{...}"), "field is immutable"));
    }
  }
  return errs;
}

export const csiNodeStrategy: Strategy = {
  validate,
  validateUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
