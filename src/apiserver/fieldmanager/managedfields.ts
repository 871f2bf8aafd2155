import type { ManagedFieldsEntry } from "../api/types.js";
import { compareStrings, fromFieldsV1, toFieldsV1, type FieldSet, type FieldsV1 } from "./fieldpath.js";

/**
 * metadata.managedFields in memory: one field set per manager identifier, with its apiVersion,
 * whether it came from an apply, and the entry's time. The identifier is the entry without its
 * fields, fieldsType and time (and without apiVersion for appliers) as Go marshals it, so one
 * applier keeps one entry across versions while updaters get one entry per apiVersion.
 */

export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

export interface Managed {
  fields: Map<string, VersionedSet>;
  /** RFC 3339 times by manager identifier; absent means the entry has no time. */
  times: Map<string, string>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

/** `{"manager":"kubectl","operation":"Apply"}`: the entry's identity, field order as Go writes it. */
export function managerIdentifier(e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = {};
  if (e.manager) id.manager = e.manager;
  if (e.operation) id.operation = e.operation;
  if (e.apiVersion && e.operation !== "Apply") id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

export interface ManagerInfo {
  manager: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
}

export function parseIdentifier(id: string): ManagerInfo {
  try {
    const o = JSON.parse(id) as Record<string, unknown>;
    const info: ManagerInfo = { manager: typeof o.manager === "string" ? o.manager : "" };
    if (typeof o.operation === "string") info.operation = o.operation;
    if (typeof o.apiVersion === "string") info.apiVersion = o.apiVersion;
    if (typeof o.subresource === "string") info.subresource = o.subresource;
    return info;
  } catch {
    return { manager: id };
  }
}

/** RFC 3339 in UTC with second precision, as metav1.Time marshals. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function timeSeconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/*
 * Every write decodes the object's managedFields and encodes them again, and objects made from
 * one template (a ReplicaSet's pods) carry the same sets: decoded sets are kept by their JSON
 * (field sets are never changed once built, so they can be shared), and a set's FieldsV1 is
 * kept with it. The FieldsV1 objects are shared by the objects written; nothing writes into them.
 */
const DECODED_MAX = 1024;
const decoded = new Map<string, FieldSet>();
const encoded = new WeakMap<FieldSet, FieldsV1>();

function decodeFieldsV1(f: unknown): FieldSet {
  const key = JSON.stringify(f);
  const hit = decoded.get(key);
  if (hit) {
    decoded.delete(key);
    decoded.set(key, hit);
    return hit;
  }
  const set = fromFieldsV1(f);
  if (key.length > 64 * 1024) return set;
  decoded.set(key, set);
  if (decoded.size > DECODED_MAX) decoded.delete(decoded.keys().next().value!);
  return set;
}

function encodeFieldsV1(set: FieldSet): FieldsV1 {
  let f = encoded.get(set);
  if (!f) encoded.set(set, (f = toFieldsV1(set)));
  return f;
}

/** DecodeManagedFields: throws with kube's message when an entry is invalid. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[]): Managed {
  const m = emptyManaged();
  entries.forEach((e, i) => {
    if (typeof e !== "object" || e === null) throw new Error(`managed fields entry ${i} is not an object`);
    if (e.operation !== "Apply" && e.operation !== "Update") throw new Error("operation must be `Apply` or `Update`");
    if (!e.apiVersion) throw new Error("apiVersion must not be empty");
    if (e.fieldsType === undefined || (e.fieldsType as string) === "") throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== "FieldsV1") throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier(e);
    let set: FieldSet;
    try {
      set = decodeFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new Error(`error decoding versioned set from ${id}: error decoding set: ${(err as Error).message}`);
    }
    m.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === "Apply" });
    if (e.time !== undefined && e.time !== null) {
      const ms = Date.parse(e.time);
      if (Number.isNaN(ms)) throw new Error(`invalid time ${JSON.stringify(e.time)} in managed fields entry ${i}`);
      m.times.set(id, formatTime(new Date(ms)));
    } else m.times.delete(id);
  });
  return m;
}

/** The managedFields list for `m`, sorted as kube keeps it; undefined when there is none. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const info = parseIdentifier(id);
    const e: ManagedFieldsEntry = {};
    if (info.manager) e.manager = info.manager;
    e.operation = vs.applied ? "Apply" : ((info.operation ?? "Update") as "Apply" | "Update");
    e.apiVersion = vs.apiVersion;
    const t = m.times.get(id);
    if (t !== undefined) e.time = t;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = encodeFieldsV1(vs.set);
    if (info.subresource) e.subresource = info.subresource;
    out.push(e);
  }
  return out.sort(compareEntries);
}

/** Apply entries before Update ones, then oldest first, then by manager, apiVersion, subresource. */
function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  if (p.operation !== q.operation) return compareStrings(p.operation ?? "", q.operation ?? "");
  const ps = timeSeconds(p.time);
  const qs = timeSeconds(q.time);
  if (ps !== qs) return ps < qs ? -1 : 1;
  return (
    compareStrings(p.manager ?? "", q.manager ?? "") ||
    compareStrings(p.apiVersion ?? "", q.apiVersion ?? "") ||
    compareStrings(p.subresource ?? "", q.subresource ?? "")
  );
}

/** `[]` or `[{}]` sent by a client means "drop all managed fields". */
export function isResetManagedFields(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  if (list.length === 1) {
    const e = list[0] as Record<string, unknown> | null;
    return typeof e === "object" && e !== null && Object.values(e).every((v) => v === undefined);
  }
  return false;
}

/** ValidateManagedFields' decoding check: the message, or undefined when valid. */
export function managedFieldsError(list: unknown): string | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return "managedFields must be a list";
  try {
    decodeManagedFields(list as ManagedFieldsEntry[]);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** How kube names a manager in conflict messages: `"name" with subresource "status" using apps/v1`. */
export function printManager(id: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(id) as Record<string, unknown>;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(typeof o.manager === "string" ? o.manager : "");
  if (typeof o.subresource === "string" && o.subresource) s += ` with subresource ${JSON.stringify(o.subresource)}`;
  if (o.operation === "Update") {
    const av = typeof o.apiVersion === "string" ? o.apiVersion : "";
    if (typeof o.time === "string") return `${s} using ${av} at ${o.time}`;
    return `${s} using ${av}`;
  }
  return s;
}
