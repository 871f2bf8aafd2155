/** storage.k8s.io/v1 VolumeAttachment (kube's strategy and validation, 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, jsonEqual, nameIsDNSSubdomain, printedValue, required, tooLong } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { isObj, objAt, s, stringMap, type Json } from "../groupsupport/json.js";
import { validateCSIDriverName } from "./csi.js";

const maxAttachedVolumeMetadataSize = 256 * 1024;
const maxVolumeErrorMessageSize = 1024;

function validateStatus(st: Json): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(stringMap(st.attachmentMetadata) ?? {})) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > maxAttachedVolumeMetadataSize) errs.push(tooLong("status.attachmentMetadata", "", maxAttachedVolumeMetadataSize));
  for (const k of ["attachError", "detachError"]) {
    const msg = s(objAt(st, k)?.message);
    if (Buffer.byteLength(msg) > maxVolumeErrorMessageSize) errs.push(tooLong(`status.${k}.message`, msg, maxVolumeErrorMessageSize));
  }
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const attacher = s(spec.attacher);
  if (attacher === "") errs.push(required("spec.attacher"));
  const source = isObj(spec.source) ? spec.source : {};
  const inline = isObj(source.inlineVolumeSpec);
  const pv = source.persistentVolumeName;
  const hasPV = typeof pv === "string";
  if (!inline && !hasPV) errs.push(required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
  else if (inline && hasPV) errs.push(forbidden("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
  else if (hasPV && pv === "") errs.push(required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"));
  const node = s(spec.nodeName);
  for (const m of nameIsDNSSubdomain(node, false)) errs.push(invalid("spec.nodeName", node, m));
  errs.push(...validateStatus(isObj(obj.status) ? obj.status : {}));
  // ValidateVolumeAttachmentV1: a CSI driver attaches, a valid PV name is referenced.
  errs.push(...validateCSIDriverName(attacher, "spec.attacher"));
  if (hasPV) for (const m of nameIsDNSSubdomain(pv, false)) errs.push(invalid("spec.source.persistentVolumeName", pv, m));
  return errs;
}

export const volumeAttachmentStrategy: Strategy = {
  ...specStatusStrategy({
    zeroStatus: () => ({ attached: false }),
    generation: false,
    validateStatusUpdate: (obj) => validateStatus(isObj(obj.status) ? obj.status : {}),
  }),
  validate,
  validateUpdate: (obj, old) =>
    jsonEqual(obj.spec, old.spec) ? [] : [invalid("spec", printedValue("storage.VolumeAttachmentSpec{...}"), "field is immutable")],
  allowCreateOnUpdate: false,
  // Attach and detach are coordinated through resourceVersion.
  allowUnconditionalUpdate: false,
};
