import type { GroupVersionKind, KObject, ManagedFieldsEntry } from "../api/types.js";
import type { Schema } from "../openapi/index.js";
import { annotationsSize } from "../validation/index.js";
import { difference, goJSON, has, isEmpty, pathString, setOf, union, type FieldSet } from "./fieldpath.js";
import { goNulls, goShape } from "./gozero.js";
import {
  decodeManagedFields, emptyManaged, encodeManagedFields, formatTime, isResetManagedFields, managerIdentifier, type Managed,
} from "./managedfields.js";
import { customRootType, rootType } from "./schema.js";
import { changedFieldsV1, compare, MergeError, toFieldSet, validate, validationErrorsString, type Typed } from "./typed.js";
import { updaterApply, updaterUpdate, type RawConflict, type UpdaterOptions } from "./updater.js";
import { copyJSON } from "../../util/json.js";

/**
 * kube-apiserver's field manager (k8s.io/apimachinery managedfields/internal), as one pipeline
 * per operation, in the order kube nests its managers:
 *
 *   versionCheck -> lastAppliedUpdater -> lastAppliedManager -> skipNonApplied -> capManagers
 *   -> buildManagerInfo -> managedFieldsUpdater -> stripMeta -> structuredMerge (SMD Updater)
 */

export interface FieldManagerOptions {
  /** The kind served at the endpoint (its group/version is the entries' apiVersion). */
  gvk: GroupVersionKind;
  /** "status", "scale", ...; entries then carry `subresource` and the request's own managedFields are ignored. */
  subresource?: string;
  /**
   * Dotted field paths the endpoint's strategy resets and no manager may own through it
   * (kube's GetResetFields): ["status"] for a main resource with a status subresource,
   * ["spec", "metadata.labels", ...] for the status endpoint. See defaultResetFields.
   */
  resetFields?: readonly string[];
  /** Now: the time written on the entries this request changes (second precision). */
  now: Date;
  /** The schema of a kind without a built-in definition (a custom resource); else it is deduced. */
  schema?: Schema;
}

/** A conflict as kube reports it: the other manager and the field, printed as kube prints paths. */
export interface Conflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  subresource?: string;
  /** `.spec.replicas`, `.spec.containers[name="nginx"].image`. */
  path: string;
  /** The manager identifier (for grouping, as kube's message does). */
  id: string;
}

/** An apply kube refuses before merging: 400 (bad body) or 500 (what kube reports as internal). */
export interface FieldManagerError {
  code: 400 | 500;
  message: string;
}

export type ApplyResult = { object: KObject } | { conflicts: Conflict[] } | { error: FieldManagerError };

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const MAX_UPDATE_MANAGERS = 10;
const CURRENT_OPERATION = "current-operation";
const BEFORE_FIRST_APPLY = "before-first-apply";
const ANCIENT_CHANGES = "ancient-changes";

/** What kube's stripMeta removes from every manager's set. */
const STRIP = setOf(
  ...[["apiVersion"], ["kind"], ["metadata"], ...["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"].map((f) => ["metadata", f])]
    .map((p) => p.map((field) => ({ field }))),
);

interface Ctx {
  typed: Typed;
  isTyped: boolean;
  version: string;
  subresource?: string;
  ignore?: FieldSet;
  now: string;
  gvk: GroupVersionKind;
}

function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

function context(opts: FieldManagerOptions): Ctx {
  const t = opts.schema ? customRootType(opts.schema) : rootType(opts.gvk);
  const ctx: Ctx = {
    typed: { types: t.types, root: t.root },
    isTyped: t.typed,
    version: apiVersionOf(opts.gvk),
    now: formatTime(opts.now),
    gvk: opts.gvk,
  };
  if (opts.subresource) ctx.subresource = opts.subresource;
  if (opts.resetFields?.length) ctx.ignore = setOf(...opts.resetFields.map((p) => p.split(".").map((field) => ({ field }))));
  return ctx;
}

function updaterOptions(ctx: Ctx): UpdaterOptions {
  const o: UpdaterOptions = { typed: ctx.typed };
  if (ctx.ignore) o.ignore = ctx.ignore;
  // Built-in kinds are compared in the shape Go's typed objects have.
  if (ctx.isTyped) o.shape = (v) => goShape(ctx.typed.types, ctx.typed.root, v);
  return o;
}

/**
 * The object without metadata.managedFields: a shallow copy (top level and metadata), since the
 * comparisons below read values and never write them; a deep clone cost ~8 % of a pod create.
 */
function withoutManagedFields(obj: KObject): KObject {
  const copy = { ...obj };
  if (copy.metadata && typeof copy.metadata === "object") {
    copy.metadata = { ...copy.metadata };
    delete copy.metadata.managedFields;
  }
  return copy;
}

function stripFields(managed: Managed, manager: string): void {
  const vs = managed.fields.get(manager);
  if (!vs) return;
  const set = difference(vs.set, STRIP);
  if (isEmpty(set)) managed.fields.delete(manager);
  else managed.fields.set(manager, { ...vs, set });
}

function buildManagerId(ctx: Ctx, manager: string, operation: "Apply" | "Update"): string {
  const e: { manager: string; operation: string; apiVersion: string; subresource?: string } = { manager: manager || "unknown", operation, apiVersion: ctx.version };
  if (ctx.subresource) e.subresource = ctx.subresource;
  return managerIdentifier(e);
}

// ---------------------------------------------------------------------------------------------
// Update

/** The Update pipeline below skipNonApplied: cap(buildInfo(managedFieldsUpdater(strip(smd)))). */
function updateInner(ctx: Ctx, live: KObject | undefined, next: KObject, managed: Managed, manager: string): Managed {
  const id = buildManagerId(ctx, manager, "Update");
  // managedFieldsUpdater: the change is computed as a throwaway manager, then folded into `id`.
  const fields = updaterUpdate(updaterOptions(ctx), live ?? {}, next, ctx.version, managed.fields, CURRENT_OPERATION);
  const m: Managed = { fields, times: new Map(managed.times) };
  stripFields(m, CURRENT_OPERATION);
  const vs = m.fields.get(CURRENT_OPERATION);
  if (vs) {
    m.fields.delete(CURRENT_OPERATION);
    const prev = m.fields.get(id);
    m.fields.set(id, prev ? { set: union(vs.set, prev.set), apiVersion: vs.apiVersion, applied: vs.applied } : vs);
    m.times.set(id, ctx.now);
  }
  capUpdateManagers(m);
  return m;
}

/** Keeps at most 10 Update entries: the oldest are merged, per apiVersion, into "ancient-changes". */
function capUpdateManagers(m: Managed): void {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const secs = (id: string) => {
    const t = m.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => secs(a) - secs(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i]!;
    const vs = m.fields.get(id)!;
    const time = m.times.get(id);
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: "Update", apiVersion: vs.apiVersion });
    const first = firstByVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstByVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      const s = m.fields.get(first)!;
      m.fields.delete(first);
      m.fields.set(bucket, s);
    }
    m.fields.set(bucket, { set: union(vs.set, m.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    length--;
    if (time !== undefined) m.times.set(bucket, time);
    else m.times.delete(bucket);
  }
}

function hasUID(obj: KObject | undefined): boolean {
  return !!obj?.metadata?.uid;
}

/** The set of managed fields to start from: the request's if valid (or reset), else live's. */
function decodeLiveOrNew(live: KObject | undefined, next: KObject, ignoreRequest: boolean): Managed {
  const liveManaged = () => {
    try {
      return decodeManagedFields((live?.metadata?.managedFields ?? []) as ManagedFieldsEntry[]);
    } catch {
      return emptyManaged();
    }
  };
  if (ignoreRequest) return liveManaged();
  const requested = next.metadata?.managedFields as unknown;
  if (isResetManagedFields(requested)) return emptyManaged();
  if (requested === undefined || requested === null) return liveManaged();
  try {
    const m = decodeManagedFields(requested as ManagedFieldsEntry[]);
    return m.fields.size ? m : liveManaged();
  } catch {
    return liveManaged();
  }
}

function setManagedFields(obj: KObject, managed: Managed): KObject {
  const entries = encodeManagedFields(managed);
  obj.metadata ??= {};
  if (entries) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
  return obj;
}

/** Errors kube's typed conversion would raise on an object it already holds (unknown fields aside). */
function typedErrors(ctx: Ctx, obj: unknown, validSibling?: unknown): string | undefined {
  const errs = validate(ctx.typed, obj, true, validSibling).filter((e) => e.message !== "field not declared in schema");
  return errs.length ? validationErrorsString(errs) : undefined;
}

/**
 * Create, update and non-apply patch: returns `next` with metadata.managedFields brought up to
 * date for `manager` (an Update entry). `live` is undefined on create.
 */
export function updateManagedFields(live: KObject | undefined, next: KObject, manager: string, opts: FieldManagerOptions): KObject {
  const ctx = context(opts);
  const managed = decodeLiveOrNew(live, next, !!opts.subresource);
  const obj = withoutManagedFields(next);
  // skipNonApplied: objects without managed fields stay untracked until an apply; creates are tracked.
  if (managed.fields.size === 0 && hasUID(live)) return obj;
  const liveObj = live ? withoutManagedFields(live) : undefined;
  // UpdateNoErrors: an object kube could not type loses its managed fields instead of failing.
  if ((liveObj && typedErrors(ctx, liveObj)) || typedErrors(ctx, obj, liveObj)) return obj;
  if (!liveObj && managed.fields.size === 0 && fastPaths.create) return createdBy(ctx, obj, manager);
  return setManagedFields(obj, updateInner(ctx, liveObj, obj, managed, manager));
}

/** Switches for the tests that check a fast path against the general one. */
export const fastPaths = { create: true };

/**
 * updateInner for a create without managed fields: the manager owns everything the object sets
 * (less the reset and stripped fields), one Update entry, written straight as FieldsV1.
 */
function createdBy(ctx: Ctx, obj: KObject, manager: string): KObject {
  const shape = (v: unknown) => (ctx.isTyped ? goShape(ctx.typed.types, ctx.typed.root, v) : v);
  const fields = changedFieldsV1(ctx.typed, shape({}), shape(obj), ctx.ignore, STRIP);
  obj.metadata ??= {};
  if (fields === undefined) {
    delete obj.metadata.managedFields;
    return obj;
  }
  const e: ManagedFieldsEntry = { manager: manager || "unknown", operation: "Update", apiVersion: ctx.version, time: ctx.now, fieldsType: "FieldsV1", fieldsV1: fields };
  if (ctx.subresource) e.subresource = ctx.subresource;
  obj.metadata.managedFields = [e];
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Apply

/** schema.ParseGroupVersion as FromAPIVersionAndKind uses it: an unparsable apiVersion is empty. */
function parseApiVersion(apiVersion: unknown): { group: string; version: string } {
  const av = typeof apiVersion === "string" ? apiVersion : "";
  const parts = av.split("/");
  if (av === "" || av === "/") return { group: "", version: "" };
  if (parts.length === 1) return { group: "", version: av };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: "", version: "" };
}

/** GroupVersionKind as Go's String() prints it: "apps/v1, Kind=Deployment", "/v1, Kind=Pod". */
export function gvkString(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}

function objectGVKNN(obj: KObject, gvk: GroupVersionKind): string {
  const meta = (obj.metadata ?? {}) as { namespace?: unknown; name?: unknown };
  const ns = typeof meta.namespace === "string" ? meta.namespace : "";
  const name = typeof meta.name === "string" ? meta.name : "";
  return `${ns}/${name}; ${gvkString(gvk)}`;
}

type InnerApply = { object: KObject; managed: Managed } | { conflicts: RawConflict[] } | { error: FieldManagerError };

/** structuredMerge + stripMeta + managedFieldsUpdater for an apply. */
function applyInner(ctx: Ctx, live: KObject | undefined, applied: KObject, managed: Managed, manager: string, force: boolean): InnerApply {
  const id = buildManagerId(ctx, manager, "Apply");
  const meta = applied.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === "object" && Array.isArray(meta.managedFields)) return { error: { code: 400, message: "metadata.managedFields must be nil" } };
  const errs = validate(ctx.typed, applied);
  if (errs.length) {
    return { error: { code: 500, message: `failed to create typed patch object (${objectGVKNN(applied, ctx.gvk)}): ${validationErrorsString(errs)}` } };
  }
  // Deep: the merge result shares untouched subtrees with this copy, and live may be a cached object.
  const liveObj = live ? withoutManagedFields(copyJSON(live)) : {};
  let r;
  try {
    r = updaterApply(updaterOptions(ctx), liveObj, applied, ctx.version, managed.fields, id, force);
  } catch (e) {
    if (e instanceof MergeError) return { error: { code: 500, message: `failed to merge config: ${e.message}` } };
    throw e;
  }
  if ("conflicts" in r) return r;
  const m: Managed = { fields: r.managers, times: new Map(managed.times) };
  stripFields(m, id);
  let object: KObject;
  if (r.noop) object = liveObj as KObject;
  else {
    m.times.set(id, ctx.now);
    object = (ctx.isTyped ? goNulls(ctx.typed.types, ctx.typed.root, r.object) : r.object) as KObject;
  }
  return { object, managed: m };
}

/**
 * Server-side apply of `applied` (the decoded apply-patch body) onto `live` (undefined: create on
 * apply) by `manager`. Returns the merged object with managedFields, the conflicts (unless
 * `force`), or the error kube answers. An apply that changes nothing returns `live` unchanged.
 */
export function apply(live: KObject | undefined, applied: KObject, manager: string, force: boolean, opts: FieldManagerOptions): ApplyResult {
  const ctx = context(opts);
  let managed: Managed;
  try {
    managed = decodeManagedFields((live?.metadata?.managedFields ?? []) as ManagedFieldsEntry[]);
  } catch (e) {
    return { error: { code: 500, message: `failed to decode managed fields: ${(e as Error).message}` } };
  }
  // versionCheck
  const gv = parseApiVersion(applied.apiVersion);
  const gvk = { group: gv.group, version: gv.version, kind: typeof applied.kind === "string" ? applied.kind : "" };
  if (gvk.group !== opts.gvk.group || gvk.version !== opts.gvk.version || gvk.kind !== opts.gvk.kind) {
    return { error: { code: 400, message: `invalid object type: ${gvkString(gvk)}` } };
  }
  // skipNonApplied: fields set before the first apply are owned by "before-first-apply".
  if (managed.fields.size === 0 && live) managed = updateInner(ctx, undefined, withoutManagedFields(live), managed, BEFORE_FIRST_APPLY);
  let r = applyInner(ctx, live, applied, managed, manager, force);
  // lastAppliedManager: kubectl moving from client-side to server-side apply takes over the
  // fields its last-applied configuration set (and that still hold those values) without conflicts.
  if ("conflicts" in r && manager === "kubectl" && live) {
    const allowed = allowedConflictsFromLastApplied(ctx, live);
    if (allowed) {
      const rest = r.conflicts.filter((c) => !has(allowed, c.path));
      if (rest.length === 0) r = applyInner(ctx, live, applied, managed, manager, true);
      else r = { conflicts: rest };
    }
  }
  if ("error" in r) return r;
  if ("conflicts" in r) return { conflicts: toConflicts(r.conflicts) };
  let object = r.object;
  // lastAppliedUpdater: keep kubectl's annotation in step when it is there.
  if (manager === "kubectl" && typeof object.metadata?.annotations?.[LAST_APPLIED] === "string" && object.metadata.annotations[LAST_APPLIED] !== "") {
    object = copyJSON(object);
    const annotations: Record<string, string> = { ...object.metadata.annotations!, [LAST_APPLIED]: buildLastApplied(applied) };
    if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED];
    object.metadata.annotations = annotations;
  }
  return { object: setManagedFields(copyJSON(object), r.managed) };
}

function allowedConflictsFromLastApplied(ctx: Ctx, live: KObject): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (typeof text !== "string" || text === "") return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof last !== "object" || last === null || Array.isArray(last)) return undefined;
  if ((last as KObject).apiVersion !== ctx.version) return undefined;
  if (validate(ctx.typed, last).length) return undefined;
  const lastSet = toFieldSet(ctx.typed, last);
  const liveShaped = ctx.isTyped ? goShape(ctx.typed.types, ctx.typed.root, live) : live;
  const c = compare(ctx.typed, last, liveShaped);
  return difference(difference(difference(lastSet, c.modified), c.added), c.removed);
}

/** The annotation's value: the applied configuration without the annotation, as Go encodes it. */
function buildLastApplied(applied: KObject): string {
  const copy = copyJSON(applied) as Record<string, unknown>;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  const ann = meta?.annotations;
  if (ann && typeof ann === "object" && !Array.isArray(ann)) delete (ann as Record<string, unknown>)[LAST_APPLIED];
  return `${goJSON(copy)}\n`;
}

function toConflicts(raw: RawConflict[]): Conflict[] {
  const out = raw.map((c) => {
    const o = JSON.parse(c.manager) as { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
    const conflict: Conflict = { manager: o.manager ?? "", operation: o.operation === "Apply" ? "Apply" : "Update", path: pathString(c.path), id: c.manager };
    if (o.apiVersion) conflict.apiVersion = o.apiVersion;
    if (o.subresource) conflict.subresource = o.subresource;
    return conflict;
  });
  // Go reports managers in map order; kplane sorts them (paths keep set order within a manager).
  const order = [...new Set(out.map((c) => c.id))].sort();
  return order.flatMap((id) => out.filter((c) => c.id === id));
}
