/** Pieces of ingress validation shared by ingresses and ingress classes (kube's networking validation). */
import type { FieldError } from "../../api/types.js";
import { invalid, isDNS1123Subdomain, required, validatePathSegmentName } from "../../validation/index.js";
import { isObj, s, type Json } from "../groupsupport/json.js";

/** validateIngressTypedLocalObjectReference (apiGroup, kind, name). */
export function validateTypedLocalObjectReference(ref: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof ref.apiGroup === "string") {
    for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(invalid(`${path}.apiGroup`, ref.apiGroup, m));
  }
  for (const k of ["kind", "name"]) {
    const v = s(ref[k]);
    if (v === "") errs.push(required(`${path}.${k}`, `${k} is required`));
    else for (const m of validatePathSegmentName(v, false)) errs.push(invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

