/** apps/v1 ControllerRevision: immutable data, nothing defaulted (kube's controllerrevision strategy). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, jsonEqual, printedValue, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { nonNegative } from "../groupsupport/validate.js";

/** runtime.RawExtension as Go's %#v prints it: the raw JSON bytes. */
function rawExtensionValue(v: unknown): unknown {
  const bytes = Buffer.from(JSON.stringify(v ?? null), "utf8");
  const hex = [...bytes].map((b) => `0x${b.toString(16)}`).join(", ");
  return printedValue(`runtime.RawExtension{Raw:[]uint8{${hex}}, Object:runtime.Object(nil)}`);
}

function validate(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required("data", "data is mandatory"));
  errs.push(...nonNegative(obj.revision, "revision"));
  return errs;
}

export const controllerRevisionStrategy: Strategy = {
  validate,
  validateUpdate(obj, old) {
    if (jsonEqual(obj.data, old.data)) return [];
    return [invalid("data", rawExtensionValue(obj.data), "field is immutable")];
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
