/** Rule validation shared by webhooks and admission policies (kube's admissionregistration validation). */
import type { FieldError } from "../../api/types.js";
import { invalid, notSupported, required } from "../../validation/index.js";
import { arr, isObj, len, s, setDefault, type Json } from "../groupsupport/json.js";

const operations = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const scopes = ["*", "Cluster", "Namespaced"];

/** SetDefaults_Rule. */
export function defaultRule(rule: unknown): void {
  if (isObj(rule)) setDefault(rule, "scope", "*");
}

function hasWildcard(values: string[]): boolean {
  return values.includes("*");
}

export function validateRuleWithOperations(rule: Json, path: string, allowSubresources = true): FieldError[] {
  const errs: FieldError[] = [];
  const ops = arr(rule.operations).map(s);
  if (ops.length === 0) errs.push(required(`${path}.operations`));
  if (ops.length > 1 && hasWildcard(ops)) errs.push(invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => {
    if (!operations.includes(op)) errs.push(notSupported(`${path}.operations[${i}]`, op, operations));
  });
  errs.push(...validateRule(rule, path, allowSubresources));
  return errs;
}

export function validateRule(rule: Json, path: string, allowSubresources: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const groups = arr(rule.apiGroups).map(s);
  if (groups.length === 0) errs.push(required(`${path}.apiGroups`));
  if (groups.length > 1 && hasWildcard(groups)) errs.push(invalid(`${path}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = arr(rule.apiVersions).map(s);
  if (versions.length === 0) errs.push(required(`${path}.apiVersions`));
  if (versions.length > 1 && hasWildcard(versions)) errs.push(invalid(`${path}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (v === "") errs.push(required(`${path}.apiVersions[${i}]`));
  });
  const resources = arr(rule.resources).map(s);
  errs.push(...(allowSubresources ? validateResources(resources, `${path}.resources`) : validateResourcesNoSubresources(resources, `${path}.resources`)));
  if (typeof rule.scope === "string" && !scopes.includes(rule.scope)) errs.push(notSupported(`${path}.scope`, rule.scope, scopes));
  return errs;
}

function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(path));
  const wildcardSubOf = new Set<string>();
  const wildcardResOf = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let plainResource = false;
  resources.forEach((rs, i) => {
    if (rs === "") {
      errs.push(required(`${path}[${i}]`));
      return;
    }
    if (rs === "*/*") doubleWildcard = true;
    if (rs === "*") singleWildcard = true;
    const slash = rs.indexOf("/");
    if (slash < 0) {
      plainResource = rs !== "*";
      return;
    }
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (wildcardSubOf.has(res)) errs.push(invalid(`${path}[${i}]`, rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (wildcardResOf.has(sub)) errs.push(invalid(`${path}[${i}]`, rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === "*") wildcardSubOf.add(res);
    if (res === "*") wildcardResOf.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(invalid(path, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && plainResource) errs.push(invalid(path, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

function validateResourcesNoSubresources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(path));
  resources.forEach((rs, i) => {
    if (rs === "") errs.push(required(`${path}[${i}]`));
    if (rs === "*" && resources.length > 1) errs.push(invalid(`${path}[${i}]`, rs, "if '*' is present, must not specify other resources"));
    if (rs.includes("/")) errs.push(invalid(`${path}[${i}]`, rs, "must not specify subresources"));
  });
  return errs;
}

