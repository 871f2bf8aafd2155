/** ConfigMaps: keys valid and unique across data and binaryData, 1 MiB in all, `immutable` honoured. */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, isConfigMapKey, jsonEqual, tooLong } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { isObj, s } from "./util.js";

/** kube's MaxSecretSize, which ConfigMaps share. */
export const maxDataSize = 1024 * 1024;

/** The byte length of base64 content once decoded, or undefined when it is not base64. */
export function base64Length(v: unknown): number | undefined {
  const text = typeof v === "string" ? v : "";
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64").length;
}

function validate(cm: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObj(cm.data) ? cm.data : {};
  const binary = isObj(cm.binaryData) ? cm.binaryData : {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, m));
    if (k in binary) errs.push(invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
    total += Buffer.byteLength(s(v), "utf8");
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`binaryData[${k}]`, k, m));
    const n = base64Length(v);
    if (n === undefined) errs.push(invalid(`binaryData[${k}]`, "<binary data>", "illegal base64 data"));
    total += n ?? 0;
  }
  // An empty path: the limit is on the whole object.
  if (total > maxDataSize) errs.push(tooLong("", "", maxDataSize));
  return errs;
}

function validateUpdate(cm: KObject, old: KObject): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (cm.immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  if (!jsonEqual(cm.data ?? {}, old.data ?? {})) errs.push(forbidden("data", "field is immutable when `immutable` is set"));
  if (!jsonEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbidden("binaryData", "field is immutable when `immutable` is set"));
  return errs;
}

export const configMapStrategy: Strategy = {
  validate,
  validateUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
