/**
 * Nodes (pkg/registry/core/node): the kubelet registers a node with its status, so status is
 * kept on create; afterwards status changes only through nodes/status. Quantities are
 * canonicalised, allocatable defaults to capacity, and the Go zero values kube prints appear.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, isValidCIDR, validateLabelName, isValidLabelValue, jsonEqual } from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { validateTaintEffect } from "./podspec.js";
import { canonicalizeResourceList, quantityOf, validateResourceQuantityValue } from "./resources.js";
import { ensureObj, isObj, obj, objs, s, setDefault, type Json } from "./util.js";

const nodeInfoFields = [
  "machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion", "kubeletVersion", "kubeProxyVersion",
  "operatingSystem", "architecture",
];

function defaults(node: KObject): void {
  ensureObj(node, "spec");
  const status = ensureObj(node, "status");
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (!isObj(status.allocatable) && isObj(status.capacity)) status.allocatable = { ...status.capacity };
  // NodeStatus' structs are printed even when empty, with every string field.
  const endpoints = ensureObj(status, "daemonEndpoints");
  setDefault(ensureObj(endpoints, "kubeletEndpoint"), "Port", 0);
  const info = ensureObj(status, "nodeInfo");
  for (const k of nodeInfoFields) setDefault(info, k, "");
}

function validateTaints(taints: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  // kube's path for taints is built from "metadata".
  objs(taints).forEach((t, i) => {
    const p = `metadata.taints[${i}]`;
    const k = s(t.key);
    const v = s(t.value);
    const effect = s(t.effect);
    errs.push(...validateLabelName(k, `${p}.key`));
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(invalid(`${p}.value`, v, msgs.join(";")));
    errs.push(...validateTaintEffect(effect, false, `${p}.effect`));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      errs.push({ type: "FieldValueDuplicate", field: p, badValue: t, detail: "taints must be unique by key and effect pair" });
      return;
    }
    keys.add(k);
    seen.set(effect, keys);
  });
  return errs;
}

function validateResources(node: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = obj(node.status);
  for (const list of ["capacity", "allocatable"]) {
    for (const [k, v] of Object.entries(obj(status[list]))) {
      const p = `status.${list}.${k}`;
      const q = quantityOf(v, p, errs);
      if (q) errs.push(...validateResourceQuantityValue(k, q, p));
    }
  }
  return errs;
}

function validate(node: KObject): FieldError[] {
  const spec = obj(node.spec);
  const errs = validateTaints(spec.taints);
  errs.push(...validateResources(node));
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.map(s) : [];
  cidrs.forEach((c, i) => {
    for (const m of isValidCIDR(c)) errs.push(invalid(`spec.podCIDRs[${i}]`, c, m));
  });
  if (cidrs.length > 1) {
    if (cidrs.length > 2 || cidrs[0]!.includes(":") === cidrs[1]!.includes(":")) {
      errs.push(invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family"));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push({ type: "FieldValueDuplicate", field: `spec.podCIDRs[${i}]`, badValue: c, detail: "" });
      seen.add(c);
    });
  }
  return errs;
}

/** ValidateNodeUpdate: podCIDRs and providerID settle once set; addresses are unique. */
function validateUpdate(node: KObject, old: KObject): FieldError[] {
  const spec = obj(node.spec);
  const prev = obj(old.spec);
  const errs: FieldError[] = [];
  const seen: Json[] = [];
  objs(obj(node.status).addresses).forEach((a, i) => {
    if (seen.some((x) => jsonEqual(x, a))) errs.push({ type: "FieldValueDuplicate", field: `status.addresses[${i}]`, badValue: a, detail: "" });
    seen.push(a);
  });
  const oldCIDRs = Array.isArray(prev.podCIDRs) ? prev.podCIDRs.map(s) : [];
  const cidrs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.map(s) : [];
  if (oldCIDRs.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== cidrs.length) errs.push(forbidden("spec.podCIDRs", msg));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden("spec.podCIDRs", msg)));
  }
  if (s(prev.providerID) !== "" && prev.providerID !== spec.providerID) {
    errs.push(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'));
  }
  if (s(spec.externalID) !== s(prev.externalID)) errs.push(forbidden("spec.externalID", "may not be updated"));
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(node, old) {
    node.spec = old.spec;
  },
  validateUpdate(node, old) {
    return [...validate(node), ...validateUpdate(node, old)];
  },
};

export const nodeStrategy: Strategy = {
  defaults,
  prepareForCreate(node) {
    // The deprecated dynamic kubelet config source is dropped.
    delete obj(node.spec).configSource;
    delete obj(node.status).config;
  },
  prepareForUpdate(node, old) {
    node.status = old.status;
    if (!obj(old.spec).configSource) delete obj(node.spec).configSource;
  },
  validate,
  validateUpdate,
  selectableFields: (node) => ({ "spec.unschedulable": String(obj(node.spec).unschedulable === true) }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
