/**
 * Pods (pkg/registry/core/pod/strategy.go): status set by the server on create, spec nearly
 * immutable on update, graceful deletion, and the status and ephemeralcontainers subresources.
 * Admission plugins add more on a real cluster (service account token volume, default
 * tolerations, priority); those are not the strategy's.
 */
import type { FieldError, KObject } from "../../api/types.js";
import {
  child, forbidden, index, invalid, jsonEqual, nameIsDNSSubdomain, notSupported, required, validateImmutableField,
} from "../../validation/index.js";
import type { Strategy, StrategyContext, SubresourceStrategy } from "../types.js";
import { validateContainerOnlyForPod } from "./containers.js";
import { defaultPodSpec, validatePodSpec, validateSeccompAnnotationsAndFields, validateTolerations } from "./podspec.js";
import { podQOSClass } from "./resources.js";
import { ensureObj, int, isObj, jsonDiff, metaTime, num, obj, objs, s, strMap, validateIP, validateQualifiedName, type Json } from "./util.js";
import { copyJSON } from "../../../util/json.js";

const mirrorPodAnnotation = "kubernetes.io/config.mirror";

/** The editable parts of a pod spec, as kube's update error lists them. */
const updatablePodSpecFields = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

// ---- defaults ----

/** SetDefaults_Pod (requests from limits, service links, host ports) and then the PodSpec defaults. */
export function defaultPod(pod: KObject): void {
  const spec = ensureObj(pod, "spec");
  ensureObj(pod, "status");
  for (const k of ["containers", "initContainers"]) {
    for (const c of objs(spec[k])) {
      const res = obj(c.resources);
      if (!isObj(res.limits)) continue;
      const requests = isObj(res.requests) ? res.requests : (res.requests = {} as Json);
      for (const [name, v] of Object.entries(res.limits)) if (!(name in requests)) requests[name] = v;
      c.resources = res;
    }
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const k of ["containers", "initContainers"]) {
      for (const c of objs(spec[k])) for (const p of objs(c.ports)) if (int(p.hostPort) === 0) p.hostPort = int(p.containerPort);
    }
  }
  defaultPodSpec(spec);
}

/**
 * Fields of features that are off by default in 1.32 (pod-level resources, in-place resize,
 * image volumes, user namespaces, ...): kube drops them unless the old object used them.
 */
function dropDisabledFields(spec: Json, old: Json | undefined): void {
  if (!old?.resources) delete spec.resources;
  if (!old?.hostUsers && old?.hostUsers !== false) delete spec.hostUsers;
  const oldUsesResize = old !== undefined && [...objs(old.containers), ...objs(old.initContainers)].some((c) => c.resizePolicy);
  if (!oldUsesResize) for (const k of ["containers", "initContainers"]) for (const c of objs(spec[k])) delete c.resizePolicy;
  const oldUsesImage = old !== undefined && objs(old.volumes).some((v) => v.image);
  if (!oldUsesImage) for (const v of objs(spec.volumes)) delete v.image;
  const sc = obj(spec.securityContext);
  const oldSc = obj(old?.securityContext);
  if (oldSc.supplementalGroupsPolicy === undefined) delete sc.supplementalGroupsPolicy;
  if (oldSc.seLinuxChangePolicy === undefined) delete sc.seLinuxChangePolicy;
}

// ---- create / update ----

/** Objects between prepareForCreate and validate: only a create runs the create-only checks. */
const creating = new WeakSet<object>();

function prepareForCreate(pod: KObject, ctx: StrategyContext): void {
  const spec = ensureObj(pod, "spec");
  dropDisabledFields(spec, undefined);
  const status: Json = { phase: "Pending", qosClass: podQOSClass(spec) };
  if (objs(spec.schedulingGates).length > 0) {
    status.conditions = [{
      type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: metaTime(ctx.now),
      reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates",
    }];
  }
  pod.status = status;
  creating.add(pod);
}

function prepareForUpdate(pod: KObject, old: KObject): void {
  pod.status = old.status;
  dropDisabledFields(ensureObj(pod, "spec"), obj(old.spec));
}

/** validatePodMetadataAndSpec (ObjectMeta itself is the generic store's), plus ValidatePodCreate on create. */
function validate(pod: KObject): FieldError[] {
  const spec = obj(pod.spec);
  const annotations = strMap(pod.metadata.annotations) ?? {};
  const errs: FieldError[] = [];
  if (mirrorPodAnnotation in annotations && s(spec.nodeName) === "") {
    errs.push(invalid(`metadata.annotations[${mirrorPodAnnotation}]`, annotations[mirrorPodAnnotation], "must set spec.nodeName if mirror pod annotation is set"));
  }
  const cost = annotations["controller.kubernetes.io/pod-deletion-cost"];
  if (cost !== undefined && !isDeletionCost(cost)) {
    errs.push(invalid("metadata.annotations[controller.kubernetes.io/pod-deletion-cost]", cost, "must be a 32bit integer"));
  }
  errs.push(...validatePodSpec(spec, "spec", { isPod: true, podName: pod.metadata.name ?? "" }));
  if (s(spec.serviceAccountName) === "") {
    objs(spec.volumes).forEach((v, vi) => {
      objs(obj(v.projected).sources).forEach((src, si) => {
        if (isObj(src.serviceAccountToken)) {
          errs.push(forbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, "must not be specified when serviceAccountName is not set"));
        }
      });
    });
  }
  objs(spec.containers).forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, index("spec.containers", i))));
  objs(spec.initContainers).forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, index("spec.initContainers", i))));
  if (creating.has(pod)) {
    creating.delete(pod);
    if (objs(spec.ephemeralContainers).length > 0) errs.push(forbidden("spec.ephemeralContainers", "cannot be set on create"));
    if (s(spec.nodeName) !== "" && objs(spec.schedulingGates).length > 0) {
      errs.push(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
    }
    errs.push(...validateSeccompAnnotationsAndFields(annotations, spec, "spec"));
  }
  return errs;
}

/** A base-10 int32 whose first character is '-' or a digit without a leading zero. */
function isDeletionCost(v: string): boolean {
  if (!/^(0|[1-9]\d*|-\d+)$/.test(v)) return false;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647;
}

function validateAnnotationUpdates(pod: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const now = strMap(pod.metadata.annotations) ?? {};
  const before = strMap(old.metadata.annotations) ?? {};
  const path = (k: string) => `metadata.annotations[${k}]`;
  for (const [k, v] of Object.entries(before)) {
    if (now[k] === v) continue;
    if (k.startsWith("container.apparmor.security.beta.kubernetes.io/")) errs.push(forbidden(path(k), "may not remove or update AppArmor annotations"));
    if (k === mirrorPodAnnotation) errs.push(forbidden(path(k), "may not remove or update mirror pod annotation"));
  }
  for (const k of Object.keys(now)) {
    if (k in before) continue;
    if (k.startsWith("container.apparmor.security.beta.kubernetes.io/")) errs.push(forbidden(path(k), "may not add AppArmor annotations"));
    if (k === mirrorPodAnnotation) errs.push(forbidden(path(k), "may not add mirror pod annotation"));
  }
  return errs;
}

function validateContainerUpdates(now: Json[], before: Json[], path: string): { errs: FieldError[]; stop: boolean } {
  if (now.length !== before.length) return { errs: [forbidden(path, "pod updates may not add or remove containers")], stop: true };
  const errs: FieldError[] = [];
  now.forEach((c, i) => {
    const image = s(c.image);
    if (image === "") errs.push(required(child(index(path, i), "image"), ""));
    if (image.trim() !== image) errs.push(invalid(child(index(path, i), "image"), image, "must not have leading or trailing whitespace"));
  });
  return { errs, stop: false };
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations, removed gates may change. */
function validateUpdate(pod: KObject, old: KObject): FieldError[] {
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);
  const errs = validateAnnotationUpdates(pod, old);
  for (const k of ["containers", "initContainers"]) {
    const r = validateContainerUpdates(objs(spec[k]), objs(oldSpec[k]), `spec.${k}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = num(spec.activeDeadlineSeconds);
  const oldAds = num(oldSpec.activeDeadlineSeconds);
  if (ads !== undefined) {
    if (ads < 0 || ads > 2147483647) {
      errs.push(invalid("spec.activeDeadlineSeconds", ads, "must be between 0 and 2147483647, inclusive"));
      return errs;
    }
    if (oldAds !== undefined && oldAds < ads) {
      errs.push(invalid("spec.activeDeadlineSeconds", ads, "must be less than or equal to previous value"));
      return errs;
    }
  } else if (oldAds !== undefined) {
    errs.push(invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations));
  errs.push(...validateOnlyDeletedSchedulingGates(spec.schedulingGates, oldSpec.schedulingGates));
  if (jsonEqual(spec, oldSpec)) return errs;
  // Copy the mutable fields from the old spec; anything left different is a forbidden change.
  const munged = copyJSON(spec);
  for (const k of ["containers", "initContainers"]) {
    objs(munged[k]).forEach((c, i) => {
      const prev = objs(oldSpec[k])[i];
      if (prev && prev.image !== undefined) c.image = prev.image;
      else delete c.image;
    });
  }
  setOrDelete(munged, "activeDeadlineSeconds", oldSpec.activeDeadlineSeconds);
  setOrDelete(munged, "schedulingGates", oldSpec.schedulingGates);
  setOrDelete(munged, "tolerations", oldSpec.tolerations);
  const oldGrace = num(oldSpec.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && num(munged.terminationGracePeriodSeconds) === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (objs(oldSpec.schedulingGates).length > 0) {
    // A gated pod may gain node selector entries (not change or lose them).
    const oldSel = strMap(oldSpec.nodeSelector) ?? {};
    const newSel = strMap(munged.nodeSelector) ?? {};
    if (!jsonEqual(oldSel, newSel)) {
      if (Object.entries(oldSel).some(([k, v]) => newSel[k] !== v)) {
        errs.push(invalid("spec.nodeSelector", newSel, "only additions to spec.nodeSelector are allowed (no mutations or deletions)"));
      }
      setOrDelete(munged, "nodeSelector", oldSpec.nodeSelector);
    }
  }
  if (!jsonEqual(munged, oldSpec)) {
    const diff = jsonDiff(oldSpec, munged, "spec").join("\n");
    errs.push(forbidden("spec", `pod updates may not change fields other than ${updatablePodSpecFields.join(",")}\n${diff}`));
  }
  return errs;
}

function setOrDelete(o: Json, k: string, v: unknown): void {
  if (v === undefined) delete o[k];
  else o[k] = copyJSON(v);
}

function validateOnlyAddedTolerations(now: unknown, before: unknown): FieldError[] {
  const current = objs(now);
  for (const old of objs(before)) {
    const found = current.some((t) => jsonEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t) || jsonEqual({ ...t, tolerationSeconds: old.tolerationSeconds }, old));
    if (!found) return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")];
  }
  return validateTolerations(now, "spec.tolerations");
}

function validateOnlyDeletedSchedulingGates(now: unknown, before: unknown): FieldError[] {
  const current = objs(now);
  if (current.length === 0) return [];
  const old = new Set(objs(before).map((g) => s(g.name)));
  const errs: FieldError[] = [];
  current.forEach((g, i) => {
    const name = s(g.name);
    if (!old.has(name)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  return errs;
}

// ---- deletion ----

/**
 * CheckGracefulDelete: the requested period, else the pod's terminationGracePeriodSeconds;
 * unscheduled and finished pods go at once; a negative period becomes 1.
 */
function gracePeriod(pod: KObject, requested: number | undefined): number {
  const spec = obj(pod.spec);
  let period = requested ?? num(spec.terminationGracePeriodSeconds) ?? 0;
  if (s(spec.nodeName) === "") period = 0;
  const phase = s(obj(pod.status).phase);
  if (phase === "Failed" || phase === "Succeeded") period = 0;
  if (period < 0) period = 1;
  return period;
}

// ---- field selectors ----

function selectableFields(pod: KObject): Record<string, string> {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const podIPs = objs(status.podIPs);
  return {
    "spec.nodeName": s(spec.nodeName),
    "spec.restartPolicy": s(spec.restartPolicy),
    "spec.schedulerName": s(spec.schedulerName),
    "spec.serviceAccountName": s(spec.serviceAccountName),
    "spec.hostNetwork": String(spec.hostNetwork === true),
    "status.phase": s(status.phase),
    "status.podIP": podIPs.length > 0 ? s(podIPs[0]!.ip) : "",
    "status.nominatedNodeName": s(status.nominatedNodeName),
  };
}

// ---- subresources ----

const systemConditions = new Set(["PodScheduled", "Ready", "Initialized"]);

/** ValidatePodStatusUpdate (the checks that do not need container runtimes' detail). */
function validateStatusUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateAnnotationUpdates(pod, old);
  const status = obj(pod.status);
  const oldStatus = obj(old.status);
  // kube builds this path from "metadata", so it reads metadata.conditions[i].Type.
  objs(status.conditions).forEach((c, i) => {
    if (!systemConditions.has(s(c.type))) errs.push(...validateQualifiedName(s(c.type), `metadata.conditions[${i}].Type`));
  });
  if (s(obj(pod.spec).nodeName) !== s(obj(old.spec).nodeName)) errs.push(forbidden("status.nodeName", "may not be changed directly"));
  const nominated = s(status.nominatedNodeName);
  if (nominated !== s(oldStatus.nominatedNodeName) && nominated !== "") {
    for (const m of nameIsDNSSubdomain(nominated, false)) errs.push(invalid("status.nominatedNodeName", nominated, m));
  }
  errs.push(...validateImmutableField(s(status.qosClass), s(oldStatus.qosClass), "status.qosClass"));
  errs.push(...validateIPList(objs(status.podIPs), "status.podIPs"));
  const hostIPs = objs(status.hostIPs);
  if (hostIPs.length > 0 && s(status.hostIP) !== s(hostIPs[0]!.ip)) {
    errs.push(invalid("status.hostIPs[0].ip", s(hostIPs[0]!.ip), "must be equal to `hostIP`"));
  }
  errs.push(...validateIPList(hostIPs, "status.hostIPs"));
  return errs;
}

/** Every entry a valid IP, at most one per family, no duplicates. */
function validateIPList(list: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((e, i) => errs.push(...validateIP(s(e.ip), index(path, i))));
  if (errs.length || list.length <= 1) return errs;
  const families = list.map((e) => (s(e.ip).includes(":") ? 6 : 4));
  if (list.length > 2 || families[0] === families[1]) errs.push(invalid(path, list, "may specify no more than one IP for each IP family"));
  const seen = new Set<string>();
  list.forEach((e, i) => {
    if (seen.has(s(e.ip))) errs.push({ type: "FieldValueDuplicate", field: index(path, i), badValue: e, detail: "" });
    seen.add(s(e.ip));
  });
  return errs;
}

const status: SubresourceStrategy = {
  prepareForUpdate(pod, old) {
    pod.spec = old.spec;
    // Old kubelets corrupt owner references: the status endpoint may not touch them.
    if (old.metadata.ownerReferences) pod.metadata.ownerReferences = old.metadata.ownerReferences;
    else delete pod.metadata.ownerReferences;
    const st = ensureObj(pod, "status");
    if (s(st.qosClass) === "" && s(obj(old.status).qosClass) !== "") st.qosClass = obj(old.status).qosClass;
  },
  validateUpdate: validateStatusUpdate,
};

/** Only spec.ephemeralContainers changes through pods/ephemeralcontainers; the rest is the stored pod. */
const ephemeralContainers: SubresourceStrategy = {
  prepareForUpdate(pod, old) {
    const next = copyJSON(old);
    const spec = ensureObj(next, "spec");
    const wanted = obj(pod.spec).ephemeralContainers;
    if (wanted === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = wanted;
    next.metadata.resourceVersion = pod.metadata.resourceVersion;
    for (const k of Object.keys(pod)) delete pod[k];
    Object.assign(pod, next);
  },
  validateUpdate(pod, old) {
    const errs = [...validate(pod), ...validateAnnotationUpdates(pod, old)];
    if (mirrorPodAnnotation in (old.metadata.annotations ?? {})) return [forbidden("", "static pods do not support ephemeral containers")];
    const current = new Map(objs(obj(pod.spec).ephemeralContainers).map((c) => [s(c.name), c]));
    for (const prev of objs(obj(old.spec).ephemeralContainers)) {
      const name = s(prev.name);
      const now = current.get(name);
      if (!now) errs.push(forbidden("spec.ephemeralContainers", `existing ephemeral containers "${name}" may not be removed\n`));
      else if (!jsonEqual(prev, now)) {
        errs.push(forbidden("spec.ephemeralContainers", `existing ephemeral containers "${name}" may not be changed\n${jsonDiff(prev, now).join("\n")}`));
      }
    }
    return errs;
  },
};

export const podStrategy: Strategy = {
  defaults: defaultPod,
  prepareForCreate,
  prepareForUpdate,
  validate,
  validateUpdate,
  selectableFields,
  gracePeriod,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  subresources: { status, ephemeralcontainers: ephemeralContainers },
};

// ---- pods/binding ----

/** ValidatePodBinding: the target is a Node (kind empty or "Node") with a name. */
export function validateBinding(binding: KObject): FieldError[] {
  const target = obj(binding.target);
  const errs: FieldError[] = [];
  const kind = s(target.kind);
  if (kind !== "" && kind !== "Node") errs.push(notSupported("target.kind", kind, ["Node", "<empty>"]));
  if (s(target.name) === "") errs.push(required("target.name", ""));
  return errs;
}

/**
 * Binds a pod to a node (the pods/binding subresource, and bindings), as kube's
 * setPodNodeAndMetadata: sets spec.nodeName, adds the binding's annotations, marks PodScheduled
 * True (its transition time kept if it was True already). Answers the bound pod, a new object
 * that shares what did not change with `pod` (left as it is), or the reason kube gives in its
 * 409 Conflict on pods/binding when the pod cannot be bound.
 */
export function bindPod(pod: KObject, binding: KObject, now: Date): KObject | string {
  const name = pod.metadata.name ?? "";
  const spec = obj(pod.spec);
  if (pod.metadata.deletionTimestamp) return `pod ${name} is being deleted, cannot be assigned to a host`;
  if (s(spec.nodeName) !== "") return `pod ${name} is already assigned to node "${s(spec.nodeName)}"`;
  if (objs(spec.schedulingGates).length > 0) return `pod ${name} has non-empty .spec.schedulingGates`;
  const metadata = { ...pod.metadata };
  const annotations = binding.metadata?.annotations;
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
  const status = obj(pod.status);
  const conditions: unknown[] = Array.isArray(status.conditions) ? [...(status.conditions as unknown[])] : [];
  const scheduled: Json = { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: metaTime(now) };
  const i = conditions.findIndex((c) => isObj(c) && c.type === "PodScheduled");
  if (i < 0) conditions.push(scheduled);
  else {
    const old = obj(conditions[i]);
    if (old.status === "True") scheduled.lastTransitionTime = old.lastTransitionTime ?? null;
    conditions[i] = scheduled;
  }
  return { ...pod, metadata, spec: { ...spec, nodeName: s(obj(binding.target).name) }, status: { ...status, conditions } };
}
