/**
 * PersistentVolumes: one volume source, capacity of storage only, reclaim policy Retain by
 * default; the source is fixed after create; status (phase, transition time) via pv/status.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { child, forbidden, invalid, jsonEqual, nameIsDNSSubdomain, notSupported, required, validateImmutableField } from "../../validation/index.js";
import type { Strategy, StrategyContext, SubresourceStrategy } from "../types.js";
import { cmpQuantity, parseQuantity, type Quantity } from "./quantity.js";
import { canonicalizeResourceList, quantityOf, validatePositiveQuantityValue } from "./resources.js";
import { ensureObj, isObj, jsonDiff, metaTime, obj, s, setDefault, type Json } from "./util.js";
import { defaultSourceFields, validateHostPathType, validatePathNoBacksteps } from "./volumes.js";

export const accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
export const volumeModes = ["Block", "Filesystem"];

/** The PersistentVolumeSource fields, in kube's validation order. */
const pvSources = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs", "rbd", "quobyte", "cephfs", "iscsi",
  "cinder", "fc", "flexVolume", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "scaleIO",
  "local", "storageos", "csi",
];

function defaults(pv: KObject): void {
  const spec = ensureObj(pv, "spec");
  ensureObj(pv, "status");
  if (s(spec.persistentVolumeReclaimPolicy) === "") spec.persistentVolumeReclaimPolicy = "Retain";
  setDefault(spec, "volumeMode", "Filesystem");
  canonicalizeResourceList(spec.capacity);
  defaultSourceFields(spec);
}

/** Access modes: at least one, known ones, ReadWriteOncePod alone (shared with claims). */
export function validateAccessModes(modes: unknown, path: string, requiredDetail: string): FieldError[] {
  const list = Array.isArray(modes) ? modes.map(s) : [];
  const errs: FieldError[] = [];
  if (list.length === 0) errs.push(required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of list) {
    if (!accessModes.includes(m)) errs.push(notSupported(path, m, accessModes));
    if (m === "ReadWriteOncePod") rwop = true;
    else if (accessModes.includes(m)) other = true;
  }
  if (rwop && other) errs.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

function validate(pv: KObject): FieldError[] {
  const spec = obj(pv.spec);
  const errs = validateAccessModes(spec.accessModes, "spec.accessModes", "");
  const capacity = obj(spec.capacity);
  const keys = Object.keys(capacity);
  if (keys.length === 0) errs.push(required("spec.capacity", ""));
  if (!("storage" in capacity) || keys.length > 1) errs.push(notSupported("spec.capacity", capacity, ["storage"]));
  for (const k of keys) {
    const p = `spec.capacity[${k}]`;
    const q = quantityOf(capacity[k], p, errs);
    if (!q) continue;
    if (cmpQuantity(q, parseQuantity("0") as Quantity) < 0) errs.push(invalid(p, Number(q.mant) * 10 ** q.exp, "must be a valid resource quantity"));
    errs.push(...validatePositiveQuantityValue(q, p));
  }
  const policy = s(spec.persistentVolumeReclaimPolicy);
  if (policy !== "" && !["Delete", "Recycle", "Retain"].includes(policy)) {
    errs.push(notSupported("spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]));
  }
  const affinity = isObj(spec.nodeAffinity) && isObj(spec.nodeAffinity.required);
  let n = 0;
  for (const k of pvSources) {
    if (!isObj(spec[k])) continue;
    if (n > 0 && k !== "flexVolume") {
      errs.push(forbidden(`spec.${k === "cephfs" ? "cephFS" : k}`, "may not specify more than 1 volume type"));
      continue;
    }
    n++;
    const src = spec[k];
    const p = `spec.${k === "gcePersistentDisk" ? "persistentDisk" : k}`;
    errs.push(...validatePVSource(k, src, p));
    if (k === "local" && !affinity) errs.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  if (n === 0) errs.push(required("spec", "must specify a volume type"));
  const hostPath = obj(spec.hostPath);
  if (isObj(spec.hostPath) && s(hostPath.path).replace(/\/+$/, "") === "" && s(hostPath.path).startsWith("/") && policy === "Recycle") {
    errs.push(forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const sc = s(spec.storageClassName);
  if (sc !== "") for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid("spec.storageClassName", sc, m));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !volumeModes.includes(s(spec.volumeMode))) {
    errs.push(notSupported("spec.volumeMode", s(spec.volumeMode), volumeModes));
  }
  return errs;
}

function validatePVSource(kind: string, src: Json, p: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case "hostPath":
      if (s(src.path) === "") return [required(child(p, "path"), "")];
      errs.push(...validatePathNoBacksteps(s(src.path), child(p, "path")), ...validateHostPathType(src.type, child(p, "type")));
      break;
    case "nfs":
      if (s(src.server) === "") errs.push(required(child(p, "server"), ""));
      if (s(src.path) === "") errs.push(required(child(p, "path"), ""));
      if (!s(src.path).startsWith("/")) errs.push(invalid(child(p, "path"), s(src.path), "must be an absolute path"));
      break;
    case "local":
      if (s(src.path) === "") errs.push(required(child(p, "path"), ""));
      else errs.push(...validatePathNoBacksteps(s(src.path), child(p, "path")));
      break;
    case "csi":
      if (s(src.driver) === "") errs.push(required(child(p, "driver"), ""));
      if (s(src.volumeHandle) === "") errs.push(required(child(p, "volumeHandle"), ""));
      break;
  }
  return errs;
}

function sourceOf(spec: Json): Json {
  const out: Json = {};
  for (const k of pvSources) if (spec[k] !== undefined) out[k] = spec[k];
  return out;
}

function validateUpdate(pv: KObject, old: KObject): FieldError[] {
  const spec = obj(pv.spec);
  const prev = obj(old.spec);
  const errs: FieldError[] = [];
  const now = sourceOf(spec);
  const before = sourceOf(prev);
  // A CSI controllerExpandSecretRef may be added later.
  if (isObj(now.csi) && isObj(before.csi) && before.csi.controllerExpandSecretRef === undefined) {
    const csi: Json = { ...now.csi };
    delete csi.controllerExpandSecretRef;
    now.csi = csi;
  }
  if (!jsonEqual(now, before)) {
    errs.push(forbidden("spec.persistentvolumesource", `spec.persistentvolumesource is immutable after creation\n${jsonDiff(before, now).join("\n")}`));
  }
  errs.push(...validateImmutableField(spec.volumeMode ?? null, prev.volumeMode ?? null, "volumeMode"));
  if (isObj(prev.nodeAffinity) && !jsonEqual(spec.nodeAffinity ?? null, prev.nodeAffinity)) {
    errs.push(invalid("nodeAffinity", spec.nodeAffinity ?? null, "field is immutable, except for updating from beta label to GA"));
  }
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(pv, old, ctx: StrategyContext) {
    pv.spec = old.spec;
    const st = ensureObj(pv, "status");
    const prev = obj(old.status);
    if (st.phase === prev.phase && st.lastPhaseTransitionTime === undefined) {
      if (prev.lastPhaseTransitionTime !== undefined) st.lastPhaseTransitionTime = prev.lastPhaseTransitionTime;
    } else if (st.phase !== prev.phase && (st.lastPhaseTransitionTime === undefined || st.lastPhaseTransitionTime === prev.lastPhaseTransitionTime)) {
      st.lastPhaseTransitionTime = metaTime(ctx.now);
    }
  },
  validateUpdate(pv) {
    return pv.metadata.resourceVersion ? [] : [required("resourceVersion", "")];
  },
};

export const persistentVolumeStrategy: Strategy = {
  defaults,
  prepareForCreate(pv, ctx) {
    pv.status = { phase: "Pending", lastPhaseTransitionTime: metaTime(ctx.now) };
  },
  prepareForUpdate(pv, old) {
    pv.status = old.status;
  },
  validate,
  validateUpdate,
  // "name" is a historical extra kube keeps for compatibility.
  selectableFields: (pv) => ({ name: pv.metadata.name ?? "" }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
