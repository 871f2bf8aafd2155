import type { GroupVersionKind } from "../api/types.js";
import { definition, definitionOfKind, type Schema } from "../openapi/index.js";

/**
 * The structural types structured-merge-diff merges by, built from the OpenAPI definitions the
 * way kube-openapi's schemaconv does for kube-apiserver's type converter:
 *
 * - `type: object` with properties is a struct (a map with declared fields, granular unless
 *   `x-kubernetes-map-type: atomic`); with `additionalProperties` a map of that element type;
 *   with neither, a free-form ("deduced") map.
 * - `type: array`: `x-kubernetes-list-type` atomic | set | map (+ `x-kubernetes-list-map-keys`);
 *   without one, `x-kubernetes-patch-strategy: merge` makes it associative, keyed by
 *   `x-kubernetes-patch-merge-key` (a set without one); otherwise atomic.
 * - scalars: integer/number numeric, boolean, string (formats other than byte are "untyped",
 *   which accepts any scalar: IntOrString, Time); Quantity is untyped by name and RawExtension
 *   is atomic and untyped; no type at all is any of scalar, list, map.
 * - a `$ref` (or `allOf: [{$ref}]`) field may override the referred map's relationship with
 *   its own `x-kubernetes-map-type`.
 *
 * Kinds without a definition (custom resources without a schema) use the deduced type: maps
 * granular all the way down, lists atomic, scalars anything — kube's DeducedTypeConverter.
 */

export type Scalar = "numeric" | "string" | "boolean" | "untyped";

export interface ListType {
  relationship: "atomic" | "associative";
  /** Keys of an associative list of maps; empty for a set of scalars. */
  keys: string[];
  element: TypeRef;
}

export interface StructField {
  type: TypeRef;
  /** The field's default, used for an associative-list key an item omits. */
  default?: unknown;
}

export interface MapType {
  /** Declared fields (a struct); undefined for a plain map. */
  fields?: Map<string, StructField>;
  /** The type of undeclared keys; undefined when a struct allows none. */
  element?: TypeRef;
  relationship: "granular" | "atomic";
}

export interface Atom {
  scalar?: Scalar;
  list?: ListType;
  map?: MapType;
}

/** A reference to a named definition (with an optional map-type override), or an inline atom. */
export type TypeRef = { named: string; mapRelationship?: "granular" | "atomic" } | { inline: Atom };

export const UNTYPED_ATOMIC = "__untyped_atomic_";
export const UNTYPED_DEDUCED = "__untyped_deduced_";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension";

const untypedAtomic: Atom = {
  scalar: "untyped",
  list: { relationship: "atomic", keys: [], element: { named: UNTYPED_ATOMIC } },
  map: { relationship: "atomic", element: { named: UNTYPED_ATOMIC } },
};
const untypedDeduced: Atom = {
  scalar: "untyped",
  list: { relationship: "atomic", keys: [], element: { named: UNTYPED_ATOMIC } },
  map: { relationship: "granular", element: { named: UNTYPED_DEDUCED } },
};

/**
 * Defaults of associative-list key fields. kube's type converter reads them from the OpenAPI
 * v3 `default`s (`+default=` markers in k8s.io/api 1.32); the published definitions here carry
 * none, so the ones that are list-map keys are listed.
 */
const keyDefaults: Record<string, Record<string, unknown>> = {
  "io.k8s.api.core.v1.ContainerPort": { protocol: "TCP" },
  "io.k8s.api.core.v1.ServicePort": { protocol: "TCP" },
  "io.k8s.api.core.v1.LocalObjectReference": { name: "" },
};

/** Where custom (non-built-in) schemas are looked up, besides the built-in definitions. */
export type Lookup = (name: string) => Schema | undefined;

/** A resolver of named types over one set of definitions; atoms are built once and cached. */
export class TypeSystem {
  private readonly atoms = new Map<string, Atom>();

  constructor(private readonly lookup: Lookup = definition) {}

  /** The atom a reference leads to, with its override applied; undefined if unknown. */
  resolve(tr: TypeRef): Atom | undefined {
    if ("inline" in tr) return tr.inline;
    // Every walk resolves every node: the answer is remembered per reference object.
    const cached = this.resolved.get(tr);
    if (cached !== undefined) return cached ?? undefined;
    const a = this.named(tr.named);
    const r = !a || !tr.mapRelationship || !a.map ? a : { ...a, map: { ...a.map, relationship: tr.mapRelationship } };
    this.resolved.set(tr, r ?? null);
    return r;
  }

  private readonly resolved = new WeakMap<TypeRef, Atom | null>();

  private named(name: string): Atom | undefined {
    let a = this.atoms.get(name);
    if (a) return a;
    if (name === UNTYPED_ATOMIC || name === RAW_EXTENSION) a = untypedAtomic;
    else if (name === UNTYPED_DEDUCED) a = untypedDeduced;
    else if (name === QUANTITY) a = { scalar: "untyped" };
    else {
      const s = this.lookup(name);
      if (!s) return undefined;
      a = this.parse(s, keyDefaults[name]);
    }
    this.atoms.set(name, a);
    return a;
  }

  parse(s: Schema, defaults?: Record<string, unknown>): Atom {
    if (s.$ref !== undefined || (s.allOf?.length === 1 && s.allOf[0]!.$ref !== undefined && !s.type)) {
      // A bare reference used as a whole schema (a custom root): resolve it.
      const ref = s.$ref ?? s.allOf![0]!.$ref!;
      return this.named(ref) ?? untypedDeduced;
    }
    switch (s.type) {
      case undefined:
      case "":
        return { scalar: "untyped", list: this.parseList(s), map: this.parseObject(s, defaults) };
      case "object":
        return { map: this.parseObject(s, defaults) };
      case "array":
        return { list: this.parseList(s) };
      case "integer":
      case "number":
        return { scalar: "numeric" };
      case "boolean":
        return { scalar: "boolean" };
      case "string":
        return { scalar: s.format === undefined || s.format === "" || s.format === "byte" ? "string" : "untyped" };
      default:
        return { scalar: "untyped" };
    }
  }

  private ref(s: Schema): TypeRef {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]!.$ref : undefined);
    if (ref !== undefined) {
      const mt = mapRelationship(s);
      return mt ? { named: ref, mapRelationship: mt } : { named: ref };
    }
    return { inline: this.parse(s) };
  }

  private parseObject(s: Schema, defaults?: Record<string, unknown>): MapType {
    const props = s.properties ?? {};
    const names = Object.keys(props);
    let fields: Map<string, StructField> | undefined;
    if (names.length) {
      fields = new Map();
      for (const n of names) {
        const p = props[n]!;
        const f: StructField = { type: this.ref(p) };
        const d = p.default !== undefined ? p.default : defaults?.[n];
        if (d !== undefined) f.default = d;
        fields.set(n, f);
      }
    }
    let element: TypeRef | undefined;
    const ap = s.additionalProperties;
    const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
    if (ap === undefined) element = preserve || names.length === 0 ? { named: UNTYPED_DEDUCED } : undefined;
    else if (typeof ap === "object") element = this.ref(ap);
    else element = ap ? { named: UNTYPED_DEDUCED } : undefined;
    const m: MapType = { relationship: mapRelationship(s) ?? "granular" };
    if (fields) m.fields = fields;
    if (element) m.element = element;
    return m;
  }

  private parseList(s: Schema): ListType {
    const [relationship, keys] = listRelationship(s);
    return { relationship, keys, element: s.items ? this.ref(s.items) : { named: UNTYPED_ATOMIC } };
  }
}

function mapRelationship(s: Schema): "granular" | "atomic" | undefined {
  const v = s["x-kubernetes-map-type"];
  return v === "atomic" ? "atomic" : v === "granular" ? "granular" : undefined;
}

function listRelationship(s: Schema): ["atomic" | "associative", string[]] {
  const lt = s["x-kubernetes-list-type"];
  if (lt !== undefined) {
    if (lt === "set") return ["associative", []];
    if (lt === "map") return ["associative", Array.isArray(s["x-kubernetes-list-map-keys"]) ? (s["x-kubernetes-list-map-keys"] as string[]) : []];
    return ["atomic", []];
  }
  const ps = s["x-kubernetes-patch-strategy"];
  if (ps === "merge" || ps === "merge,retainKeys") {
    const key = s["x-kubernetes-patch-merge-key"];
    return ["associative", typeof key === "string" ? [key] : []];
  }
  return ["atomic", []];
}

/** The shared resolver over the built-in definitions. */
export const builtinTypes = new TypeSystem();

/** The root type of a kind: its built-in definition, or the deduced type. */
export function rootType(gvk: GroupVersionKind): { types: TypeSystem; root: TypeRef; typed: boolean } {
  const name = definitionOfKind(gvk);
  if (name) return { types: builtinTypes, root: { named: name }, typed: true };
  return { types: builtinTypes, root: { named: UNTYPED_DEDUCED }, typed: false };
}

/** The root type of a custom schema (a custom resource's, `$ref`s naming built-in definitions). */
export function customRootType(schema: Schema): { types: TypeSystem; root: TypeRef; typed: boolean } {
  const types = new TypeSystem(definition);
  return { types, root: { inline: types.parse(schema) }, typed: false };
}

/** The definition name a reference leads to, when it is a named one. */
export function refName(tr: TypeRef | undefined): string | undefined {
  return tr && "named" in tr ? tr.named : undefined;
}
