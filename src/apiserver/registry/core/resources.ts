/**
 * Resource names and quantities (requests, limits, capacities, quota): kube's resource helper
 * predicates, quantity canonicalisation as defaulting does it, and ResourceRequirements validation.
 */
import type { FieldError } from "../../api/types.js";
import { child, forbidden, invalid, isNegativeErrorMsg, isQualifiedName, key, printedValue, required } from "../../validation/index.js";
import { canonicalQuantity, cmpQuantity, formatQuantity, isNegative, milliValue, parseQuantity, type Quantity } from "./quantity.js";
import { isObj, obj, objs, s, validateDNS1123Label, type Json } from "./util.js";

const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);
const standardResources = new Set([
  "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu",
  "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
  "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers",
]);
const integerResources = new Set([
  "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
  "services.nodeports", "services.loadbalancers",
]);
const standardQuotaResources = new Set([
  "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
  "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas",
  "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers",
]);

export const isNotIntegerErrorMsg = "must be an integer";
export const isNotPositiveErrorMsg = "must be greater than zero";

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith("hugepages-");
}

/** No domain, or a kubernetes.io domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes("/") || name.includes("kubernetes.io/");
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith("requests.")) return false;
  return isQualifiedName("requests." + name).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isIntegerResourceName(name: string): boolean {
  return integerResources.has(name) || isExtendedResourceName(name);
}

function isStandardResourceName(name: string): boolean {
  return standardResources.has(name) || isHugePageResourceName(name) || name.startsWith("requests.hugepages-");
}

/** validateResourceName: a qualified name; without a domain, one kube knows. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes("/") && !isStandardResourceName(name)) {
    errs.push(invalid(path, name, "must be a standard resource type or fully qualified"));
  }
  return errs;
}

export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes("/")) {
    if (!standardContainerResources.has(name) && !isHugePageResourceName(name)) {
      errs.push(invalid(path, name, "must be a standard resource for containers"));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

export function validateResourceQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes("/") && !standardQuotaResources.has(name) && !name.startsWith("requests.hugepages-") && !isHugePageResourceName(name)) {
    errs.push(invalid(path, name, "must be a standard resource for quota"));
  }
  return errs;
}

/** A quantity field's value, or an Invalid error carrying the decode message kube would give. */
export function quantityOf(v: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const q = parseQuantity(v);
  if (typeof q === "string") {
    errs.push(invalid(path, v ?? null, q));
    return undefined;
  }
  return q;
}

/** ValidateResourceQuantityValue: not negative; a whole number for countable resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isNegative(q)) errs.push(invalid(path, formatQuantity(q), isNegativeErrorMsg));
  if (isIntegerResourceName(name) && milliValue(q) % 1000n !== 0n) {
    errs.push(invalid(path, printedValue(formatQuantity(q)), isNotIntegerErrorMsg));
  }
  return errs;
}

export function validatePositiveQuantityValue(q: Quantity, path: string): FieldError[] {
  return q.mant <= 0n ? [invalid(path, formatQuantity(q), isNotPositiveErrorMsg)] : [];
}

/**
 * Canonicalises every quantity in a ResourceList in place, rounding up to milli-units as kube's
 * SetDefaults_ResourceList does. Values that do not parse are left for validation to report.
 */
export function canonicalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    const c = canonicalQuantity(v, true);
    if (c !== undefined) list[k] = c;
  }
}

/** Container (and pod overhead) ResourceRequirements: names, values, requests <= limits, claims. */
export function validateResourceRequirements(req: unknown, podClaimNames: Set<string>, path: string): FieldError[] {
  const r = obj(req);
  const errs: FieldError[] = [];
  const limPath = child(path, "limits");
  const reqPath = child(path, "requests");
  const limits = new Map<string, Quantity>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const [name, v] of Object.entries(obj(r.limits))) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityOf(v, p, errs);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === "cpu" || name === "memory") limCpuMem = true;
  }
  for (const [name, v] of Object.entries(obj(r.requests))) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityOf(v, p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const lim = limits.get(name);
    if (lim) {
      const c = cmpQuantity(q, lim);
      if (c !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (c > 0) {
        errs.push(invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, "Limit must be set for non overcommitable resources"));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === "cpu" || name === "memory") reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(forbidden(path, "HugePages require cpu or memory"));
  errs.push(...validateResourceClaimNames(r.claims, podClaimNames, child(path, "claims")));
  return errs;
}

function validateResourceClaimNames(claims: unknown, podClaimNames: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(claims).forEach((c: Json, i) => {
    const p = `${path}[${i}]`;
    const name = s(c.name);
    if (name === "") {
      errs.push(required(p, ""));
      return;
    }
    const request = s(c.request);
    if (request !== "") errs.push(...validateDNS1123Label(request, child(p, "request")));
    const k = request ? `${name}/${request}` : name;
    if (names.has(name) || names.has(k)) errs.push({ type: "FieldValueDuplicate", field: p, badValue: k, detail: "" });
    names.add(k);
    if (!podClaimNames.has(name)) {
      const list = [...podClaimNames].sort();
      const detail = "must be one of the names in pod.spec.resourceClaims" + (list.length ? `: ${list.join(", ")}` : " which is empty");
      errs.push({ type: "FieldValueNotFound", field: p, badValue: name, detail });
    }
  });
  return errs;
}

/** The cpu and memory requests/limits a QoS computation needs, summed over containers. */
export function podQOSClass(spec: Json): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const zero = parseQuantity("0") as Quantity;
  const add = (m: Map<string, Quantity>, name: string, q: Quantity) => {
    const prev = m.get(name);
    if (!prev) return void m.set(name, q);
    const e = Math.min(prev.exp, q.exp);
    m.set(name, { mant: prev.mant * 10n ** BigInt(prev.exp - e) + q.mant * 10n ** BigInt(q.exp - e), exp: e, format: prev.format });
  };
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources);
    for (const [name, v] of Object.entries(obj(res.requests))) {
      const q = parseQuantity(v);
      if ((name === "cpu" || name === "memory") && typeof q !== "string" && cmpQuantity(q, zero) > 0) add(requests, name, q);
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries(obj(res.limits))) {
      const q = parseQuantity(v);
      if ((name === "cpu" || name === "memory") && typeof q !== "string" && cmpQuantity(q, zero) > 0) {
        found.add(name);
        add(limits, name, q);
      }
    }
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, q] of requests) {
      const l = limits.get(name);
      if (!l || cmpQuantity(l, q) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
