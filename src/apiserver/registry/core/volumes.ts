/**
 * Pod volumes: the defaults kube gives each volume source, and ValidateVolumes for the sources
 * people use (emptyDir, hostPath, secret, configMap, persistentVolumeClaim, downwardAPI,
 * projected, nfs, csi, ephemeral, image). Other sources are accepted as a volume type without
 * deeper checks.
 */
import type { FieldError } from "../../api/types.js";
import { child, forbidden, index, invalid, nameIsDNSSubdomain, notSupported, required } from "../../validation/index.js";
import { canonicalizeResourceList } from "./resources.js";
import { canonicalQuantity, isNegative, parseQuantity } from "./quantity.js";
import { defaultString, int, isObj, num, obj, objField, objs, s, setDefault, sorted, validateDNS1123Label, type Json } from "./util.js";

/** Every volume source field of core/v1 VolumeSource, in kube's validation order. */
export const volumeSourceKeys = [
  "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs",
  "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap",
  "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO",
  "csi", "ephemeral", "image",
] as const;

/** 0644: the default file mode of secret, configMap, downwardAPI and projected volumes. */
const defaultFileMode = 420;
const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

const present = (v: unknown): boolean => v !== undefined && v !== null;

// ---- defaults ----

export function defaultVolume(vol: Json): void {
  if (!volumeSourceKeys.some((k) => present(vol[k]))) vol.emptyDir = {};
  if (isObj(vol.emptyDir) && present(vol.emptyDir.sizeLimit)) {
    vol.emptyDir.sizeLimit = canonicalQuantity(vol.emptyDir.sizeLimit) ?? vol.emptyDir.sizeLimit;
  }
  if (isObj(vol.secret)) setDefault(vol.secret, "defaultMode", defaultFileMode);
  if (isObj(vol.configMap)) setDefault(vol.configMap, "defaultMode", defaultFileMode);
  if (isObj(vol.downwardAPI)) {
    setDefault(vol.downwardAPI, "defaultMode", defaultFileMode);
    defaultDownwardAPIItems(vol.downwardAPI.items);
  }
  if (isObj(vol.projected)) {
    setDefault(vol.projected, "defaultMode", defaultFileMode);
    for (const src of objs(vol.projected.sources)) {
      if (isObj(src.downwardAPI)) defaultDownwardAPIItems(src.downwardAPI.items);
      if (isObj(src.serviceAccountToken)) setDefault(src.serviceAccountToken, "expirationSeconds", 3600);
    }
  }
  if (isObj(vol.ephemeral) && isObj(vol.ephemeral.volumeClaimTemplate)) {
    const t = vol.ephemeral.volumeClaimTemplate;
    // An embedded ObjectMeta prints its zero creationTimestamp, as in pod templates.
    setDefault(objField(t, "metadata"), "creationTimestamp", null);
    defaultPersistentVolumeClaimSpec(objField(t, "spec"));
  }
  defaultSourceFields(vol);
}

/** Declarative defaults of sources that pod volumes and PersistentVolumes share (hostPath, iscsi, rbd, ...). */
export function defaultSourceFields(src: Json): void {
  if (isObj(src.hostPath)) setDefault(src.hostPath, "type", "");
  if (isObj(src.iscsi)) defaultString(src.iscsi, "iscsiInterface", "default");
  if (isObj(src.rbd)) {
    defaultString(src.rbd, "pool", "rbd");
    defaultString(src.rbd, "user", "admin");
    defaultString(src.rbd, "keyring", "/etc/ceph/keyring");
  }
  if (isObj(src.azureDisk)) {
    setDefault(src.azureDisk, "cachingMode", "ReadWrite");
    setDefault(src.azureDisk, "fsType", "ext4");
    setDefault(src.azureDisk, "readOnly", false);
    setDefault(src.azureDisk, "kind", "Shared");
  }
  if (isObj(src.scaleIO)) {
    defaultString(src.scaleIO, "storageMode", "ThinProvisioned");
    defaultString(src.scaleIO, "fsType", "xfs");
  }
}

function defaultDownwardAPIItems(items: unknown): void {
  for (const item of objs(items)) if (isObj(item.fieldRef)) defaultString(item.fieldRef, "apiVersion", "v1");
}

/** PersistentVolumeClaimSpec defaults (shared with PVCs and ephemeral volume templates). */
export function defaultPersistentVolumeClaimSpec(spec: Json): void {
  setDefault(spec, "volumeMode", "Filesystem");
  const res = objField(spec, "resources");
  canonicalizeResourceList(res.limits);
  canonicalizeResourceList(res.requests);
}

// ---- validation ----

/** ValidateVolumes: answers the errors and the sources by name, for the mounts to check against. */
export function validateVolumes(volumes: unknown, podName: string | undefined, path: string): { vols: Map<string, Json>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const vols = new Map<string, Json>();
  const names = new Set<string>();
  const createdPVCs = new Set<string>();
  if (podName) for (const v of objs(volumes)) if (present(v.ephemeral)) createdPVCs.add(`${podName}-${s(v.name)}`);
  objs(volumes).forEach((vol, i) => {
    const p = index(path, i);
    const namePath = child(p, "name");
    const name = s(vol.name);
    const el = validateVolumeSource(vol, p, name, podName);
    if (name === "") el.push(required(namePath, ""));
    else el.push(...validateDNS1123Label(name, namePath));
    if (names.has(name)) el.push({ type: "FieldValueDuplicate", field: namePath, badValue: name, detail: "" });
    if (el.length === 0) {
      names.add(name);
      vols.set(name, vol);
    } else {
      errs.push(...el);
    }
    const claim = obj(vol.persistentVolumeClaim);
    if (present(vol.persistentVolumeClaim) && createdPVCs.has(s(claim.claimName))) {
      errs.push(invalid(child(p, "persistentVolumeClaim", "claimName"), s(claim.claimName), "must not reference a PVC that gets created for an ephemeral volume"));
    }
  });
  return { vols, errs };
}

/** kube names some sources differently in the paths of their inner errors. */
const innerPathName: Record<string, string> = { gcePersistentDisk: "persistentDisk", downwardAPI: "downwardAPI" };

function validateVolumeSource(vol: Json, path: string, volName: string, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const k of volumeSourceKeys) {
    if (!present(vol[k])) continue;
    // kube's own typo: a second downwardAPI source is reported at "downwarAPI".
    if (count > 0) {
      errs.push(forbidden(child(path, k === "downwardAPI" ? "downwarAPI" : k === "cephfs" ? "cephFS" : k), "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    errs.push(...validateSource(k, obj(vol[k]), child(path, innerPathName[k] ?? k), path, volName, podName));
  }
  if (count === 0) errs.push(required(path, "must specify a volume type"));
  return errs;
}

function validateSource(kind: string, src: Json, p: string, volPath: string, volName: string, podName: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case "emptyDir": {
      const q = present(src.sizeLimit) ? parseQuantity(src.sizeLimit) : undefined;
      if (q !== undefined && (typeof q === "string" || isNegative(q))) {
        errs.push(forbidden(child(p, "sizeLimit"), "SizeLimit field must be a valid resource quantity"));
      }
      break;
    }
    case "hostPath":
      if (s(src.path) === "") return [required(child(p, "path"), "")];
      errs.push(...validatePathNoBacksteps(s(src.path), child(p, "path")));
      errs.push(...validateHostPathType(src.type, child(p, "type")));
      break;
    case "secret":
      if (s(src.secretName) === "") errs.push(required(child(p, "secretName"), ""));
      errs.push(...validateFileMode(src.defaultMode, child(p, "defaultMode")));
      objs(src.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(child(p, "items"), i))));
      break;
    case "configMap":
      if (s(src.name) === "") errs.push(required(child(p, "name"), ""));
      errs.push(...validateFileMode(src.defaultMode, child(p, "defaultMode")));
      objs(src.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, index(child(p, "items"), i))));
      break;
    case "persistentVolumeClaim":
      if (s(src.claimName) === "") errs.push(required(child(p, "claimName"), ""));
      break;
    case "nfs":
      if (s(src.server) === "") errs.push(required(child(p, "server"), ""));
      if (s(src.path) === "") errs.push(required(child(p, "path"), ""));
      if (!s(src.path).startsWith("/")) errs.push(invalid(child(p, "path"), s(src.path), "must be an absolute path"));
      break;
    case "downwardAPI":
      errs.push(...validateFileMode(src.defaultMode, child(p, "defaultMode")));
      for (const item of objs(src.items)) errs.push(...validateDownwardAPIFile(item, p));
      break;
    case "projected":
      errs.push(...validateProjected(src, p));
      break;
    case "csi":
      if (s(src.driver) === "") errs.push(required(child(p, "driver"), ""));
      break;
    case "ephemeral":
      if (!isObj(src.volumeClaimTemplate)) {
        errs.push(required(child(p, "volumeClaimTemplate"), ""));
      } else if (podName && volName) {
        const pvcName = `${podName}-${volName}`;
        for (const m of nameIsDNSSubdomain(pvcName, false)) errs.push(invalid(child(volPath, "name"), volName, `PVC name "${pvcName}": ${m}`));
      }
      break;
    case "image":
      errs.push(...validatePullPolicyValue(src.pullPolicy, child(p, "pullPolicy")));
      break;
  }
  return errs;
}

const hostPathTypes = new Set(["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]);

export function validateHostPathType(t: unknown, path: string): FieldError[] {
  if (t === undefined || t === null) return [];
  return hostPathTypes.has(s(t)) ? [] : [notSupported(path, t, sorted(hostPathTypes))];
}

function validateFileMode(mode: unknown, path: string): FieldError[] {
  const m = num(mode);
  return m !== undefined && (m > 0o777 || m < 0) ? [invalid(path, m, fileModeErrorMsg)] : [];
}

export function validatePathNoBacksteps(target: string, path: string): FieldError[] {
  return target.split("/").includes("..") ? [invalid(path, target, "must not contain '..'")] : [];
}

export function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith("/")) errs.push(invalid(path, target, "must be a relative path"));
  return errs.concat(validatePathNoBacksteps(target, path));
}

function validateLocalNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith("..") && !target.startsWith("../")) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateKeyToPath(kp: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s(kp.key) === "") errs.push(required(child(path, "key"), ""));
  if (s(kp.path) === "") errs.push(required(child(path, "path"), ""));
  errs.push(...validateLocalNonReservedPath(s(kp.path), child(path, "path")));
  errs.push(...validateFileMode(kp.mode, child(path, "mode")));
  return errs;
}

const volumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];

function validateDownwardAPIFile(file: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s(file.path) === "") errs.push(required(child(path, "path"), ""));
  errs.push(...validateLocalNonReservedPath(s(file.path), child(path, "path")));
  if (isObj(file.fieldRef)) {
    const fp = s(file.fieldRef.fieldPath);
    const base = fp.replace(/\[.*\]$/, "");
    if (s(file.fieldRef.apiVersion) === "") errs.push(required(child(path, "fieldRef", "apiVersion"), ""));
    else if (fp === "") errs.push(required(child(path, "fieldRef", "fieldPath"), ""));
    else if (base === fp && !volumeFieldPaths.includes(fp)) errs.push(notSupported(child(path, "fieldRef", "fieldPath"), fp, volumeFieldPaths));
    if (isObj(file.resourceFieldRef)) {
      errs.push(invalid(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
    }
  } else if (isObj(file.resourceFieldRef)) {
    if (s(file.resourceFieldRef.containerName) === "") errs.push(required(child(path, "resourceFieldRef", "containerName"), ""));
    else if (s(file.resourceFieldRef.resource) === "") errs.push(required(child(path, "resourceFieldRef", "resource"), ""));
  } else {
    errs.push(required(path, "one of fieldRef and resourceFieldRef is required"));
  }
  errs.push(...validateFileMode(file.mode, child(path, "mode")));
  return errs;
}

function validateProjected(src: Json, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  objs(src.sources).forEach((source, i) => {
    const sp = index(child(p, "sources"), i);
    let n = 0;
    for (const k of ["secret", "configMap"] as const) {
      if (!isObj(source[k])) continue;
      n++;
      const ref = source[k];
      if (s(ref.name) === "") errs.push(required(child(sp, k, "name"), ""));
      objs(ref.items).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, index(child(sp, k, "items"), j)));
        const kpPath = s(kp.path);
        if (kpPath === "") return;
        if (paths.has(kpPath)) errs.push(invalid(p, s(ref.name), "conflicting duplicate paths"));
        paths.add(kpPath);
      });
    }
    if (isObj(source.downwardAPI)) {
      n++;
      for (const item of objs(source.downwardAPI.items)) errs.push(...validateDownwardAPIFile(item, child(sp, "downwardAPI")));
    }
    if (isObj(source.serviceAccountToken)) {
      n++;
      const t = source.serviceAccountToken;
      const tp = child(sp, "serviceAccountToken");
      const exp = int(t.expirationSeconds);
      if (exp < 600) errs.push(invalid(child(tp, "expirationSeconds"), exp, "may not specify a duration less than 10 minutes"));
      else if (exp > 4294967296) errs.push(invalid(child(tp, "expirationSeconds"), exp, "may not specify a duration larger than 2^32 seconds"));
      if (s(t.path) === "") errs.push(required(child(tp, "path"), ""));
    }
    if (isObj(source.clusterTrustBundle)) n++;
    if (n > 1) errs.push(forbidden(sp, "may not specify more than 1 volume type per source"));
  });
  return errs;
}

const pullPolicies = ["Always", "IfNotPresent", "Never"];

/** validatePullPolicy: required, and one of Always, IfNotPresent, Never. */
export function validatePullPolicyValue(policy: unknown, path: string): FieldError[] {
  const p = s(policy);
  if (p === "") return [required(path, "")];
  return pullPolicies.includes(p) ? [] : [notSupported(path, p, pullPolicies)];
}
