/** storage.k8s.io/v1 StorageClass (kube's storageclass strategy, defaults, validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { duplicate, forbidden, invalid, jsonEqual, notSupported, required, tooLong } from "../../validation/index.js";
import { validateQualifiedName } from "../core/util.js";
import type { Strategy } from "../types.js";
import { arr, isObj, s, setDefault, stringMap } from "../groupsupport/json.js";
import { immutable } from "../groupsupport/validate.js";

const maxParameterSize = 256 * 1024;
const maxParameters = 512;

function defaults(obj: KObject): void {
  setDefault(obj, "reclaimPolicy", "Delete");
  setDefault(obj, "volumeBindingMode", "Immediate");
}

function validateParameters(params: Record<string, string> | undefined): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > maxParameters) return [tooLong("parameters", "", maxParameters)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(invalid("parameters", k, "field can not be empty."));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > maxParameterSize) errs.push(tooLong("parameters", "", maxParameterSize));
  return errs;
}

/** ValidateTopologySelectorTerm for allowedTopologies: keys, non-empty unique values, no duplicate terms. */
function validateAllowedTopologies(terms: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Record<string, string[]>[] = [];
  terms.forEach((t, i) => {
    const path = `allowedTopologies[${i}]`;
    const exprMap: Record<string, string[]> = {};
    arr(isObj(t) ? t.matchLabelExpressions : undefined).forEach((e, j) => {
      const ep = `${path}.matchLabelExpressions[${j}]`;
      const expr = isObj(e) ? e : {};
      const key = s(expr.key);
      errs.push(...validateQualifiedName(key, `${ep}.key`));
      const values = arr(expr.values).map(s);
      if (values.length === 0) errs.push(required(`${ep}.values`, "must specify as least one value"));
      const vs = new Set<string>();
      values.forEach((v, k) => {
        if (vs.has(v)) errs.push(duplicate(`${ep}.values[${k}]`, v));
        vs.add(v);
      });
      if (key in exprMap) errs.push(duplicate(`${ep}.key`, key));
      exprMap[key] = [...vs].sort();
    });
    if (seen.some((m) => jsonEqual(m, exprMap))) errs.push(duplicate(`${path}.matchLabelExpressions`, ""));
    seen.push(exprMap);
  });
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = s(obj.provisioner);
  if (provisioner === "") errs.push(required("provisioner"));
  else errs.push(...validateQualifiedName(provisioner.toLowerCase(), "provisioner"));
  errs.push(...validateParameters(stringMap(obj.parameters)));
  const reclaim = s(obj.reclaimPolicy);
  if (reclaim !== "" && reclaim !== "Delete" && reclaim !== "Retain") errs.push(notSupported("reclaimPolicy", reclaim, ["Delete", "Retain"]));
  const mode = obj.volumeBindingMode;
  if (mode === undefined || mode === null) errs.push(required("volumeBindingMode"));
  else if (mode !== "Immediate" && mode !== "WaitForFirstConsumer") {
    errs.push(notSupported("volumeBindingMode", s(mode), ["Immediate", "WaitForFirstConsumer"]));
  }
  errs.push(...validateAllowedTopologies(arr(obj.allowedTopologies)));
  return errs;
}

function validateUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!jsonEqual(obj.parameters, old.parameters)) errs.push(forbidden("parameters", "updates to parameters are forbidden."));
  if (s(obj.provisioner) !== s(old.provisioner)) errs.push(forbidden("provisioner", "updates to provisioner are forbidden."));
  if (s(obj.reclaimPolicy) !== s(old.reclaimPolicy)) errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  errs.push(...immutable(obj.volumeBindingMode, old.volumeBindingMode, "volumeBindingMode"));
  return errs;
}

export const storageClassStrategy: Strategy = {
  defaults,
  validate,
  validateUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
