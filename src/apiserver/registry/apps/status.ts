/** Status-update checks the apps kinds share (ValidateDeploymentStatus and friends). */
import type { FieldError, KObject } from "../../api/types.js";
import { invalid, isDNS1123Label } from "../../validation/index.js";
import { isObj } from "../groupsupport/json.js";
import { nonNegative } from "../groupsupport/validate.js";

export interface StatusFields {
  /** Fields that must be >= 0, in kube's order. */
  counters: string[];
  /** Fields that may not exceed status.replicas. */
  atMostReplicas: string[];
  /** kube's message when availableReplicas > readyReplicas (absent: no such check). */
  availableVsReady?: string;
  /** status.collisionCount may not be decremented. */
  collisionCount?: boolean;
}

function n(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

export function validateReplicaStatus(obj: KObject, old: KObject, f: StatusFields): FieldError[] {
  const st = isObj(obj.status) ? obj.status : {};
  const oldSt = isObj(old.status) ? old.status : {};
  const errs: FieldError[] = [];
  for (const c of f.counters) errs.push(...nonNegative(st[c], `status.${c}`));
  for (const c of f.atMostReplicas) {
    if (n(st[c]) > n(st.replicas)) errs.push(invalid(`status.${c}`, n(st[c]), "cannot be greater than status.replicas"));
  }
  if (f.availableVsReady && n(st.availableReplicas) > n(st.readyReplicas)) {
    errs.push(invalid("status.availableReplicas", n(st.availableReplicas), f.availableVsReady));
  }
  if (f.collisionCount && isDecremented(st.collisionCount, oldSt.collisionCount)) {
    errs.push(invalid("status.collisionCount", n(st.collisionCount), "cannot be decremented"));
  }
  return errs;
}

/** apivalidation.IsDecremented for *int32 values. */
function isDecremented(update: unknown, old: unknown): boolean {
  const has = (v: unknown) => typeof v === "number";
  if (!has(update) && has(old)) return true;
  if (!has(update) || !has(old)) return false;
  return (update as number) < (old as number);
}

/** The create warning kube gives kinds whose names end up in pod hostnames. */
export function dnsLabelNameWarning(name: string | undefined): string[] {
  const msgs = isDNS1123Label(name ?? "");
  if (msgs.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(" ")}]`];
}
