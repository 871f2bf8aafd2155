/**
 * Reading and writing JSON the way kube's Go types do, for the conversion code.
 *
 * Two readers: `stored` for objects kplane already holds (exact field names, anything of the
 * wrong type is read as absent), and `annotation` for the JSON kube keeps in HPA annotations,
 * which it decodes with Go's encoding/json: field names match case-insensitively and any type
 * error makes the whole decode fail (kube then ignores that annotation).
 */
import { canonicalQuantity } from "../core/quantity.js";
import { isObj, type Json } from "../groupsupport/json.js";

export type { Json };

export interface Reader {
  /** Throw GoDecodeError on a type mismatch (encoding/json) instead of reading it as absent. */
  strict: boolean;
  /** Match field names case-insensitively (encoding/json) instead of exactly. */
  fold: boolean;
}

export const stored: Reader = { strict: false, fold: false };
export const annotation: Reader = { strict: true, fold: true };

export class GoDecodeError extends Error {}

function mismatch(r: Reader, what: string, v: unknown): undefined {
  if (r.strict) throw new GoDecodeError(`cannot unmarshal ${JSON.stringify(v)} into ${what}`);
  return undefined;
}

/** The value of field `name` in `o`. Folding: the last key equal under case folding wins, as in Go. */
export function field(r: Reader, o: Json, name: string): unknown {
  if (!r.fold) return o[name];
  const want = name.toLowerCase();
  let found: unknown;
  for (const k of Object.keys(o)) if (k.toLowerCase() === want) found = o[k];
  return found;
}

/** A struct (or pointer to one): undefined for absent/null. */
export function obj(r: Reader, v: unknown): Json | undefined {
  if (v === undefined || v === null) return undefined;
  return isObj(v) ? v : mismatch(r, "object", v);
}

/** A string: absent/null read as "" (Go leaves the zero value). */
export function str(r: Reader, v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : (mismatch(r, "string", v) ?? "");
}

const int32Max = 2 ** 31 - 1;

/** An int32 (pointer): undefined for absent/null. */
export function int32(r: Reader, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= -int32Max - 1 && v <= int32Max) return v;
  return mismatch(r, "int32", v);
}

/** An int64 (pointer): undefined for absent/null. */
export function int64(r: Reader, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  return mismatch(r, "int64", v);
}

/** A slice: undefined for absent/null (a nil slice), the array otherwise. */
export function list(r: Reader, v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v : mismatch(r, "array", v);
}

/**
 * A resource.Quantity (pointer): undefined for absent/null, else kube's canonical text. A stored
 * value that does not parse is kept as written; in an annotation it fails the decode.
 */
export function quantity(r: Reader, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" && typeof v !== "number") return mismatch(r, "Quantity", v);
  const text = typeof v === "string" && r.strict ? v.trim() : v;
  const canonical = canonicalQuantity(text);
  if (canonical !== undefined) return canonical;
  if (r.strict) throw new GoDecodeError(`quantities must match the regular expression: ${JSON.stringify(v)}`);
  return typeof v === "string" ? v : String(v);
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A metav1.Time: null for the zero time (absent/null). Stored strings are kept as written; in an
 * annotation the time is parsed and written back as Go marshals it, UTC to the second.
 */
export function time(r: Reader, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") return mismatch(r, "Time", v) ?? null;
  if (!r.strict) return v;
  const ms = rfc3339.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new GoDecodeError(`parsing time ${JSON.stringify(v)} as RFC 3339`);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A *metav1.LabelSelector, re-encoded in Go's field order with its omitempty rules. */
export function labelSelector(r: Reader, v: unknown): Json | undefined {
  const o = obj(r, v);
  if (!o) return undefined;
  const out: Json = {};
  const labels = obj(r, field(r, o, "matchLabels"));
  if (labels) {
    const m: Record<string, string> = {};
    for (const [k, x] of Object.entries(labels)) m[k] = str(r, x);
    if (Object.keys(m).length > 0) out.matchLabels = m;
  }
  const exprs = list(r, field(r, o, "matchExpressions"));
  if (exprs && exprs.length > 0) {
    out.matchExpressions = exprs.map((e) => {
      const eo = obj(r, e) ?? {};
      const req: Json = { key: str(r, field(r, eo, "key")), operator: str(r, field(r, eo, "operator")) };
      const values = list(r, field(r, eo, "values"));
      if (values && values.length > 0) req.values = values.map((x) => str(r, x));
      return req;
    });
  }
  return out;
}

/**
 * JSON text as Go's json.Marshal writes it: no spaces, and <, >, &, U+2028 and U+2029 escaped
 * (encoding/json's HTML-safe default). Key order is the caller's (objects are built in Go's
 * field order; maps are sorted by the caller where Go would sort them).
 */
export function goMarshal(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** JSON.parse that reports a syntax error as a decode failure. */
export function goUnmarshal(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new GoDecodeError((e as Error).message);
  }
}

/** A string map with keys in Go's marshal order (sorted), or undefined when empty (omitempty). */
export function sortedMap(m: Record<string, string>): Record<string, string> | undefined {
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = m[k]!;
  return out;
}
