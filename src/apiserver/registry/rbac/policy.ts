/**
 * RBAC validation shared by the four kinds (kube's pkg/apis/rbac/validation, 1.32): policy
 * rules, role references, subjects. RBAC defaults only fill API groups.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  goQuote, invalid, notSupported, printedValue, required, validatePathSegmentName, validateServiceAccountName,
} from "../../validation/index.js";
import { arr, isObj, len, objField, s, type Json } from "../groupsupport/json.js";
import { selectorFromMeta, validateLabelSelector } from "../groupsupport/validate.js";

export const rbacGroup = "rbac.authorization.k8s.io";

/** SetDefaults_Subject: users and groups belong to the RBAC group, service accounts to core. */
export function defaultSubjects(obj: KObject): void {
  for (const subj of arr(obj.subjects)) {
    if (!isObj(subj) || s(subj.apiGroup) !== "") continue;
    if (subj.kind === "User" || subj.kind === "Group") subj.apiGroup = rbacGroup;
    else if (subj.kind === "ServiceAccount") subj.apiGroup = "";
  }
}

/** SetDefaults_RoleBinding / ClusterRoleBinding: roleRef.apiGroup. */
export function defaultBinding(obj: KObject): void {
  const ref = objField(obj, "roleRef");
  if (s(ref.apiGroup) === "") ref.apiGroup = rbacGroup;
  defaultSubjects(obj);
}

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (len(rule.verbs) === 0) errs.push(required(`${path}.verbs`, "verbs must contain at least one value"));
  if (len(rule.nonResourceURLs) > 0) {
    const urls = rule.nonResourceURLs;
    if (namespaced) errs.push(invalid(`${path}.nonResourceURLs`, urls, "namespaced rules cannot apply to non-resource URLs"));
    if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0) {
      errs.push(invalid(`${path}.nonResourceURLs`, urls, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return errs;
  }
  if (len(rule.apiGroups) === 0) errs.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (len(rule.resources) === 0) errs.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

export function validateRules(obj: KObject, namespaced: boolean): FieldError[] {
  return arr(obj.rules).flatMap((r, i) => validatePolicyRule(isObj(r) ? r : {}, namespaced, `rules[${i}]`));
}

/** ClusterRole's aggregationRule. */
export function validateAggregationRule(obj: KObject): FieldError[] {
  const rule = obj.aggregationRule;
  if (!isObj(rule)) return [];
  const path = "aggregationRule.clusterRoleSelectors";
  const errs: FieldError[] = [];
  const selectors = arr(rule.clusterRoleSelectors);
  if (selectors.length === 0) errs.push(required(path, "at least one clusterRoleSelector required if aggregationRule is non-nil"));
  selectors.forEach((sel, i) => {
    errs.push(...validateLabelSelector(sel, `${path}[${i}]`));
    // kube reports the (nil) selector the failed conversion returned.
    if (!selectorFromMeta(isObj(sel) ? sel : {})) errs.push(invalid(`${path}[${i}]`, null, "invalid label selector."));
  });
  return errs;
}

/** rbac.RoleRef as Go's %#v prints it. */
export function roleRefValue(ref: unknown): unknown {
  const r = isObj(ref) ? ref : {};
  return printedValue(`rbac.RoleRef{APIGroup:${goQuote(s(r.apiGroup))}, Kind:${goQuote(s(r.kind))}, Name:${goQuote(s(r.name))}}`);
}

/** ValidateRoleBinding / ValidateClusterRoleBinding: roleRef then subjects. */
export function validateBinding(obj: KObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isObj(obj.roleRef) ? obj.roleRef : {};
  if (s(ref.apiGroup) !== rbacGroup) errs.push(notSupported("roleRef.apiGroup", s(ref.apiGroup), [rbacGroup]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(s(ref.kind))) errs.push(notSupported("roleRef.kind", s(ref.kind), kinds));
  const name = s(ref.name);
  if (name === "") errs.push(required("roleRef.name"));
  else for (const m of validatePathSegmentName(name, false)) errs.push(invalid("roleRef.name", name, m));
  arr(obj.subjects).forEach((subj, i) => errs.push(...validateSubject(isObj(subj) ? subj : {}, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateSubject(subj: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(subj.name);
  const apiGroup = s(subj.apiGroup);
  if (name === "") errs.push(required(`${path}.name`));
  switch (subj.kind) {
    case "ServiceAccount":
      if (name !== "") for (const m of validateServiceAccountName(name, false)) errs.push(invalid(`${path}.name`, name, m));
      if (apiGroup !== "") errs.push(notSupported(`${path}.apiGroup`, apiGroup, [""]));
      if (!namespaced && s(subj.namespace) === "") errs.push(required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (apiGroup !== rbacGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s(subj.kind), ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

/** ValidateRoleBindingUpdate: the role a binding grants never changes. */
export function validateRoleRefUnchanged(obj: KObject, old: KObject): FieldError[] {
  const a = isObj(obj.roleRef) ? obj.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  const same = s(a.apiGroup) === s(b.apiGroup) && s(a.kind) === s(b.kind) && s(a.name) === s(b.name);
  return same ? [] : [invalid("roleRef", roleRefValue(a), "cannot change roleRef")];
}
