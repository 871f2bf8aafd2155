/**
 * core/v1 Events (pkg/registry/core/event): the legacy checks only (stricter rules apply to
 * writes through events.k8s.io/v1). Create-on-update is allowed, as kube does for events.
 */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, isQualifiedName, required } from "../../validation/index.js";
import type { Strategy } from "../types.js";
import { ensureObj, obj, s, setDefault } from "./util.js";

function defaults(ev: KObject): void {
  // Fields Go prints at their zero value.
  ensureObj(ev, "involvedObject");
  ensureObj(ev, "source");
  for (const k of ["firstTimestamp", "lastTimestamp", "eventTime"]) setDefault(ev, k, null);
  setDefault(ev, "reportingComponent", "");
  setDefault(ev, "reportingInstance", "");
}

function validate(ev: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const involved = obj(ev.involvedObject);
  const ns = ev.metadata.namespace ?? "";
  const involvedNs = s(involved.namespace);
  const mismatch = () => invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
  if (!ev.eventTime) {
    if (involvedNs === "" ? ns !== "" && ns !== "default" : ns !== involvedNs) errs.push(mismatch());
    return errs;
  }
  if (involvedNs === "" && ns !== "default" && ns !== "kube-system") errs.push(mismatch());
  const controller = s(ev.reportingComponent);
  if (controller === "") errs.push(required("reportingController", ""));
  for (const m of isQualifiedName(controller)) errs.push(invalid("reportingController", controller, m));
  const limit = (field: string, value: string, max: number, requiredToo: boolean) => {
    if (requiredToo && value === "") errs.push(required(field, ""));
    if (value.length > max) errs.push(invalid(field, "", `can have at most ${max} characters`));
  };
  limit("reportingInstance", s(ev.reportingInstance), 128, true);
  limit("action", s(ev.action), 128, true);
  limit("reason", s(ev.reason), 128, true);
  limit("message", s(ev.message), 1024, false);
  return errs;
}

export const eventStrategy: Strategy = {
  defaults,
  validate,
  selectableFields(ev) {
    const involved = obj(ev.involvedObject);
    const source = s(obj(ev.source).component) || s(ev.reportingComponent);
    return {
      "involvedObject.kind": s(involved.kind),
      "involvedObject.namespace": s(involved.namespace),
      "involvedObject.name": s(involved.name),
      "involvedObject.uid": s(involved.uid),
      "involvedObject.apiVersion": s(involved.apiVersion),
      "involvedObject.resourceVersion": s(involved.resourceVersion),
      "involvedObject.fieldPath": s(involved.fieldPath),
      reason: s(ev.reason),
      reportingComponent: s(ev.reportingComponent),
      source,
      type: s(ev.type),
    };
  },
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};
