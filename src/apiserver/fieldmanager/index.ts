import type { FieldError, GroupVersionKind, KObject, ManagedFieldsEntry } from "../api/types.js";
import { definition, definitionOfKind } from "../openapi/index.js";
import { fieldManagerMaxLength, forbidden, required, validateFieldManager } from "../validation/index.js";
import { difference, has, isEmpty, setOf, valuesEqual, type FieldSet } from "./fieldpath.js";
import { decodeManagedFields, emptyManaged, encodeManagedFields, printManager, type Managed } from "./managedfields.js";
import type { Conflict } from "./fieldmanager.js";

/**
 * Server-side apply and managedFields, as kube-apiserver 1.32 computes them. See README.md.
 *
 * The handlers call `updateManagedFields` for create, update and non-apply patches, `apply` for
 * apply patches, then (after the strategy's prepareForUpdate) `ignoreManagedFieldsTimestamps`;
 * a 409 from `apply` is built with `conflictMessage`.
 */
export { apply, updateManagedFields, gvkString, LAST_APPLIED } from "./fieldmanager.js";
export type { ApplyResult, Conflict, FieldManagerError, FieldManagerOptions } from "./fieldmanager.js";
export { managedFieldsError } from "./managedfields.js";

export const APPLY_PATCH_TYPE = "application/apply-patch+yaml";

/**
 * The body of kube's 409 for apply conflicts (errors.NewApplyConflict): reason "Conflict",
 * this message, and one cause per conflict.
 */
export function conflictMessage(conflicts: readonly Conflict[]): { message: string; causes: { reason: string; message: string; field: string }[] } {
  const causes = conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${printManager(c.id)}`, field: c.path }));
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    return { message: `Apply failed with 1 conflict: conflict with ${printManager(c.id)}: ${c.path}`, causes };
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.id, [...(byManager.get(c.id) ?? []), c.path]);
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(id)}:`);
    for (const p of byManager.get(id)!) lines.push(`- ${p}`);
  }
  return { message: `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`, causes };
}

/**
 * The manager of a request without `?fieldManager=`: the user agent up to its first "/", without
 * unprintable characters, cut to 128 bytes ("kubectl/v1.32.0 (linux/amd64) ..." -> "kubectl").
 * kubectl names its own writes ("kubectl-client-side-apply", "kubectl-edit", ...) with the
 * parameter; "kubectl" is its default for --server-side.
 */
export function managerFromUserAgent(ua: string | undefined): string {
  const prefix = (ua ?? "").split("/")[0]!;
  let out = "";
  let bytes = 0;
  for (const ch of prefix) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > fieldManagerMaxLength) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** `fieldManager` if given, else the user agent's prefix (kube's managerOrUserAgent). */
export function managerOrUserAgent(fieldManager: string | undefined | null, ua: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(ua);
}

/**
 * ValidatePatchOptions: apply needs a fieldManager, other patches may not say force, and the
 * manager must be short and printable. kube answers these as `PatchOptions.meta.k8s.io "" is
 * invalid: ...` (422); dryRun and fieldValidation are checked by the shared validators.
 */
export function validatePatchOptions(patchType: string, fieldManager: string | undefined, force: boolean | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (patchType === APPLY_PATCH_TYPE || patchType === "application/apply-patch+cbor") {
    if (!fieldManager) errs.push(required("fieldManager", "is required for apply patch"));
  } else if (force !== undefined) errs.push(forbidden("force", "may not be specified for non-apply patch"));
  errs.push(...validateFieldManager(fieldManager, "fieldManager"));
  return errs;
}

/**
 * The paths an endpoint's strategy resets, for FieldManagerOptions.resetFields: the main
 * resource of a kind with a status subresource does not own `status`; the status endpoint owns
 * nothing but `status` (kplane's status writes keep spec and metadata from the stored object;
 * kube's per-kind lists are narrower, e.g. Deployment's status resets spec and labels).
 */
export function defaultResetFields(gvk: GroupVersionKind, subresource: string | undefined, hasStatusSubresource: boolean): string[] {
  if (!subresource) return hasStatusSubresource ? ["status"] : [];
  if (subresource !== "status") return [];
  const name = definitionOfKind(gvk);
  const props = name ? Object.keys(definition(name)?.properties ?? {}) : ["metadata", "spec"];
  return props.filter((p) => p !== "status" && p !== "apiVersion" && p !== "kind");
}

// ---------------------------------------------------------------------------------------------
// No-op writes

function entriesWithoutTime(list: readonly ManagedFieldsEntry[]): unknown[] {
  return list.map((e) => {
    const { time: _time, ...rest } = e;
    return rest;
  });
}


/**
 * kube's IgnoreManagedFieldsTimestampsTransformer, run by the store after the strategy's
 * prepareForUpdate: when the only change from `old` is managedFields times, the old times are
 * put back, so the write is a no-op (no new resourceVersion). Returns `next`, possibly modified.
 */
export function ignoreManagedFieldsTimestamps(next: KObject, old: KObject): KObject {
  const oldMF = old.metadata?.managedFields ?? [];
  const newMF = next.metadata?.managedFields ?? [];
  if (oldMF.length !== newMF.length || newMF.length === 0) return next;
  const sameTime = (a?: string, b?: string) => (a ? Date.parse(a) : NaN) === (b ? Date.parse(b) : NaN) || (!a && !b);
  if (newMF.every((e, i) => sameTime(e.time, oldMF[i]!.time))) return next;
  if (!valuesEqual(entriesWithoutTime(oldMF), entriesWithoutTime(newMF))) return next;
  const strip = (o: KObject) => ({ ...o, metadata: { ...o.metadata, managedFields: entriesWithoutTime(o.metadata.managedFields ?? []) } });
  if (!valuesEqual(strip(next), strip(old))) return next;
  next.metadata.managedFields = newMF.map((e, i) => {
    const t = oldMF[i]!.time;
    const copy = { ...e };
    if (t === undefined) delete copy.time;
    else copy.time = t;
    return copy;
  });
  return next;
}

// ---------------------------------------------------------------------------------------------
// The scale subresource (kube's managedfields.ScaleHandler)

/** A parent apiVersion's replicas path ("apps/v1" -> ["spec", "replicas"]); null: no scale. */
export type ReplicasPaths = Record<string, readonly string[] | null>;

const SCALE_VERSION = "autoscaling/v1";
const scaleReplicas = [{ field: "spec" }, { field: "replicas" }];

function pathOf(p: readonly string[]) {
  return p.map((field) => ({ field }));
}

function tryDecode(entries: readonly ManagedFieldsEntry[] | undefined): Managed | undefined {
  try {
    return decodeManagedFields(entries ?? []);
  } catch {
    return undefined;
  }
}

/**
 * The managedFields a Scale shows: the parent's entries that own the replicas path, as owners
 * of the Scale's `.spec.replicas` at autoscaling/v1. Undefined when the parent's are invalid.
 */
export function scaleManagedFieldsToSubresource(parent: readonly ManagedFieldsEntry[] | undefined, paths: ReplicasPaths): ManagedFieldsEntry[] | undefined {
  const m = tryDecode(parent);
  if (!m) return undefined;
  const out = emptyManaged();
  for (const [id, vs] of m.fields) {
    const p = paths[vs.apiVersion];
    if (!p || !has(vs.set, pathOf(p))) continue;
    out.fields.set(id, { set: setOf(scaleReplicas), apiVersion: SCALE_VERSION, applied: vs.applied });
    const t = m.times.get(id);
    if (t !== undefined) out.times.set(id, t);
  }
  return encodeManagedFields(out) ?? [];
}

/**
 * The parent's managedFields after a write through scale: replicas ownership moves to the
 * managers the Scale's entries name; entries at unknown apiVersions are dropped. `version` is
 * the parent's apiVersion at this endpoint. (kube takes the times from the parent's entries,
 * so a manager new to the parent gets an entry without time; kplane does the same.)
 */
export function scaleManagedFieldsToParent(
  parent: readonly ManagedFieldsEntry[] | undefined,
  scale: readonly ManagedFieldsEntry[] | undefined,
  version: string,
  paths: ReplicasPaths,
): ManagedFieldsEntry[] | undefined {
  const pm = tryDecode(parent);
  const sm = tryDecode(scale);
  if (!pm || !sm) return undefined;
  const out = emptyManaged();
  const keep = (id: string, set: FieldSet, apiVersion: string, applied: boolean) => {
    out.fields.set(id, { set, apiVersion, applied });
    const t = pm.times.get(id);
    if (t !== undefined) out.times.set(id, t);
  };
  const scaleFields = new Map(sm.fields);
  for (const [id, vs] of pm.fields) {
    if (!(vs.apiVersion in paths)) continue;
    const p = paths[vs.apiVersion];
    if (!p || !has(vs.set, pathOf(p))) {
      keep(id, vs.set, vs.apiVersion, vs.applied);
      continue;
    }
    if (!scaleFields.has(id)) {
      const rest = difference(vs.set, setOf(pathOf(p)));
      if (!isEmpty(rest)) keep(id, rest, vs.apiVersion, vs.applied);
    } else {
      keep(id, vs.set, vs.apiVersion, vs.applied);
      scaleFields.delete(id);
    }
  }
  for (const [id, vs] of scaleFields) {
    if (!has(vs.set, scaleReplicas)) continue;
    const p = paths[version];
    keep(id, p ? setOf(pathOf(p)) : setOf(), version, vs.applied);
  }
  return encodeManagedFields(out) ?? [];
}
