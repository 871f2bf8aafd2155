/**
 * Event core/v1 <-> events.k8s.io/v1, as kube 1.32 converts them: both are views of the one
 * internal core.Event (pkg/apis/events/v1/conversion.go renames involvedObject, message, source,
 * firstTimestamp, lastTimestamp and count; the other fields share names, and core/v1 spells
 * reportingController "reportingComponent" on the wire). Nothing is lost either way; what changes
 * is how each version writes empty values, which follows the Go json tags of each type.
 */
import type { KObject, ObjectMeta } from "../../api/types.js";
import { int32, obj, stored, str, time, type Json } from "./gojson.js";

interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
  fieldPath: string;
}

/** core.Event, the internal type. Times are null when zero. */
interface Event {
  metadata: ObjectMeta;
  involvedObject: ObjectRef;
  reason: string;
  message: string;
  source: { component: string; host: string };
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  count: number;
  type: string;
  eventTime: string | null;
  series?: { count: number; lastObservedTime: string | null };
  action: string;
  related?: ObjectRef;
  reportingController: string;
  reportingInstance: string;
}

const refFields = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] as const;

function ref(v: unknown): ObjectRef {
  const o = obj(stored, v) ?? {};
  const out = {} as ObjectRef;
  for (const f of refFields) out[f] = str(stored, o[f]);
  return out;
}

/** ObjectReference: every field is omitempty. */
function putRef(r: ObjectRef): Json {
  const out: Json = {};
  for (const f of refFields) if (r[f]) out[f] = r[f];
  return out;
}

function source(v: unknown): Event["source"] {
  const o = obj(stored, v) ?? {};
  return { component: str(stored, o.component), host: str(stored, o.host) };
}

function putSource(s: Event["source"]): Json {
  const out: Json = {};
  if (s.component) out.component = s.component;
  if (s.host) out.host = s.host;
  return out;
}

/** The fields both versions spell the same way. */
function common(o: KObject): Omit<Event, "involvedObject" | "message" | "source" | "firstTimestamp" | "lastTimestamp" | "count" | "reportingController"> {
  const ev: ReturnType<typeof common> = {
    metadata: structuredClone(o.metadata ?? {}),
    reason: str(stored, o.reason),
    type: str(stored, o.type),
    eventTime: time(stored, o.eventTime),
    action: str(stored, o.action),
    reportingInstance: str(stored, o.reportingInstance),
  };
  const series = obj(stored, o.series);
  if (series) ev.series = { count: int32(stored, series.count) ?? 0, lastObservedTime: time(stored, series.lastObservedTime) };
  if (obj(stored, o.related)) ev.related = ref(o.related);
  return ev;
}

function fromCore(o: KObject): Event {
  return {
    ...common(o),
    involvedObject: ref(o.involvedObject),
    message: str(stored, o.message),
    source: source(o.source),
    firstTimestamp: time(stored, o.firstTimestamp),
    lastTimestamp: time(stored, o.lastTimestamp),
    count: int32(stored, o.count) ?? 0,
    reportingController: str(stored, o.reportingComponent),
  };
}

function fromEvents(o: KObject): Event {
  return {
    ...common(o),
    involvedObject: ref(o.regarding),
    message: str(stored, o.note),
    source: source(o.deprecatedSource),
    firstTimestamp: time(stored, o.deprecatedFirstTimestamp),
    lastTimestamp: time(stored, o.deprecatedLastTimestamp),
    count: int32(stored, o.deprecatedCount) ?? 0,
    reportingController: str(stored, o.reportingController),
  };
}

/**
 * core/v1 Event in Go's field order. involvedObject and source are structs (always written, `{}`
 * when empty); the timestamps are structs too, written as null when zero; reportingComponent
 * and reportingInstance have no omitempty, so they are written even when "".
 */
function toCore(ev: Event): KObject {
  const out: KObject = { kind: "Event", apiVersion: "v1", metadata: ev.metadata, involvedObject: putRef(ev.involvedObject) };
  if (ev.reason) out.reason = ev.reason;
  if (ev.message) out.message = ev.message;
  out.source = putSource(ev.source);
  out.firstTimestamp = ev.firstTimestamp;
  out.lastTimestamp = ev.lastTimestamp;
  if (ev.count !== 0) out.count = ev.count;
  if (ev.type) out.type = ev.type;
  out.eventTime = ev.eventTime;
  if (ev.series) {
    // core/v1 EventSeries: count is omitempty, lastObservedTime is a struct.
    const series: Json = {};
    if (ev.series.count !== 0) series.count = ev.series.count;
    series.lastObservedTime = ev.series.lastObservedTime;
    out.series = series;
  }
  if (ev.action) out.action = ev.action;
  if (ev.related) out.related = putRef(ev.related);
  out.reportingComponent = ev.reportingController;
  out.reportingInstance = ev.reportingInstance;
  return out;
}

/**
 * events.k8s.io/v1 Event in Go's field order. eventTime, regarding, deprecatedSource and the
 * deprecated timestamps are always written (null / `{}` when empty); the strings and
 * deprecatedCount are omitempty.
 */
function toEvents(ev: Event): KObject {
  const out: KObject = { kind: "Event", apiVersion: "events.k8s.io/v1", metadata: ev.metadata, eventTime: ev.eventTime };
  if (ev.series) out.series = { count: ev.series.count, lastObservedTime: ev.series.lastObservedTime };
  if (ev.reportingController) out.reportingController = ev.reportingController;
  if (ev.reportingInstance) out.reportingInstance = ev.reportingInstance;
  if (ev.action) out.action = ev.action;
  if (ev.reason) out.reason = ev.reason;
  out.regarding = putRef(ev.involvedObject);
  if (ev.related) out.related = putRef(ev.related);
  if (ev.message) out.note = ev.message;
  if (ev.type) out.type = ev.type;
  out.deprecatedSource = putSource(ev.source);
  out.deprecatedFirstTimestamp = ev.firstTimestamp;
  out.deprecatedLastTimestamp = ev.lastTimestamp;
  if (ev.count !== 0) out.deprecatedCount = ev.count;
  return out;
}

export function eventCoreToEvents(o: KObject): KObject {
  return toEvents(fromCore(o));
}

export function eventEventsToCore(o: KObject): KObject {
  return toCore(fromEvents(o));
}
