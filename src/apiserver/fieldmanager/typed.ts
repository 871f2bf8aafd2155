import {
  childSet, comparePE, emptySet, fieldPE, has, insert, isEmpty, peId, peString, serializePE, sortKeyFields, valuesEqual,
  type FieldSet, type FieldsV1, type Path, type PathElement,
} from "./fieldpath.js";
import type { Atom, ListType, MapType, Scalar, TypeRef, TypeSystem } from "./schema.js";

/**
 * structured-merge-diff's typed operations over plain JSON values: validation, the field set a
 * value sets, comparison, merge and removal of items. Values are JSON as parsed; `undefined`
 * means absent (SMD's nil), `null` is an explicit null.
 */

export interface Typed {
  types: TypeSystem;
  root: TypeRef;
}

type Json = unknown;
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

/** Narrows an atom to the part matching a value, as SMD's deduceAtom. */
function deduce(a: Atom, v: Json): Atom {
  if (v === undefined || v === null) return a;
  if (isScalar(v)) return a.scalar ? narrowed(a, "scalar") : a;
  if (Array.isArray(v)) return a.list ? narrowed(a, "list") : a;
  if (isObj(v)) return a.map ? narrowed(a, "map") : a;
  return a;
}

/** The atom cut down to one kind: itself when it has no other, else one copy made once. */
const narrowings = new WeakMap<Atom, Partial<Record<keyof Atom, Atom>>>();
function narrowed(a: Atom, kind: keyof Atom): Atom {
  const kinds = (a.scalar ? 1 : 0) + (a.list ? 1 : 0) + (a.map ? 1 : 0);
  if (kinds === 1) return a;
  let m = narrowings.get(a);
  if (!m) narrowings.set(a, (m = {}));
  return (m[kind] ??= { [kind]: a[kind] } as Atom);
}

function sameAtom(a: Atom, b: Atom): boolean {
  return a.scalar === b.scalar && a.list === b.list && a.map === b.map;
}

/** The type of a map's key: its declared field, else the element type. */
function fieldType(m: MapType, key: string): TypeRef | undefined {
  return m.fields?.get(key)?.type ?? m.element;
}

/** Unknown fields of live objects are kept as opaque atomic values. */
const opaque: TypeRef = { named: "__untyped_atomic_" };

// ---------------------------------------------------------------------------------------------
// Errors (SMD's ValidationErrors)

export interface ValidationError {
  path: string;
  message: string;
}

export function validationErrorsString(errs: ValidationError[]): string {
  const one = (e: ValidationError) => (e.path ? `${e.path}: ${e.message}` : e.message);
  if (errs.length === 1) return one(errs[0]!);
  return ["errors:", ...errs.map((e) => `  ${one(e)}`)].join("\n");
}

/** How Go's %v prints an unstructured value inside SMD's value wrapper. */
function goValue(v: Json): string {
  if (typeof v === "string") return `&{${v}}`;
  if (v === null) return "&{<nil>}";
  if (Array.isArray(v)) return `&{[${v.map((x) => goInner(x)).join(" ")}]}`;
  if (isObj(v)) return `&{map[${Object.keys(v).sort().map((k) => `${k}:${goInner(v[k])}`).join(" ")}]}`;
  return `&{${String(v)}}`;
}

function goInner(v: Json): string {
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goInner).join(" ")}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goInner(v[k])}`).join(" ")}]`;
  return String(v);
}

function goType(v: Json): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (Array.isArray(v)) return "[]interface {}";
  if (isObj(v)) return "map[string]interface {}";
  return "<nil>";
}

function validateScalar(t: Scalar, v: Json, prefix: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (t) {
    case "numeric":
      return typeof v === "number" ? undefined : `${prefix}expected numeric (int or float), got ${goType(v)}`;
    case "string":
      return typeof v === "string" ? undefined : `${prefix}expected string, got &value.valueUnstructured{Value:${goInner(v)}}`;
    case "boolean":
      return typeof v === "boolean" ? undefined : `${prefix}expected boolean, got ${goValue(v)}`;
    default:
      return isScalar(v) ? undefined : `${prefix}expected any scalar, got ${goValue(v)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Associative list items

/** The path element of an associative list's item: its keys (defaults filled in) or its value. */
export function listItemPE(types: TypeSystem, list: ListType, item: Json): PathElement {
  if (list.relationship !== "associative") throw new Error("invalid indexing of non-associative list");
  if (list.keys.length) {
    if (item === null) throw new Error("associative list with keys may not have a null element");
    if (!isObj(item)) throw new Error("associative list with keys may not have non-map elements");
    const fields = [];
    for (const name of list.keys) {
      if (name in item) {
        fields.push({ name, value: item[name] });
        continue;
      }
      const el = types.resolve(list.element);
      if (!el?.map) throw new Error(`couldn't find default value for ${name}: associative list may not have non-map types`);
      const def = el.map.fields?.get(name)?.default;
      if (def === undefined) throw new Error(`associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`);
      fields.push({ name, value: def });
    }
    return { key: fields.length > 1 ? sortKeyFields(fields) : fields };
  }
  if (isObj(item)) throw new Error("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new Error("not supported: associative list with lists as elements");
  if (item === null) throw new Error("associative list without keys has an element that's an explicit null");
  return { value: item };
}

// ---------------------------------------------------------------------------------------------
// Validation

/**
 * The errors SMD reports converting a value to its type: undeclared struct fields, scalars of
 * the wrong kind, maps/lists where the other is expected, associative-list items without keys,
 * and duplicate keys unless allowed. `validSibling`, a value of the same type that validate found
 * no error in, lets the root's members that are its own objects go unchecked.
 */
export function validate(t: Typed, v: Json, allowDuplicates = false, validSibling?: Json): ValidationError[] {
  const errs: ValidationError[] = [];
  // The path is kept as a stack of segments and printed only for an error: most values have none.
  const segs: (string | PathElement)[] = []; // a string is a field name
  const here = (extra?: string) => segs.map((x) => (typeof x === "string" ? `.${x}` : peString(x))).join("") + (extra ?? "");
  const walk = (tr: TypeRef, val: Json) => {
    const a0 = t.types.resolve(tr);
    if (!a0) {
      errs.push({ path: here(), message: `schema error: no type found matching: ${"named" in tr ? tr.named : "inlined type"}` });
      return;
    }
    const a = deduce(a0, val);
    if (a.map) {
      if (val === null || val === undefined) return;
      if (!isObj(val)) {
        errs.push({ path: here(), message: `expected map, got ${goValue(val)}` });
        return;
      }
      // Members of the root that are the very values of a sibling known to be valid (a status
      // write's spec is the stored spec) are valid as they are.
      const sibling = segs.length === 0 && isObj(validSibling) ? validSibling : undefined;
      for (const k in val) {
        const ft = fieldType(a.map, k);
        if (!ft) {
          errs.push({ path: here(`.${k}`), message: "field not declared in schema" });
          return;
        }
        if (sibling !== undefined && typeof val[k] === "object" && val[k] !== null && sibling[k] === val[k]) continue;
        segs.push(k);
        walk(ft, val[k]);
        segs.pop();
      }
      return;
    }
    if (a.scalar) {
      const e = validateScalar(a.scalar, val, "");
      if (e) errs.push({ path: here(), message: e });
      return;
    }
    if (a.list) {
      if (val === null || val === undefined) return;
      if (!Array.isArray(val)) {
        errs.push({ path: here(), message: `expected list, got ${goValue(val)}` });
        return;
      }
      const associative = a.list.relationship === "associative";
      // Duplicates are looked for only where they can be, and are errors.
      const seen = associative && !allowDuplicates && val.length > 1 ? new Set<string>() : undefined;
      for (let i = 0; i < val.length; i++) {
        let pe: PathElement;
        if (!associative) pe = { index: i };
        else {
          try {
            pe = listItemPE(t.types, a.list, val[i]);
          } catch (e) {
            errs.push({ path: here(), message: `element ${i}: ${(e as Error).message}` });
            return;
          }
          if (seen) {
            const id = peId(pe);
            if (seen.has(id)) errs.push({ path: here(), message: `duplicate entries for key ${peString(pe)}` });
            seen.add(id);
          }
        }
        segs.push(pe);
        walk(a.list.element, val[i]);
        segs.pop();
      }
      return;
    }
    errs.push({ path: here(), message: `schema error: invalid atom: ${"named" in tr ? `named type: ${tr.named}` : "inlined"}` });
  };
  walk(t.root, v);
  return errs;
}

// ---------------------------------------------------------------------------------------------
// ToFieldSet

/** Every leaf field and list/map item the value sets (SMD's TypedValue.ToFieldSet). */
export function toFieldSet(t: Typed, v: Json): FieldSet {
  const set = emptySet();
  const walk = (tr: TypeRef, val: Json, path: Path) => {
    const a0 = t.types.resolve(tr);
    if (!a0) return;
    const a = deduce(a0, val);
    if (a.map) {
      if (a.map.relationship === "atomic") {
        insert(set, path);
        return;
      }
      if (!isObj(val)) return;
      for (const [k, child] of Object.entries(val)) {
        const p = [...path, { field: k }];
        const declared = a.map.fields?.has(k) ?? false;
        walk(fieldType(a.map, k) ?? opaque, child, p);
        if (child === null || (isObj(child) && Object.keys(child).length === 0) || !declared) insert(set, p);
      }
      return;
    }
    if (a.scalar) {
      insert(set, path);
      return;
    }
    if (a.list) {
      if (a.list.relationship === "atomic") {
        insert(set, path);
        return;
      }
      if (!Array.isArray(val)) return;
      const list = a.list;
      const pes = val.map((item) => safePE(t, list, item));
      const count = new Map<string, number>();
      for (const pe of pes) if (pe) count.set(peId(pe), (count.get(peId(pe)) ?? 0) + 1);
      for (let i = 0; i < val.length; i++) {
        const pe = pes[i];
        if (!pe) continue;
        const p = [...path, pe];
        if (count.get(peId(pe))! > 1) {
          insert(set, p); // a duplicated item is owned whole
          continue;
        }
        walk(list.element, val[i], p);
        insert(set, p);
      }
    }
  };
  walk(t.root, v, []);
  return set;
}

function safePE(t: Typed, list: ListType, item: Json): PathElement | undefined {
  try {
    return listItemPE(t.types, list, item);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Compare

export interface Comparison {
  removed: FieldSet;
  modified: FieldSet;
  added: FieldSet;
}

/** What changed from lhs to rhs, as field sets (SMD's TypedValue.Compare). */
export function compare(t: Typed, lhs: Json, rhs: Json): Comparison {
  const c: Comparison = { removed: emptySet(), modified: emptySet(), added: emptySet() };
  // One path stack for the whole walk: sets keep the elements, never the array.
  const path: PathElement[] = [];
  const walk = (tr: TypeRef, l: Json, r: Json): void => {
    // Equal values contribute nothing; most of an update is unchanged, and equality is much
    // cheaper than the typed walk (not at the root, which almost always differs somewhere).
    if (path.length > 0 && l !== undefined && r !== undefined && valuesEqual(l, r)) return;
    const a0 = t.types.resolve(tr);
    if (!a0) return;
    const al = deduce(a0, l);
    const ar = deduce(a0, r);
    let leaf: boolean;
    if (r === undefined) leaf = handle(al, true, l, r);
    else if (l === undefined || sameAtom(al, ar)) leaf = handle(ar, true, l, r);
    else {
      handle(al, false, l, r);
      leaf = handle(ar, true, l, r);
    }
    if (!leaf) {
      if (l === undefined) insert(c.added, path);
      else if (r === undefined) insert(c.removed, path);
    }
  };
  /** A leaf: added, removed or modified as a whole. */
  const doLeaf = (l: Json, r: Json): void => {
    if (l === undefined) insert(c.added, path);
    else if (r === undefined) insert(c.removed, path);
    else if (!valuesEqual(l, r)) insert(c.modified, path);
  };
  // Each side is read as the atom's kind; a side of another kind counts as absent. Answers
  // whether the value was compared as a leaf (on the main reading).
  const handle = (a: Atom, main: boolean, l: Json, r: Json): boolean => {
    if (a.map) {
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      if (a.map.relationship === "atomic" || (!hasKeys(lm) && !hasKeys(rm))) {
        doLeaf(l, r);
        return main;
      }
      const m = a.map;
      if (lm) {
        for (const k in lm) {
          path.push(fieldPE(k));
          walk(fieldType(m, k) ?? opaque, lm[k], rm?.[k]);
          path.pop();
        }
      }
      if (rm) {
        for (const k in rm) {
          if (lm && k in lm) continue;
          path.push(fieldPE(k));
          walk(fieldType(m, k) ?? opaque, undefined, rm[k]);
          path.pop();
        }
      }
      return false;
    }
    if (a.scalar) {
      doLeaf(l, r);
      return main;
    }
    if (a.list) {
      const ll = Array.isArray(l) ? l : undefined;
      const rl = Array.isArray(r) ? r : undefined;
      if (a.list.relationship === "atomic" || ((!ll || !ll.length) && (!rl || !rl.length))) {
        doLeaf(l, r);
        return main;
      }
      compareListItems(a.list, ll ?? [], rl ?? []);
    }
    return false;
  };
  const compareListItems = (list: ListType, l: Json[], r: Json[]) => {
    const { order, lv, rv } = indexItems(t, list, l, r);
    for (const { pe, id } of order) {
      const ls = lv.get(id) ?? [];
      const rs = rv.get(id) ?? [];
      path.push(pe);
      if (ls.length <= 1 && rs.length <= 1) walk(list.element, ls[0], rs[0]);
      else if (ls.length >= 2 && rs.length >= 2) {
        if (!valuesEqual(ls, rs)) insert(c.modified, path);
      } else if (ls.length >= 2) {
        if (rs.length) walk(list.element, undefined, rs[0]);
        insert(c.removed, path);
      } else {
        if (ls.length) walk(list.element, ls[0], undefined);
        insert(c.added, path);
      }
      path.pop();
    }
  };
  walk(t.root, lhs, rhs);
  return c;
}

/** A node of the tree changedFieldsV1 builds: whether the path itself is in the set, and what is below. */
interface ChangedNode {
  pe: PathElement;
  member: boolean;
  kids: ChangedNode[] | undefined;
}

/**
 * The FieldsV1 of what compare(t, lhs, rhs) reports as added or modified, less `ignore` (a
 * recursive difference) and less `strip` (an exact one): what an Update manager owns after a
 * create, where nobody owned anything before. The same walk as compare, straight to FieldsV1,
 * without the field sets, unions and differences of the general path (fastpath.test.ts checks
 * that both agree). Undefined when the set is empty.
 */
export function changedFieldsV1(t: Typed, lhs: Json, rhs: Json, ignore?: FieldSet, strip?: FieldSet): FieldsV1 | undefined {
  const root: ChangedNode = { pe: { field: "" }, member: false, kids: undefined };
  const nodeOf = (parent: ChangedNode, pe: PathElement): ChangedNode => {
    const n: ChangedNode = { pe, member: false, kids: undefined };
    (parent.kids ??= []).push(n);
    return n;
  };
  const walk = (parent: ChangedNode, pe: PathElement, tr: TypeRef, l: Json, r: Json, ig: FieldSet | undefined, st: FieldSet | undefined): void => {
    // Only removals lie below a value rhs does not have; ignored paths go whole.
    if (r === undefined || (ig && hasMember(ig, pe))) return;
    if (l !== undefined && valuesEqual(l, r)) return;
    const a0 = t.types.resolve(tr);
    if (!a0) return;
    const node = nodeOf(parent, pe);
    const igIn = ig && childSet(ig, pe);
    const stIn = st && childSet(st, pe);
    const al = deduce(a0, l);
    const ar = deduce(a0, r);
    let leaf: boolean;
    if (l === undefined || sameAtom(al, ar)) leaf = handle(node, ar, true, l, r, igIn, stIn);
    else {
      handle(node, al, false, l, r, igIn, stIn);
      leaf = handle(node, ar, true, l, r, igIn, stIn);
    }
    if (!leaf && l === undefined) node.member = true;
    if (st && hasMember(st, pe)) node.member = false;
  };
  // compare's doLeaf, for added and modified only (r is defined here).
  const leafChanged = (node: ChangedNode, l: Json, r: Json): void => {
    if (l === undefined || !valuesEqual(l, r)) node.member = true;
  };
  const handle = (node: ChangedNode, a: Atom, main: boolean, l: Json, r: Json, ig: FieldSet | undefined, st: FieldSet | undefined): boolean => {
    if (a.map) {
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      if (a.map.relationship === "atomic" || (!hasKeys(lm) && !hasKeys(rm))) {
        leafChanged(node, l, r);
        return main;
      }
      const m = a.map;
      if (rm) {
        if (lm) for (const k in lm) walk(node, fieldPE(k), fieldType(m, k) ?? opaque, lm[k], rm[k], ig, st);
        for (const k in rm) {
          if (lm && k in lm) continue;
          walk(node, fieldPE(k), fieldType(m, k) ?? opaque, undefined, rm[k], ig, st);
        }
      }
      return false;
    }
    if (a.scalar) {
      leafChanged(node, l, r);
      return main;
    }
    if (a.list) {
      const ll = Array.isArray(l) ? l : undefined;
      const rl = Array.isArray(r) ? r : undefined;
      if (a.list.relationship === "atomic" || ((!ll || !ll.length) && (!rl || !rl.length))) {
        leafChanged(node, l, r);
        return main;
      }
      if (rl && rl.length) changedItems(node, a.list, ll ?? [], rl, ig, st);
    }
    return false;
  };
  // compare's compareListItems, for added and modified only.
  const changedItems = (node: ChangedNode, list: ListType, l: Json[], r: Json[], ig: FieldSet | undefined, st: FieldSet | undefined): void => {
    if (l.length === 0 && r.length === 1) {
      // A new list of one item (a create's usual case): no index to build.
      const pe = safePE(t, list, r[0]);
      if (pe) walk(node, pe, list.element, undefined, r[0], ig, st);
      return;
    }
    const { order, lv, rv } = indexItems(t, list, l, r);
    for (const { pe, id } of order) {
      const ls = lv.get(id);
      const rs = rv.get(id);
      if (rs === undefined) continue;
      const nl = ls?.length ?? 0;
      if (nl <= 1 && rs.length <= 1) walk(node, pe, list.element, ls?.[0], rs[0], ig, st);
      else if (nl >= 2 && rs.length >= 2) {
        if (!valuesEqual(ls, rs)) itemMember(node, pe, ig, st);
      } else if (nl >= 2) walk(node, pe, list.element, undefined, rs[0], ig, st);
      else itemMember(node, pe, ig, st);
    }
  };
  const itemMember = (node: ChangedNode, pe: PathElement, ig: FieldSet | undefined, st: FieldSet | undefined): void => {
    if ((ig && hasMember(ig, pe)) || (st && hasMember(st, pe))) return;
    nodeOf(node, pe).member = true;
  };
  const a0 = t.types.resolve(t.root);
  if (!a0) return undefined;
  handle(root, deduce(a0, rhs), true, lhs, rhs, ignore, strip);
  return root.kids === undefined ? undefined : emitChanged(root.kids);
}

function emitChanged(kids: ChangedNode[], self = false): FieldsV1 | undefined {
  // Insertion sort in place: these lists are short, and Array.prototype.sort allocates.
  for (let i = 1; i < kids.length; i++) {
    const k = kids[i]!;
    let j = i - 1;
    for (; j >= 0 && comparePE(kids[j]!.pe, k.pe) > 0; j--) kids[j + 1] = kids[j]!;
    kids[j + 1] = k;
  }
  let out: FieldsV1 | undefined;
  for (const k of kids) {
    const below = k.kids === undefined ? undefined : emitChanged(k.kids, k.member);
    if (below === undefined && !k.member) continue;
    if (out === undefined) {
      out = {};
      if (self) out["."] = {};
    }
    out["field" in k.pe ? fieldKey(k.pe.field) : serializePE(k.pe)] = below ?? {};
  }
  return out;
}

/** `f:<name>` for the field names schemas have, made once. */
const fieldKeys = new Map<string, string>();
function fieldKey(name: string): string {
  let k = fieldKeys.get(name);
  if (k === undefined) {
    k = `f:${name}`;
    if (fieldKeys.size < 4096) fieldKeys.set(name, k);
  }
  return k;
}

function hasMember(s: FieldSet, pe: PathElement): boolean {
  return has(s, [pe]);
}

/**
 * The items of two versions of an associative list by key: each distinct key once, in lhs's
 * order and then rhs's, with every item that has it on each side (items without a key are left out).
 */
function indexItems(t: Typed, list: ListType, l: Json[], r: Json[]): { order: { pe: PathElement; id: string }[]; lv: Map<string, Json[]>; rv: Map<string, Json[]> } {
  const order: { pe: PathElement; id: string }[] = [];
  const lv = new Map<string, Json[]>();
  const rv = new Map<string, Json[]>();
  const index = (items: Json[], m: Map<string, Json[]>, addOrder: boolean) => {
    for (const item of items) {
      const pe = safePE(t, list, item);
      if (!pe) continue;
      const id = peId(pe);
      const got = m.get(id);
      if (got) got.push(item);
      else {
        m.set(id, [item]);
        if (addOrder || !lv.has(id)) order.push({ pe, id });
      }
    }
  };
  index(l, lv, true);
  index(r, rv, false);
  return { order, lv, rv };
}

function hasKeys(o: Obj | undefined): boolean {
  if (!o) return false;
  for (const _ in o) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Merge

/**
 * Merges rhs (a partially specified object) into lhs (SMD's TypedValue.Merge): rhs wins on
 * leaves, atomic lists and maps are replaced whole, granular maps merge key by key, and
 * associative lists merge item by item, in rhs's order where rhs says anything.
 * Throws a ValidationError list when rhs has duplicate keys.
 */
export function merge(t: Typed, lhs: Json, rhs: Json): Json {
  return mergeValue(t, t.root, lhs, rhs);
}

export class MergeError extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(validationErrorsString(errors));
  }
}

function mergeValue(t: Typed, tr: TypeRef, l: Json, r: Json, path = ""): Json {
  const a0 = t.types.resolve(tr) ?? t.types.resolve(opaque)!;
  const a = r === undefined ? deduce(a0, l) : deduce(a0, r);
  const leaf = () => (r !== undefined ? r : l);
  if (a.map) {
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    const empty = (!lm || !Object.keys(lm).length) && (!rm || !Object.keys(rm).length);
    if (a.map.relationship === "atomic" || empty) return leaf();
    if (!lm && !rm) return undefined;
    const out: Obj = {};
    // Keys in lhs's order, then rhs's new ones (Go's maps have no order; this keeps the object readable).
    for (const k of Object.keys(lm ?? {})) {
      const v = mergeValue(t, fieldType(a.map, k) ?? opaque, lm![k], rm?.[k], `${path}.${k}`);
      if (v !== undefined) out[k] = v;
    }
    for (const k of Object.keys(rm ?? {})) {
      if (lm && k in lm) continue;
      const v = mergeValue(t, fieldType(a.map, k) ?? opaque, undefined, rm![k], `${path}.${k}`);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (a.scalar) return leaf();
  if (a.list) {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    const empty = (!ll || !ll.length) && (!rl || !rl.length);
    if (a.list.relationship === "atomic" || empty) return leaf();
    if (!ll && !rl) return undefined;
    const out = mergeListItems(t, a.list, ll ?? [], rl ?? [], path);
    return out.length ? out : undefined;
  }
  return leaf();
}

function mergeListItems(t: Typed, list: ListType, lhs: Json[], rhs: Json[], path: string): Json[] {
  const index = (items: Json[], allowDuplicates: boolean, errs: ValidationError[]) => {
    const pes: PathElement[] = [];
    const observed = new Map<string, Json>();
    items.forEach((item, i) => {
      let pe: PathElement;
      try {
        pe = listItemPE(t.types, list, item);
      } catch (e) {
        errs.push({ path, message: `element ${i}: ${(e as Error).message}` });
        return;
      }
      const id = peId(pe);
      if (observed.has(id)) {
        if (!allowDuplicates) {
          errs.push({ path, message: `duplicate entries for key ${peString(pe)}` });
          return;
        }
        observed.set(id, null); // duplicated items are not merged with the new value
      } else observed.set(id, item);
      pes.push(pe);
    });
    return { pes, observed };
  };
  const errs: ValidationError[] = [];
  const R = index(rhs, false, errs);
  const L = index(lhs, true, errs);
  if (errs.length) throw new MergeError(errs);
  const ids = (pes: PathElement[]) => pes.map(peId);
  const lIds = ids(L.pes);
  const rIds = ids(R.pes);
  const shared = rIds.filter((id) => L.observed.has(id));
  let nextShared = shared.shift();
  const mergedRHS = new Set<string>();
  const out: Json[] = [];
  const item = (pe: PathElement, id: string, lChild: Json, rChild: Json) => {
    const v = mergeValue(t, list.element, lChild, rChild, path + peString(pe));
    if (v !== undefined) out.push(v);
    void id;
  };
  let lI = 0;
  let rI = 0;
  while (lI < L.pes.length || rI < R.pes.length) {
    if (lI < L.pes.length && rI < R.pes.length) {
      const id = lIds[lI]!;
      if (id === rIds[rI]) {
        mergedRHS.add(id);
        item(L.pes[lI]!, id, L.observed.get(id), R.observed.get(id));
        lI++;
        rI++;
        nextShared = shared.shift();
        continue;
      }
      if (R.observed.has(id) && nextShared !== undefined && nextShared !== id) {
        lI++; // a shared item, but not the one this round wants
        continue;
      }
    }
    if (lI < L.pes.length) {
      const id = lIds[lI]!;
      if (!R.observed.has(id)) {
        item(L.pes[lI]!, id, lhs[lI], undefined);
        lI++;
        continue;
      } else if (mergedRHS.has(id)) lI++;
    }
    if (rI < R.pes.length) {
      const id = rIds[rI]!;
      mergedRHS.add(id);
      item(R.pes[rI]!, id, L.observed.has(id) ? L.observed.get(id) : undefined, R.observed.get(id));
      rI++;
      if (nextShared !== undefined && nextShared === id) nextShared = shared.shift();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Removal

/**
 * Removes the list items and map keys in `items` (SMD's RemoveItems). A container whose items
 * are all removed becomes null, as in SMD; callers drop such nulls from built-in objects.
 */
export function removeItems(t: Typed, v: Json, items: FieldSet): Json {
  return removeWalk(t, t.root, v, items);
}

function removeWalk(t: Typed, tr: TypeRef, v: Json, toRemove: FieldSet): Json {
  const a0 = t.types.resolve(tr) ?? t.types.resolve(opaque)!;
  const a = deduce(a0, v);
  if (a.map) {
    if (!isObj(v)) return v === undefined ? null : v;
    if (!Object.keys(v).length) return null;
    if (a.map.relationship === "atomic") return null;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) {
      const pe = { field: k };
      if (has(toRemove, [pe])) continue;
      const sub = childSet(toRemove, pe);
      out[k] = sub && !isEmpty(sub) ? removeWalk(t, fieldType(a.map, k) ?? opaque, val, sub) : val;
    }
    return Object.keys(out).length ? out : null;
  }
  if (a.scalar) return v;
  if (a.list) {
    if (!Array.isArray(v)) return v;
    if (!v.length) return null;
    if (a.list.relationship === "atomic") return null;
    const out: Json[] = [];
    for (const item of v) {
      const pe = safePE(t, a.list, item);
      if (!pe) {
        out.push(item);
        continue;
      }
      if (has(toRemove, [pe])) continue;
      const sub = childSet(toRemove, pe);
      out.push(sub && !isEmpty(sub) ? removeWalk(t, a.list.element, item, sub) : item);
    }
    return out.length ? out : null;
  }
  return v;
}


// ---------------------------------------------------------------------------------------------
// EnsureNamedFieldsAreMembers

/** Adds as members the struct fields that only appear as parents of other paths. */
export function ensureNamedFieldsAreMembers(t: Typed, s: FieldSet, tr: TypeRef = t.root): FieldSet {
  const atom = t.types.resolve(tr);
  const out: FieldSet = { members: [...s.members], children: [] };
  for (const n of s.children) {
    let childType: TypeRef | undefined;
    if ("field" in n.pe && atom?.map) {
      childType = fieldType(atom.map, n.pe.field);
      if (atom.map.fields?.has(n.pe.field)) insert(out, [n.pe]);
    } else if ("key" in n.pe && atom?.list) childType = atom.list.element;
    out.children.push({ pe: n.pe, set: childType ? ensureNamedFieldsAreMembers(t, n.set, childType) : ensureNamedFieldsAreMembers(t, n.set, { inline: {} }) });
  }
  return out;
}
