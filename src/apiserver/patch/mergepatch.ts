import { cloneJSON, hasKey, isObject, setKey, type JSONValue } from "./gojson.js";

/**
 * RFC 7386 JSON merge patch, as evanphx/json-patch v4.12.0's MergePatch applies it for
 * kube-apiserver 1.32: null deletes a member; an object merges into an object; anything else
 * replaces. Nulls inside a value that replaces (or fills a missing or null member) are dropped from
 * its objects, but null array elements stay. An array patch is the result (with the same pruning).
 * Neither argument is modified.
 */
export function mergePatch(original: unknown, patch: unknown): unknown {
  const p = cloneJSON(patch as JSONValue);
  if (Array.isArray(p)) return pruneArray(p);
  if (!isObject(p)) return p;
  if (!isObject(original)) return pruneObject(p);
  const doc = cloneJSON(original as JSONValue) as Record<string, JSONValue>;
  mergeInto(doc, p);
  return doc;
}

function mergeInto(doc: Record<string, JSONValue>, patch: Record<string, JSONValue>): void {
  for (const k of Object.keys(patch)) {
    const v = patch[k]!;
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = hasKey(doc, k) ? doc[k]! : null;
    if (cur === null) {
      prune(v);
      setKey(doc, k, v);
    } else setKey(doc, k, merge(cur, v));
  }
}

function merge(cur: JSONValue, patch: JSONValue): JSONValue {
  if (!isObject(cur)) {
    prune(patch);
    return patch;
  }
  // An object replaced by a non-object keeps its nulls (evanphx prunes only on the other path).
  if (!isObject(patch)) return patch;
  mergeInto(cur, patch);
  return cur;
}

function prune(v: JSONValue): void {
  if (Array.isArray(v)) pruneArray(v);
  else if (isObject(v)) pruneObject(v);
}

function pruneObject(o: Record<string, JSONValue>): Record<string, JSONValue> {
  for (const k of Object.keys(o)) {
    if (o[k] === null) delete o[k];
    else prune(o[k]!);
  }
  return o;
}

function pruneArray(a: JSONValue[]): JSONValue[] {
  for (const v of a) if (v !== null) prune(v);
  return a;
}
