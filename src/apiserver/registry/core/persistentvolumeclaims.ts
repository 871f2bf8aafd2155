/**
 * PersistentVolumeClaims: a storage request and access modes; the spec is fixed after create
 * except volumeName (once) and, for bound claims, a larger storage request.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, jsonEqual, nameIsDNSSubdomain, notSupported, required, validateImmutableField, validateLabelSelector } from "../../validation/index.js";
import type { Strategy, SubresourceStrategy } from "../types.js";
import { validateAccessModes, volumeModes } from "./persistentvolumes.js";
import { cmpQuantity, parseQuantity } from "./quantity.js";
import { quantityOf, validatePositiveQuantityValue, validateResourceQuantityValue } from "./resources.js";
import { ensureObj, isObj, jsonDiff, obj, s, type Json } from "./util.js";
import { defaultPersistentVolumeClaimSpec } from "./volumes.js";

function validateDataSource(ds: Json, path: string, ref: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (s(ds.name) === "") errs.push(required(`${path}.name`, ""));
  if (s(ds.kind) === "") errs.push(required(`${path}.kind`, ""));
  const group = s(ds.apiGroup);
  if (group === "" && ds.kind !== "PersistentVolumeClaim") errs.push(invalid(path, s(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group !== "") for (const m of nameIsDNSSubdomain(group, false)) errs.push(invalid(`${path}.apiGroup`, group, m));
  if (ref && s(ds.namespace) !== "") for (const m of nameIsDNSSubdomain(s(ds.namespace), false)) errs.push(invalid(`${path}.namespace`, s(ds.namespace), m));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec at `path` (shared with ephemeral volume claim templates). */
export function validatePersistentVolumeClaimSpec(specIn: unknown, path: string): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0) errs.push(required(`${path}.accessModes`, "at least 1 access mode is required"));
  if (isObj(spec.selector)) errs.push(...validateLabelSelector(spec.selector as Parameters<typeof validateLabelSelector>[0], {}, `${path}.selector`));
  if (modes.length > 0) errs.push(...validateAccessModes(modes, `${path}.accessModes`, ""));
  const storagePath = `${path}.resources[storage]`;
  const requests = obj(obj(spec.resources).requests);
  if (!("storage" in requests)) errs.push(required(storagePath, ""));
  else {
    const q = quantityOf(requests.storage, storagePath, errs);
    if (q) {
      const positive = validatePositiveQuantityValue(q, storagePath);
      errs.push(...(positive.length ? positive : validateResourceQuantityValue("storage", q, storagePath)));
    }
  }
  const sc = s(spec.storageClassName);
  if (sc !== "") for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid(`${path}.storageClassName`, sc, m));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !volumeModes.includes(s(spec.volumeMode))) {
    errs.push(notSupported(`${path}.volumeMode`, s(spec.volumeMode), volumeModes));
  }
  if (isObj(spec.dataSource)) errs.push(...validateDataSource(spec.dataSource, `${path}.dataSource`, false));
  if (isObj(spec.dataSourceRef)) errs.push(...validateDataSource(spec.dataSourceRef, `${path}.dataSourceRef`, true));
  if (isObj(spec.dataSourceRef) && s(spec.dataSourceRef.namespace) !== "") {
    if (isObj(spec.dataSource)) errs.push(invalid(path, `${path}.dataSource`, "may not be specified when dataSourceRef.namespace is specified"));
  } else if (isObj(spec.dataSource) && isObj(spec.dataSourceRef)) {
    const a = spec.dataSource;
    const b = spec.dataSourceRef;
    if ((a.apiGroup ?? null) !== (b.apiGroup ?? null) || a.kind !== b.kind || a.name !== b.name) {
      errs.push(invalid(path, `${path}.dataSource`, "must match dataSourceRef"));
    }
  }
  return errs;
}

function validateUpdate(pvc: KObject, old: KObject): FieldError[] {
  const spec = structuredClone(obj(pvc.spec));
  const prev = structuredClone(obj(old.spec));
  const errs: FieldError[] = [];
  const beta = "volume.beta.kubernetes.io/storage-class";
  const newAnn = pvc.metadata.annotations?.[beta] ?? "";
  const oldAnn = old.metadata.annotations?.[beta] ?? "";
  if (s(prev.volumeName) === "") {
    if (spec.volumeName === undefined) delete prev.volumeName;
    else prev.volumeName = spec.volumeName;
  }
  const oldHasAnn = old.metadata.annotations !== undefined && beta in old.metadata.annotations;
  if (oldHasAnn && prev.storageClassName === undefined && spec.storageClassName === oldAnn) {
    delete spec.storageClassName;
  } else {
    if (newAnn !== oldAnn) errs.push(invalid(`metadata.annotations.${beta}`, newAnn, "field is immutable"));
    if (typeof spec.storageClassName === "string" && prev.storageClassName === undefined && (!oldHasAnn || spec.storageClassName === oldAnn)) {
      delete spec.storageClassName;
    }
  }
  const bound = s(obj(pvc.status).phase) === "Bound";
  const newReq = obj(obj(spec.resources).requests);
  if (bound && isObj(obj(spec.resources).requests)) {
    const oldStorage = obj(obj(prev.resources).requests).storage;
    if (oldStorage === undefined) delete newReq.storage;
    else newReq.storage = oldStorage;
  }
  if (bound && spec.volumeAttributesClassName !== undefined) spec.volumeAttributesClassName = prev.volumeAttributesClassName;
  if (!jsonEqual(spec, prev)) {
    errs.push(forbidden("spec", `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${jsonDiff(prev, spec).join("\n")}`));
  }
  const newSize = parseQuantity(obj(obj(obj(pvc.spec).resources).requests).storage ?? "0");
  const oldSize = parseQuantity(obj(obj(obj(old.spec).resources).requests).storage ?? "0");
  if (typeof newSize !== "string" && typeof oldSize !== "string" && cmpQuantity(newSize, oldSize) < 0) {
    errs.push(forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
  }
  errs.push(...validateImmutableField(obj(pvc.spec).volumeMode ?? null, obj(old.spec).volumeMode ?? null, "volumeMode"));
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(pvc, old) {
    pvc.spec = old.spec;
  },
  validateUpdate(pvc) {
    const errs: FieldError[] = [];
    if (!pvc.metadata.resourceVersion) errs.push(required("resourceVersion", ""));
    const modes = obj(pvc.spec).accessModes;
    if (!Array.isArray(modes) || modes.length === 0) errs.push(required("Spec.accessModes", ""));
    for (const [k, v] of Object.entries(obj(obj(pvc.status).capacity))) {
      const q = parseQuantity(v);
      if (typeof q !== "string" && q.mant < 0n) errs.push(invalid(`status.capacity[${k}]`, Number(q.mant) * 10 ** q.exp, "must be a valid resource quantity"));
    }
    return errs;
  },
};

export const persistentVolumeClaimStrategy: Strategy = {
  defaults(pvc) {
    defaultPersistentVolumeClaimSpec(ensureObj(pvc, "spec"));
    ensureObj(pvc, "status");
  },
  prepareForCreate(pvc) {
    // kube resets status and defaults the phase again when it reads the object back.
    pvc.status = { phase: "Pending" };
  },
  prepareForUpdate(pvc, old) {
    pvc.status = old.status;
  },
  validate: (pvc) => validatePersistentVolumeClaimSpec(pvc.spec, "spec"),
  validateUpdate,
  selectableFields: (pvc) => ({ name: pvc.metadata.name ?? "" }),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status },
};
