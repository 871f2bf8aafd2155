/**
 * Validation pieces the group strategies share, over decoded JSON: thin adapters to the
 * validation library (non-negative numbers, immutable fields, label selectors), IntOrString
 * percentages (apps validation), and Go-style printing of the structs kube puts in messages.
 */
import type { FieldError } from "../../api/types.js";
import {
  goQuote, invalid, isValidPercent, printedValue, validateImmutableField, validateLabelSelector as validateMetaLabelSelector,
  validateNonnegativeField, type LabelSelectorValidationOptions, type PrintedValue,
} from "../../validation/index.js";
import { labelSelectorFromMeta, type LabelSelector, type MetaLabelSelector } from "../../selectors/index.js";
import { isObj, s, stringMap } from "./json.js";

/** ValidateNonnegativeField for a decoded value (an absent int is Go's 0: nothing to check). */
export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === "number" ? validateNonnegativeField(v, path) : [];
}

/** ValidateImmutableField, the new value optionally printed Go-style. */
export function immutable(newV: unknown, oldV: unknown, path: string, print?: (v: unknown) => unknown): FieldError[] {
  return validateImmutableField(newV, oldV, path, print ? print(newV) : newV);
}

/** metav1validation.ValidateLabelSelector over a decoded value (null is valid; callers require it). */
export function validateLabelSelector(sel: unknown, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  return isObj(sel) ? validateMetaLabelSelector(sel as Parameters<typeof validateMetaLabelSelector>[0], opts, path) : [];
}

/** metav1.LabelSelectorAsSelector: null selects nothing, {} everything; bad selectors fail. */
export function selectorFromMeta(sel: unknown): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(isObj(sel) ? (sel as MetaLabelSelector) : null);
  } catch {
    return undefined;
  }
}

// ---- Go printing of the structs kube reports as bad values ----

/** `map[string]string{"a":"b"}` / `map[string]string(nil)` as Go's %#v prints a label map. */
export function goStringMap(v: unknown): string {
  const m = stringMap(v);
  if (!m) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k]!)}`).join(", ")}}`;
}

export function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return "[]string(nil)";
  return `[]string{${v.map((x) => goQuote(s(x))).join(", ")}}`;
}

/** A label map as a bad value (kube passes the map itself, so nil prints as `map[string]string(nil)`). */
export function labelsValue(v: unknown): PrintedValue {
  return printedValue(goStringMap(v));
}

/** A *metav1.LabelSelector as kube prints it in an error (`"null"` when nil, else %#v of the struct). */
export function labelSelectorValue(sel: unknown): unknown {
  if (!isObj(sel)) return null;
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => {
          const x = isObj(e) ? e : {};
          return `v1.LabelSelectorRequirement{Key:${goQuote(s(x.key))}, Operator:${goQuote(s(x.operator))}, Values:${goStringSlice(x.values)}}`;
        })
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return printedValue(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`);
}

/** A Go pointer field inside a printed struct: nil, or an address (kube's own output varies run to run). */
export function goPointer(type: string, v: unknown): string {
  return v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(0xc000000000)`;
}

// ---- IntOrString ----

/** An intstr.IntOrString as a bad value: kube prints it through String(), unquoted. */
export function intOrStringValue(v: unknown): PrintedValue {
  return printedValue(typeof v === "number" ? String(v) : s(v));
}

/** ValidatePositiveIntOrPercent (apps validation). */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === "string") return isValidPercent(v).map((m) => invalid(path, intOrStringValue(v), m));
  if (typeof v === "number") return nonNegative(v, path);
  return [];
}

function percentValue(v: unknown): number | undefined {
  if (typeof v !== "string" || isValidPercent(v).length > 0) return undefined;
  return Number(v.slice(0, -1));
}

/** getIntOrPercentValue: the percentage number or the int (a bad string counts as 0). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  return typeof v === "number" ? v : 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const p = percentValue(v);
  if (p === undefined || p <= 100) return [];
  return [invalid(path, intOrStringValue(v), "must not be greater than 100%")];
}
