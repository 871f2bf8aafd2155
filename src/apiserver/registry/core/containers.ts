/**
 * Containers (regular, init, ephemeral): defaults (pull policy from the image tag, termination
 * message, port protocol, probes) and kube's container validation, in its order.
 */
import type { FieldError } from "../../api/types.js";
import {
  child, forbidden, index, invalid, isConfigMapKey, isHTTPHeaderName, isRelaxedEnvVarName, isValidGroupID,
  isValidPortName, isValidPortNum, isValidUserID, nameIsDNSSubdomain, notSupported, required, validateNonnegativeField,
} from "../../validation/index.js";
import { canonicalizeResourceList, validateResourceRequirements } from "./resources.js";
import {
  defaultInt, defaultString, ensureObj, int, isObj, num, obj, objs, s, setDefault, validatePortNumOrName, validateQualifiedName,
  validateDNS1123Label, type Json,
} from "./util.js";
import { validateLocalDescendingPath, validatePathNoBacksteps, validatePullPolicyValue } from "./volumes.js";

// ---- image references (docker's reference grammar, enough to find the tag) ----

const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainPart = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const referenceRe = new RegExp(
  `^((?:${domainPart}/)?${pathComponent}(?:/${pathComponent})*)` +
    "(?::([\\w][\\w.-]{0,127}))?" +
    "(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$",
);

/**
 * The tag kube's parsers.ParseImageName finds: the explicit tag, "latest" when there is neither
 * tag nor digest, "" for a digest-only reference or one that does not parse.
 */
export function imageTag(image: string): string {
  const m = referenceRe.exec(image);
  if (!m || m[1]!.length > 255 || /^[a-f0-9]{64}$/.test(image)) return "";
  if (m[2]) return m[2];
  return m[3] ? "" : "latest";
}

// ---- defaults ----

export function defaultContainer(c: Json): void {
  if (s(c.imagePullPolicy) === "") c.imagePullPolicy = imageTag(s(c.image)) === "latest" ? "Always" : "IfNotPresent";
  defaultString(c, "terminationMessagePath", "/dev/termination-log");
  defaultString(c, "terminationMessagePolicy", "File");
  for (const p of objs(c.ports)) defaultString(p, "protocol", "TCP");
  for (const e of objs(c.env)) {
    const ref = obj(e.valueFrom).fieldRef;
    if (isObj(ref)) defaultString(ref, "apiVersion", "v1");
  }
  // ResourceRequirements is a struct: kube always prints it, `resources: {}` when empty.
  const res = ensureObj(c, "resources");
  canonicalizeResourceList(res.limits);
  canonicalizeResourceList(res.requests);
  for (const k of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const probe = c[k];
    if (!isObj(probe)) continue;
    defaultInt(probe, "timeoutSeconds", 1);
    defaultInt(probe, "periodSeconds", 10);
    defaultInt(probe, "successThreshold", 1);
    defaultInt(probe, "failureThreshold", 3);
    defaultHandler(probe);
    if (isObj(probe.grpc)) setDefault(probe.grpc, "service", "");
  }
  const lc = c.lifecycle;
  if (isObj(lc)) for (const k of ["postStart", "preStop"]) if (isObj(lc[k])) defaultHandler(lc[k]);
}

function defaultHandler(h: Json): void {
  if (!isObj(h.httpGet)) return;
  defaultString(h.httpGet, "path", "/");
  defaultString(h.httpGet, "scheme", "HTTP");
}

// ---- validation ----

export interface ContainerContext {
  vols: Map<string, Json>;
  podClaimNames: Set<string>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

/** validateContainers: at least one, each valid, names unique, probes valid, host ports unique. */
export function validateContainers(containers: unknown, ctx: ContainerContext, path: string): FieldError[] {
  const list = objs(containers);
  if (list.length === 0) return [required(path, "")];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, ctx, p));
    const name = s(c.name);
    if (names.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(p, "name"), badValue: name, detail: "" });
    else names.add(name);
    if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, child(p, "lifecycle")));
    errs.push(...validateProbe(c.livenessProbe, "liveness", child(p, "livenessProbe")));
    errs.push(...validateProbe(c.readinessProbe, "readiness", child(p, "readinessProbe")));
    errs.push(...validateProbe(c.startupProbe, "startup", child(p, "startupProbe")));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(forbidden(child(p, "restartPolicy"), "may not be set for non-init containers"));
    }
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

export function validateInitContainers(inits: unknown, regular: unknown, ctx: ContainerContext, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objs(regular).map((c) => s(c.name)));
  objs(inits).forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, ctx, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== "Always") errs.push(notSupported(child(p, "restartPolicy"), c.restartPolicy, ["Always"]));
      restartAlways = c.restartPolicy === "Always";
    }
    const name = s(c.name);
    if (names.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(p, "name"), badValue: name, detail: "" });
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, child(p, "lifecycle")));
      errs.push(...validateProbe(c.livenessProbe, "liveness", child(p, "livenessProbe")));
      errs.push(...validateProbe(c.readinessProbe, "readiness", child(p, "readinessProbe")));
      errs.push(...validateProbe(c.startupProbe, "startup", child(p, "startupProbe")));
    } else {
      for (const k of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"]) {
        if (c[k] !== undefined && c[k] !== null) errs.push(forbidden(child(p, k), "may not be set for init containers without restartPolicy=Always"));
      }
    }
    if (Array.isArray(c.resizePolicy) && c.resizePolicy.length > 0) {
      errs.push(invalid(child(p, "resizePolicy"), c.resizePolicy, "must not be set for init containers"));
    }
  });
  return errs;
}

/** The fields an ephemeral container may not set (kube's allow list, inverted). */
const ephemeralForbidden = ["ports", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resizePolicy", "restartPolicy"];

export function validateEphemeralContainers(ecs: unknown, spec: Json, ctx: ContainerContext, path: string): FieldError[] {
  const list = objs(ecs);
  if (list.length === 0) return [];
  const errs: FieldError[] = [];
  const other = new Set([...objs(spec.containers), ...objs(spec.initContainers)].map((c) => s(c.name)));
  const all = new Set(other);
  list.forEach((ec, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ec, ctx, p));
    errs.push(...validateContainerOnlyForPod(ec, p));
    const name = s(ec.name);
    if (all.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(p, "name"), badValue: name, detail: "" });
    else all.add(name);
    const target = s(ec.targetContainerName);
    if (target !== "" && !other.has(target)) errs.push({ type: "FieldValueNotFound", field: child(p, "targetContainerName"), badValue: target, detail: "" });
    for (const k of ephemeralForbidden) {
      const v = ec[k];
      const set = Array.isArray(v) ? v.length > 0 : isObj(v) ? Object.keys(v).length > 0 : v !== undefined && v !== null;
      if (set) errs.push(forbidden(child(p, k), "cannot be set for an Ephemeral Container"));
    }
    objs(ec.volumeMounts).forEach((vm, j) => {
      for (const k of ["subPath", "subPathExpr"]) {
        if (s(vm[k]) !== "") errs.push(forbidden(child(index(child(p, "volumeMounts"), j), k), "cannot be set for an Ephemeral Container"));
      }
    });
  });
  return errs;
}

/** Pod-only container check: no blanks around the image. */
export function validateContainerOnlyForPod(c: Json, path: string): FieldError[] {
  const image = s(c.image);
  return image !== image.trim() ? [invalid(child(path, "image"), image, "must not have leading or trailing whitespace")] : [];
}

function validateContainerCommon(c: Json, ctx: ContainerContext, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = child(path, "name");
  const name = s(c.name);
  if (name === "") errs.push(required(namePath, ""));
  else errs.push(...validateDNS1123Label(name, namePath));
  if (s(c.image) === "") errs.push(required(child(path, "image"), ""));
  const tmp = s(c.terminationMessagePolicy);
  if (tmp === "") errs.push(required(child(path, "terminationMessagePolicy"), ""));
  else if (tmp !== "File" && tmp !== "FallbackToLogsOnError") {
    errs.push(notSupported(child(path, "terminationMessagePolicy"), tmp, ["File", "FallbackToLogsOnError"]));
  }
  const mounts = new Map(objs(c.volumeMounts).map((m) => [s(m.name), s(m.mountPath)]));
  const devices = new Map(objs(c.volumeDevices).map((d) => [s(d.name), s(d.devicePath)]));
  errs.push(...validateContainerPorts(c.ports, child(path, "ports")));
  errs.push(...validateEnv(c.env, child(path, "env")));
  errs.push(...validateEnvFrom(c.envFrom, child(path, "envFrom")));
  errs.push(...validateVolumeMounts(c.volumeMounts, devices, ctx.vols, c, child(path, "volumeMounts")));
  errs.push(...validateVolumeDevices(c.volumeDevices, mounts, ctx.vols, child(path, "volumeDevices")));
  errs.push(...validatePullPolicyValue(c.imagePullPolicy, child(path, "imagePullPolicy")));
  errs.push(...validateResourceRequirements(c.resources, ctx.podClaimNames, child(path, "resources")));
  errs.push(...validateResizePolicy(c.resizePolicy, child(path, "resizePolicy"), ctx.restartPolicy));
  errs.push(...validateSecurityContext(c.securityContext, child(path, "securityContext"), ctx.hostUsers));
  return errs;
}

const protocols = ["SCTP", "TCP", "UDP"];

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(ports).forEach((port, i) => {
    const p = index(path, i);
    const name = s(port.name);
    if (name !== "") {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(invalid(child(p, "name"), name, m));
      else if (names.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(p, "name"), badValue: name, detail: "" });
      else names.add(name);
    }
    const cp = int(port.containerPort);
    if (cp === 0) errs.push(required(child(p, "containerPort"), ""));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(p, "containerPort"), cp, m));
    const hp = int(port.hostPort);
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(p, "hostPort"), hp, m));
    const proto = s(port.protocol);
    if (proto === "") errs.push(required(child(p, "protocol"), ""));
    else if (!protocols.includes(proto)) errs.push(notSupported(child(p, "protocol"), proto, protocols));
  });
  return errs;
}

function checkHostPortConflicts(containers: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((port, pi) => {
      const hp = int(port.hostPort);
      if (hp === 0) return;
      const k = `${s(port.protocol)}/${s(port.hostIP)}/${hp}`;
      if (seen.has(k)) errs.push({ type: "FieldValueDuplicate", field: child(index(child(index(path, ci), "ports"), pi), "hostPort"), badValue: k, detail: "" });
      else seen.add(k);
    });
  });
  return errs;
}

const envFieldPaths = [
  "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP",
  "status.hostIPs", "status.podIP", "status.podIPs",
];
const envResourcePaths = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];

/** ValidateEnv with RelaxedEnvironmentVariableValidation on (beta, default on in 1.32). */
function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((ev, i) => {
    const p = index(path, i);
    const name = s(ev.name);
    if (name === "") errs.push(required(child(p, "name"), ""));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(invalid(child(p, "name"), name, m));
    errs.push(...validateEnvVarValueFrom(ev, child(p, "valueFrom")));
  });
  return errs;
}

function validateEnvVarValueFrom(ev: Json, path: string): FieldError[] {
  if (!isObj(ev.valueFrom)) return [];
  const vf = ev.valueFrom;
  const errs: FieldError[] = [];
  let n = 0;
  if (isObj(vf.fieldRef)) {
    n++;
    const fr = vf.fieldRef;
    const fp = s(fr.fieldPath);
    if (s(fr.apiVersion) === "") errs.push(required(child(path, "fieldRef", "apiVersion"), ""));
    else if (fp === "") errs.push(required(child(path, "fieldRef", "fieldPath"), ""));
    else {
      const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
      if (sub) errs.push(...validateQualifiedName(sub[1] === "metadata.annotations" ? sub[2]!.toLowerCase() : sub[2]!, child(path, "fieldRef")));
      else if (!envFieldPaths.includes(fp)) errs.push(notSupported(child(path, "fieldRef", "fieldPath"), fp, envFieldPaths));
    }
  }
  if (isObj(vf.resourceFieldRef)) {
    n++;
    const r = s(vf.resourceFieldRef.resource);
    const rp = child(path, "resourceFieldRef", "resource");
    if (r === "") errs.push(required(rp, ""));
    else if (!envResourcePaths.includes(r) && !r.startsWith("requests.hugepages-") && !r.startsWith("limits.hugepages-")) {
      errs.push(notSupported(rp, r, envResourcePaths));
    }
  }
  for (const k of ["configMapKeyRef", "secretKeyRef"]) {
    const sel = vf[k];
    if (!isObj(sel)) continue;
    n++;
    const kp = child(path, k);
    const name = s(sel.name);
    for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalid(child(kp, "name"), name, m));
    const key = s(sel.key);
    if (key === "") errs.push(required(child(kp, "key"), ""));
    else for (const m of isConfigMapKey(key)) errs.push(invalid(child(kp, "key"), key, m));
  }
  if (n === 0) errs.push(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  else if (s(ev.value) !== "") errs.push(invalid(path, "", "may not be specified when `value` is not empty"));
  else if (n > 1) errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(envFrom).forEach((ef, i) => {
    const p = index(path, i);
    const prefix = s(ef.prefix);
    if (prefix !== "") for (const m of isRelaxedEnvVarName(prefix)) errs.push(invalid(child(p, "prefix"), prefix, m));
    let n = 0;
    for (const k of ["configMapRef", "secretRef"]) {
      const ref = ef[k];
      if (!isObj(ref)) continue;
      n++;
      const name = s(ref.name);
      if (name === "") errs.push(required(child(p, k, "name"), ""));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(child(p, k, "name"), name, m));
    }
    if (n === 0) errs.push(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (n > 1) errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

const propagationModes = ["None", "HostToContainer", "Bidirectional"];

function validateVolumeMounts(mounts: unknown, devices: Map<string, string>, vols: Map<string, Json>, c: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const points = new Set<string>();
  const devicePaths = new Set(devices.values());
  objs(mounts).forEach((m, i) => {
    const p = index(path, i);
    const name = s(m.name);
    const mountPath = s(m.mountPath);
    if (name === "") errs.push(required(child(p, "name"), ""));
    if (!vols.has(name)) errs.push({ type: "FieldValueNotFound", field: child(p, "name"), badValue: name, detail: "" });
    if (mountPath === "") errs.push(required(child(p, "mountPath"), ""));
    if (points.has(mountPath)) errs.push(invalid(child(p, "mountPath"), mountPath, "must be unique"));
    points.add(mountPath);
    if (devices.has(name)) errs.push(invalid(child(p, "name"), name, "must not already exist in volumeDevices"));
    if (devicePaths.has(mountPath)) errs.push(invalid(child(p, "mountPath"), mountPath, "must not already exist as a path in volumeDevices"));
    const subPath = s(m.subPath);
    const subPathExpr = s(m.subPathExpr);
    if (isObj(vols.get(name)?.image)) {
      if (subPath) errs.push(invalid(child(p, "subPath"), subPath, "not allowed in image volume sources"));
      if (subPathExpr) errs.push(invalid(child(p, "subPathExpr"), subPathExpr, "not allowed in image volume sources"));
    }
    // kube reports these two at the list's path, not the item's.
    if (subPath) errs.push(...validateLocalDescendingPath(subPath, child(path, "subPath")));
    if (subPathExpr) {
      if (subPath) errs.push(invalid(child(p, "subPathExpr"), subPathExpr, "subPathExpr and subPath are mutually exclusive"));
      errs.push(...validateLocalDescendingPath(subPathExpr, child(path, "subPathExpr")));
    }
    if (m.mountPropagation !== undefined && m.mountPropagation !== null) {
      const mp = s(m.mountPropagation);
      const mpPath = child(path, "mountPropagation");
      if (!propagationModes.includes(mp)) errs.push(notSupported(mpPath, mp, propagationModes));
      else if (mp === "Bidirectional" && obj(c.securityContext).privileged !== true) {
        errs.push(forbidden(mpPath, "Bidirectional mount propagation is available only to privileged containers"));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(devices: unknown, mounts: Map<string, string>, vols: Map<string, Json>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountPaths = new Set(mounts.values());
  objs(devices).forEach((d, i) => {
    const p = index(path, i);
    const name = s(d.name);
    const devPath = s(d.devicePath);
    const src = vols.get(name);
    if (name === "") errs.push(required(child(p, "name"), ""));
    if (names.has(name)) errs.push(invalid(child(p, "name"), name, "must be unique"));
    if (src && !isObj(src.persistentVolumeClaim) && !isObj(src.ephemeral)) {
      errs.push(invalid(child(p, "name"), name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"));
    }
    if (!src) errs.push({ type: "FieldValueNotFound", field: child(p, "name"), badValue: name, detail: "" });
    if (devPath === "") errs.push(required(child(p, "devicePath"), ""));
    if (paths.has(devPath)) errs.push(invalid(child(p, "devicePath"), devPath, "must be unique"));
    if (devPath !== "" && validatePathNoBacksteps(devPath, p).length > 0) {
      errs.push(invalid(child(p, "devicePath"), devPath, "can not contain backsteps ('..')"));
    } else {
      paths.add(devPath);
    }
    if (mounts.has(name)) errs.push(invalid(child(p, "name"), name, "must not already exist in volumeMounts"));
    if (mountPaths.has(devPath)) errs.push(invalid(child(p, "devicePath"), devPath, "must not already exist as a path in volumeMounts"));
    if (name) names.add(name);
  });
  return errs;
}

function validateResizePolicy(list: unknown, path: string, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objs(list).forEach((rp, i) => {
    const name = s(rp.resourceName);
    const policy = s(rp.restartPolicy);
    if (seen.has(name)) errs.push({ type: "FieldValueDuplicate", field: index(path, i), badValue: name, detail: "" });
    seen.add(name);
    if (name === "") errs.push(required(path, ""));
    else if (name !== "cpu" && name !== "memory") errs.push(notSupported(path, name, ["cpu", "memory"]));
    if (policy === "") errs.push(required(path, ""));
    else if (policy !== "NotRequired" && policy !== "RestartContainer") errs.push(notSupported(path, policy, ["NotRequired", "RestartContainer"]));
    if (podRestartPolicy === "Never" && policy !== "NotRequired") {
      errs.push(invalid(path, policy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  });
  return errs;
}

function validateLifecycle(lc: Json, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ["postStart", "preStop"]) if (isObj(lc[k])) errs.push(...validateHandler(lc[k], gracePeriod, child(path, k), true));
  return errs;
}

function validateProbe(probe: unknown, kind: "liveness" | "readiness" | "startup", path: string): FieldError[] {
  if (!isObj(probe)) return [];
  const errs = validateHandler(probe, undefined, path, false);
  for (const k of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    errs.push(...validateNonnegativeField(int(probe[k]), child(path, k)));
  }
  const tgps = num(probe.terminationGracePeriodSeconds);
  if (tgps !== undefined && tgps <= 0) errs.push(invalid(child(path, "terminationGracePeriodSeconds"), tgps, "must be greater than 0"));
  if (kind !== "readiness" && int(probe.successThreshold) !== 1) {
    errs.push(invalid(child(path, "successThreshold"), int(probe.successThreshold), "must be 1"));
  }
  if (kind === "readiness" && tgps !== undefined) {
    errs.push(invalid(child(path, "terminationGracePeriodSeconds"), tgps, "must not be set for readinessProbes"));
  }
  return errs;
}

function validateHandler(h: Json, gracePeriod: number | undefined, path: string, lifecycle: boolean): FieldError[] {
  const kinds = lifecycle ? ["exec", "httpGet", "tcpSocket", "sleep"] : ["exec", "httpGet", "tcpSocket", "grpc"];
  const errs: FieldError[] = [];
  let n = 0;
  for (const k of kinds) {
    const a = h[k];
    if (!isObj(a)) continue;
    if (n > 0) {
      errs.push(forbidden(child(path, k), "may not specify more than 1 handler type"));
      continue;
    }
    n++;
    const p = child(path, k);
    if (k === "exec" && !(Array.isArray(a.command) && a.command.length > 0)) errs.push(required(child(p, "command"), ""));
    if (k === "httpGet") {
      if (s(a.path) === "") errs.push(required(child(p, "path"), ""));
      errs.push(...validatePortNumOrName(a.port, child(p, "port")));
      if (a.scheme !== "HTTP" && a.scheme !== "HTTPS") errs.push(notSupported(child(p, "scheme"), s(a.scheme), ["HTTP", "HTTPS"]));
      for (const hd of objs(a.httpHeaders)) for (const m of isHTTPHeaderName(s(hd.name))) errs.push(invalid(child(p, "httpHeaders"), s(hd.name), m));
    }
    if (k === "tcpSocket") errs.push(...validatePortNumOrName(a.port, child(p, "port")));
    if (k === "grpc") errs.push(...validatePortNumOrName(int(a.port), child(p, "port")));
    if (k === "sleep" && gracePeriod !== undefined) {
      const secs = int(a.seconds);
      if (secs <= 0 || secs > gracePeriod) {
        errs.push(invalid(p, secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`));
      }
    }
  }
  if (n === 0) errs.push(required(path, "must specify a handler type"));
  return errs;
}

const procMountTypes = ["Default", "Unmasked"];
export const seccompTypes = ["Localhost", "RuntimeDefault", "Unconfined"];

export function validateSeccompProfile(sp: unknown, path: string): FieldError[] {
  if (!isObj(sp)) return [];
  const t = s(sp.type);
  if (t === "") return [required(child(path, "type"), "type is required when seccompProfile is set")];
  if (!seccompTypes.includes(t)) return [notSupported(child(path, "type"), t, seccompTypes)];
  if (t === "Localhost" && s(sp.localhostProfile) === "") return [required(child(path, "localhostProfile"), "must be set when seccomp type is Localhost")];
  if (t !== "Localhost" && sp.localhostProfile !== undefined && sp.localhostProfile !== null) {
    return [invalid(child(path, "localhostProfile"), s(sp.localhostProfile), "can only be set when seccomp type is Localhost")];
  }
  return [];
}

export function validateAppArmorProfile(ap: unknown, path: string): FieldError[] {
  if (!isObj(ap)) return [];
  const t = s(ap.type);
  const lp = ap.localhostProfile;
  switch (t) {
    case "Localhost":
      if (typeof lp !== "string" || lp.trim() === "") return [required(child(path, "localhostProfile"), "must be set when AppArmor type is Localhost")];
      if (lp.trim() !== lp) return [invalid(child(path, "localhostProfile"), lp, "must not be padded with whitespace")];
      return [];
    case "RuntimeDefault":
    case "Unconfined":
      return lp !== undefined && lp !== null ? [invalid(child(path, "localhostProfile"), lp, "can only be set when AppArmor type is Localhost")] : [];
    case "":
      return [required(child(path, "type"), "type is required when appArmorProfile is set")];
    default:
      return [notSupported(child(path, "type"), t, ["Localhost", "RuntimeDefault", "Unconfined"])];
  }
}

/**
 * Container SecurityContext. Privileged containers are allowed, as kube-apiserver runs in kind,
 * kubeadm and k3s clusters (--allow-privileged=true).
 */
function validateSecurityContext(sc: unknown, path: string, hostUsers: boolean): FieldError[] {
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  const runAsUser = num(sc.runAsUser);
  if (runAsUser !== undefined) for (const m of isValidUserID(runAsUser)) errs.push(invalid(child(path, "runAsUser"), runAsUser, m));
  const runAsGroup = num(sc.runAsGroup);
  if (runAsGroup !== undefined) for (const m of isValidGroupID(runAsGroup)) errs.push(invalid(child(path, "runAsGroup"), runAsGroup, m));
  if (sc.procMount !== undefined && sc.procMount !== null) {
    const pm = s(sc.procMount);
    if (!procMountTypes.includes(pm)) errs.push(notSupported(child(path, "procMount"), pm, procMountTypes));
    if (hostUsers && pm === "Unmasked") errs.push(invalid(child(path, "procMount"), pm, "`hostUsers` must be false to use `Unmasked`"));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(path, "seccompProfile")));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
    const add = obj(sc.capabilities).add;
    if (Array.isArray(add) && add.includes("CAP_SYS_ADMIN")) {
      errs.push(invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"));
    }
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, child(path, "appArmorProfile")));
  return errs;
}

/** Containers of every kind in a spec, with their paths (podshelper.VisitContainersWithPath). */
export function visitContainers(spec: Json, path: string, fn: (c: Json, p: string) => void): void {
  objs(spec.initContainers).forEach((c, i) => fn(c, index(child(path, "initContainers"), i)));
  objs(spec.containers).forEach((c, i) => fn(c, index(child(path, "containers"), i)));
  objs(spec.ephemeralContainers).forEach((c, i) => fn(c, index(child(path, "ephemeralContainers"), i)));
}
