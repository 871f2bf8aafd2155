import { goQuote } from "../validation/field.js";
import { copyJSON } from "../../util/json.js";

/** strconv.Quote, shared with the validation messages. */
export { goQuote };

/**
 * JSON the way kube-apiserver's Go decoders read it. Patch bodies are parsed here rather than with
 * JSON.parse because kube's error messages quote Go's scanner ("invalid character 'x' looking for
 * beginning of value"), strict decoding reports duplicate fields by path, and JSON patch `test`
 * compares scalars by their source text. The parser yields a small syntax tree that keeps
 * duplicate keys and scalar text; `toValue` turns it into plain JSON values.
 */

export type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;
export interface JSONObject {
  [key: string]: JSONValue;
}

export type Node =
  | { t: "object"; entries: [string, Node][] }
  | { t: "array"; items: Node[] }
  | { t: "string"; raw: string; value: string }
  | { t: "number"; raw: string; value: number }
  | { t: "bool"; value: boolean }
  | { t: "null" };

/** A syntax error with Go's wording (encoding/json's SyntaxError message). */
export class GoSyntaxError extends Error {}

// Go's scanner refuses deeper nesting than this.
const MAX_DEPTH = 10000;
const EOF_MESSAGE = "unexpected end of JSON input";
const decoder = new TextDecoder("utf-8");
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: "\\", 0x2f: "/", 0x62: "\b", 0x66: "\f", 0x6e: "\n", 0x72: "\r", 0x74: "\t" };

/** Own-property helpers: patch keys are arbitrary strings, "__proto__" included. */
export function hasKey(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__") Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}
export function getKey(o: Record<string, unknown>, k: string): unknown {
  return hasKey(o, k) ? o[k] : undefined;
}
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON value (own "__proto__" members included): util/json.ts's copyJSON. */
export function cloneJSON<T extends JSONValue>(v: T): T {
  return copyJSON(v);
}

/** Parses `buf` as Go's json.Unmarshal would, throwing GoSyntaxError on the first syntax error. */
export function parseGoJSON(buf: Uint8Array): Node {
  const n = buf.length;
  let i = 0;
  const stack: ({ node: { t: "object"; entries: [string, Node][] }; key: string } | { node: { t: "array"; items: Node[] } })[] = [];

  const fail = (context: string): never => {
    if (i >= n) throw new GoSyntaxError(EOF_MESSAGE);
    throw new GoSyntaxError(`invalid character ${quoteChar(buf[i]!)} ${context}`);
  };
  const skipSpace = () => {
    while (i < n) {
      const c = buf[i]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  // Called with i still on the opening bracket: Go names that byte when nesting is too deep.
  const push = (frame: (typeof stack)[number]) => {
    stack.push(frame);
    if (stack.length > MAX_DEPTH) fail("exceeded max depth");
    i++;
  };
  const objectKey = (): string => {
    if (i >= n || buf[i] !== 0x22) fail("looking for beginning of object key string");
    const key = readString().value;
    skipSpace();
    if (i >= n || buf[i] !== 0x3a) fail("after object key");
    i++;
    return key;
  };

  const readString = (): { raw: string; value: string } => {
    const start = i;
    i++; // opening quote
    let out = "";
    let chunk = i;
    for (;;) {
      if (i >= n) fail("in string literal");
      const c = buf[i]!;
      if (c === 0x22) {
        out += decoder.decode(buf.subarray(chunk, i));
        i++;
        break;
      }
      if (c < 0x20) fail("in string literal");
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += decoder.decode(buf.subarray(chunk, i));
      i++;
      if (i >= n) fail("in string escape code");
      const e = buf[i]!;
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i++;
      } else if (e === 0x75) {
        i++;
        const unit = readHex4();
        if (unit >= 0xd800 && unit < 0xdc00) {
          // A surrogate pair only when a \u low surrogate follows; Go turns a lone half into U+FFFD.
          if (buf[i] === 0x5c && buf[i + 1] === 0x75) {
            const save = i;
            i += 2;
            const low = readHex4();
            if (low >= 0xdc00 && low < 0xe000) out += String.fromCharCode(unit, low);
            else {
              out += "\ufffd";
              i = save;
            }
          } else out += "\ufffd";
        } else if (unit >= 0xdc00 && unit < 0xe000) out += "\ufffd";
        else out += String.fromCharCode(unit);
      } else fail("in string escape code");
      chunk = i;
    }
    return { raw: decoder.decode(buf.subarray(start, i)), value: out };
  };
  const readHex4 = (): number => {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = i < n ? buf[i]! : -1;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) fail("in \\u hexadecimal character escape");
      v = v * 16 + d;
      i++;
    }
    return v;
  };
  const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  const readNumber = (): Node => {
    const start = i;
    if (buf[i] === 0x2d) {
      i++;
      if (!isDigit(buf[i])) fail("in numeric literal");
    }
    if (buf[i] === 0x30) i++;
    else while (isDigit(buf[i])) i++;
    if (buf[i] === 0x2e) {
      i++;
      if (!isDigit(buf[i])) fail("after decimal point in numeric literal");
      while (isDigit(buf[i])) i++;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++;
      if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
      if (!isDigit(buf[i])) fail("in exponent of numeric literal");
      while (isDigit(buf[i])) i++;
    }
    const raw = Buffer.from(buf.subarray(start, i)).toString("latin1");
    return { t: "number", raw, value: Number(raw) };
  };
  const readLiteral = (word: string, node: Node): Node => {
    i++;
    for (let k = 1; k < word.length; k++) {
      if (buf[i] !== word.charCodeAt(k)) fail(`in literal ${word} (expecting '${word[k]}')`);
      i++;
    }
    return node;
  };

  for (;;) {
    // Expecting a value.
    skipSpace();
    if (i >= n) fail("");
    let value: Node | undefined;
    const c = buf[i]!;
    if (c === 0x7b) {
      const node = { t: "object" as const, entries: [] as [string, Node][] };
      push({ node, key: "" });
      skipSpace();
      if (buf[i] === 0x7d) {
        i++;
        stack.pop();
        value = node;
      } else {
        (stack[stack.length - 1] as { key: string }).key = objectKey();
        continue;
      }
    } else if (c === 0x5b) {
      const node = { t: "array" as const, items: [] as Node[] };
      push({ node });
      skipSpace();
      if (buf[i] === 0x5d) {
        i++;
        stack.pop();
        value = node;
      } else continue;
    } else if (c === 0x22) value = { t: "string", ...readString() };
    else if (c === 0x2d || isDigit(c)) value = readNumber();
    else if (c === 0x74) value = readLiteral("true", { t: "bool", value: true });
    else if (c === 0x66) value = readLiteral("false", { t: "bool", value: false });
    else if (c === 0x6e) value = readLiteral("null", { t: "null" });
    else fail("looking for beginning of value");

    // A value is complete: hand it to its container, closing containers as they end.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        skipSpace();
        if (i < n) fail("after top-level value");
        return value!;
      }
      skipSpace();
      if ("key" in top) {
        top.node.entries.push([top.key, value!]);
        if (buf[i] === 0x2c) {
          i++;
          skipSpace();
          top.key = objectKey();
          break;
        }
        if (buf[i] !== 0x7d) fail("after object key:value pair");
      } else {
        top.node.items.push(value!);
        if (buf[i] === 0x2c) {
          i++;
          break;
        }
        if (buf[i] !== 0x5d) fail("after array element");
      }
      i++;
      stack.pop();
      value = top.node;
    }
  }
}

/** Go's quoteChar: how the scanner names an offending byte. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  // Go quotes the byte as the rune of the same value.
  const q = goQuote(String.fromCharCode(c));
  return `'${q.slice(1, -1)}'`;
}

/** The plain value of a parsed tree; a duplicate key keeps its last value, as Go's map decoding does. */
export function toValue(node: Node): JSONValue {
  switch (node.t) {
    case "object": {
      const o: JSONObject = {};
      for (const [k, v] of node.entries) setKey(o, k, toValue(v));
      return o;
    }
    case "array":
      return node.items.map(toValue);
    case "null":
      return null;
    default:
      return node.value;
  }
}

/** The name Go's decoder gives a JSON value in "cannot unmarshal <kind> into ..." errors. */
export function goValueKind(node: Node): string {
  return node.t === "bool" ? "bool" : node.t;
}

/**
 * Strict-decoding findings for a value decoded into an untyped map or interface (sigs.k8s.io/json
 * with DisallowDuplicateFields): `duplicate field "a.b[0].c"`, in decoding order, at most 100.
 */
export function duplicateFields(node: Node, path = "", out: string[] = []): string[] {
  if (node.t === "object") {
    const seen = new Set<string>();
    for (const [k, v] of node.entries) {
      if (seen.has(k)) addStrict(out, `duplicate field ${goQuote(fieldPath(path, k))}`);
      seen.add(k);
      duplicateFields(v, path ? `${path}.${k}` : k, out);
    }
  } else if (node.t === "array") {
    node.items.forEach((v, idx) => duplicateFields(v, `${path}[${idx}]`, out));
  }
  return out;
}

function fieldPath(stack: string, field: string): string {
  return stack ? `${stack}.${field}` : field;
}

// kjson keeps each distinct strict error once, and at most 100.
function addStrict(out: string[], e: string): void {
  if (out.length < 100 && !out.includes(e)) out.push(e);
}

/** Decoding into map[string]interface{}: the type error Go gives for a non-object, if any. */
export function mapTypeError(node: Node): string | undefined {
  if (node.t === "object" || node.t === "null") return undefined;
  return `json: cannot unmarshal ${goValueKind(node)} into Go value of type map[string]interface {}`;
}

/**
 * kube's strict decoding of a JSON patch into []handlers.jsonPatchOp{op, path, from string; value
 * interface{}}: the first type error (which wins), else the strict findings (unknown and duplicate
 * fields, paths like "[0].foo").
 */
export function decodeJSONPatchOpsStrict(node: Node): { error?: string; strict: string[] } {
  const strict: string[] = [];
  if (node.t === "null") return { strict };
  if (node.t !== "array") return { error: `json: cannot unmarshal ${goValueKind(node)} into Go value of type []handlers.jsonPatchOp`, strict };
  let error: string | undefined;
  node.items.forEach((item, idx) => {
    const at = `[${idx}]`;
    if (item.t === "null") return;
    if (item.t !== "object") {
      error ??= `json: cannot unmarshal ${goValueKind(item)} into Go value of type handlers.jsonPatchOp`;
      return;
    }
    const seen = new Set<string>();
    for (const [k, v] of item.entries) {
      if (k !== "op" && k !== "path" && k !== "from" && k !== "value") {
        addStrict(strict, `unknown field ${goQuote(fieldPath(at, k))}`);
        continue;
      }
      if (seen.has(k)) addStrict(strict, `duplicate field ${goQuote(fieldPath(at, k))}`);
      seen.add(k);
      if (k === "value") duplicateFields(v, `${at}.value`, strict);
      else if (v.t !== "string" && v.t !== "null") error ??= `json: cannot unmarshal ${goValueKind(v)} into Go struct field jsonPatchOp.${k} of type string`;
    }
  });
  return error ? { error, strict: [] } : { strict };
}

// ---- Go's printing of values, for the messages kube builds with fmt and encoding/json ----

/** The Go type name reflect gives a decoded JSON value (int64 for integers, as kube decodes them). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "%!s(<nil>)";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  return typeof v === "boolean" ? "bool" : "string";
}

/** fmt's %v (and %+v) of a decoded JSON value: map[a:1 b:[x y]], keys sorted. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goSprint).join(" ")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort(compareGoStrings);
    return `map[${keys.map((k) => `${k}:${goSprint(o[k])}`).join(" ")}]`;
  }
  if (typeof v === "number") return goFormatNumber(v);
  return String(v);
}

/** fmt's %s of a value: strings as they are, anything else as Go's %!s(type=value). */
export function goSprintS(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "%!s(<nil>)";
  if (typeof v === "object") return goSprint(v);
  return `%!s(${goTypeName(v)}=${goSprint(v)})`;
}

function goFormatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
  // float64 with %v is strconv's 'g' at shortest precision: exponent form when exp < -4 || exp >= 6.
  const [mant, expStr] = v.toExponential().split("e");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(v);
}

/** Go sorts map keys by bytes; for BMP text that is UTF-16 code-unit order. */
function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** encoding/json's Marshal of a decoded value: map keys sorted, <, > and & escaped. */
export function goMarshal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort(compareGoStrings);
    return `{${keys.map((k) => `${goMarshalString(k)}:${goMarshal(o[k])}`).join(",")}}`;
  }
  if (typeof v === "string") return goMarshalString(v);
  return JSON.stringify(v);
}

export function goMarshalString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (GO_SHORT_ESCAPES[ch] !== undefined) out += GO_SHORT_ESCAPES[ch];
    else if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else if (cp >= 0xd800 && cp < 0xe000) out += "\ufffd";
    else out += ch;
  }
  return out + '"';
}

// Since Go 1.22 encoding/json writes \b and \f short too.
const GO_SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
