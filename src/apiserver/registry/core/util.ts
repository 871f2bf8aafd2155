/**
 * Helpers the core strategies share: JSON access with Go's zero-value reading, and the small
 * validators kube's core validation wraps around the string checks.
 */
import type { FieldError } from "../../api/types.js";
import {
  invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortName, isValidPortNum,
} from "../../validation/index.js";
import { isObj, type Json } from "../groupsupport/json.js";

export { arr, defaultString, isObj, num, objField, s, setDefault, str, type Json } from "../groupsupport/json.js";

/** The object held in `v`, or a fresh empty one (for reading optional structs). */
export function obj(v: unknown): Json {
  return isObj(v) ? v : {};
}

/** The objects of a list (non-objects are skipped: the decoder would have refused them). */
export function objs(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** An integer field as Go reads it: missing or null is 0. */
export function int(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

/** A map[string]string field (labels, selectors, data), or undefined when absent. */
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === "string" ? x : "";
  return out;
}

export function hasKeys(v: unknown): boolean {
  return isObj(v) && Object.keys(v).length > 0;
}

/** Sets `o[k] = v` unless `o[k]` is a non-zero number (Go: `if x == 0 { x = v }`). */
export function defaultInt(o: Json, k: string, v: number): void {
  if (typeof o[k] !== "number" || o[k] === 0) o[k] = v;
}

export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m));
}

export function validateDNS1123Subdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(path, value, m));
}

export function validateQualifiedName(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((m) => invalid(path, value, m));
}

/** kube 1.32's IsValidIP(fldPath, value): the error sits at the field. */
export function validateIP(value: string, path: string): FieldError[] {
  return isValidIP(value).map((m) => invalid(path, value, m));
}

/** An IntOrString port: a number in 1..65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === "number") return isValidPortNum(port).map((m) => invalid(path, port, m));
  const name = typeof port === "string" ? port : "";
  return isValidPortName(name).map((m) => invalid(path, name, m));
}

/** Go's sets.List of strings: sorted. */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Adds the Go zero value of a struct field that kube always prints (`resources: {}`). */
export function ensureObj(o: Json, k: string): Json {
  const v = o[k];
  if (isObj(v)) return v;
  const fresh: Json = {};
  o[k] = fresh;
  return fresh;
}

/** metav1.Time as JSON: RFC 3339 in UTC, whole seconds. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A short, readable account of how two JSON values differ (kube prints a Go cmp.Diff here). */
export function jsonDiff(oldV: unknown, newV: unknown, path = ""): string[] {
  if (JSON.stringify(oldV) === JSON.stringify(newV)) return [];
  if (isObj(oldV) && isObj(newV)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(oldV), ...Object.keys(newV)])) out.push(...jsonDiff(oldV[k], newV[k], path ? `${path}.${k}` : k));
    return out;
  }
  if (Array.isArray(oldV) && Array.isArray(newV) && oldV.length === newV.length) {
    return oldV.flatMap((x, i) => jsonDiff(x, newV[i], `${path}[${i}]`));
  }
  return [`  ${path}: - ${JSON.stringify(oldV) ?? "<unset>"} + ${JSON.stringify(newV) ?? "<unset>"}`];
}
