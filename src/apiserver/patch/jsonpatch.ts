import { genericInvalid } from "./errors.js";
import { goMarshal, goMarshalString, hasKey, isObject, setKey, type JSONValue, type Node } from "./gojson.js";

/**
 * RFC 6902 JSON patch with the semantics of gopkg.in/evanphx/json-patch.v4 v4.12.0, the library
 * kube-apiserver 1.32 applies JSON patches with. Where it departs from the RFC, so does this:
 * - `replace` of a missing object member adds it (only array indices must exist);
 * - `copy` from a missing object member writes null; `add`/`remove`/`move` need the parent;
 * - negative array indices count from the end (-1 is the last element, or the end for `add`);
 * - a path is split on "/" and its first segment ignored ("a/b" acts as "/b"); "" is the whole
 *   document only for `replace` and `test`;
 * - `test` compares objects and arrays structurally but scalars by their JSON text: the patch's
 *   source text against Go's encoding of the current value (so 1.0 is not 1, and "a&b" is not
 *   equal to a stored "a&b", which Go encodes as "a\u0026b");
 * - a missing `value` is null.
 * Failures throw the generic 422 kube answers with; `detail` keeps evanphx's reason.
 */

/** A scalar that came from the patch, remembered with its source text for `test`. */
class Raw {
  constructor(
    readonly raw: string,
    readonly value: string | number | boolean,
  ) {}
}

type W = null | string | number | boolean | Raw | W[] | { [key: string]: W };
type Container = W[] | { [key: string]: W };

/** One operation as evanphx holds it: a map of member name to JSON (last duplicate wins). */
export type Operation = Map<string, Node>;

/** kube's limit on bytes added by `copy` operations (--json-patch-max-copy-bytes default). */
export const MAX_COPY_BYTES = 3 * 1024 * 1024;

/** evanphx's DecodePatch of a parsed body: the Go type error for anything but a list of objects. */
export function decodeOperations(node: Node): Operation[] | string {
  if (node.t === "null") return [];
  if (node.t !== "array") return `json: cannot unmarshal ${node.t === "bool" ? "bool" : node.t} into Go value of type jsonpatch.Patch`;
  const ops: Operation[] = [];
  for (const item of node.items) {
    if (item.t === "null") ops.push(new Map());
    else if (item.t === "object") ops.push(new Map(item.entries));
    else return `json: cannot unmarshal ${item.t === "bool" ? "bool" : item.t} into Go value of type jsonpatch.Operation`;
  }
  return ops;
}

/** Applies `ops` to a copy of `doc`. The result is an object, or an array after `replace ""`. */
export function applyJSONPatch(doc: JSONValue, ops: Operation[], maxCopyBytes = MAX_COPY_BYTES): JSONValue {
  let root = fromPlain(doc) as Container;
  let copied = 0;
  for (const op of ops) {
    const kind = opKind(op);
    switch (kind) {
      case "add": {
        const path = opString(op, "path", "add operation failed to decode path");
        const at = findObject(root, path);
        if (!at) fail(`add operation does not apply: doc is missing path: "${path}"`);
        add(at.c, at.key, opValue(op) ?? null, path);
        break;
      }
      case "remove": {
        const path = opString(op, "path", "remove operation failed to decode path");
        const at = findObject(root, path);
        if (!at) fail(`remove operation does not apply: doc is missing path: "${path}"`);
        remove(at.c, at.key, path);
        break;
      }
      case "replace": {
        const path = opString(op, "path", "replace operation failed to decode path");
        const value = opValue(op);
        if (path === "") {
          if (!Array.isArray(value) && !isPlain(value)) fail("replace operation value must be object or array");
          root = value;
          break;
        }
        const at = findObject(root, path);
        if (!at) fail(`replace operation does not apply: doc is missing path: ${path}`);
        // Only an array index can be missing: evanphx's object get never fails.
        if (Array.isArray(at.c)) arrayIndex(at.c, at.key, `replace operation does not apply: doc is missing key: ${path}`);
        set(at.c, at.key, value ?? null);
        break;
      }
      case "move": {
        const from = opString(op, "from", "move operation failed to decode from");
        const src = findObject(root, from);
        if (!src) fail(`move operation does not apply: doc is missing from path: ${from}`);
        const value = get(src.c, src.key, `error in move for path: '${src.key}'`);
        remove(src.c, src.key, src.key);
        const path = opString(op, "path", "move operation failed to decode path");
        const dst = findObject(root, path);
        if (!dst) fail(`move operation does not apply: doc is missing destination path: ${path}`);
        add(dst.c, dst.key, value ?? null, path);
        break;
      }
      case "test": {
        const path = opString(op, "path", "test operation failed to decode path");
        const value = opValue(op);
        if (path === "") {
          if (value === undefined || !equal(root, value)) fail(`testing value ${path} failed`);
          break;
        }
        const at = findObject(root, path);
        if (!at) fail(`test operation does not apply: is missing path: ${path}`);
        const current = get(at.c, at.key, `error in test for path: '${path}'`);
        // A missing member and a null one both pass a null test.
        if (current === undefined || current === null) {
          if (value !== null) fail(`testing value ${path} failed`);
        } else if (value === undefined || value === null || !equal(current, value)) fail(`testing value ${path} failed`);
        break;
      }
      case "copy": {
        const from = opString(op, "from", "copy operation failed to decode from");
        const src = findObject(root, from);
        if (!src) fail(`copy operation does not apply: doc is missing from path: ${from}`);
        const value = get(src.c, src.key, `error in copy for from: '${from}'`);
        const path = opString(op, "path", "copy operation failed to decode path");
        const dst = findObject(root, path);
        if (!dst) fail(`copy operation does not apply: doc is missing destination path: ${path}`);
        const text = marshal(value ?? null);
        copied += value === undefined || value === null ? 0 : Buffer.byteLength(text);
        if (maxCopyBytes > 0 && copied > maxCopyBytes) {
          fail(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${maxCopyBytes}`);
        }
        add(dst.c, dst.key, value === undefined || value === null ? null : deepCopy(value), path);
        break;
      }
      default:
        fail(`Unexpected kind: ${kind}`);
    }
  }
  return toPlain(root);
}

function fail(message: string): never {
  throw genericInvalid(message);
}

function opKind(op: Operation): string {
  const n = op.get("op");
  return n?.t === "string" ? n.value : "unknown";
}

function opString(op: Operation, name: string, missing: string): string {
  const n = op.get(name);
  if (!n || n.t === "null") fail(missing);
  if (n.t !== "string") fail(`json: cannot unmarshal ${n.t} into Go value of type string`);
  return n.value;
}

/** The operation's value: undefined when absent, null when null. */
function opValue(op: Operation): W | undefined {
  const n = op.get("value");
  return n === undefined ? undefined : fromNode(n);
}

function fromNode(n: Node): W {
  switch (n.t) {
    case "object": {
      const o: { [key: string]: W } = {};
      for (const [k, v] of n.entries) setKey(o, k, fromNode(v));
      return o;
    }
    case "array":
      return n.items.map(fromNode);
    case "null":
      return null;
    case "bool":
      return new Raw(String(n.value), n.value);
    default:
      return new Raw(n.raw, n.value);
  }
}

function fromPlain(v: JSONValue): W {
  if (Array.isArray(v)) return v.map(fromPlain);
  if (isObject(v)) {
    const o: { [key: string]: W } = {};
    for (const k of Object.keys(v)) setKey(o, k, fromPlain(v[k] as JSONValue));
    return o;
  }
  return v;
}

function toPlain(v: W): JSONValue {
  if (v instanceof Raw) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (isPlain(v)) {
    const o: Record<string, JSONValue> = {};
    for (const k of Object.keys(v)) setKey(o, k, toPlain(v[k]!));
    return o;
  }
  return v;
}

function isPlain(v: W | undefined): v is { [key: string]: W } {
  return isObject(v) && !(v instanceof Raw);
}

function decodeKey(k: string): string {
  return k.replace(/~[01]/g, (m) => (m === "~1" ? "/" : "~"));
}

/** evanphx's findObject: the container holding the path's last segment, or undefined. */
function findObject(root: Container, path: string): { c: Container; key: string } | undefined {
  const split = path.split("/");
  if (split.length < 2) return undefined;
  let c: Container = root;
  for (const part of split.slice(1, -1)) {
    const key = decodeKey(part);
    let next: W | undefined;
    if (Array.isArray(c)) {
      const idx = goAtoi(key);
      if (idx === undefined) return undefined;
      const at = idx < 0 ? idx + c.length : idx;
      if (at < 0 || at >= c.length) return undefined;
      next = c[at];
    } else next = hasKey(c, key) ? c[key] : undefined;
    if (!Array.isArray(next) && !isPlain(next)) return undefined;
    c = next;
  }
  return { c, key: decodeKey(split[split.length - 1]!) };
}

/** strconv.Atoi: optional sign, decimal digits, within int64. */
function goAtoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Math.abs(n) < 2 ** 63 ? n : undefined;
}

/** An existing array index (negative counts from the end), or a failure. */
function arrayIndex(a: W[], key: string, message: string): number {
  const idx = goAtoi(key);
  if (idx === undefined) fail(message);
  const at = idx < 0 ? idx + a.length : idx;
  if (at < 0 || at >= a.length) fail(message);
  return at;
}

function get(c: Container, key: string, context: string): W | undefined {
  if (!Array.isArray(c)) return hasKey(c, key) ? c[key] : undefined;
  return c[arrayIndex(c, key, context)];
}

function set(c: Container, key: string, v: W): void {
  if (Array.isArray(c)) c[arrayIndex(c, key, `error in replace for path: '${key}'`)] = v;
  else setKey(c, key, v);
}

function add(c: Container, key: string, v: W, path: string): void {
  if (!Array.isArray(c)) {
    setKey(c, key, v);
    return;
  }
  if (key === "-") {
    c.push(v);
    return;
  }
  const idx = goAtoi(key);
  if (idx === undefined) fail(`error in add for path: '${path}': value was not a proper array index: '${key}'`);
  const size = c.length + 1;
  const at = idx < 0 ? idx + size : idx;
  if (idx >= size || at < 0) fail(`error in add for path: '${path}': Unable to access invalid index: ${idx}`);
  c.splice(at, 0, v);
}

function remove(c: Container, key: string, path: string): void {
  if (!Array.isArray(c)) {
    if (!hasKey(c, key)) fail(`error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`);
    delete c[key];
    return;
  }
  c.splice(arrayIndex(c, key, `error in remove for path: '${path}': Unable to access invalid index: ${key}`), 1);
}

/** lazyNode.equal: structure for containers, JSON text for scalars. */
function equal(n: W, o: W): boolean {
  if (n === null || o === null) return n === o;
  if (Array.isArray(n)) return Array.isArray(o) && n.length === o.length && n.every((v, i) => equal(v, o[i]!));
  if (isPlain(n)) {
    if (!isPlain(o)) return false;
    const keys = Object.keys(n);
    if (keys.length !== Object.keys(o).length) return false;
    return keys.every((k) => hasKey(o, k) && equal(n[k]!, o[k]!));
  }
  if (Array.isArray(o) || isPlain(o)) return false;
  return scalarText(n) === scalarText(o);
}

function scalarText(v: string | number | boolean | Raw): string {
  if (v instanceof Raw) return v.raw;
  return typeof v === "string" ? goMarshalString(v) : JSON.stringify(v);
}

/** Go's json.Marshal of a node: raw patch text is compacted with <, >, & escaped. */
function marshal(v: W): string {
  if (v instanceof Raw) return escapeHTML(v.raw);
  if (Array.isArray(v)) return `[${v.map(marshal).join(",")}]`;
  if (isPlain(v)) return `{${Object.keys(v).map((k) => `${goMarshalString(k)}:${marshal(v[k]!)}`).join(",")}}`;
  return goMarshal(v);
}

/** evanphx copies by marshalling, so a copied patch scalar is re-escaped. */
function deepCopy(v: W): W {
  if (v instanceof Raw) return new Raw(escapeHTML(v.raw), v.value);
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isPlain(v)) {
    const o: { [key: string]: W } = {};
    for (const k of Object.keys(v)) setKey(o, k, deepCopy(v[k]!));
    return o;
  }
  return v;
}

function escapeHTML(raw: string): string {
  return raw.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
