/**
 * Label selectors as kube 1.32's k8s.io/apimachinery/pkg/labels: the same lexer and parser (so
 * every odd input gets kube's exact error text), requirements sorted by key, and kube's matching.
 */
import type { FieldError } from "../api/types.js";
import { child, formatFieldErrors, index, invalid, key as keyPath, notSupported, printedValue } from "../validation/field.js";
import { isQualifiedName, isValidLabelValue } from "../validation/strings.js";
import { SelectorError } from "./error.js";

/** kube's selection.Operator values. */
export type LabelOperator = "in" | "notin" | "=" | "==" | "!=" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** As given (the parser hands kube's sorted, de-duplicated set). */
  values: string[];
}

/**
 * A label selector: requirements ANDed (sorted by key, as kube keeps them; none = everything),
 * or the selector that matches nothing (what a nil metav1.LabelSelector converts to).
 */
export type LabelSelector = { type: "requirements"; requirements: LabelRequirement[] } | { type: "nothing" };

/** metav1.LabelSelector as JSON. */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export const everythingLabelSelector: LabelSelector = Object.freeze({ type: "requirements", requirements: [] }) as LabelSelector;
export const nothingLabelSelector: LabelSelector = Object.freeze({ type: "nothing" }) as LabelSelector;

const binaryOperators: LabelOperator[] = ["in", "notin", "=", "==", "!=", "gt", "lt"];
const validOperators: LabelOperator[] = [...binaryOperators, "exists", "!"];

// ---- requirements ----

/**
 * labels.NewRequirement: checks key, operator/value counts and values; on error throws a
 * SelectorError with kube's aggregated message. `path` prefixes the field paths (kube's
 * field.WithPath); "" gives kube's bare `key`, `values[0][k]`.
 */
export function newLabelRequirement(key: string, operator: LabelOperator, values: string[], path = ""): LabelRequirement {
  const errs = requirementErrors(key, operator, values, path);
  if (errs.length > 0) throw new SelectorError(formatFieldErrors(errs));
  return { key, operator, values: [...values] };
}

function requirementErrors(key: string, op: LabelOperator, vals: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const keyErr = labelKeyError(key, child(path, "key"));
  if (keyErr) errs.push(keyErr);
  const valuePath = child(path, "values");
  // kube prints the values slice with %#v; an empty one reaches here only as a nil slice.
  const shown = vals.length === 0 ? printedValue("[]string(nil)") : vals;
  switch (op) {
    case "in":
    case "notin":
      if (vals.length === 0) errs.push(invalid(valuePath, shown, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (vals.length !== 1) errs.push(invalid(valuePath, shown, "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (vals.length !== 0) errs.push(invalid(valuePath, shown, "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (vals.length !== 1) errs.push(invalid(valuePath, shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalid(index(valuePath, i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(notSupported(child(path, "operator"), op, validOperators));
  }
  vals.forEach((v, i) => {
    const m = isValidLabelValue(v);
    if (m.length > 0) errs.push(invalid(keyPath(index(valuePath, i), key), v, m.join("; ")));
  });
  return errs;
}

function labelKeyError(key: string, path: string): FieldError | undefined {
  const m = isQualifiedName(key);
  return m.length > 0 ? invalid(path, key, m.join("; ")) : undefined;
}

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

export function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(labels[r.key]!);
    case "notin":
    case "!=":
      return !has || !r.values.includes(labels[r.key]!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const lv = parseInt64(labels[r.key]!);
      const rv = parseInt64(r.values[0]!);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === "gt" ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

// ---- selectors ----

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | null | undefined): boolean {
  if (sel.type === "nothing") return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

/** Selector.Empty(): true for a selector without requirements (nothing is not empty). */
export function labelSelectorEmpty(sel: LabelSelector): boolean {
  return sel.type === "requirements" && sel.requirements.length === 0;
}

/** kube's Selector.Requirements(): the requirements and whether the selector can select anything. */
export function labelSelectorRequirements(sel: LabelSelector): { requirements: LabelRequirement[]; selectable: boolean } {
  return sel.type === "nothing" ? { requirements: [], selectable: false } : { requirements: sel.requirements, selectable: true };
}

/** Selector.Add: a new selector with more requirements, re-sorted by key. */
export function addLabelRequirements(sel: LabelSelector, ...reqs: LabelRequirement[]): LabelSelector {
  if (sel.type === "nothing") return sel;
  return { type: "requirements", requirements: sortByKey([...sel.requirements, ...reqs]) };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)); // stable, like kube's insertion sort on short lists
}

export function labelRequirementString(r: LabelRequirement): string {
  let s = r.operator === "!" ? "!" + r.key : r.key;
  switch (r.operator) {
    case "exists":
    case "!":
      return s;
    case "in":
      s += " in ";
      break;
    case "notin":
      s += " notin ";
      break;
    case "gt":
      s += ">";
      break;
    case "lt":
      s += "<";
      break;
    default:
      s += r.operator;
  }
  const vals = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(",");
  return r.operator === "in" || r.operator === "notin" ? `${s}(${vals})` : s + vals;
}

/** Selector.String(): requirements joined by ","; "" for everything and for nothing. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.type === "nothing" ? "" : sel.requirements.map(labelRequirementString).join(",");
}

/** RequiresExactMatch: the one value a key must have (=, == or a single-value in), else undefined. */
export function requiresExactMatch(sel: LabelSelector, key: string): string | undefined {
  if (sel.type === "nothing") return undefined;
  const r = sel.requirements.find((x) => x.key === key);
  if (!r) return undefined;
  if ((r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length === 1) return r.values[0];
  return undefined;
}

/** labels.SelectorFromSet: key=value for each entry, no validation; empty = everything. */
export function labelSelectorFromSet(set: Record<string, string> | null | undefined): LabelSelector {
  const reqs = Object.entries(set ?? {}).map(([key, v]): LabelRequirement => ({ key, operator: "=", values: [v] }));
  return { type: "requirements", requirements: sortByKey(reqs) };
}

/** labels.ValidatedSelectorFromSet: as labelSelectorFromSet, throwing SelectorError on a bad key or value. */
export function validatedLabelSelectorFromSet(set: Record<string, string> | null | undefined): LabelSelector {
  const reqs = Object.entries(set ?? {}).map(([key, v]) => newLabelRequirement(key, "=", [v]));
  return { type: "requirements", requirements: sortByKey(reqs) };
}

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, `{}` selects everything,
 * otherwise matchLabels then matchExpressions as requirements. Throws SelectorError with kube's
 * text on a bad key, value or operator.
 */
export function labelSelectorFromMeta(ls: MetaLabelSelector | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return nothingLabelSelector;
  const matchLabels = Object.entries(ls.matchLabels ?? {});
  const exprs = ls.matchExpressions ?? [];
  if (matchLabels.length + exprs.length === 0) return everythingLabelSelector;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of matchLabels) reqs.push(newLabelRequirement(k, "=", [v]));
  for (const e of exprs) {
    const op = metaOperators.get(e.operator);
    if (!op) throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push(newLabelRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return { type: "requirements", requirements: sortByKey(reqs) };
}

const metaOperators = new Map<string, LabelOperator>([
  ["In", "in"],
  ["NotIn", "notin"],
  ["Exists", "exists"],
  ["DoesNotExist", "!"],
]);

/** Convenience: labelSelectorFromMeta then matchesLabels (throws SelectorError on a bad selector). */
export function matchesMetaLabelSelector(ls: MetaLabelSelector | null | undefined, labels: Record<string, string> | null | undefined): boolean {
  return matchesLabels(labelSelectorFromMeta(ls), labels);
}

// ---- the parser (labels.Parse) ----

type Token =
  | "error"
  | "eos"
  | "closedPar"
  | "comma"
  | "doesNotExist"
  | "doubleEquals"
  | "equals"
  | "greaterThan"
  | "identifier"
  | "in"
  | "lessThan"
  | "notEquals"
  | "notIn"
  | "openPar";

const string2token = new Map<string, Token>([
  [")", "closedPar"],
  [",", "comma"],
  ["!", "doesNotExist"],
  ["==", "doubleEquals"],
  ["=", "equals"],
  [">", "greaterThan"],
  ["in", "in"],
  ["<", "lessThan"],
  ["!=", "notEquals"],
  ["notin", "notIn"],
  ["(", "openPar"],
]);

interface Item {
  tok: Token;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecial = (ch: string): boolean => "=!()<>,".includes(ch) && ch !== "";
const NUL = "\0";

/** kube's byte lexer; "\0" stands for both end of input and a NUL byte, as in Go. */
class Lexer {
  pos = 0;
  constructor(private readonly s: string) {}

  read(): string {
    if (this.pos < this.s.length) return this.s[this.pos++]!;
    return NUL;
  }

  unread(): void {
    this.pos--;
  }

  lex(): Item {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === NUL) return { tok: "eos", lit: "" };
    this.unread();
    return isSpecial(ch) ? this.scanSpecialSymbol() : this.scanIDOrKeyword();
  }

  private scanIDOrKeyword(): Item {
    let buf = "";
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (isSpecial(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buf += ch;
    }
    return { tok: string2token.get(buf) ?? "identifier", lit: buf };
  }

  private scanSpecialSymbol(): Item {
    let last: Item | undefined;
    let buf = "";
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (isSpecial(ch)) {
        buf += ch;
        const t = string2token.get(buf);
        if (t) {
          last = { tok: t, lit: buf };
        } else if (last) {
          this.unread();
          break;
        }
      } else {
        this.unread();
        break;
      }
    }
    return last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` };
  }
}

type Context = "keyAndOperator" | "values";

class Parser {
  private items: Item[] = [];
  private position = 0;

  constructor(private readonly input: string) {}

  private lookahead(ctx: Context): Item {
    return this.asContext(this.items[this.position]!, ctx);
  }

  private consume(ctx: Context): Item {
    return this.asContext(this.items[this.position++]!, ctx);
  }

  // In the values context, "in" and "notin" are plain identifiers ("x in (in)").
  private asContext(it: Item, ctx: Context): Item {
    if (ctx === "values" && (it.tok === "in" || it.tok === "notIn")) return { tok: "identifier", lit: it.lit };
    return it;
  }

  parse(): LabelRequirement[] {
    const lexer = new Lexer(this.input);
    for (;;) {
      const it = lexer.lex();
      this.items.push(it);
      if (it.tok === "eos") break;
    }
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead("values");
      switch (tok) {
        case "identifier":
        case "doesNotExist": {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
            throw e;
          }
          reqs.push(r);
          const t = this.consume("values");
          if (t.tok === "eos") return reqs;
          if (t.tok === "comma") {
            const t2 = this.lookahead("values");
            if (t2.tok !== "identifier" && t2.tok !== "doesNotExist") {
              throw new SelectorError(`found '${t2.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new SelectorError(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
        case "eos":
          return reqs;
        default:
          throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === "exists" || operator === "!") return newLabelRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === "in" || op === "notin" ? this.parseValues() : this.parseExactValue();
    // kube collects values in a set and lists them sorted.
    return newLabelRequirement(key, op, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let it = this.consume("values");
    if (it.tok === "doesNotExist") {
      operator = "!";
      it = this.consume("values");
    }
    if (it.tok !== "identifier") throw new SelectorError(`found '${it.lit}', expected: identifier`);
    // kube validates the key here with a nil field path, which prints as "<nil>".
    const keyErr = labelKeyError(it.lit, "<nil>");
    if (keyErr) throw new SelectorError(formatFieldErrors([keyErr]));
    const next = this.lookahead("values").tok;
    if ((next === "eos" || next === "comma") && operator !== "!") operator = "exists";
    return { key: it.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume("keyAndOperator");
    switch (tok) {
      case "in":
        return "in";
      case "equals":
        return "=";
      case "doubleEquals":
        return "==";
      case "greaterThan":
        return "gt";
      case "lessThan":
        return "lt";
      case "notIn":
        return "notin";
      case "notEquals":
        return "!=";
      default:
        throw new SelectorError(`found '${lit}', expected: ${binaryOperators.join(", ")}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume("values");
    if (open.tok !== "openPar") throw new SelectorError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead("values");
    switch (tok) {
      case "identifier":
      case "comma": {
        const s = this.parseIdentifiersList();
        if (this.consume("values").tok !== "closedPar") throw new SelectorError(`found '${lit}', expected: ')'`);
        return s;
      }
      case "closedPar":
        this.consume("values");
        return new Set([""]);
      default:
        throw new SelectorError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume("values");
      switch (tok) {
        case "identifier": {
          s.add(lit);
          const next = this.lookahead("values");
          if (next.tok === "comma") continue;
          if (next.tok === "closedPar") return s;
          throw new SelectorError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case "comma": {
          if (s.size === 0) s.add(""); // "(,"
          const next = this.lookahead("values").tok;
          if (next === "closedPar") {
            s.add(""); // ",)"
            return s;
          }
          if (next === "comma") {
            this.consume("values");
            s.add(""); // ",,"
          }
          break;
        }
        default:
          throw new SelectorError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead("values").tok;
    if (next === "eos" || next === "comma") return new Set([""]);
    const { tok, lit } = this.consume("values");
    if (tok === "identifier") return new Set([lit]);
    throw new SelectorError(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.Parse: the selector grammar of `?labelSelector=` (`a=b,c!=d,e in (f,g),!h,i,j>3`).
 * Throws SelectorError with kube's message (the API answers it as a 400 BadRequest).
 */
export function parseLabelSelector(s: string): LabelSelector {
  const reqs = new Parser(s).parse();
  return { type: "requirements", requirements: sortByKey(reqs) };
}
