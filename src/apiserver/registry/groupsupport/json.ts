/**
 * Small accessors for objects as decoded JSON. Strategies read and write plain objects; these
 * helpers keep the "is it there, is it an object" checks in one place.
 */
import type { KObject } from "../../api/types.js";

export type Json = Record<string, unknown>;

export function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at `o[k]`, created (replacing a non-object) when missing. */
export function objField(o: Json, k: string): Json {
  const v = o[k];
  if (isObj(v)) return v;
  const fresh: Json = {};
  o[k] = fresh;
  return fresh;
}

/** The object at a path below `v`, or undefined. */
export function objAt(v: unknown, ...keys: string[]): Json | undefined {
  let cur: unknown = v;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return isObj(cur) ? cur : undefined;
}

/** The value at a path below `v`, or undefined. */
export function valueAt(v: unknown, ...keys: string[]): unknown {
  let cur: unknown = v;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** A string field as Go sees a non-pointer string: missing or null reads as "". */
export function s(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `obj.spec`, created when missing. */
export function specOf(obj: KObject): Json {
  return objField(obj, "spec");
}

/** Sets `o[k]` when it is missing or null (Go: a nil pointer, slice or map). */
export function setDefault(o: Json, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Sets a string field when it is missing, null or "" (Go: `if x == ""`). */
export function defaultString(o: Json, k: string, v: string): void {
  if (o[k] === undefined || o[k] === null || o[k] === "") o[k] = v;
}

/** A string map (labels, matchLabels), or undefined when absent/null. */
export function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/** Go's `len()` of a map, slice or string held in a JSON value (null/absent = 0). */
export function len(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === "string") return v.length;
  if (isObj(v)) return Object.keys(v).length;
  return 0;
}
