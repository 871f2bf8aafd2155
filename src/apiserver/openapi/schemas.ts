import type { GroupVersionKind } from "../api/types.js";
import { definitions, kinds } from "./definitions.js";

/**
 * The built-in schemas of definitions.ts, parsed one at a time on first use. Schemas are plain
 * JSON Schema objects whose `$ref`s hold bare definition names; `toV2` and `toV3` give them the
 * shape each OpenAPI version publishes.
 */

/** A JSON Schema object as kube publishes it (the subset the built-in types use). */
export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  enum?: unknown[];
  [extension: `x-${string}`]: unknown;
}

export const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const PATCH = `${META}.Patch`;
export const API_RESOURCE_LIST = `${META}.APIResourceList`;
export const API_GROUP = `${META}.APIGroup`;
export const API_GROUP_LIST = `${META}.APIGroupList`;
export const API_VERSIONS = `${META}.APIVersions`;
export const VERSION_INFO = "io.k8s.apimachinery.pkg.version.Info";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

const parsed = new Map<string, Schema>();

/** The built-in definition `name`, or undefined. The result is shared: do not modify it. */
export function definition(name: string): Schema | undefined {
  let s = parsed.get(name);
  if (!s) {
    const text = definitions[name];
    if (text === undefined) return undefined;
    s = JSON.parse(text) as Schema;
    parsed.set(name, s);
  }
  return s;
}

/** The definition name of a built-in kind ("apps", "v1", "Deployment"), or undefined. */
export function definitionOfKind(gvk: GroupVersionKind): string | undefined {
  return kinds[`${gvk.group}/${gvk.version}/${gvk.kind}`];
}

/** Every definition name `schema` refers to directly. */
export function refsOf(schema: Schema, out: Set<string> = new Set()): Set<string> {
  if (schema.$ref !== undefined) out.add(schema.$ref);
  if (schema.items) refsOf(schema.items, out);
  if (typeof schema.additionalProperties === "object") refsOf(schema.additionalProperties, out);
  for (const p of Object.values(schema.properties ?? {})) refsOf(p, out);
  for (const s of schema.allOf ?? []) refsOf(s, out);
  return out;
}

/**
 * The definitions `roots` need, transitively, looked up with `lookup` (built-ins, or a document's
 * own schemas first). Sorted, as kube lists them.
 */
export function closure(roots: Iterable<string>, lookup: (name: string) => Schema | undefined): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const s = lookup(name);
    if (!s) throw new Error(`openapi: no definition ${name}`);
    seen.add(name);
    for (const r of refsOf(s)) if (!seen.has(r)) queue.push(r);
  }
  return [...seen].sort();
}

/**
 * An enum's values and the part of its description that lists them are in definitions.ts beside
 * the property; kube publishes both in v3 only (v2 has neither).
 */
const ENUM_DESCRIPTION = "x-kplane-enum-description";

/** OpenAPI v2 form: refs point into #/definitions. */
export function toV2(schema: Schema): Schema {
  return mapSchema(schema, (ref) => ({ $ref: `#/definitions/${ref}` }));
}

/**
 * OpenAPI v3 form: refs point into #/components/schemas, and a ref with siblings (a field's
 * patch strategy, say) is wrapped in allOf, since 3.0 ignores siblings of $ref. kubectl's
 * strategic-merge lookup reads the extensions on the wrapper and follows allOf[0].
 */
export function toV3(schema: Schema): Schema {
  return mapSchema(schema, (ref) => ({ $ref: `#/components/schemas/${ref}` }), true);
}

/** The v3 form of a whole definition: the special scalar types get kube's oneOf. */
export function definitionToV3(name: string, schema: Schema): Schema {
  if (name === INT_OR_STRING || name === QUANTITY) {
    const { type: _type, ...rest } = schema;
    const oneOf = name === INT_OR_STRING ? ["integer", "string"] : ["string", "number"];
    return { ...rest, oneOf: oneOf.map((type) => ({ type })) };
  }
  return toV3(schema);
}

function mapSchema(schema: Schema, ref: (name: string) => Schema, wrapRefs = false): Schema {
  const out: Schema = {};
  const v3 = wrapRefs;
  for (const [k, v] of Object.entries(schema)) {
    switch (k) {
      case "enum":
        if (v3) out.enum = v as unknown[];
        break;
      case "description":
        // v3 appends an enum's list of values (whichever key comes first in the definition).
        out.description = v3 && schema[ENUM_DESCRIPTION] !== undefined ? [v, schema[ENUM_DESCRIPTION]].filter(Boolean).join("\n\n") : (v as string);
        break;
      case ENUM_DESCRIPTION:
        if (v3 && schema.description === undefined) out.description = v as string;
        break;
      case "$ref":
        Object.assign(out, ref(v as string));
        break;
      case "items":
        out.items = mapSchema(v as Schema, ref, wrapRefs);
        break;
      case "additionalProperties":
        out.additionalProperties = typeof v === "object" ? mapSchema(v as Schema, ref, wrapRefs) : (v as boolean);
        break;
      case "allOf":
        out.allOf = (v as Schema[]).map((s) => mapSchema(s, ref, wrapRefs));
        break;
      case "properties": {
        const props: Record<string, Schema> = {};
        for (const [name, p] of Object.entries(v as Record<string, Schema>)) props[name] = mapSchema(p, ref, wrapRefs);
        out.properties = props;
        break;
      }
      default:
        (out as Record<string, unknown>)[k] = v;
    }
  }
  if (wrapRefs && out.$ref !== undefined && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return sortKeys({ allOf: [{ $ref }], ...rest });
  }
  return v3 && out.enum !== undefined ? sortKeys(out) : out;
}

function sortKeys(s: Schema): Schema {
  return Object.fromEntries(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Schema;
}
