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

/**
 * Calls `unknown(path)` for every unknown key; deletes the key when it returns true. The path
 * is kept as a stack of segments (keys, and item indices as numbers) and printed only for an
 * unknown key: most bodies have none.
 */
function walk(schema: Schema, value: unknown, path: string, unknown: (path: string) => boolean): void {
  const segs: (string | number)[] = [];
  const at = (key: string) => {
    let p = path;
    for (const x of segs) p = typeof x === "number" ? `${p}[${x}]` : p ? `${p}.${x}` : x;
    return p ? `${p}.${key}` : key;
  };
  const visit = (schema: Schema, value: unknown): void => {
    const s = resolve(schema);
    if (!s || value === null || value === undefined) return;
    if (s.properties) {
      if (!isObject(value)) return;
      for (const key in value) {
        const p = s.properties[key];
        if (p) {
          segs.push(key);
          visit(p, value[key]);
          segs.pop();
        } else if (unknown(at(key))) delete value[key];
      }
      return;
    }
    if (s.items) {
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) {
        segs.push(i);
        visit(s.items, value[i]);
        segs.pop();
      }
      return;
    }
    if (typeof s.additionalProperties === "object" && isObject(value)) {
      for (const key in value) {
        segs.push(key);
        visit(s.additionalProperties, value[key]);
        segs.pop();
      }
    }
  };
  visit(schema, value);
}

/**
 * Removes members set to null, as decoding into kube's typed objects leaves them absent; free-form
 * values (RawExtension such as ControllerRevision.data, apiextensions JSON) are carried as raw
 * bytes by kube and keep theirs. A kind without a built-in definition loses every null member.
 */
export function dropTypedNulls(gvk: GroupVersionKind, obj: unknown): void {
  const name = definitionOfKind(gvk);
  const def = name ? definition(name) : undefined;
  if (def) dropNullsBySchema(def, obj);
  else dropAllNulls(obj);
}

function dropAllNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropAllNulls(x);
  } else if (isObject(v)) {
    for (const k in v) {
      if (v[k] === null) delete v[k];
      else dropAllNulls(v[k]);
    }
  }
}

function dropNullsBySchema(schema: Schema, value: unknown): void {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return;
  if (s.properties) {
    if (!isObject(value)) return;
    for (const key in value) {
      const v = value[key];
      if (v === null) delete value[key];
      else {
        const p = s.properties[key];
        if (p) dropNullsBySchema(p, v);
        else dropAllNulls(v); // an unknown field: pruned, or kept as the request had it
      }
    }
    return;
  }
  if (s.items) {
    if (Array.isArray(value)) for (const v of value) dropNullsBySchema(s.items, v);
    return;
  }
  if (typeof s.additionalProperties === "object" && isObject(value)) {
    for (const key in value) {
      if (value[key] === null) delete value[key];
      else dropNullsBySchema(s.additionalProperties, value[key]);
    }
  }
  // Anything else is free-form: kept as sent.
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
