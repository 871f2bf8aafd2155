import type { GroupVersionKind } from "../api/types.js";
import { definition, definitionOfKind, type Schema } from "./schemas.js";

/**
 * Unknown fields, as kube's strict decoding reports them (fieldValidation=Strict|Warn): the path
 * of every key the kind's Go types have no field for, in document order, written the way
 * sigs.k8s.io/json writes it: keys joined by ".", list items as "[i]", map keys as keys
 * ("spec.containers[0].foo", "spec.template.metadata.bogus"). The error message is
 * `strict decoding error: unknown field "<path>", unknown field "<path>"`.
 *
 * Only what has fields is checked: free-form values (RawExtension, FieldsV1, apiextensions
 * JSON) and scalars (Quantity, IntOrString, Time) are not walked. A kind without a built-in
 * definition (a custom resource) has no unknown fields here.
 */
export function unknownFields(gvk: GroupVersionKind, obj: unknown): string[] {
  const name = definitionOfKind(gvk);
  if (!name) return [];
  const out: string[] = [];
  walk(definition(name)!, obj, "", (path) => {
    out.push(path);
    return false;
  });
  return out;
}

/** Removes the fields unknownFields reports, as kube's typed decoding drops them. */
export function pruneUnknownFields(gvk: GroupVersionKind, obj: unknown): void {
  const name = definitionOfKind(gvk);
  if (name) walk(definition(name)!, obj, "", () => true);
}

/** Where a schema leads: resolves $refs (and allOf wrappers) to the schema that has the shape. */
function resolve(s: Schema): Schema | undefined {
  let cur: Schema | undefined = s;
  for (let i = 0; cur && i < 8; i++) {
    if (cur.$ref !== undefined) cur = definition(cur.$ref);
    else if (cur.allOf?.length === 1) cur = cur.allOf[0];
    else return cur;
  }
  return cur;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Calls `unknown(path)` for every unknown key; deletes the key when it returns true. */
function walk(schema: Schema, value: unknown, path: string, unknown: (path: string) => boolean): void {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return;
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (s.properties) {
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      const p = s.properties[key];
      if (p) walk(p, value[key], at(key), unknown);
      else if (unknown(at(key))) delete value[key];
    }
    return;
  }
  if (s.items) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(s.items!, v, `${path}[${i}]`, unknown));
    return;
  }
  if (typeof s.additionalProperties === "object" && isObject(value)) {
    for (const key of Object.keys(value)) walk(s.additionalProperties, value[key], at(key), unknown);
  }
}

/**
 * Removes empty maps (`data: {}`, `labels: {}`): kube's Go types declare their maps
 * `omitempty`, so an empty one is gone once a body is decoded and encoded again.
 */
export function pruneEmptyMaps(gvk: GroupVersionKind, obj: unknown): void {
  const name = definitionOfKind(gvk);
  if (name) dropEmptyMaps(definition(name)!, obj);
}

function isMap(s: Schema): boolean {
  return !s.properties && typeof s.additionalProperties === "object";
}

function dropEmptyMaps(schema: Schema, value: unknown): void {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return;
  if (s.properties) {
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      const p = s.properties[key];
      if (!p) continue;
      const ps = resolve(p);
      const v = value[key];
      if (ps && isMap(ps) && isObject(v) && Object.keys(v).length === 0) delete value[key];
      else dropEmptyMaps(p, v);
    }
    return;
  }
  if (s.items) {
    if (Array.isArray(value)) for (const v of value) dropEmptyMaps(s.items, v);
    return;
  }
  if (typeof s.additionalProperties === "object" && isObject(value)) {
    for (const v of Object.values(value)) dropEmptyMaps(s.additionalProperties, v);
  }
}
