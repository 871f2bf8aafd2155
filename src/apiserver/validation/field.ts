/**
 * Field errors as kube's k8s.io/apimachinery/pkg/util/validation/field (1.32): constructors with
 * kube's details, paths, and the exact `Error()` / `ErrorBody()` text, including how the bad
 * value is printed (Go's %q for strings, bare numbers, "null" for nil, %#v-like for the rest).
 */
import type { FieldError, FieldErrorType } from "../api/types.js";

// ---- paths (field.Path printed as a string) ----

/**
 * `base.name` (kube's Path.Child); an empty base gives just `name`. Fixed parameters, not a rest
 * array: validation makes a path for every field it looks at.
 */
export function child(base: string, name: string, name2?: string, name3?: string): string {
  let p = base === "" ? name : `${base}.${name}`;
  if (name2 !== undefined) p = p === "" ? name2 : `${p}.${name2}`;
  if (name3 !== undefined) p = p === "" ? name3 : `${p}.${name3}`;
  return p;
}

/** `base[i]` (kube's Path.Index). */
export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** `base[key]` (kube's Path.Key: the key is printed bare, unquoted). */
export function key(base: string, k: string): string {
  return `${base}[${k}]`;
}

// ---- values printed verbatim ----

/**
 * A bad value that kube prints through a String() method (resource.Quantity, metav1.Time, ...):
 * formatted as the given text, unquoted. Plain JSON, so it survives cloning.
 */
export interface PrintedValue {
  $printed: string;
}

export function printedValue(text: string): PrintedValue {
  return { $printed: text };
}

function isPrintedValue(v: unknown): v is PrintedValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as PrintedValue).$printed === "string" && Object.keys(v).length === 1;
}

// ---- constructors (field.Required, field.Invalid, ...) ----

export function required(field: string, detail = ""): FieldError {
  return { type: "FieldValueRequired", field, badValue: "", detail };
}

export function invalid(field: string, value: unknown, detail = ""): FieldError {
  return { type: "FieldValueInvalid", field, badValue: value, detail };
}

export function typeInvalid(field: string, value: unknown, detail = ""): FieldError {
  return { type: "FieldValueTypeInvalid", field, badValue: value, detail };
}

/** The detail is kube's `supported values: "a", "b"` (omitted when the list is empty). */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? "supported values: " + supported.map(goQuote).join(", ") : "";
  return { type: "FieldValueNotSupported", field, badValue: value, detail, supported: [...supported] };
}

export function forbidden(field: string, detail = ""): FieldError {
  return { type: "FieldValueForbidden", field, badValue: "", detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: "FieldValueDuplicate", field, badValue: value, detail: "" };
}

export function notFound(field: string, value: unknown): FieldError {
  return { type: "FieldValueNotFound", field, badValue: value, detail: "" };
}

/** kube never prints the too-long value; a negative max gives "value is too long". */
export function tooLong(field: string, _value: unknown, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} bytes` : "value is too long";
  return { type: "FieldValueTooLong", field, badValue: "<value omitted>", detail, limit: max };
}

/** A negative `actual` omits the count from the message, as kube does. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} items` : "has too many items";
  const e: FieldError = { type: "FieldValueTooMany", field, detail, limit: max };
  if (actual >= 0) e.badValue = actual;
  return e;
}

export function internal(field: string, err: Error | string): FieldError {
  return { type: "InternalError", field, badValue: null, detail: typeof err === "string" ? err : err.message };
}

// ---- printing ----

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value",
};

/** kube's ErrorType.String(): "Required value", "Invalid value", ... */
export function fieldErrorTypeText(t: FieldErrorType): string {
  return typeText[t];
}

/**
 * kube's Error.ErrorBody(): the message without the field. Required, Forbidden, TooLong and
 * Internal never print the value; an undefined badValue stands for kube's omitted value.
 */
export function errorBody(e: FieldError): string {
  let s = typeText[e.type];
  const omit =
    e.type === "FieldValueRequired" ||
    e.type === "FieldValueForbidden" ||
    e.type === "FieldValueTooLong" ||
    e.type === "InternalError" ||
    e.badValue === undefined;
  if (!omit) s += ": " + formatBadValue(e.badValue);
  let detail = e.detail ?? "";
  if (detail === "" && e.type === "FieldValueNotSupported" && e.supported && e.supported.length > 0) {
    detail = "supported values: " + e.supported.map(goQuote).join(", ");
  }
  if (detail !== "") s += ": " + detail;
  return s;
}

/** kube's Error.Error(): `<field>: <body>`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/**
 * kube's ErrorList.ToAggregate().Error(): duplicates (by message) dropped, one error bare,
 * several as `[a, b]`; empty list gives "".
 */
export function formatFieldErrors(errs: readonly FieldError[]): string {
  const msgs = uniqueMessages(errs);
  if (msgs.length === 0) return "";
  if (msgs.length === 1) return msgs[0]!;
  return `[${msgs.join(", ")}]`;
}

function uniqueMessages(errs: readonly FieldError[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of errs) {
    const m = formatFieldError(e);
    if (seen.has(m)) continue;
    seen.add(m);
    out.push(m);
  }
  return out;
}

/** How kube 1.32 prints a bad value (ErrorBody's switch), for JSON values. */
export function formatBadValue(v: unknown): string {
  if (v === null || v === undefined) return goQuote("null");
  if (isPrintedValue(v)) return v.$printed;
  switch (typeof v) {
    case "string":
      return goQuote(v);
    case "number":
      return goNumber(v);
    case "boolean":
      return String(v);
    case "bigint":
      return v.toString();
    default:
      return goSharpV(v);
  }
}

/** Go's %#v for the JSON shapes a bad value takes (slices and maps of scalars, else a struct-ish form). */
function goSharpV(v: unknown): string {
  if (Array.isArray(v)) {
    const t = sliceElemType(v);
    return `[]${t}{${v.map(goSharpElem).join(", ")}}`;
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([, x]) => typeof x === "string")) {
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[string]string{${entries.map(([k, x]) => `${goQuote(k)}:${goQuote(x as string)}`).join(", ")}}`;
    }
    return `{${entries.map(([k, x]) => `${k}:${goSharpElem(x)}`).join(", ")}}`;
  }
  return String(v);
}

function sliceElemType(v: unknown[]): string {
  if (v.length === 0 || v.every((x) => typeof x === "string")) return "string";
  if (v.every((x) => typeof x === "number" && Number.isInteger(x))) return "int";
  if (v.every((x) => typeof x === "number")) return "float64";
  if (v.every((x) => typeof x === "boolean")) return "bool";
  return "interface {}";
}

function goSharpElem(x: unknown): string {
  if (x === null || x === undefined) return "nil";
  if (typeof x === "string") return goQuote(x);
  if (typeof x === "number") return goNumber(x);
  if (isPrintedValue(x)) return x.$printed;
  if (typeof x === "object") return goSharpV(x);
  return String(x);
}

/** Go's %v for a float64 (shortest digits; exponent form below 1e-4 and from 1e21, two-digit exponent). */
export function goNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mant, expStr] = n.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 21) {
    const sign = exp < 0 ? "-" : "+";
    const digits = String(Math.abs(exp)).padStart(2, "0");
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

/** Go's strconv.Quote: double quotes, Go escapes, printable Unicode kept. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      out += "\\ufffd"; // lone surrogate: Go sees invalid UTF-8 and prints the replacement escape
    } else if (c < 0x20 || c === 0x7f) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else if (c < 0x7f || isGoPrint(ch)) {
      out += ch;
    } else if (c < 0x10000) {
      out += "\\u" + c.toString(16).padStart(4, "0");
    } else {
      out += "\\U" + c.toString(16).padStart(8, "0");
    }
  }
  return out + '"';
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020.
const goPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
function isGoPrint(ch: string): boolean {
  return goPrintable.test(ch);
}

// ---- Status for 422 Invalid ----

export interface GroupKind {
  group: string;
  kind: string;
}

/** A cause in Status.details.causes, as kube builds it in errors.NewInvalid. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** schema.GroupKind.String(): `Deployment.apps`, or just `Pod` for the core group. */
export function qualifiedKind(gk: GroupKind | string): string {
  if (typeof gk === "string") return gk;
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

/**
 * The message of kube's errors.NewInvalid: `Pod "x" is invalid: <aggregate>` (or just
 * `... is invalid` for no errors). `kind` is a GroupKind or an already qualified string.
 */
export function invalidMessage(kind: GroupKind | string, name: string, errs: readonly FieldError[]): string {
  const head = `${qualifiedKind(kind)} ${goQuote(name)} is invalid`;
  const agg = formatFieldErrors(errs);
  return agg === "" ? head : `${head}: ${agg}`;
}

/** Status.details.causes for errors.NewInvalid: one per error (duplicates kept, as kube does). */
export function invalidCauses(errs: readonly FieldError[]): StatusCause[] {
  return errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
}
