import { definition, type Schema } from "../openapi/index.js";
import { internalError } from "./errors.js";
import { goQuote } from "./gojson.js";

/**
 * Patch metadata for strategic merge, as kube-apiserver finds it: by reflecting on the Go struct
 * of the kind (strategicpatch.PatchMetaFromStruct), here approximated from the built-in OpenAPI
 * definitions, which carry the same struct tags as `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key`. A `$ref`'d definition stands for a Go struct (its properties
 * are the JSON fields; none for RawExtension, FieldsV1, apiextensions' JSON...), an inline
 * `additionalProperties` for a Go map, `items` for a slice. Lookups fail as Go's do, with its
 * messages (kube answers them as 500s).
 */
export interface GoType {
  schema: Schema;
  /** The Go type name ("PodSpec") for definitions; "" for inline schemas. */
  name: string;
}

export interface PatchMeta {
  strategies: string[];
  mergeKey: string;
}

export function typeOfDefinition(name: string): GoType {
  return resolve({ $ref: name });
}

/** Follows allOf[0] and $ref, as kube's lookups do. */
function resolve(node: Schema): GoType {
  let s = node;
  if (s.allOf && s.allOf.length > 0) s = s.allOf[0]!;
  if (s.$ref === undefined) return { schema: s, name: "" };
  const ref = s.$ref;
  const def = definition(ref);
  if (!def) throw internalError(`unable to resolve ${ref} in OpenAPI V3`);
  return { schema: def, name: ref.slice(ref.lastIndexOf(".") + 1) };
}

/** reflect.Kind of the Go type, as kube prints it in lookup errors. */
export function goKind(t: GoType): string {
  if (t.name) return "struct";
  const s = t.schema;
  if (s.items || s.type === "array") return "slice";
  if (s.additionalProperties !== undefined && !s.properties) return "map";
  switch (s.type) {
    case "string":
      return "string";
    case "integer":
      return s.format === "int64" ? "int64" : "int32";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "object":
      return "struct";
    default:
      return "interface";
  }
}

function metaOf(field: Schema): PatchMeta {
  const strategy = field["x-kubernetes-patch-strategy"];
  const mergeKey = field["x-kubernetes-patch-merge-key"];
  return { strategies: typeof strategy === "string" ? strategy.split(",") : [], mergeKey: typeof mergeKey === "string" ? mergeKey : "" };
}

/** The field `key` of struct `t` (LookupPatchMetadataForStruct). */
export function lookupStruct(t: GoType, key: string): { type: GoType; meta: PatchMeta } {
  const kind = goKind(t);
  if (kind !== "struct") throw internalError(`merging an object in json but data type is not struct, instead is: ${kind}`);
  const props = t.schema.properties ?? {};
  // encoding/json's field match: exact name first, else the first case-insensitive one.
  let field = Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
  if (!field) {
    const lower = key.toLowerCase();
    const name = Object.keys(props).find((p) => p.toLowerCase() === lower);
    if (name !== undefined) field = props[name];
  }
  if (!field) throw internalError(`unable to find api field in struct ${t.name} for the json field ${goQuote(key)}`);
  return { type: resolve(field), meta: metaOf(field) };
}

/** The element type of slice field `key` of struct `t` (LookupPatchMetadataForSlice). */
export function lookupSlice(t: GoType, key: string): { type: GoType; meta: PatchMeta } {
  const { type, meta } = lookupStruct(t, key);
  if (goKind(type) !== "slice") throw internalError("expected slice or array type, but got: struct");
  const elem = resolve(type.schema.items ?? {});
  if (goKind(elem) === "slice") throw internalError("unexpected slice of slice");
  return { type: elem, meta };
}

/** extractRetainKeysPatchStrategy: the strategy besides retainKeys ("" when none). */
export function mergeStrategy(strategies: string[]): string {
  if (strategies.length === 0) return "";
  if (strategies.length === 1) return strategies[0] === "retainKeys" ? "" : strategies[0]!;
  if (strategies.length === 2) {
    if (strategies[0] === "retainKeys") return strategies[1]!;
    if (strategies[1] === "retainKeys") return strategies[0]!;
  }
  throw internalError(`unexpected patch strategy: [${strategies.join(" ")}]`);
}
