/**
 * Field selectors as kube 1.32's k8s.io/apimachinery/pkg/fields: `a=b,c==d,e!=f` with `\,` `\=`
 * `\\` escapes in values, terms sorted as strings before parsing, kube's error texts.
 */
import { goQuote } from "../validation/field.js";
import { SelectorError } from "./error.js";

export interface FieldRequirement {
  field: string;
  /** "==" parses to "=" as in kube (both are hasTerm / selection.Equals). */
  op: "=" | "!=";
  value: string;
}

/** Requirements ANDed, in kube's order (terms sorted as strings before parsing). Empty = everything. */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

export const everythingFieldSelector: FieldSelector = Object.freeze({ requirements: [] }) as FieldSelector;

/** fields.EscapeValue: `\` then `,` and `=` get a backslash. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => "\\" + c);
}

/** fields.UnescapeValue; throws SelectorError with kube's text on a bad escape or a bare `,`/`=`. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c;
      else throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    // Go prints the rune with %v: its code point number.
    else if (c === "," || c === "=") throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** splitTerms: split on commas not escaped by a backslash (the backslash stays in the term). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ["!=", "==", "="] as const;

/** splitTerm: the first operator occurrence splits; the field side has no escaping. */
function splitTerm(term: string): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * fields.ParseSelector: the `?fieldSelector=` grammar. Throws SelectorError with kube's message.
 * A term with both sides empty ("=") is dropped, as kube's Transform drops it.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort(compareStrings);
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    if (t.lhs === "" && value === "") continue;
    requirements.push({ field: t.lhs, op: t.op === "!=" ? "!=" : "=", value });
  }
  return { requirements };
}

// Go compares strings bytewise (UTF-8), which orders like code points, not UTF-16 units.
function compareStrings(a: string, b: string): number {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return Buffer.compare(ab, bb);
}

/** Missing fields read as "", as kube's fields.Set.Get does. */
export function matchesFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  for (const r of sel.requirements) {
    const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field]! : "";
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

export function fieldSelectorRequirements(sel: FieldSelector): FieldRequirement[] {
  return sel.requirements;
}

export function fieldSelectorEmpty(sel: FieldSelector): boolean {
  return sel.requirements.length === 0;
}

/** Selector.String(): `f=v` / `f!=v` with escaped values, joined by ",". */
export function fieldSelectorString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(",");
}

/** RequiresExactMatch: the value an `=` term demands of the field, if any. */
export function requiresExactFieldMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.op === "=")?.value;
}

/**
 * Selector.Transform: map each term's field and value (a resource's field label conversion);
 * the function throws to reject a field. A term mapped to an empty field and value is dropped.
 */
export function transformFieldSelector(
  sel: FieldSelector,
  fn: (field: string, value: string) => { field: string; value: string },
): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const r of sel.requirements) {
    const t = fn(r.field, r.value);
    if (t.field === "" && t.value === "") continue;
    requirements.push({ field: t.field, op: r.op, value: t.value });
  }
  return { requirements };
}

/**
 * The text a kind with its own field label conversion gives for a field it does not support
 * (Pod, Node, Event, Namespace, Secret, Service, ReplicationController, ... in kube 1.32).
 */
export function fieldLabelNotSupported(field: string): string {
  return `field label not supported: ${field}`;
}

/**
 * The text of runtime.DefaultMetaV1FieldSelectorConversion, used for kinds without their own
 * conversion (only metadata.name and metadata.namespace are selectable).
 */
export function unknownFieldSelector(field: string): string {
  return `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
}

/** runtime.DefaultMetaV1FieldSelectorConversion as a check: throws SelectorError for other fields. */
export function defaultFieldLabelConversion(field: string, value: string): { field: string; value: string } {
  if (field === "metadata.name" || field === "metadata.namespace") return { field, value };
  throw new SelectorError(unknownFieldSelector(field));
}
