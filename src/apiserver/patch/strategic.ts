import { badRequest, genericInvalid, internalError } from "./errors.js";
import { goSprint, goSprintS, goTypeName, hasKey, isObject, setKey, type JSONValue } from "./gojson.js";
import { goKind, lookupSlice, lookupStruct, mergeStrategy, type GoType } from "./schema.js";

/**
 * Strategic merge patch applied the way kube-apiserver 1.32 applies it
 * (k8s.io/apimachinery/pkg/util/strategicpatch StrategicMergeMapPatch: MergeParallelList and
 * IgnoreUnmatchedNulls on), field metadata from schema.ts. Works in place on the maps it is given
 * (callers pass copies), consuming the patch as kube does: the consumed patch is what kube quotes
 * in strict-decoding errors.
 *
 * Directives: `$patch: replace|delete` in a map, `$patch: replace|delete` as a list item,
 * `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
 * Errors carry kube's class: the malformed-directive sentinels are 400s, a list of lists a
 * generic 422, everything else (missing merge key, unknown `$patch` value, unknown field where
 * both sides hold a map or list...) a bare 500 with strategicpatch's own text.
 */

type JMap = Record<string, JSONValue>;
type Kind = "map" | "other";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";

const ERR_PRIMITIVE_LIST = "invalid patch format of primitive list";
const ERR_RETAIN_KEYS = "invalid patch format of retainKeys";
const ERR_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list";
const ERR_LIST_OF_LISTS = "lists of lists are not supported";

export function mergeMap(original: JMap | null, patch: JMap, t: GoType): JMap {
  if (hasKey(patch, DIRECTIVE)) return directiveInMap(patch[DIRECTIVE], patch);
  const doc = original ?? {};
  applyRetainKeys(doc, patch);
  mergeSetElementOrder(doc, patch, t);

  for (let k of Object.keys(patch)) {
    const patchV = patch[k]!;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      // kube keeps the prefixed key when nothing follows the slash.
      k = extractKey(k, DELETE_FROM_PRIMITIVE_LIST) || k;
      isDeleteList = true;
    }
    if (patchV === null) {
      delete doc[k];
      continue;
    }
    if (!hasKey(doc, k) || typeName(doc[k]!) !== typeName(patchV)) {
      // Missing in the original or a different type: the patch value wins, cleaned.
      if (!isDeleteList) takePatch(doc, k, patchV);
      continue;
    }
    const cur = doc[k]!;
    if (isObject(cur)) {
      const { type, meta } = lookupStruct(t, k);
      const strategy = mergeStrategy(meta.strategies);
      setKey(doc, k, strategy === "replace" ? patchV : mergeMap(cur, patchV as JMap, type));
    } else if (Array.isArray(cur)) {
      const { type, meta } = lookupSlice(t, k);
      setKey(doc, k, mergeSliceHandler(cur, patchV as JSONValue[], type, mergeStrategy(meta.strategies), meta.mergeKey, isDeleteList));
    } else takePatch(doc, k, patchV);
  }
  return doc;
}

function takePatch(doc: JMap, k: string, patchV: JSONValue): void {
  discardNulls(patchV);
  const [v, keep] = removeDirectives(patchV);
  if (keep) setKey(doc, k, v);
  else delete doc[k];
}

/** The Go type kube compares (reflect.TypeOf of the decoded value). */
function typeName(v: JSONValue): string {
  return goTypeName(v);
}

function directiveInMap(directive: JSONValue | undefined, patch: JMap): JMap {
  if (directive === "replace") {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === "delete") return {};
  throw internalError(`unknown patch type: ${goSprintS(directive)} in map: ${goSprint(patch)}`);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(prefix === DELETE_FROM_PRIMITIVE_LIST ? ERR_PRIMITIVE_LIST : ERR_SET_ELEMENT_ORDER);
  }
  return key.slice(slash + 1);
}

/** `$retainKeys`: the original keeps only the listed fields; the patch may set only those. */
function applyRetainKeys(doc: JMap, patch: JMap): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest(ERR_RETAIN_KEYS);
  const keep = new Set<unknown>(list);
  for (const k of Object.keys(patch)) {
    if (patch[k] === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw badRequest(ERR_RETAIN_KEYS);
  }
  for (const k of Object.keys(doc)) if (!keep.has(k)) delete doc[k];
}

/**
 * `$setElementOrder/<list>`: merges the list (if the patch has it) and orders the result: items
 * named in the directive in its order, server-only items kept where they were relative to them.
 */
function mergeSetElementOrder(doc: JMap, patch: JMap, t: GoType): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER) || !hasKey(patch, key)) continue;
    const order = patch[key]!;
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType("[]interface {}", order);
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = hasKey(doc, listKey);
    const foundPatch = hasKey(patch, listKey);
    const originalList = doc[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw badArgType("[]interface {}", originalList);
    if (foundPatch && !Array.isArray(patchList)) throw badArgType("[]interface {}", patchList);
    const originalItems = foundOriginal ? (originalList as JSONValue[]) : [];
    const patchItems = foundPatch ? (patchList as JSONValue[]) : [];
    const { type, meta } = lookupSlice(t, listKey);
    const strategy = mergeStrategy(meta.strategies);
    validateSetElementOrder(patchItems, order, meta.mergeKey);

    let merged: JSONValue[];
    if (foundOriginal && !foundPatch) merged = originalItems;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchItems)[0] as JSONValue[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalItems, patchItems, type, strategy, meta.mergeKey, false);
    else continue;

    const [inOrder, serverOnly] = meta.mergeKey ? partitionMaps(merged, order, meta.mergeKey) : partitionPrimitives(merged, order);
    const kind = sliceElementKind(originalItems, patchItems);
    setKey(doc, listKey, normalizeElementOrder(inOrder, serverOnly, order, originalItems, meta.mergeKey, kind));
    delete patch[listKey];
  }
}

/** The order in the directive must agree with the order of the (non-deleting) patch items. */
function validateSetElementOrder(patchList: JSONValue[], order: JSONValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? splitDeletes(patchList)[0] : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p]!;
    if (isObject(item) && hasKey(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[o]!, mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw internalError(`The order in patch list:\n${goSprint(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goSprint(order)}\n`);
  }
}

function mergeKeyValueEqual(left: JSONValue, right: JSONValue, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isObject(left)) throw badArgType("map[string]interface {}", left);
  if (!isObject(right)) throw badArgType("map[string]interface {}", right);
  if (!hasKey(left, mergeKey)) throw noMergeKey(left, mergeKey);
  if (!hasKey(right, mergeKey)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function mergeSliceHandler(original: JSONValue[], patch: JSONValue[], elem: GoType, strategy: string, mergeKey: string, isDeleteList: boolean): JSONValue[] {
  if (strategy === "merge" || isDeleteList) return mergeSlice(original, patch, elem, mergeKey, isDeleteList);
  return patch;
}

function mergeSlice(original: JSONValue[], patch: JSONValue[], elem: GoType, mergeKey: string, isDeleteList: boolean): JSONValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: JSONValue[];
  if (kind !== "map") {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = dedupe([...original, ...patch]);
  } else {
    if (!mergeKey) throw internalError(`cannot merge lists without merge key for ${goKind(elem)}`);
    [original, patch] = mergeSpecialElements(original, patch, mergeKey);
    merged = mergeByKey(original, patch, mergeKey, elem);
  }
  const [inPatch, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionPrimitives(merged, patch);
  return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
}

/** List items carrying `$patch`: delete removes every match; replace makes the patch the list. */
function mergeSpecialElements(original: JSONValue[], patch: JSONValue[], mergeKey: string): [JSONValue[], JSONValue[]] {
  const plain: JSONValue[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JMap;
    if (!hasKey(item, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === "delete") {
      if (!hasKey(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const value = item[mergeKey];
      original = original.filter((o) => {
        if (!isObject(o)) throw internalError(`value for key ${original.indexOf(o)} is not a map`);
        return !(hasKey(o, mergeKey) && o[mergeKey] === value);
      });
    } else if (directive === "replace") replace = true;
    else if (directive === "merge") throw internalError("merging lists cannot yet be specified in the patch");
    else throw internalError(`unknown patch type: ${goSprintS(directive)} in map: ${goSprint(item)}`);
  }
  return replace ? [plain, []] : [original, plain];
}

/** Patch items merge into the original item with the same merge key value, or are appended. */
function mergeByKey(original: JSONValue[], patch: JSONValue[], mergeKey: string, elem: GoType): JSONValue[] {
  const out = [...original];
  for (const v of patch) {
    const item = v as JMap;
    if (!hasKey(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const idx = findByKey(out, mergeKey, item[mergeKey]!);
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JMap, item, elem);
      out[idx] = merged;
      // kube writes the merged map into the original's backing array too.
      if (idx < original.length) original[idx] = merged;
    } else out.push(v);
  }
  return out;
}

function findByKey(list: JSONValue[], mergeKey: string, value: JSONValue): number {
  for (let k = 0; k < list.length; k++) {
    const item = list[k]!;
    if (!isObject(item)) throw internalError(`value for key ${k} is not a map`);
    if (hasKey(item, mergeKey) && item[mergeKey] === value) return k;
  }
  return -1;
}

/** Go's deduplicateScalars, keeping first occurrences (the order is normalized afterwards). */
function dedupe(list: JSONValue[]): JSONValue[] {
  const out: JSONValue[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

/** Items of `list` that `by` names (by value), and the others. */
function partitionPrimitives(list: JSONValue[], by: JSONValue[]): [JSONValue[], JSONValue[]] {
  const names = new Set(by);
  return [list.filter((v) => names.has(v)), list.filter((v) => !names.has(v))];
}

/** Items of `list` whose merge key value appears in `by`, and the others. */
function partitionMaps(list: JSONValue[], by: JSONValue[], mergeKey: string): [JSONValue[], JSONValue[]] {
  const inBy: JSONValue[] = [];
  const rest: JSONValue[] = [];
  for (const v of list) {
    if (!isObject(v)) throw badArgType("map[string]interface {}", v);
    if (!hasKey(v, mergeKey)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]!) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

/**
 * Sorts the patch's items by `patchOrder` and the server-only ones by `serverOrder`, then
 * interleaves them: a server-only item goes before a patch item only when both are in
 * `serverOrder` and it came first there. So items new to the list go in front of the server-only
 * items that follow them.
 */
function normalizeElementOrder(patch: JSONValue[], serverOnly: JSONValue[], patchOrder: JSONValue[], serverOrder: JSONValue[], mergeKey: string, kind: Kind): JSONValue[] {
  const sortedPatch = sortByOrder(patch, patchOrder, mergeKey, kind);
  const sortedServer = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const serverIndex = indexer(serverOrder, mergeKey, kind);
  const out: JSONValue[] = [];
  let i = 0;
  let j = 0;
  while (i < sortedServer.length || j < sortedPatch.length) {
    if (i >= sortedServer.length) out.push(sortedPatch[j++]!);
    else if (j >= sortedPatch.length) out.push(sortedServer[i++]!);
    else {
      const li = serverIndex(sortedServer[i]!);
      const ri = serverIndex(sortedPatch[j]!);
      if (li >= 0 && ri >= 0 && li < ri) out.push(sortedServer[i++]!);
      else out.push(sortedPatch[j++]!);
    }
  }
  return out;
}

function sortByOrder(items: JSONValue[], order: JSONValue[], mergeKey: string, kind: Kind): JSONValue[] {
  let deletes: JSONValue[] = [];
  if (kind === "map") {
    for (const list of [items, order]) {
      for (const v of list) {
        if (!isObject(v)) throw badArgType("map[string]interface {}", v);
        if (!hasKey(v, mergeKey)) throw noMergeKey(v, mergeKey);
      }
    }
    [items, deletes] = splitDeletes(items);
  }
  const index = indexer(order, mergeKey, kind);
  // Stable; items missing from `order` keep their place (kube's comparator is not a strict order
  // for them, a case that needs a malformed patch).
  const sorted = [...items].sort((a, b) => {
    const ia = index(a);
    const ib = index(b);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  });
  return [...sorted, ...deletes];
}

/** Position in `list` by value (primitives) or by merge key value (maps); -1 when absent. */
function indexer(list: JSONValue[], mergeKey: string, kind: Kind): (v: JSONValue) => number {
  const keyOf = (v: JSONValue): JSONValue => (kind === "map" ? (isObject(v) && hasKey(v, mergeKey) ? v[mergeKey]! : null) : v);
  const first = new Map<JSONValue, number>();
  list.forEach((v, idx) => {
    const k = keyOf(v);
    if (!first.has(k)) first.set(k, idx);
  });
  return (v) => first.get(keyOf(v)) ?? -1;
}

function splitDeletes(list: JSONValue[]): [JSONValue[], JSONValue[]] {
  const keep: JSONValue[] = [];
  const del: JSONValue[] = [];
  for (const v of list) {
    if (!isObject(v)) throw badArgType("map[string]interface {}", v);
    (v[DIRECTIVE] === "delete" ? del : keep).push(v);
  }
  return [keep, del];
}

/** All items of all lists must share one Go type, and not be lists. */
function sliceElementKind(...lists: JSONValue[][]): Kind {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = typeName(v);
      if (prev === undefined) {
        prev = t;
        if (Array.isArray(v)) throw genericInvalid(ERR_LIST_OF_LISTS);
      } else if (t !== prev) throw internalError(`list element types are not identical: ${goSprint(lists)}`);
    }
  }
  if (prev === undefined) throw internalError("no elements in any of the given slices");
  return prev === "map[string]interface {}" ? "map" : "other";
}

/** Drops list items and map values that carry `$patch`; false when `v` itself does. */
function removeDirectives(v: JSONValue): [JSONValue, boolean] {
  if (Array.isArray(v)) {
    const out: JSONValue[] = [];
    for (const item of v) {
      const [r, keep] = removeDirectives(item);
      if (keep) out.push(r);
    }
    return [out, true];
  }
  if (isObject(v)) {
    if (hasKey(v, DIRECTIVE)) return [null, false];
    for (const k of Object.keys(v)) {
      const [r, keep] = removeDirectives(v[k]!);
      if (keep) setKey(v, k, r);
      else delete v[k];
    }
  }
  return [v, true];
}

/** Null members are dropped from maps at any depth (list items stay). */
function discardNulls(v: JSONValue): void {
  if (Array.isArray(v)) for (const item of v) discardNulls(item);
  else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]!);
    }
  }
}

function badArgType(expected: string, actual: JSONValue | undefined) {
  return internalError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function noMergeKey(m: JMap, key: string) {
  return internalError(`map: ${goSprint(m)} does not contain declared merge key: ${key}`);
}
