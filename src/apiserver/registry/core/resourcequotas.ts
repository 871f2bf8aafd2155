/** ResourceQuotas: quota resource names and whole-number counts; scopes fixed after create; status via resourcequotas/status. */
import type { FieldError, KObject } from "../../api/types.js";
import { fieldImmutableErrorMsg, invalid, key, required } from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { canonicalizeResourceList, quantityOf, validateResourceQuantityValue, validateResourceQuotaResourceName } from "./resources.js";
import { ensureObj, obj, objs, s, type Json } from "./util.js";

const scopes = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity", "VolumeAttributesClass"];
/** Scopes that only make sense for pod resources (the rest of the standard names are refused with them). */
const podScopes = new Set(["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"]);
const podResources = new Set(["pods", "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);

function defaults(rq: KObject): void {
  canonicalizeResourceList(ensureObj(rq, "spec").hard);
  const status = ensureObj(rq, "status");
  canonicalizeResourceList(status.hard);
  canonicalizeResourceList(status.used);
}

function validateList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(list))) {
    const p = key(path, k);
    errs.push(...validateResourceQuotaResourceName(k, p));
    const q = quantityOf(v, p, errs);
    if (q) errs.push(...validateResourceQuantityValue(k, q, p));
  }
  return errs;
}

/** IsResourceQuotaScopeValidForResource: pod scopes fit pod counts and compute; BestEffort only pod counts. */
function scopeFitsResource(scope: string, resource: string): boolean {
  if (scope === "BestEffort") return resource === "pods";
  if (podScopes.has(scope)) return podResources.has(resource);
  return true;
}

function validateScopes(spec: Json): FieldError[] {
  const list = Array.isArray(spec.scopes) ? spec.scopes.map(s) : [];
  if (list.length === 0) return [];
  const errs: FieldError[] = [];
  const hard = Object.keys(obj(spec.hard)).sort();
  for (const scope of list) {
    if (!scopes.includes(scope)) errs.push(invalid("spec.scopes", list, "unsupported scope"));
    for (const r of hard) if (!r.includes("/") && !scopeFitsResource(scope, r)) errs.push(invalid("spec.scopes", list, "unsupported scope applied to resource"));
  }
  const set = new Set(list);
  if ((set.has("BestEffort") && set.has("NotBestEffort")) || (set.has("Terminating") && set.has("NotTerminating"))) {
    errs.push(invalid("spec.scopes", list, "conflicting scopes"));
  }
  return errs;
}

function validateScopeSelector(spec: Json): FieldError[] {
  const sel = obj(spec.scopeSelector);
  const errs: FieldError[] = [];
  const path = "spec.scopeSelector.matchExpressions";
  for (const req of objs(sel.matchExpressions)) {
    const name = s(req.scopeName);
    const op = s(req.operator);
    const values = Array.isArray(req.values) ? req.values : [];
    if (!scopes.includes(name)) errs.push(invalid(`${path}.scopeName`, name, "unsupported scope"));
    if (["BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"].includes(name) && op !== "Exists") {
      errs.push(invalid(`${path}.operator`, op, "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
    }
    if (op === "In" || op === "NotIn") {
      if (values.length === 0) errs.push(required(`${path}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length !== 0) errs.push(invalid(`${path}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else {
      errs.push(invalid(`${path}.operator`, op, "not a valid selector operator"));
    }
  }
  return errs;
}

function validateSpec(rq: KObject): FieldError[] {
  const spec = obj(rq.spec);
  return [...validateList(spec.hard, "spec.hard"), ...validateScopes(spec), ...validateScopeSelector(spec)];
}

const status: SubresourceStrategy = {
  prepareForUpdate(rq, old) {
    rq.spec = old.spec;
  },
  validateUpdate(rq) {
    const st = obj(rq.status);
    const errs = rq.metadata.resourceVersion ? [] : [required("resourceVersion", "")];
    return [...errs, ...validateList(st.hard, "status.hard"), ...validateList(st.used, "status.used")];
  },
};

export const resourceQuotaStrategy: Strategy = {
  defaults,
  prepareForCreate(rq) {
    rq.status = {};
  },
  prepareForUpdate(rq, old) {
    rq.status = old.status ?? {};
  },
  validate(rq) {
    const st = obj(rq.status);
    return [...validateSpec(rq), ...validateList(st.hard, "status.hard"), ...validateList(st.used, "status.used")];
  },
  validateUpdate(rq, old) {
    const now = new Set(Array.isArray(obj(rq.spec).scopes) ? (obj(rq.spec).scopes as unknown[]).map(s) : []);
    const before = new Set(Array.isArray(obj(old.spec).scopes) ? (obj(old.spec).scopes as unknown[]).map(s) : []);
    const same = now.size === before.size && [...now].every((x) => before.has(x));
    return same ? [] : [invalid("spec.scopes", obj(rq.spec).scopes ?? null, fieldImmutableErrorMsg)];
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
