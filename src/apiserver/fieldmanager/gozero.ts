import { GO_ZERO } from "./gozero-data.js";
import { refName, type TypeRef, type TypeSystem } from "./schema.js";

/**
 * Gives a built-in object the shape Go's typed round trip gives it: the fields Go always writes
 * are filled in with their zero values where absent. kube-apiserver computes ownership on such
 * objects, so kplane compares these shapes when it computes what an update changed.
 */

let facts: Map<string, [string, string][]> | undefined;

function zeroFacts(): Map<string, [string, string][]> {
  if (facts) return facts;
  facts = new Map();
  for (const line of GO_ZERO.split("\n")) {
    if (!line) continue;
    const [name, ...fields] = line.split(" ");
    facts.set(`io.k8s.${name}`, fields.map((f) => f.split("=") as [string, string]));
  }
  return facts;
}

const scalarZero: Record<string, unknown> = { z: null, s: "", n: 0, b: false, d: "0s", q: "0" };

/** A switch for the test that checks the skipped walks against full ones. */
export const shapeSkips = { on: true };

/** Per type system and named type: whether some type reachable from it has always-written fields. */
const shapedNames = new WeakMap<TypeSystem, Map<string, boolean>>();
/** The same per reference object (a walk meets the same references again and again). */
const shapedRefs = new WeakMap<TypeRef, boolean>();

/**
 * Whether a value of type `tr` can lack a field Go always writes, anywhere inside it: labels,
 * string lists, quantities and most leaves cannot, and goShape need not walk them.
 */
export function mayNeedShape(types: TypeSystem, tr: TypeRef): boolean {
  const known = shapedRefs.get(tr);
  if (known !== undefined) return known;
  let names = shapedNames.get(types);
  if (!names) shapedNames.set(types, (names = new Map()));
  const r = needsShape(types, tr, names, new Set());
  shapedRefs.set(tr, r);
  return r;
}

function needsShape(types: TypeSystem, tr: TypeRef, names: Map<string, boolean>, visiting: Set<string>): boolean {
  const name = refName(tr);
  // A reference may make its type atomic (x-kubernetes-map-type): that answer is its own.
  const key = name === undefined ? undefined : "mapRelationship" in tr && tr.mapRelationship ? `${name} ${tr.mapRelationship}` : name;
  if (key !== undefined) {
    const known = names.get(key);
    if (known !== undefined) return known;
    // A cycle (JSONSchemaProps, free-form values): say yes; walking is always right. A "no" is
    // only ever concluded from children that were all "no", so it never rests on this guess.
    if (visiting.has(key)) return true;
    visiting.add(key);
  }
  const atom = types.resolve(tr);
  let r = name !== undefined && zeroFacts().has(name);
  if (!r && atom?.list) r = needsShape(types, atom.list.element, names, visiting);
  const m = atom?.map;
  if (!r && m && m.relationship !== "atomic") {
    for (const f of m.fields?.values() ?? []) {
      if (needsShape(types, f.type, names, visiting)) {
        r = true;
        break;
      }
    }
    if (!r && m.element) r = needsShape(types, m.element, names, visiting);
  }
  if (key !== undefined) {
    visiting.delete(key);
    names.set(key, r);
  }
  return r;
}

/**
 * `v` (of type `tr`) with Go's always-written fields filled in: `v` itself where nothing is
 * missing, else a copy sharing the unchanged parts. Callers read the result and never write it.
 */
export function goShape(types: TypeSystem, tr: TypeRef, v: unknown): unknown {
  if (typeof v !== "object" || v === null || (shapeSkips.on && !mayNeedShape(types, tr))) return v;
  if (Array.isArray(v)) {
    const el = types.resolve(tr)?.list?.element;
    if (!el) return v;
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const s = goShape(types, el, v[i]);
      if (s !== v[i]) (out ??= v.slice())[i] = s;
    }
    return out ?? v;
  }
  if (typeof v !== "object" || v === null) return v;
  const atom = types.resolve(tr);
  const m = atom?.map;
  if (!m || m.relationship === "atomic") return v;
  const obj = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in obj) {
    const val = obj[k];
    const ft = m.fields?.get(k)?.type ?? m.element;
    if (!ft) continue;
    const s = goShape(types, ft, val);
    if (s !== val) (out ??= { ...obj })[k] = s;
  }
  const name = refName(tr);
  const zeros = name ? zeroFacts().get(name) : undefined;
  if (zeros) {
    for (const [field, code] of zeros) {
      if (field in obj) continue;
      out ??= { ...obj };
      if (code === "o") {
        const ft = m.fields?.get(field)?.type;
        out[field] = ft ? goShape(types, ft, {}) : {};
      } else out[field] = scalarZero[code];
    }
  }
  return out ?? v;
}

/**
 * The nulls Go's typed round trip leaves: a null where Go writes null for the zero value (a
 * non-omitempty pointer, slice or map, a metav1.Time) stays, a null struct becomes the zero
 * struct, any other null (SMD leaves them where it removed every item of a list or map) goes.
 * Free-form values (RawExtension, untyped maps) keep theirs, as kube keeps them.
 */
export function goNulls(types: TypeSystem, tr: TypeRef, v: unknown): unknown {
  const atom = types.resolve(tr);
  if (!atom || atom.scalar === "untyped") return v;
  if (Array.isArray(v)) {
    const el = atom.list?.element;
    return el ? v.map((item) => goNulls(types, el, item)) : v;
  }
  const m = atom.map;
  if (typeof v !== "object" || v === null || !m) return v;
  const name = refName(tr);
  const zero = new Map((name && zeroFacts().get(name)) || []);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const ft = m.fields?.get(k)?.type ?? m.element;
    if (val === null) {
      const code = zero.get(k);
      if (code === "z") out[k] = null;
      else if (code === "o" && ft) out[k] = goShape(types, ft, {});
      continue;
    }
    out[k] = ft ? goNulls(types, ft, val) : val;
  }
  return out;
}
