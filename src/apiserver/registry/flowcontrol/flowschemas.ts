/** flowcontrol.apiserver.k8s.io/v1 FlowSchema (kube's strategy, defaults, essential validation; 1.32). */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, notSupported, required, validatePathSegmentName } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { arr, isObj, len, objAt, s, specOf, type Json } from "../groupsupport/json.js";
import { flowcontrolLifecycle } from "./lifecycle.js";

const maxMatchingPrecedence = 10000;
const subjectKinds = ["Group", "ServiceAccount", "User"];
const distinguishers = ["ByNamespace", "ByUser"];

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  if (typeof spec.matchingPrecedence !== "number" || spec.matchingPrecedence === 0) spec.matchingPrecedence = 1000;
}

const subjectFields: Record<string, string> = { ServiceAccount: "serviceAccount", User: "user", Group: "group" };

function validateSubject(subj: Json, path: string): FieldError[] {
  const kind = s(subj.kind);
  const own = subjectFields[kind];
  if (!own) return [notSupported(`${path}.kind`, kind, subjectKinds)];
  const errs: FieldError[] = [];
  const body = objAt(subj, own);
  if (!body) errs.push(required(`${path}.${own}`, `${own} is required when subject kind is '${kind}'`));
  else {
    if (s(body.name) === "") errs.push(required(`${path}.${own}.name`, `${own} name is required`));
    if (kind === "ServiceAccount" && s(body.namespace) === "") errs.push(required(`${path}.${own}.namespace`, "must specify namespace for service account"));
  }
  for (const [k, f] of Object.entries(subjectFields)) {
    if (k !== kind && subj[f] !== undefined && subj[f] !== null) errs.push(forbidden(`${path}.${f}`, `${f} is forbidden when subject kind is not '${k}'`));
  }
  return errs;
}

function validateRule(rule: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const subjects = arr(rule.subjects);
  if (subjects.length === 0) errs.push(required(`${path}.subjects`, "subjects must contain at least one value"));
  subjects.forEach((x, i) => errs.push(...validateSubject(isObj(x) ? x : {}, `${path}.subjects[${i}]`)));
  if (len(rule.resourceRules) === 0 && len(rule.nonResourceRules) === 0) {
    errs.push(required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"));
  }
  arr(rule.resourceRules).forEach((x, i) => {
    const r = isObj(x) ? x : {};
    const p = `${path}.resourceRules[${i}]`;
    if (len(r.verbs) === 0) errs.push(required(`${p}.verbs`, "verbs must contain at least one value"));
    if (len(r.apiGroups) === 0) errs.push(required(`${p}.apiGroups`, "resource rules must supply at least one api group"));
    if (len(r.resources) === 0) errs.push(required(`${p}.resources`, "resource rules must supply at least one resource"));
    if (len(r.namespaces) === 0 && r.clusterScope !== true) {
      errs.push(required(`${p}.namespaces`, "resource rules that are not cluster scoped must supply at least one namespace"));
    }
  });
  arr(rule.nonResourceRules).forEach((x, i) => {
    const r = isObj(x) ? x : {};
    const p = `${path}.nonResourceRules[${i}]`;
    if (len(r.verbs) === 0) errs.push(required(`${p}.verbs`, "verbs must contain at least one value"));
    if (len(r.nonResourceURLs) === 0) errs.push(required(`${p}.nonResourceURLs`, "nonResourceURLs must contain at least one value"));
  });
  return errs;
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const mp = typeof spec.matchingPrecedence === "number" ? spec.matchingPrecedence : 0;
  if (mp <= 0) errs.push(invalid("spec.matchingPrecedence", mp, "must be a positive value"));
  if (mp > maxMatchingPrecedence) errs.push(invalid("spec.matchingPrecedence", mp, `must not be greater than ${maxMatchingPrecedence}`));
  if (mp === 1 && obj.metadata.name !== "exempt") errs.push(invalid("spec.matchingPrecedence", mp, "only the schema named 'exempt' may have matchingPrecedence 1"));
  const dm = objAt(spec, "distinguisherMethod");
  if (dm && !distinguishers.includes(s(dm.type))) errs.push(notSupported("spec.distinguisherMethod.type", s(dm.type), distinguishers));
  const plc = s(objAt(spec, "priorityLevelConfiguration")?.name);
  if (plc === "") errs.push(required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
  else for (const m of validatePathSegmentName(plc, false)) errs.push(invalid("spec.priorityLevelConfiguration.name", plc, m));
  arr(spec.rules).forEach((r, i) => errs.push(...validateRule(isObj(r) ? r : {}, `spec.rules[${i}]`)));
  return errs;
}

export const flowSchemaStrategy: Strategy = {
  defaults,
  ...flowcontrolLifecycle,
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
