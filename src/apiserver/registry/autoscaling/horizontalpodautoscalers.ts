/**
 * autoscaling HorizontalPodAutoscaler, v2 (stored) and v1 (converted) shapes, told apart by
 * apiVersion (kube's hpa strategy, v1/v2 defaults and validation; 1.32). kube validates the
 * internal (v2-like) object, so v1's targetCPUUtilizationPercentage is checked as the CPU
 * metric it converts to. HPAs have no generation.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { forbidden, invalid, notSupported, required, validatePathSegmentName } from "../../validation/index.js";
import { validateContainerResourceName } from "../core/resources.js";
import { validateDNS1123Label } from "../core/util.js";
import { cmpQuantity, parseQuantity } from "../core/quantity.js";
import type { Strategy } from "../types.js";
import { specStatusStrategy } from "../groupsupport/lifecycle.js";
import { arr, isObj, objAt, s, setDefault, specOf, type Json } from "../groupsupport/json.js";
import { nonNegative } from "../groupsupport/validate.js";

const metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const selectPolicies = ["Disabled", "Max", "Min"];
const policyTypes = ["Percent", "Pods"];
const maxPeriodSeconds = 1800;
const maxStabilizationWindowSeconds = 3600;

function isV1(obj: KObject): boolean {
  return obj.apiVersion === "autoscaling/v1";
}

// ---- defaults ----

const scaleUpDefaults = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
});
const scaleDownDefaults = () => ({ selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] });

/** GenerateHPAScale{Up,Down}Rules: set fields win, the rest comes from the defaults. */
function fillRules(rules: unknown, base: Json): Json {
  if (!isObj(rules)) return base;
  for (const k of ["selectPolicy", "stabilizationWindowSeconds", "policies"]) {
    if (rules[k] !== undefined && rules[k] !== null) base[k] = rules[k];
  }
  return base;
}

function defaults(obj: KObject): void {
  const spec = specOf(obj);
  setDefault(spec, "minReplicas", 1);
  if (isV1(obj)) return;
  if (arr(spec.metrics).length === 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
  }
  const behavior = spec.behavior;
  if (isObj(behavior)) {
    behavior.scaleUp = fillRules(behavior.scaleUp, scaleUpDefaults());
    behavior.scaleDown = fillRules(behavior.scaleDown, scaleDownDefaults());
  }
}

// ---- validation ----

function validateTargetRef(ref: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ["kind", "name"]) {
    const v = s(ref[k]);
    if (v === "") errs.push(required(`${path}.${k}`));
    else for (const m of validatePathSegmentName(v, false)) errs.push(invalid(`${path}.${k}`, v, m));
  }
  return errs;
}

function positive(v: unknown): boolean {
  const q = parseQuantity(v);
  const zero = parseQuantity("0");
  return typeof q !== "string" && typeof zero !== "string" && cmpQuantity(q, zero) > 0;
}

function validateTarget(t: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = s(t.type);
  if (type === "") errs.push(required(`${path}.type`, "must specify a metric target type"));
  if (!["Utilization", "Value", "AverageValue"].includes(type)) errs.push(invalid(`${path}.type`, type, "must be either Utilization, Value, or AverageValue"));
  for (const k of ["value", "averageValue"]) {
    if (t[k] !== undefined && t[k] !== null && !positive(t[k])) errs.push(invalid(`${path}.${k}`, t[k], "must be positive"));
  }
  if (typeof t.averageUtilization === "number" && t.averageUtilization < 1) {
    errs.push(invalid(`${path}.averageUtilization`, t.averageUtilization, "must be greater than 0"));
  }
  return errs;
}

function validateMetricIdentifier(id: Json, path: string): FieldError[] {
  const name = s(id.name);
  const errs: FieldError[] = [];
  if (name === "") errs.push(required(`${path}.name`, "must specify a metric name"));
  else for (const m of validatePathSegmentName(name, false)) errs.push(invalid(`${path}.name`, name, m));
  return errs;
}

function validateResourceSource(src: Json, path: string, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(src.name);
  if (name === "") errs.push(required(`${path}.name`, "must specify a resource name"));
  else errs.push(...validateContainerResourceName(name, `${path}.name`));
  if (container) {
    const c = s(src.container);
    if (c === "") errs.push(required(`${path}.container`, "must populate container name"));
    else errs.push(...validateDNS1123Label(c, `${path}.container`));
  }
  const target = isObj(src.target) ? src.target : {};
  errs.push(...validateTarget(target, `${path}.target`));
  const hasUtil = typeof target.averageUtilization === "number";
  const hasAvg = target.averageValue !== undefined && target.averageValue !== null;
  if (!hasUtil && !hasAvg) errs.push(required(`${path}.target.averageUtilization`, "must set either a target raw value or a target utilization"));
  if (hasUtil && hasAvg) errs.push(forbidden(`${path}.target.averageValue`, "may not set both a target raw value and a target utilization"));
  return errs;
}

function validateObjectLike(src: Json, path: string, kind: "object" | "pods" | "external"): FieldError[] {
  const errs: FieldError[] = [];
  if (kind === "object") errs.push(...validateTargetRef(isObj(src.describedObject) ? src.describedObject : {}, `${path}.describedObject`));
  errs.push(...validateMetricIdentifier(isObj(src.metric) ? src.metric : {}, `${path}.metric`));
  const target = isObj(src.target) ? src.target : {};
  errs.push(...validateTarget(target, `${path}.target`));
  const hasValue = target.value !== undefined && target.value !== null;
  const hasAvg = target.averageValue !== undefined && target.averageValue !== null;
  const avgPath = `${path}.target.averageValue`;
  if (kind === "pods") {
    if (!hasAvg) errs.push(required(avgPath, "must specify a positive target averageValue"));
  } else if (kind === "object") {
    if (!hasValue && !hasAvg) errs.push(required(avgPath, "must set either a target value or averageValue"));
  } else {
    if (!hasValue && !hasAvg) errs.push(required(avgPath, "must set either a target value for metric or a per-pod target"));
    if (hasValue && hasAvg) errs.push(forbidden(`${path}.target.value`, "may not set both a target value for metric and a per-pod target"));
  }
  return errs;
}

const sources: [string, string, (src: Json, path: string) => FieldError[]][] = [
  ["object", "Object", (src, p) => validateObjectLike(src, p, "object")],
  ["external", "External", (src, p) => validateObjectLike(src, p, "external")],
  ["pods", "Pods", (src, p) => validateObjectLike(src, p, "pods")],
  ["resource", "Resource", (src, p) => validateResourceSource(src, p, false)],
  ["containerResource", "ContainerResource", (src, p) => validateResourceSource(src, p, true)],
];

function validateMetric(m: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = s(m.type);
  if (type === "") errs.push(required(`${path}.type`, "must specify a metric source type"));
  if (!metricTypes.includes(type)) errs.push(notSupported(`${path}.type`, type, metricTypes));
  const present: string[] = [];
  for (const [key, , check] of sources) {
    if (!isObj(m[key])) continue;
    present.push(key);
    if (present.length === 1) errs.push(...check(m[key], `${path}.${key}`));
  }
  const expected = sources.find(([, t]) => t === type);
  if (expected) {
    if (!isObj(m[expected[0]])) errs.push(required(`${path}.${expected[0]}`, "must populate information for the given metric source"));
  } else {
    // kube reports an unknown type a second time here.
    errs.push(notSupported(`${path}.type`, type, metricTypes));
  }
  if (present.length !== 1) {
    for (const key of present) if (key !== expected?.[0]) errs.push(forbidden(`${path}.${key}`, "must populate the given metric source only"));
  }
  return errs;
}

function validateScalingRules(rules: unknown, path: string): FieldError[] {
  if (!isObj(rules)) return [];
  const errs: FieldError[] = [];
  const sw = rules.stabilizationWindowSeconds;
  if (typeof sw === "number" && sw < 0) errs.push(invalid(`${path}.stabilizationWindowSeconds`, sw, "must be greater than or equal to zero"));
  if (typeof sw === "number" && sw > maxStabilizationWindowSeconds) {
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, sw, `must be less than or equal to ${maxStabilizationWindowSeconds}`));
  }
  if (typeof rules.selectPolicy === "string" && !selectPolicies.includes(rules.selectPolicy)) {
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, selectPolicies));
  }
  const policies = arr(rules.policies);
  if (policies.length === 0) errs.push(required(`${path}.policies`, "must specify at least one Policy"));
  policies.forEach((x, i) => {
    const pol = isObj(x) ? x : {};
    const pp = `${path}.policies[${i}]`;
    if (pol.type !== "Pods" && pol.type !== "Percent") errs.push(notSupported(`${pp}.type`, s(pol.type), policyTypes));
    const value = typeof pol.value === "number" ? pol.value : 0;
    if (value <= 0) errs.push(invalid(`${pp}.value`, value, "must be greater than zero"));
    const period = typeof pol.periodSeconds === "number" ? pol.periodSeconds : 0;
    if (period <= 0) errs.push(invalid(`${pp}.periodSeconds`, period, "must be greater than zero"));
    if (period > maxPeriodSeconds) errs.push(invalid(`${pp}.periodSeconds`, period, `must be less than or equal to ${maxPeriodSeconds}`));
  });
  return errs;
}

/** The internal metrics list a v1 object converts to (only the CPU target exists in v1). */
function metricsOf(obj: KObject, spec: Json): unknown[] {
  if (!isV1(obj)) return arr(spec.metrics);
  const cpu = spec.targetCPUUtilizationPercentage;
  if (typeof cpu !== "number") return [];
  return [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu } } }];
}

function validate(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = typeof spec.maxReplicas === "number" ? spec.maxReplicas : 0;
  // HPAScaleToZero is alpha (off) in 1.32.
  if (typeof min === "number" && min < 1) errs.push(invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
  if (max < 1) errs.push(invalid("spec.maxReplicas", max, "must be greater than 0"));
  if (typeof min === "number" && max < min) errs.push(invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  errs.push(...validateTargetRef(isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {}, "spec.scaleTargetRef"));
  metricsOf(obj, spec).forEach((m, i) => errs.push(...validateMetric(isObj(m) ? m : {}, `spec.metrics[${i}]`)));
  const behavior = objAt(spec, "behavior");
  if (behavior) {
    errs.push(...validateScalingRules(behavior.scaleUp, "spec.behavior.scaleUp"));
    errs.push(...validateScalingRules(behavior.scaleDown, "spec.behavior.scaleDown"));
  }
  return errs;
}

function validateStatus(obj: KObject): FieldError[] {
  const st = isObj(obj.status) ? obj.status : {};
  return [...nonNegative(st.currentReplicas, "status.currentReplicas"), ...nonNegative(st.desiredReplicas, "status.desiredReplicas")];
}

const lifecycle = specStatusStrategy({ generation: false, validateStatusUpdate: validateStatus });

export const horizontalPodAutoscalerStrategy: Strategy = {
  defaults,
  ...lifecycle,
  prepareForCreate(obj) {
    // The zero status as each version serializes it (v2's currentMetrics has no omitempty).
    obj.status = isV1(obj) ? { currentReplicas: 0, desiredReplicas: 0 } : { currentMetrics: null, desiredReplicas: 0 };
  },
  validate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
