/**
 * ValidatingAdmissionPolicy and its bindings (admissionregistration.k8s.io/v1, 1.32): defaults,
 * generation, status, and the structural checks. CEL expressions are not compiled here (kube
 * reports compile errors and fills status.typeChecking; kplane does neither yet).
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  duplicate, forbidden, invalid, nameIsDNSSubdomain, notSupported, required, validatePathSegmentName,
} from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, objAt, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import { validateConditions } from "../groupsupport/conditions.js";
import { nonNegative, validateLabelSelector } from "../groupsupport/validate.js";
import { defaultRule, validateRuleWithOperations } from "./rules.js";

const failurePolicies = ["Fail", "Ignore"];
const matchPolicies = ["Equivalent", "Exact"];
const validationActions = ["Audit", "Deny", "Warn"];

/** SetDefaults_MatchResources and the rules' scope. */
function defaultMatchResources(mr: unknown): void {
  if (!isObj(mr)) return;
  setDefault(mr, "matchPolicy", "Equivalent");
  setDefault(mr, "namespaceSelector", {});
  setDefault(mr, "objectSelector", {});
  for (const k of ["resourceRules", "excludeResourceRules"]) for (const r of arr(mr[k])) defaultRule(r);
}

function validateMatchResources(mr: unknown, path: string): FieldError[] {
  if (!isObj(mr)) return [];
  const errs: FieldError[] = [];
  const mp = mr.matchPolicy;
  if (mp === undefined || mp === null) errs.push(required(`${path}.matchPolicy`));
  else if (!matchPolicies.includes(s(mp))) errs.push(notSupported(`${path}.matchPolicy`, s(mp), matchPolicies));
  if (!isObj(mr.namespaceSelector)) errs.push(required(`${path}.namespaceSelector`));
  else errs.push(...validateLabelSelector(mr.namespaceSelector, `${path}.namespaceSelector`));
  // kube reports the object selector under the name "labelSelector".
  if (!isObj(mr.objectSelector)) errs.push(required(`${path}.labelSelector`));
  else errs.push(...validateLabelSelector(mr.objectSelector, `${path}.labelSelector`));
  for (const k of ["resourceRules", "excludeResourceRules"]) {
    arr(mr[k]).forEach((r, i) => errs.push(...validateNamedRule(isObj(r) ? r : {}, `${path}.${k}[${i}]`)));
  }
  return errs;
}

function validateNamedRule(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(rule.resourceNames).forEach((n, i) => {
    const name = s(n);
    for (const m of validatePathSegmentName(name, false)) errs.push(invalid(`${path}.resourceNames[${i}]`, name, m));
    if (seen.has(name)) errs.push(duplicate(`${path}.resourceNames[${i}]`, name));
    else seen.add(name);
  });
  errs.push(...validateRuleWithOperations(rule, path));
  return errs;
}

function validatePolicy(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const fp = spec.failurePolicy;
  if (fp === undefined || fp === null) errs.push(required("spec.failurePolicy"));
  else if (!failurePolicies.includes(s(fp))) errs.push(notSupported("spec.failurePolicy", s(fp), failurePolicies));
  const pk = objAt(spec, "paramKind");
  if (pk) {
    if (s(pk.kind) === "") errs.push(required("spec.paramKind.kind"));
    if (s(pk.apiVersion) === "") errs.push(required("spec.paramKind.apiVersion"));
  }
  if (!isObj(spec.matchConstraints)) errs.push(required("spec.matchConstraints"));
  else {
    errs.push(...validateMatchResources(spec.matchConstraints, "spec.matchConstraints"));
    if (arr(spec.matchConstraints.resourceRules).length === 0) errs.push(required("spec.matchConstraints.resourceRules"));
  }
  const validations = arr(spec.validations);
  if (validations.length === 0 && arr(spec.auditAnnotations).length === 0) {
    const msg = "validations or auditAnnotations must contain at least one item";
    errs.push(required("spec.validations", msg), required("spec.auditAnnotations", msg));
  }
  validations.forEach((v, i) => {
    const val = isObj(v) ? v : {};
    const p = `spec.validations[${i}]`;
    if (s(val.expression).trim() === "") errs.push(required(`${p}.expression`, "expression is not specified"));
    const msg = s(val.message);
    if (msg.length > 0 && msg.trim() === "") errs.push(invalid(`${p}.message`, msg, "message must be non-empty if specified"));
    else if (/[\n\r]/.test(msg.trim())) errs.push(invalid(`${p}.message`, msg, "message must not contain line breaks"));
    const me = s(val.messageExpression);
    if (me.length > 0 && me.trim() === "") errs.push(invalid(`${p}.messageExpression`, me, "must be non-empty if specified"));
  });
  return errs;
}

function validatePolicyStatus(obj: KObject): FieldError[] {
  const st = isObj(obj.status) ? obj.status : {};
  return [...nonNegative(st.observedGeneration, "status.observedGeneration"), ...validateConditions(st.conditions, "status.conditions")];
}

export const validatingAdmissionPolicyStrategy: Strategy = {
  defaults(obj) {
    const spec = specOf(obj);
    setDefault(spec, "failurePolicy", "Fail");
    defaultMatchResources(spec.matchConstraints);
  },
  ...specStatusStrategy({ zeroStatus: () => ({}), generation: true, validateStatusUpdate: validatePolicyStatus }),
  validate: validatePolicy,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

function validateParamRef(pr: unknown, path: string): FieldError[] {
  if (!isObj(pr)) return [];
  const errs: FieldError[] = [];
  const name = s(pr.name);
  const hasSelector = isObj(pr.selector);
  if (name.length > 0) {
    for (const m of validatePathSegmentName(name, false)) errs.push(invalid(`${path}.name`, name, m));
    if (hasSelector) errs.push(forbidden(`${path}.name`, "name and selector are mutually exclusive"));
  }
  if (hasSelector) {
    errs.push(...validateLabelSelector(pr.selector, `${path}.selector`));
    if (name.length > 0) errs.push(forbidden(`${path}.selector`, "name and selector are mutually exclusive"));
  }
  if (name.length === 0 && !hasSelector) errs.push(required(path, "one of name or selector must be specified"));
  const action = s(pr.parameterNotFoundAction);
  if (action === "") errs.push(required(`${path}.parameterNotFoundAction`));
  else if (action !== "Deny" && action !== "Allow") errs.push(notSupported(`${path}.parameterNotFoundAction`, action, ["Deny", "Allow"]));
  return errs;
}

function validateBinding(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const policy = s(spec.policyName);
  if (policy === "") errs.push(required("spec.policyName"));
  else for (const m of nameIsDNSSubdomain(policy, false)) errs.push(invalid("spec.policyName", policy, m));
  errs.push(...validateParamRef(spec.paramRef, "spec.paramRef"));
  // "matchResouces": kube's own spelling of this path.
  errs.push(...validateMatchResources(spec.matchResources, "spec.matchResouces"));
  const actions = arr(spec.validationActions).map(s);
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!validationActions.includes(a)) errs.push(notSupported(`spec.validationActions[${i}]`, a, validationActions));
    if (seen.has(a)) errs.push(duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has("Deny") && seen.has("Warn")) {
    errs.push(
      invalid(
        "spec.validationActions",
        actions,
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  }
  if (seen.size === 0) errs.push(required("spec.validationActions", "at least one validation action is required"));
  return errs;
}

export const validatingAdmissionPolicyBindingStrategy: Strategy = {
  defaults: (obj) => defaultMatchResources(specOf(obj).matchResources),
  ...specStatusStrategy({ generation: true }),
  subresources: {},
  validate: validateBinding,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
