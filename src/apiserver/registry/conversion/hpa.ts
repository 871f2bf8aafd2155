/**
 * HorizontalPodAutoscaler autoscaling/v1 <-> autoscaling/v2, as kube 1.32 converts them through
 * its internal type (pkg/apis/autoscaling/v1/conversion.go, v2/conversion.go, annotations.go).
 *
 * autoscaling/v2 has the internal type's shape, so objects are decoded into `Hpa` (the internal
 * type) and encoded into the target version. v1 can only say "target CPU utilization"; every
 * other v2 field travels in four annotations on the v1 object, written exactly as kube writes
 * them: other metrics and current metrics in the v1 metric shapes (the old v2beta1 layout),
 * conditions in the v1 condition shape, and behavior as the JSON of kube's *internal* Go type
 * (Go field names, no json tags). Reading them back, a malformed annotation is ignored.
 */
import type { KObject, ObjectMeta } from "../../api/types.js";
import {
  annotation, field, GoDecodeError, goMarshal, goUnmarshal, int32, int64, labelSelector, list, obj, quantity, sortedMap,
  stored, str, time, type Json, type Reader,
} from "./gojson.js";

export const metricSpecsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
export const metricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
export const conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
export const behaviorSpecsAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

/** The annotations kube strips whenever it converts an HPA to or from its internal type. */
export const roundTripAnnotations: readonly string[] = [
  metricSpecsAnnotation, behaviorSpecsAnnotation, metricStatusesAnnotation, conditionsAnnotation,
];

/** autoscaling.DefaultCPUUtilization: the target v1 implies when it names no metric at all. */
const defaultCPUUtilization = 80;

// ---- the internal type ----

interface CrossRef { kind: string; name: string; apiVersion: string }
interface MetricId { name: string; selector?: Json }
interface Target { type: string; value?: string; averageValue?: string; averageUtilization?: number }
interface ValueStatus { value?: string; averageValue?: string; averageUtilization?: number }

interface MetricSpec {
  type: string;
  object?: { describedObject: CrossRef; target: Target; metric: MetricId };
  pods?: { metric: MetricId; target: Target };
  resource?: { name: string; target: Target };
  containerResource?: { name: string; container: string; target: Target };
  external?: { metric: MetricId; target: Target };
}

interface MetricStatus {
  type: string;
  object?: { metric: MetricId; current: ValueStatus; describedObject: CrossRef };
  pods?: { metric: MetricId; current: ValueStatus };
  resource?: { name: string; current: ValueStatus };
  containerResource?: { name: string; container: string; current: ValueStatus };
  external?: { metric: MetricId; current: ValueStatus };
}

interface Condition { type: string; status: string; lastTransitionTime: string | null; reason: string; message: string }
interface Policy { type: string; value: number; periodSeconds: number }
interface Rules { stabilizationWindowSeconds?: number; selectPolicy?: string; policies?: Policy[] }
interface Behavior { scaleUp?: Rules; scaleDown?: Rules }

interface Hpa {
  metadata: ObjectMeta;
  spec: { scaleTargetRef: CrossRef; minReplicas?: number; maxReplicas: number; metrics?: MetricSpec[]; behavior?: Behavior };
  status: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas: number;
    desiredReplicas: number;
    /** undefined = nil (v2 writes null), [] = empty. */
    currentMetrics?: MetricStatus[];
    conditions?: Condition[];
  };
}

// ---- small readers shared by both versions ----

function at(r: Reader, o: Json | undefined, name: string): unknown {
  return o ? field(r, o, name) : undefined;
}

function crossRef(r: Reader, v: unknown): CrossRef {
  const o = obj(r, v);
  return { kind: str(r, at(r, o, "kind")), name: str(r, at(r, o, "name")), apiVersion: str(r, at(r, o, "apiVersion")) };
}

function putCrossRef(c: CrossRef): Json {
  const out: Json = { kind: c.kind, name: c.name };
  if (c.apiVersion) out.apiVersion = c.apiVersion;
  return out;
}

/** Lists of structs: each element read with `one` (a null element is Go's zero struct). */
function listOf<T>(r: Reader, v: unknown, one: (o: Json) => T): T[] | undefined {
  return list(r, v)?.map((x) => one(obj(r, x) ?? {}));
}

/** Sets an optional field only when it has a value (Go: a nil pointer stays nil / omitempty). */
function setIf<T extends object, K extends keyof T>(out: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) out[k] = v;
}

function condition(r: Reader, o: Json): Condition {
  return {
    type: str(r, field(r, o, "type")),
    status: str(r, field(r, o, "status")),
    lastTransitionTime: time(r, field(r, o, "lastTransitionTime")),
    reason: str(r, field(r, o, "reason")),
    message: str(r, field(r, o, "message")),
  };
}

/** v1 and v2 share the condition's JSON shape. */
function putCondition(c: Condition): Json {
  const out: Json = { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime };
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

function rules(r: Reader, v: unknown): Rules | undefined {
  const o = obj(r, v);
  if (!o) return undefined;
  const out: Rules = {};
  const window = int32(r, field(r, o, "stabilizationWindowSeconds"));
  if (window !== undefined) out.stabilizationWindowSeconds = window;
  const select = field(r, o, "selectPolicy");
  if (select !== undefined && select !== null) out.selectPolicy = str(r, select);
  const policies = listOf(r, field(r, o, "policies"), (p) => ({
    type: str(r, field(r, p, "type")),
    value: int32(r, field(r, p, "value")) ?? 0,
    periodSeconds: int32(r, field(r, p, "periodSeconds")) ?? 0,
  }));
  if (policies) out.policies = policies;
  return out;
}

/** The v2 JSON names differ from the internal Go names only in case, so one reader serves both. */
function behavior(r: Reader, v: unknown): Behavior | undefined {
  const o = obj(r, v);
  if (!o) return undefined;
  const out: Behavior = {};
  const up = rules(r, field(r, o, "scaleUp"));
  const down = rules(r, field(r, o, "scaleDown"));
  if (up) out.scaleUp = up;
  if (down) out.scaleDown = down;
  return out;
}

// ---- autoscaling/v2 ----

function v2Target(r: Reader, v: unknown): Target {
  const o = obj(r, v);
  const t: Target = { type: str(r, at(r, o, "type")) };
  setIf(t, "value", quantity(r, at(r, o, "value")));
  setIf(t, "averageValue", quantity(r, at(r, o, "averageValue")));
  setIf(t, "averageUtilization", int32(r, at(r, o, "averageUtilization")));
  return t;
}

function v2ValueStatus(r: Reader, v: unknown): ValueStatus {
  const o = obj(r, v);
  const out: ValueStatus = {};
  setIf(out, "value", quantity(r, at(r, o, "value")));
  setIf(out, "averageValue", quantity(r, at(r, o, "averageValue")));
  setIf(out, "averageUtilization", int32(r, at(r, o, "averageUtilization")));
  return out;
}

function metricId(r: Reader, v: unknown): MetricId {
  const o = obj(r, v);
  const id: MetricId = { name: str(r, at(r, o, "name")) };
  const sel = labelSelector(r, at(r, o, "selector"));
  if (sel) id.selector = sel;
  return id;
}

function v2MetricSpec(o: Json): MetricSpec {
  const r = stored;
  const m: MetricSpec = { type: str(r, o.type) };
  const object = obj(r, o.object);
  if (object) m.object = { describedObject: crossRef(r, object.describedObject), target: v2Target(r, object.target), metric: metricId(r, object.metric) };
  const pods = obj(r, o.pods);
  if (pods) m.pods = { metric: metricId(r, pods.metric), target: v2Target(r, pods.target) };
  const resource = obj(r, o.resource);
  if (resource) m.resource = { name: str(r, resource.name), target: v2Target(r, resource.target) };
  const cr = obj(r, o.containerResource);
  if (cr) m.containerResource = { name: str(r, cr.name), container: str(r, cr.container), target: v2Target(r, cr.target) };
  const external = obj(r, o.external);
  if (external) m.external = { metric: metricId(r, external.metric), target: v2Target(r, external.target) };
  return m;
}

function v2MetricStatus(o: Json): MetricStatus {
  const r = stored;
  const m: MetricStatus = { type: str(r, o.type) };
  const object = obj(r, o.object);
  if (object) m.object = { metric: metricId(r, object.metric), current: v2ValueStatus(r, object.current), describedObject: crossRef(r, object.describedObject) };
  const pods = obj(r, o.pods);
  if (pods) m.pods = { metric: metricId(r, pods.metric), current: v2ValueStatus(r, pods.current) };
  const resource = obj(r, o.resource);
  if (resource) m.resource = { name: str(r, resource.name), current: v2ValueStatus(r, resource.current) };
  const cr = obj(r, o.containerResource);
  if (cr) m.containerResource = { name: str(r, cr.name), container: str(r, cr.container), current: v2ValueStatus(r, cr.current) };
  const external = obj(r, o.external);
  if (external) m.external = { metric: metricId(r, external.metric), current: v2ValueStatus(r, external.current) };
  return m;
}

/** Convert_v2_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler. */
function fromV2(o: KObject): Hpa {
  const r = stored;
  const spec = obj(r, o.spec) ?? {};
  const st = obj(r, o.status) ?? {};
  const hpa: Hpa = {
    metadata: dropRoundTrip(o.metadata),
    spec: { scaleTargetRef: crossRef(r, spec.scaleTargetRef), maxReplicas: int32(r, spec.maxReplicas) ?? 0 },
    status: { currentReplicas: int32(r, st.currentReplicas) ?? 0, desiredReplicas: int32(r, st.desiredReplicas) ?? 0 },
  };
  const min = int32(r, spec.minReplicas);
  if (min !== undefined) hpa.spec.minReplicas = min;
  const metrics = listOf(r, spec.metrics, v2MetricSpec);
  if (metrics) hpa.spec.metrics = metrics;
  const b = behavior(r, spec.behavior);
  if (b) hpa.spec.behavior = b;
  readCommonStatus(st, hpa);
  const current = listOf(r, st.currentMetrics, v2MetricStatus);
  if (current) hpa.status.currentMetrics = current;
  const conditions = listOf(r, st.conditions, (c) => condition(r, c));
  if (conditions) hpa.status.conditions = conditions;
  return hpa;
}

function readCommonStatus(st: Json, hpa: Hpa): void {
  const gen = int64(stored, st.observedGeneration);
  if (gen !== undefined) hpa.status.observedGeneration = gen;
  const last = time(stored, st.lastScaleTime);
  if (last !== null) hpa.status.lastScaleTime = last;
}

function putTarget(t: Target): Json {
  const out: Json = { type: t.type };
  setIf(out, "value", t.value);
  setIf(out, "averageValue", t.averageValue);
  setIf(out, "averageUtilization", t.averageUtilization);
  return out;
}

function putValueStatus(v: ValueStatus): Json {
  const out: Json = {};
  setIf(out, "value", v.value);
  setIf(out, "averageValue", v.averageValue);
  setIf(out, "averageUtilization", v.averageUtilization);
  return out;
}

function putMetricId(id: MetricId): Json {
  const out: Json = { name: id.name };
  setIf(out, "selector", id.selector);
  return out;
}

function putV2MetricSpec(m: MetricSpec): Json {
  const out: Json = { type: m.type };
  if (m.object) out.object = { describedObject: putCrossRef(m.object.describedObject), target: putTarget(m.object.target), metric: putMetricId(m.object.metric) };
  if (m.pods) out.pods = { metric: putMetricId(m.pods.metric), target: putTarget(m.pods.target) };
  if (m.resource) out.resource = { name: m.resource.name, target: putTarget(m.resource.target) };
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = { name: c.name, target: putTarget(c.target), container: c.container };
  }
  if (m.external) out.external = { metric: putMetricId(m.external.metric), target: putTarget(m.external.target) };
  return out;
}

function putV2MetricStatus(m: MetricStatus): Json {
  const out: Json = { type: m.type };
  if (m.object) {
    const o = m.object;
    out.object = { metric: putMetricId(o.metric), current: putValueStatus(o.current), describedObject: putCrossRef(o.describedObject) };
  }
  if (m.pods) out.pods = { metric: putMetricId(m.pods.metric), current: putValueStatus(m.pods.current) };
  if (m.resource) out.resource = { name: m.resource.name, current: putValueStatus(m.resource.current) };
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = { name: c.name, current: putValueStatus(c.current), container: c.container };
  }
  if (m.external) out.external = { metric: putMetricId(m.external.metric), current: putValueStatus(m.external.current) };
  return out;
}

function putV2Rules(x: Rules): Json {
  const out: Json = {};
  setIf(out, "stabilizationWindowSeconds", x.stabilizationWindowSeconds);
  setIf(out, "selectPolicy", x.selectPolicy);
  if (x.policies && x.policies.length > 0) out.policies = x.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds }));
  return out;
}

/** Convert_autoscaling_HorizontalPodAutoscaler_To_v2_HorizontalPodAutoscaler, then Go's encoding. */
function toV2(h: Hpa): KObject {
  const spec: Json = { scaleTargetRef: putCrossRef(h.spec.scaleTargetRef) };
  setIf(spec, "minReplicas", h.spec.minReplicas);
  spec.maxReplicas = h.spec.maxReplicas;
  if (h.spec.metrics && h.spec.metrics.length > 0) spec.metrics = h.spec.metrics.map(putV2MetricSpec);
  if (h.spec.behavior) {
    const b: Json = {};
    if (h.spec.behavior.scaleUp) b.scaleUp = putV2Rules(h.spec.behavior.scaleUp);
    if (h.spec.behavior.scaleDown) b.scaleDown = putV2Rules(h.spec.behavior.scaleDown);
    spec.behavior = b;
  }
  const st = h.status;
  const status: Json = {};
  setIf(status, "observedGeneration", st.observedGeneration);
  setIf(status, "lastScaleTime", st.lastScaleTime);
  if (st.currentReplicas !== 0) status.currentReplicas = st.currentReplicas;
  status.desiredReplicas = st.desiredReplicas;
  // currentMetrics has no omitempty in v2: a nil list is written as null.
  status.currentMetrics = st.currentMetrics ? st.currentMetrics.map(putV2MetricStatus) : null;
  if (st.conditions && st.conditions.length > 0) status.conditions = st.conditions.map(putCondition);
  return { kind: "HorizontalPodAutoscaler", apiVersion: "autoscaling/v2", metadata: dropRoundTrip(h.metadata), spec, status };
}

// ---- autoscaling/v1 and its annotation shapes ----

function isCPUUtilization(m: MetricSpec): boolean {
  return m.type === "Resource" && m.resource !== undefined && m.resource.name === "cpu" && m.resource.target.averageUtilization !== undefined;
}

function cpuUtilizationMetric(percent: number): MetricSpec {
  return { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: percent } } };
}

/** Convert_autoscaling_MetricSpec_To_v1_MetricSpec, encoded as autoscalingv1.MetricSpec. */
function putV1MetricSpec(m: MetricSpec): Json {
  const out: Json = { type: m.type };
  if (m.object) {
    const o = m.object;
    const src: Json = { target: putCrossRef(o.describedObject), metricName: o.metric.name, targetValue: o.target.value ?? "0" };
    setIf(src, "selector", o.metric.selector);
    setIf(src, "averageValue", o.target.averageValue);
    out.object = src;
  }
  if (m.pods) {
    const src: Json = { metricName: m.pods.metric.name, targetAverageValue: m.pods.target.averageValue ?? "0" };
    setIf(src, "selector", m.pods.metric.selector);
    out.pods = src;
  }
  if (m.resource) {
    const src: Json = { name: m.resource.name };
    setIf(src, "targetAverageUtilization", m.resource.target.averageUtilization);
    setIf(src, "targetAverageValue", m.resource.target.averageValue);
    out.resource = src;
  }
  if (m.containerResource) {
    const c = m.containerResource;
    const src: Json = { name: c.name };
    setIf(src, "targetAverageUtilization", c.target.averageUtilization);
    setIf(src, "targetAverageValue", c.target.averageValue);
    src.container = c.container;
    out.containerResource = src;
  }
  if (m.external) {
    const src: Json = { metricName: m.external.metric.name };
    setIf(src, "metricSelector", m.external.metric.selector);
    setIf(src, "targetValue", m.external.target.value);
    setIf(src, "targetAverageValue", m.external.target.averageValue);
    out.external = src;
  }
  return out;
}

/** Convert_autoscaling_MetricStatus_To_v1_MetricStatus, encoded as autoscalingv1.MetricStatus. */
function putV1MetricStatus(m: MetricStatus): Json {
  const out: Json = { type: m.type };
  if (m.object) {
    const o = m.object;
    const st: Json = { target: putCrossRef(o.describedObject), metricName: o.metric.name, currentValue: o.current.value ?? "0" };
    setIf(st, "selector", o.metric.selector);
    setIf(st, "averageValue", o.current.averageValue);
    out.object = st;
  }
  if (m.pods) {
    const st: Json = { metricName: m.pods.metric.name, currentAverageValue: m.pods.current.averageValue ?? "0" };
    setIf(st, "selector", m.pods.metric.selector);
    out.pods = st;
  }
  if (m.resource) {
    const st: Json = { name: m.resource.name };
    setIf(st, "currentAverageUtilization", m.resource.current.averageUtilization);
    st.currentAverageValue = m.resource.current.averageValue ?? "0";
    out.resource = st;
  }
  if (m.containerResource) {
    const c = m.containerResource;
    const st: Json = { name: c.name };
    setIf(st, "currentAverageUtilization", c.current.averageUtilization);
    st.currentAverageValue = c.current.averageValue ?? "0";
    st.container = c.container;
    out.containerResource = st;
  }
  if (m.external) {
    const st: Json = { metricName: m.external.metric.name };
    setIf(st, "metricSelector", m.external.metric.selector);
    st.currentValue = m.external.current.value ?? "0";
    setIf(st, "currentAverageValue", m.external.current.averageValue);
    out.external = st;
  }
  return out;
}

/** The internal behavior as Go marshals it without json tags: Go field names, nil as null. */
function putGoBehavior(b: Behavior): Json {
  const one = (x: Rules | undefined): Json | null =>
    x
      ? {
          StabilizationWindowSeconds: x.stabilizationWindowSeconds ?? null,
          SelectPolicy: x.selectPolicy ?? null,
          Policies: x.policies ? x.policies.map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
        }
      : null;
  return { ScaleUp: one(b.scaleUp), ScaleDown: one(b.scaleDown) };
}

/** Convert_v1_MetricSpec_To_autoscaling_MetricSpec, from an annotation entry. */
function v1MetricSpec(o: Json): MetricSpec {
  const r = annotation;
  const m: MetricSpec = { type: str(r, field(r, o, "type")) };
  const object = obj(r, field(r, o, "object"));
  if (object) {
    const average = quantity(r, field(r, object, "averageValue"));
    const target: Target = { type: average === undefined ? "Value" : "AverageValue", value: quantity(r, field(r, object, "targetValue")) ?? "0" };
    setIf(target, "averageValue", average);
    m.object = { describedObject: crossRef(r, field(r, object, "target")), target, metric: v1MetricId(r, object, "selector") };
  }
  const pods = obj(r, field(r, o, "pods"));
  if (pods) {
    m.pods = {
      metric: v1MetricId(r, pods, "selector"),
      target: { type: "AverageValue", averageValue: quantity(r, field(r, pods, "targetAverageValue")) ?? "0" },
    };
  }
  const resource = obj(r, field(r, o, "resource"));
  if (resource) m.resource = { name: str(r, field(r, resource, "name")), target: v1ResourceTarget(r, resource) };
  const cr = obj(r, field(r, o, "containerResource"));
  if (cr) {
    m.containerResource = { name: str(r, field(r, cr, "name")), container: str(r, field(r, cr, "container")), target: v1ResourceTarget(r, cr) };
  }
  const external = obj(r, field(r, o, "external"));
  if (external) {
    const value = quantity(r, field(r, external, "targetValue"));
    const target: Target = { type: value === undefined ? "AverageValue" : "Value" };
    setIf(target, "value", value);
    setIf(target, "averageValue", quantity(r, field(r, external, "targetAverageValue")));
    m.external = { metric: v1MetricId(r, external, "metricSelector"), target };
  }
  return m;
}

function v1MetricId(r: Reader, o: Json, selectorField: string): MetricId {
  const id: MetricId = { name: str(r, field(r, o, "metricName")) };
  const sel = labelSelector(r, field(r, o, selectorField));
  if (sel) id.selector = sel;
  return id;
}

function v1ResourceTarget(r: Reader, o: Json): Target {
  const utilization = int32(r, field(r, o, "targetAverageUtilization"));
  const target: Target = { type: utilization === undefined ? "AverageValue" : "Utilization" };
  setIf(target, "averageValue", quantity(r, field(r, o, "targetAverageValue")));
  setIf(target, "averageUtilization", utilization);
  return target;
}

/** Convert_v1_MetricStatus_To_autoscaling_MetricStatus, from an annotation entry. */
function v1MetricStatus(o: Json): MetricStatus {
  const r = annotation;
  const m: MetricStatus = { type: str(r, field(r, o, "type")) };
  const object = obj(r, field(r, o, "object"));
  if (object) {
    const current: ValueStatus = { value: quantity(r, field(r, object, "currentValue")) ?? "0" };
    setIf(current, "averageValue", quantity(r, field(r, object, "averageValue")));
    m.object = { metric: v1MetricId(r, object, "selector"), current, describedObject: crossRef(r, field(r, object, "target")) };
  }
  const pods = obj(r, field(r, o, "pods"));
  if (pods) {
    m.pods = { metric: v1MetricId(r, pods, "selector"), current: { averageValue: quantity(r, field(r, pods, "currentAverageValue")) ?? "0" } };
  }
  const resource = obj(r, field(r, o, "resource"));
  if (resource) m.resource = { name: str(r, field(r, resource, "name")), current: v1ResourceCurrent(r, resource) };
  const cr = obj(r, field(r, o, "containerResource"));
  if (cr) {
    m.containerResource = { name: str(r, field(r, cr, "name")), container: str(r, field(r, cr, "container")), current: v1ResourceCurrent(r, cr) };
  }
  const external = obj(r, field(r, o, "external"));
  if (external) {
    const current: ValueStatus = { value: quantity(r, field(r, external, "currentValue")) ?? "0" };
    setIf(current, "averageValue", quantity(r, field(r, external, "currentAverageValue")));
    m.external = { metric: v1MetricId(r, external, "metricSelector"), current };
  }
  return m;
}

function v1ResourceCurrent(r: Reader, o: Json): ValueStatus {
  const current: ValueStatus = { averageValue: quantity(r, field(r, o, "currentAverageValue")) ?? "0" };
  setIf(current, "averageUtilization", int32(r, field(r, o, "currentAverageUtilization")));
  return current;
}

/** Decodes one annotation as Go's json.Unmarshal would; undefined when kube would ignore it. */
function decodeAnnotation<T>(text: string | undefined, decode: (v: unknown) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return decode(goUnmarshal(text));
  } catch (e) {
    if (e instanceof GoDecodeError) return undefined;
    throw e;
  }
}

/** A list from an annotation: null when the JSON is null (Go leaves a nil slice). */
function decodeList<T>(v: unknown, one: (o: Json) => T): T[] | null {
  return listOf(annotation, v, one) ?? null;
}

/** Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler. */
function fromV1(o: KObject): Hpa {
  const r = stored;
  const spec = obj(r, o.spec) ?? {};
  const st = obj(r, o.status) ?? {};
  const meta = o.metadata ?? {};
  const annotations = meta.annotations ?? {};
  const hpa: Hpa = {
    metadata: meta,
    spec: { scaleTargetRef: crossRef(r, spec.scaleTargetRef), maxReplicas: int32(r, spec.maxReplicas) ?? 0 },
    status: { currentReplicas: int32(r, st.currentReplicas) ?? 0, desiredReplicas: int32(r, st.desiredReplicas) ?? 0 },
  };
  const min = int32(r, spec.minReplicas);
  if (min !== undefined) hpa.spec.minReplicas = min;
  const cpu = int32(r, spec.targetCPUUtilizationPercentage);
  if (cpu !== undefined) hpa.spec.metrics = [cpuUtilizationMetric(cpu)];
  readCommonStatus(st, hpa);
  const currentCPU = int32(r, st.currentCPUUtilizationPercentage);
  if (currentCPU !== undefined) {
    hpa.status.currentMetrics = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: currentCPU } } }];
  }

  const others = decodeAnnotation(annotations[metricSpecsAnnotation], (v) => decodeList(v, v1MetricSpec));
  if (others !== undefined) {
    // The CPU target from the spec (if any) goes after the annotation's metrics.
    hpa.spec.metrics = [...(others ?? []), ...(hpa.spec.metrics ?? [])];
  }
  const b = decodeAnnotation(annotations[behaviorSpecsAnnotation], (v) => behavior(annotation, v) ?? {});
  if (b && (b.scaleUp || b.scaleDown)) hpa.spec.behavior = b;
  const current = decodeAnnotation(annotations[metricStatusesAnnotation], (v) => decodeList(v, v1MetricStatus));
  // The annotation wins over currentCPUUtilizationPercentage: it carries the raw values too.
  if (current !== undefined) hpa.status.currentMetrics = current ?? [];
  if (!hpa.spec.metrics || hpa.spec.metrics.length === 0) hpa.spec.metrics = [cpuUtilizationMetric(defaultCPUUtilization)];
  const conditions = decodeAnnotation(annotations[conditionsAnnotation], (v) => decodeList(v, (c) => condition(annotation, c)));
  if (conditions !== undefined) hpa.status.conditions = conditions ?? [];
  hpa.metadata = dropRoundTrip(meta);
  return hpa;
}

/** Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler, then Go's encoding. */
function toV1(h: Hpa): KObject {
  const spec: Json = { scaleTargetRef: putCrossRef(h.spec.scaleTargetRef) };
  setIf(spec, "minReplicas", h.spec.minReplicas);
  spec.maxReplicas = h.spec.maxReplicas;
  const cpu = h.spec.metrics?.find(isCPUUtilization);
  if (cpu) spec.targetCPUUtilizationPercentage = cpu.resource?.target.averageUtilization;

  const st = h.status;
  const status: Json = {};
  setIf(status, "observedGeneration", st.observedGeneration);
  setIf(status, "lastScaleTime", st.lastScaleTime);
  status.currentReplicas = st.currentReplicas;
  status.desiredReplicas = st.desiredReplicas;
  // Every CPU utilization status is looked at; the last one wins.
  let currentCPU: number | undefined;
  for (const m of st.currentMetrics ?? []) {
    if (m.type === "Resource" && m.resource?.name === "cpu" && m.resource.current.averageUtilization !== undefined) {
      currentCPU = m.resource.current.averageUtilization;
    }
  }
  setIf(status, "currentCPUUtilizationPercentage", currentCPU);

  const meta = dropRoundTrip(h.metadata);
  const extra: Record<string, string> = {};
  // Every CPU utilization target is left out, though v1 can carry only the first.
  const others = (h.spec.metrics ?? []).filter((m) => !isCPUUtilization(m));
  if (others.length > 0) extra[metricSpecsAnnotation] = goMarshal(others.map(putV1MetricSpec));
  if (st.currentMetrics && st.currentMetrics.length > 0) extra[metricStatusesAnnotation] = goMarshal(st.currentMetrics.map(putV1MetricStatus));
  if (h.spec.behavior) extra[behaviorSpecsAnnotation] = goMarshal(putGoBehavior(h.spec.behavior));
  if (st.conditions && st.conditions.length > 0) extra[conditionsAnnotation] = goMarshal(st.conditions.map(putCondition));
  if (Object.keys(extra).length > 0) {
    const annotations = sortedMap({ ...(meta.annotations ?? {}), ...extra });
    if (annotations) meta.annotations = annotations;
  }
  return { kind: "HorizontalPodAutoscaler", apiVersion: "autoscaling/v1", metadata: meta, spec, status };
}

/**
 * A copy of the metadata without the round-trip annotations (DropRoundTripHorizontalPodAutoscalerAnnotations);
 * an annotation map left empty is dropped, as Go's omitempty drops it.
 */
function dropRoundTrip(meta: ObjectMeta | undefined): ObjectMeta {
  const out: ObjectMeta = structuredClone(meta ?? {});
  const annotations = out.annotations;
  if (annotations === undefined) return out;
  if (roundTripAnnotations.some((k) => k in annotations)) {
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations)) if (!roundTripAnnotations.includes(k)) kept[k] = v;
    out.annotations = kept;
  }
  if (Object.keys(out.annotations ?? {}).length === 0) delete out.annotations;
  return out;
}

export function hpaV2ToV1(o: KObject): KObject {
  return toV1(fromV2(o));
}

export function hpaV1ToV2(o: KObject): KObject {
  return toV2(fromV1(o));
}
