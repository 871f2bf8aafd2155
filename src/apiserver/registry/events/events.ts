/**
 * events.k8s.io/v1 Event. kube serves these from the core event registry: the object is the core
 * Event under events.k8s.io/v1's field names, so the core legacy checks run on the core view of
 * it (with core's field paths, as kube reports them), followed by the stricter checks kube
 * applies to writes through events.k8s.io (ValidateEventCreate / ValidateEventUpdate, 1.32).
 */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, jsonEqual, required } from "../../validation/index.js";
import { eventStrategy as coreEventStrategy } from "../core/events.js";
import type { Strategy, StrategyContext } from "../types.js";
import { isObj, s } from "../groupsupport/json.js";
import { markUpdate, oldObjectOf } from "../groupsupport/lifecycle.js";
import { immutable } from "../groupsupport/validate.js";

/** events.k8s.io/v1 field -> core/v1 field (the rest share names). */
const toCore: [string, string][] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
  ["reportingController", "reportingComponent"],
];

/** The core/v1 view of an events.k8s.io/v1 Event (a copy; the object itself is left alone). */
export function coreView(ev: KObject): KObject {
  const out: KObject = { ...ev, metadata: ev.metadata, apiVersion: "v1", kind: "Event" };
  for (const [from, to] of toCore) {
    delete out[from];
    if (ev[from] !== undefined) out[to] = ev[from];
  }
  return out;
}

function strictChecks(core: KObject): FieldError[] {
  const errs = seriesChecks(core);
  if (!core.eventTime) errs.push(required("eventTime"));
  const type = s(core.type);
  if (type !== "Normal" && type !== "Warning") errs.push(invalid("type", "", `has invalid value: ${type}`));
  if (core.firstTimestamp) errs.push(invalid("firstTimestamp", "", "needs to be unset"));
  if (core.lastTimestamp) errs.push(invalid("lastTimestamp", "", "needs to be unset"));
  if (typeof core.count === "number" && core.count !== 0) errs.push(invalid("count", "", "needs to be unset"));
  const src = isObj(core.source) ? core.source : {};
  if (s(src.component) !== "" || s(src.host) !== "") errs.push(invalid("source", "", "needs to be unset"));
  return errs;
}

function seriesChecks(core: KObject): FieldError[] {
  const series = core.series;
  if (!isObj(series)) return [];
  const errs: FieldError[] = [];
  if ((typeof series.count === "number" ? series.count : 0) < 2) errs.push(invalid("series.count", "", "should be at least 2"));
  if (!series.lastObservedTime) errs.push(required("series.lastObservedTime"));
  return errs;
}

function legacy(core: KObject, ctx: StrategyContext): FieldError[] {
  return coreEventStrategy.validate?.(core, ctx) ?? [];
}

const immutableFields = [
  "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "reason", "type", "eventTime",
  "action", "related", "reportingComponent", "reportingInstance",
];

/** Core field names as kube reports them for the two that differ from the Go names. */
const reportedPath: Record<string, string> = { reportingComponent: "reportingController" };

export const eventStrategy: Strategy = {
  prepareForUpdate: (ev, old) => markUpdate(ev, old),
  validate(ev, ctx) {
    const core = coreView(ev);
    // On update kube runs the legacy checks and the update rules, not the create-only ones.
    return oldObjectOf(ev) ? legacy(core, ctx) : [...legacy(core, ctx), ...strictChecks(core)];
  },
  validateUpdate(ev, old) {
    const core = coreView(ev);
    const oldCore = coreView(old);
    const errs = jsonEqual(core.series, oldCore.series) ? [] : seriesChecks(core);
    for (const f of immutableFields) errs.push(...immutable(core[f], oldCore[f], reportedPath[f] ?? f));
    return errs;
  },
  selectableFields: (ev) => coreEventStrategy.selectableFields?.(coreView(ev)) ?? {},
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
