/**
 * PodSpec and PodTemplateSpec: defaults and validation, shared by pods, pod templates,
 * replication controllers and (imported by the apps and batch strategies) every workload.
 */
import type { FieldError } from "../../api/types.js";
import {
  child, forbidden, inclusiveRangeError, index, invalid, isValidGroupID, isValidLabelValue, isValidUserID, nameIsDNSSubdomain,
  notSupported, required, validateAnnotations, validateLabelName, validateLabels,
} from "../../validation/index.js";
import {
  defaultContainer, validateAppArmorProfile, validateContainers, validateEphemeralContainers, validateInitContainers,
  validateSeccompProfile, type ContainerContext,
} from "./containers.js";
import { canonicalizeResourceList, validateResourceRequirements } from "./resources.js";
import {
  defaultString, int, isObj, num, obj, objField, objs, s, setDefault, strMap, validateDNS1123Label, validateDNS1123Subdomain,
  validateIP, validateQualifiedName, type Json,
} from "./util.js";
import { defaultVolume, validateVolumes } from "./volumes.js";

export interface PodSpecValidationOptions {
  /** The spec belongs to a Pod (not a template): host ports must equal container ports on the host network. */
  isPod?: boolean;
  /** The pod's name, for the names of generic ephemeral volumes' claims. */
  podName?: string;
}

// ---- defaults ----

/** SetDefaults_PodSpec and the per-field defaults below it (volumes, containers, probes). */
export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  defaultString(spec, "dnsPolicy", "ClusterFirst");
  defaultString(spec, "restartPolicy", "Always");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  defaultString(spec, "schedulerName", "default-scheduler");
  for (const v of objs(spec.volumes)) defaultVolume(v);
  for (const k of ["initContainers", "containers", "ephemeralContainers"]) for (const c of objs(spec[k])) defaultContainer(c);
  canonicalizeResourceList(spec.overhead);
}

/**
 * Defaults a PodTemplateSpec ({metadata, spec}) in place. Its ObjectMeta prints a null
 * creationTimestamp, as Go marshals the zero time (kube 1.32 shows `creationTimestamp: null`).
 */
export function defaultPodTemplateSpec(t: unknown): void {
  if (!isObj(t)) return;
  setDefault(objField(t, "metadata"), "creationTimestamp", null);
  defaultPodSpec(objField(t, "spec"));
}

// ---- validation ----

/** ValidatePodTemplateSpec at `path` ("spec.template"): labels, annotations, the spec, no ephemeral containers. */
export function validatePodTemplateSpec(t: unknown, path: string): FieldError[] {
  const tpl = obj(t);
  const meta = obj(tpl.metadata);
  const spec = obj(tpl.spec);
  // The template's ObjectMeta is inline in kube's internal type, so its paths skip "metadata".
  const errs = validateLabels(strMap(meta.labels), child(path, "labels"));
  errs.push(...validateAnnotations(strMap(meta.annotations), child(path, "annotations")));
  errs.push(...validatePodSpec(spec, child(path, "spec")));
  errs.push(...validateSeccompAnnotationsAndFields(strMap(meta.annotations) ?? {}, spec, child(path, "spec")));
  if (objs(spec.ephemeralContainers).length > 0) {
    errs.push(forbidden(child(path, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"));
  }
  return errs;
}

/** ValidatePodSpec at `path` ("spec" for pods, "spec.template.spec" for workloads). */
export function validatePodSpec(specIn: unknown, path: string, opts: PodSpecValidationOptions = {}): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const gracePeriod = num(spec.terminationGracePeriodSeconds);
  if (gracePeriod === undefined) errs.push(required(child(path, "terminationGracePeriodSeconds"), ""));
  const sc = obj(spec.securityContext);
  const hostUsers = typeof spec.hostUsers !== "boolean" || spec.hostUsers;
  const { vols, errs: volErrs } = validateVolumes(spec.volumes, opts.podName, child(path, "volumes"));
  errs.push(...volErrs);
  const podClaimNames = new Set(objs(spec.resourceClaims).map((c) => s(c.name)).filter((n) => n !== ""));
  errs.push(...validatePodResourceClaims(spec.resourceClaims, child(path, "resourceClaims")));
  const ctx: ContainerContext = { vols, podClaimNames, gracePeriod, restartPolicy: s(spec.restartPolicy), hostUsers };
  errs.push(...validateContainers(spec.containers, ctx, child(path, "containers")));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, ctx, child(path, "initContainers")));
  errs.push(...validateEphemeralContainers(spec.ephemeralContainers, spec, ctx, child(path, "ephemeralContainers")));
  errs.push(...validateHostNetworkDeps(spec, path, opts.isPod === true));
  errs.push(...validateEnum(spec.restartPolicy, child(path, "restartPolicy"), ["Always", "OnFailure", "Never"]));
  errs.push(...validateEnum(spec.dnsPolicy, child(path, "dnsPolicy"), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]));
  errs.push(...validateLabels(strMap(spec.nodeSelector), child(path, "nodeSelector")));
  errs.push(...validatePodSecurityContext(spec, sc, child(path, "securityContext")));
  objs(spec.imagePullSecrets).forEach((ref, i) => {
    if (Object.keys(ref).some((k) => k !== "name")) errs.push(invalid(index(child(path, "imagePullSecrets"), i), ref, "only name may be set"));
  });
  errs.push(...validateDNSConfig(spec.dnsConfig, s(spec.dnsPolicy), child(path, "dnsConfig")));
  objs(spec.readinessGates).forEach((g, i) => errs.push(...validateQualifiedName(s(g.conditionType), child(index(child(path, "readinessGates"), i), "conditionType"))));
  errs.push(...validateSchedulingGates(spec.schedulingGates, child(path, "schedulingGates")));
  if (spec.hostUsers === false) {
    if (spec.hostNetwork === true) errs.push(forbidden(child(path, "hostNetwork"), "when `pod.Spec.HostUsers` is false"));
    if (spec.hostPID === true) errs.push(forbidden(child(path, "HostPID"), "when `pod.Spec.HostUsers` is false"));
    if (spec.hostIPC === true) errs.push(forbidden(child(path, "HostIPC"), "when `pod.Spec.HostUsers` is false"));
  }
  const sa = s(spec.serviceAccountName);
  if (sa !== "") for (const m of nameIsDNSSubdomain(sa, false)) errs.push(invalid(child(path, "serviceAccountName"), sa, m));
  const nodeName = s(spec.nodeName);
  if (nodeName !== "") for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(invalid(child(path, "nodeName"), nodeName, m));
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) {
    errs.push(invalid(child(path, "activeDeadlineSeconds"), ads, inclusiveRangeError(1, 2147483647)));
  }
  if (s(spec.hostname) !== "") errs.push(...validateDNS1123Label(s(spec.hostname), child(path, "hostname")));
  if (s(spec.subdomain) !== "") errs.push(...validateDNS1123Label(s(spec.subdomain), child(path, "subdomain")));
  errs.push(...validateTolerations(spec.tolerations, child(path, "tolerations")));
  objs(spec.hostAliases).forEach((ha, i) => {
    const p = index(child(path, "hostAliases"), i);
    errs.push(...validateIP(s(ha.ip), child(p, "ip")));
    (Array.isArray(ha.hostnames) ? ha.hostnames : []).forEach((h, j) => errs.push(...validateDNS1123Subdomain(s(h), index(child(p, "hostnames"), j))));
  });
  const pcn = s(spec.priorityClassName);
  if (pcn !== "") for (const m of nameIsDNSSubdomain(pcn, false)) errs.push(invalid(child(path, "priorityClassName"), pcn, m));
  if (typeof spec.runtimeClassName === "string") {
    for (const m of nameIsDNSSubdomain(spec.runtimeClassName, false)) errs.push(invalid(child(path, "runtimeClassName"), spec.runtimeClassName, m));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    errs.push(...validateEnum(spec.preemptionPolicy, child(path, "preemptionPolicy"), ["PreemptLowerPriority", "Never"]));
  }
  if (isObj(spec.overhead)) errs.push(...validateResourceRequirements({ limits: spec.overhead }, new Set(), child(path, "overhead")));
  if (isObj(spec.os)) {
    const os = s(spec.os.name);
    if (os === "") errs.push(required(child(path, "os", "name"), ""));
    else if (os !== "linux" && os !== "windows") errs.push(notSupported(child(path, "os", "name"), os, ["linux", "windows"]));
  }
  return errs;
}

/** A required enum: Required when empty, NotSupported (kube's order of values) otherwise. */
function validateEnum(v: unknown, path: string, allowed: string[]): FieldError[] {
  const x = s(v);
  if (x === "") return [required(path, "")];
  return allowed.includes(x) ? [] : [notSupported(path, x, allowed)];
}

function validatePodResourceClaims(claims: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(claims).forEach((c, i) => {
    const p = index(path, i);
    const name = s(c.name);
    if (name === "") errs.push(required(child(p, "name"), ""));
    else if (names.has(name)) errs.push({ type: "FieldValueDuplicate", field: child(p, "name"), badValue: name, detail: "" });
    else {
      errs.push(...validateDNS1123Label(name, child(p, "name")));
      names.add(name);
    }
    const hasName = typeof c.resourceClaimName === "string";
    const hasTemplate = typeof c.resourceClaimTemplateName === "string";
    if (hasName && hasTemplate) errs.push(invalid(p, c, "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified"));
    if (!hasName && !hasTemplate) errs.push(invalid(p, c, "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"));
  });
  return errs;
}

function validateHostNetworkDeps(spec: Json, path: string, isPod: boolean): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  objs(spec.containers).forEach((c, i) => {
    objs(c.ports).forEach((port, j) => {
      const hp = int(port.hostPort);
      const cp = int(port.containerPort);
      if ((isPod || hp !== 0) && hp !== cp) {
        errs.push(invalid(child(index(child(index(child(path, "containers"), i), "ports"), j), "hostPort"), hp, "must match `containerPort` when `hostNetwork` is true"));
      }
    });
  });
  return errs;
}

function validatePodSecurityContext(spec: Json, sc: Json, path: string): FieldError[] {
  if (!isObj(spec.securityContext)) return [];
  const errs: FieldError[] = [];
  for (const [k, check] of [["fsGroup", isValidGroupID], ["runAsUser", isValidUserID], ["runAsGroup", isValidGroupID]] as const) {
    const v = num(sc[k]);
    if (v !== undefined) for (const m of check(v)) errs.push(invalid(child(path, k), v, m));
  }
  (Array.isArray(sc.supplementalGroups) ? sc.supplementalGroups : []).forEach((g, i) => {
    for (const m of isValidGroupID(int(g))) errs.push(invalid(index(child(path, "supplementalGroups"), i), int(g), m));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(child(path, "shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"));
  }
  const sysctlNames = new Set<string>();
  objs(sc.sysctls).forEach((sy, i) => {
    const p = child(index(child(path, "sysctls"), i), "name");
    const name = s(sy.name);
    if (name === "") errs.push(required(p, ""));
    else if (name.length > 253 || !/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(name)) {
      errs.push(invalid(p, name, "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"));
    } else if (sysctlNames.has(name)) errs.push({ type: "FieldValueDuplicate", field: p, badValue: name, detail: "" });
    sysctlNames.add(name);
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null) {
    const v = s(sc.fsGroupChangePolicy);
    if (v !== "OnRootMismatch" && v !== "Always") errs.push(notSupported(child(path, "fsGroupChangePolicy"), v, ["Always", "OnRootMismatch"]));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(path, "seccompProfile")));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, child(path, "appArmorProfile")));
  if (sc.supplementalGroupsPolicy !== undefined && sc.supplementalGroupsPolicy !== null) {
    const v = s(sc.supplementalGroupsPolicy);
    if (v !== "Merge" && v !== "Strict") errs.push(notSupported(child(path, "supplementalGroupsPolicy"), v, ["Merge", "Strict"]));
  }
  return errs;
}

function validateDNSConfig(cfg: unknown, dnsPolicy: string, path: string): FieldError[] {
  if (dnsPolicy === "None") {
    if (!isObj(cfg)) return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (!Array.isArray(cfg.nameservers) || cfg.nameservers.length === 0) {
      return [required(child(path, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None")];
    }
  }
  if (!isObj(cfg)) return [];
  const errs: FieldError[] = [];
  const ns = Array.isArray(cfg.nameservers) ? cfg.nameservers.map(s) : [];
  if (ns.length > 3) errs.push(invalid(child(path, "nameservers"), ns, "must not have more than 3 nameservers"));
  ns.forEach((n, i) => errs.push(...validateIP(n, index(child(path, "nameservers"), i))));
  const searches = Array.isArray(cfg.searches) ? cfg.searches.map(s) : [];
  if (searches.length > 32) errs.push(invalid(child(path, "searches"), searches, "must not have more than 32 search paths"));
  if (searches.join(" ").length > 2048) {
    errs.push(invalid(child(path, "searches"), searches, "must not have more than 2048 characters (including spaces) in the search list"));
  }
  searches.forEach((sr, i) => errs.push(...validateDNS1123Subdomain(sr.replace(/\.$/, ""), index(child(path, "searches"), i))));
  objs(cfg.options).forEach((o, i) => {
    if (s(o.name) === "") errs.push(required(index(child(path, "options"), i), "must not be empty"));
  });
  return errs;
}

function validateSchedulingGates(gates: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objs(gates).forEach((g, i) => {
    const name = s(g.name);
    errs.push(...validateQualifiedName(name, index(path, i)));
    if (seen.has(name)) errs.push({ type: "FieldValueDuplicate", field: index(path, i), badValue: name, detail: "" });
    seen.add(name);
  });
  return errs;
}

const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect === "") return [required(path, "")];
  return taintEffects.includes(effect) ? [] : [notSupported(path, effect, taintEffects)];
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(tolerations).forEach((t, i) => {
    const p = index(path, i);
    const k = s(t.key);
    const op = s(t.operator);
    const effect = s(t.effect);
    if (k !== "") errs.push(...validateLabelName(k, child(p, "key")));
    if (k === "" && op !== "Exists") {
      errs.push(invalid(child(p, "operator"), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== "NoExecute") {
      errs.push(invalid(child(p, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const value = s(t.value);
    switch (op) {
      case "Equal":
      case "": {
        const msgs = isValidLabelValue(value);
        if (msgs.length) errs.push(invalid(child(p, "operator"), value, msgs.join(";")));
        break;
      }
      case "Exists":
        if (value !== "") errs.push(invalid(child(p, "operator"), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, "operator"), op, ["Equal", "Exists"]));
    }
    if (effect !== "") errs.push(...validateTaintEffect(effect, true, child(p, "effect")));
  });
  return errs;
}

/** When both a seccomp annotation and field are set, they must agree (pod and per container). */
export function validateSeccompAnnotationsAndFields(annotations: Record<string, string>, spec: Json, specPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const check = (annotation: string | undefined, field: unknown, p: string) => {
    if (annotation === undefined || !isObj(field)) return;
    const t = s(field.type);
    const match =
      t === "Unconfined" ? annotation === "unconfined" :
      t === "RuntimeDefault" ? annotation === "runtime/default" || annotation === "docker/default" :
      t === "Localhost" ? annotation.startsWith("localhost/") : true;
    if (!match) errs.push(forbidden(child(p, "type"), "seccomp type in annotation and field must match"));
    else if (t === "Localhost" && annotation.slice("localhost/".length) !== s(field.localhostProfile)) {
      errs.push(forbidden(child(p, "localhostProfile"), "seccomp profile in annotation and field must match"));
    }
  };
  check(annotations["seccomp.security.alpha.kubernetes.io/pod"], obj(spec.securityContext).seccompProfile, child(specPath, "securityContext", "seccompProfile"));
  const visit = (k: string) =>
    objs(spec[k]).forEach((c, i) => {
      const field = obj(c.securityContext).seccompProfile;
      check(annotations[`container.seccomp.security.alpha.kubernetes.io/${s(c.name)}`], field, child(index(child(specPath, k), i), "securityContext", "seccompProfile"));
    });
  visit("initContainers");
  visit("containers");
  visit("ephemeralContainers");
  return errs;
}
