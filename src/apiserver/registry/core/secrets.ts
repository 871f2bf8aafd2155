/**
 * Secrets: type Opaque by default, stringData folded into data (kube does it when decoding),
 * per-type required keys, 1 MiB, type and `immutable` data fixed once set.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, isConfigMapKey, jsonEqual, required, tooLong, validateImmutableField } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { base64Length, maxDataSize } from "./configmaps.js";
import { isObj, s } from "./util.js";

function defaults(secret: KObject): void {
  if (s(secret.type) === "") secret.type = "Opaque";
  if (isObj(secret.stringData)) {
    const data = isObj(secret.data) ? secret.data : (secret.data = {});
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(s(v), "utf8").toString("base64");
  }
  delete secret.stringData;
}

/** A data entry's decoded bytes (undefined when absent). */
function entry(data: Record<string, unknown>, k: string): Buffer | undefined {
  return k in data ? Buffer.from(s(data[k]), "base64") : undefined;
}

function validate(secret: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = isObj(secret.data) ? secret.data : {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, m));
    const n = base64Length(v);
    if (n === undefined) errs.push(invalid(`data[${k}]`, "<secret contents redacted>", "illegal base64 data"));
    total += n ?? 0;
  }
  if (total > maxDataSize) errs.push(tooLong("data", "", maxDataSize));
  const json = (k: string) => {
    const b = entry(data, k);
    if (!b) return errs.push(required(`data[${k}]`, ""));
    try {
      const parsed: unknown = JSON.parse(b.toString("utf8"));
      if (!isObj(parsed)) throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? "array" : typeof parsed} into Go value of type map[string]interface {}`);
    } catch (e) {
      errs.push(invalid(`data[${k}]`, "<secret contents redacted>", (e as Error).message));
    }
    return 0;
  };
  switch (s(secret.type)) {
    case "kubernetes.io/service-account-token":
      if (s(secret.metadata.annotations?.["kubernetes.io/service-account.name"]) === "") {
        errs.push(required("metadata.annotations[kubernetes.io/service-account.name]", ""));
      }
      break;
    case "kubernetes.io/dockercfg":
      json(".dockercfg");
      break;
    case "kubernetes.io/dockerconfigjson":
      json(".dockerconfigjson");
      break;
    case "kubernetes.io/basic-auth":
      if (!("username" in data) && !("password" in data)) errs.push(required("data[username]", ""), required("data[password]", ""));
      break;
    case "kubernetes.io/ssh-auth":
      if ((entry(data, "ssh-privatekey")?.length ?? 0) === 0) errs.push(required("data[ssh-privatekey]", ""));
      break;
    case "kubernetes.io/tls":
      if (!("tls.crt" in data)) errs.push(required("data[tls.crt]", ""));
      if (!("tls.key" in data)) errs.push(required("data[tls.key]", ""));
      break;
  }
  return errs;
}

function validateUpdate(secret: KObject, old: KObject): FieldError[] {
  const errs = validateImmutableField(s(secret.type), s(old.type), "type");
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!jsonEqual(secret.data ?? {}, old.data ?? {})) errs.push(forbidden("data", "field is immutable when `immutable` is set"));
  }
  return errs;
}

export const secretStrategy: Strategy = {
  defaults,
  validate,
  validateUpdate,
  selectableFields: (secret) => ({ type: s(secret.type) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
