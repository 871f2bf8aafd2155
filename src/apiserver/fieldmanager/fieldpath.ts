/**
 * Field paths and sets of them, as structured-merge-diff's fieldpath package models ownership:
 * a path is a list of elements (a field name, the key fields of an associative-list item, the
 * value of a set item, or a list index); a set is a trie kept in a total order so that sets
 * combine by merging and serialize to FieldsV1 deterministically.
 */

/** One step of a path. Key fields are sorted by name. */
export type PathElement =
  | { field: string }
  | { key: KeyField[] }
  | { value: unknown }
  | { index: number };

export interface KeyField {
  name: string;
  value: unknown;
}

export type Path = PathElement[];

/** Code-point order (Go compares strings as UTF-8 bytes, which orders the same way). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function valueRank(v: unknown): number {
  return typeof v === "number" ? 0 : typeof v === "string" ? 1 : typeof v === "boolean" ? 2 : Array.isArray(v) ? 3 : isMap(v) ? 4 : 5;
}

/** SMD's total order of values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  const rank = valueRank;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a === false ? -1 : 1;
    case 3: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; ; i++) {
        if (i >= x.length && i >= y.length) return 0;
        if (i >= x.length) return -1;
        if (i >= y.length) return 1;
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
    }
    case 4: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort(compareStrings);
      const lx = Object.keys(x).length;
      const ly = Object.keys(y).length;
      let i = 0;
      for (const k of keys) {
        let c: number;
        if (i === lx) c = -1;
        else if (i === ly) c = 1;
        else if (!(k in x)) c = 1;
        else if (!(k in y)) c = -1;
        else c = compareValues(x[k], y[k]);
        i++;
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** Deep equality of JSON values (no allocation: comparisons call it on every subtree of an update). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!(k in y) || !valuesEqual(x[k], y[k])) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
}

function kindRank(pe: PathElement): number {
  return "field" in pe ? 0 : "key" in pe ? 1 : "value" in pe ? 2 : 3;
}

/** Field names < keys < values < indices; within a kind, by content. */
export function comparePE(a: PathElement, b: PathElement): number {
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ("field" in a) return compareStrings(a.field, (b as { field: string }).field);
  if ("key" in a) {
    const x = a.key;
    const y = (b as { key: KeyField[] }).key;
    for (let i = 0; ; i++) {
      if (i >= x.length && i >= y.length) return 0;
      if (i >= x.length) return -1;
      if (i >= y.length) return 1;
      const c = compareStrings(x[i]!.name, y[i]!.name) || compareValues(x[i]!.value, y[i]!.value);
      if (c !== 0) return c;
    }
  }
  if ("value" in a) return compareValues(a.value, (b as { value: unknown }).value);
  const i = (b as { index: number }).index;
  return a.index < i ? -1 : a.index > i ? 1 : 0;
}

export function pathEquals(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((pe, i) => comparePE(pe, b[i]!) === 0);
}

/** The value as SMD's value.ToString prints it (strings quoted as Go's %q does). */
export function valueString(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(",")}]`;
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${valueString(x)}`).join("");
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `.name`, `[name="nginx"]`, `[="value"]`, `[0]`. */
export function peString(pe: PathElement): string {
  if ("field" in pe) return `.${pe.field}`;
  if ("key" in pe) return `[${pe.key.map((k) => `${k.name}=${valueString(k.value)}`).join(",")}]`;
  if ("value" in pe) return `[=${valueString(pe.value)}]`;
  return `[${pe.index}]`;
}

/** A path as kube prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(p: Path): string {
  return p.map(peString).join("");
}

/** Strings both encoders write as they are, in quotes: printable ASCII but the quote, backslash, `<`, `>` and `&`. */
const PLAIN = /^[ !#-%'-;=?-[\]-~]*$/;

/** JSON as Go's encoding/json writes it: sorted object keys, `<`, `>`, `&` escaped. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return PLAIN.test(v) ? `"${v}"` : JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goJSON).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort(compareStrings).map((k) => `${goJSON(k)}:${goJSON(o[k])}`).join(",")}}`;
}

/** The FieldsV1 key of an element: `f:name`, `k:{"name":"nginx"}`, `v:"x"`, `i:0`. */
export function serializePE(pe: PathElement): string {
  if ("field" in pe) return `f:${pe.field}`;
  if ("key" in pe) return `k:{${pe.key.map((k) => `${goJSON(k.name)}:${goJSON(k.value)}`).join(",")}}`;
  if ("value" in pe) return `v:${goJSON(pe.value)}`;
  return `i:${pe.index}`;
}

/** Parses a FieldsV1 key; undefined for an element kind this version does not know (dropped). */
export function deserializePE(s: string): PathElement | undefined {
  if (s.length < 2) throw new Error("key must be 2 characters long:");
  if (s[1] !== ":") throw new Error(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case "f":
      return { field: rest };
    case "v":
      return { value: JSON.parse(rest) as unknown };
    case "k": {
      const obj = JSON.parse(rest) as unknown;
      if (!isMap(obj)) throw new Error(`invalid key: ${rest}`);
      return { key: sortKeyFields(Object.entries(obj).map(([name, value]) => ({ name, value }))) };
    }
    case "i": {
      if (!/^[+-]?\d+$/.test(rest)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(rest)}: invalid syntax`);
      return { index: Number(rest) };
    }
    default:
      return undefined;
  }
}

/**
 * The field element for a name, shared: elements are never mutated, and a create's walk would
 * otherwise allocate one per member it visits. Names beyond the first 4,096 are not kept.
 */
const fieldPEs = new Map<string, { field: string }>();
export function fieldPE(name: string): { field: string } {
  let pe = fieldPEs.get(name);
  if (pe === undefined) {
    pe = { field: name };
    if (fieldPEs.size < 4096) fieldPEs.set(name, pe);
  }
  return pe;
}

export function sortKeyFields(fields: KeyField[]): KeyField[] {
  return fields.sort((a, b) => compareStrings(a.name, b.name));
}

/**
 * A canonical string for an element, for hashing: elements equal under comparePE give equal
 * strings and unequal ones different strings. Cheaper than serializePE (no Go escaping), since
 * comparisons and validation hash every list item.
 */
export function peId(pe: PathElement): string {
  if ("field" in pe) return `f:${pe.field}`;
  if ("key" in pe) {
    let s = "k:";
    for (const k of pe.key) s += `${JSON.stringify(k.name)}=${scalarId(k.value)},`;
    return s;
  }
  if ("value" in pe) return `v:${scalarId(pe.value)}`;
  return `i:${pe.index}`;
}

function scalarId(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? JSON.stringify(v) : goJSON(v);
}

// ---------------------------------------------------------------------------------------------
// Sets

/** A set of paths as a trie: `members` are paths ending here, `children` continue below. */
export interface FieldSet {
  members: PathElement[]; // sorted, unique
  children: SetNode[]; // sorted by pe, unique
}

export interface SetNode {
  pe: PathElement;
  set: FieldSet;
}

export function emptySet(): FieldSet {
  return { members: [], children: [] };
}

export function setOf(...paths: Path[]): FieldSet {
  const s = emptySet();
  for (const p of paths) insert(s, p);
  return s;
}

/** Binary search: the first index whose element is not less than pe. */
function lowerBound<T>(arr: T[], pe: PathElement, get: (t: T) => PathElement): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePE(get(arr[mid]!), pe) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const self = (pe: PathElement) => pe;
const nodePE = (n: SetNode) => n.pe;

function insertMember(members: PathElement[], pe: PathElement): void {
  const i = lowerBound(members, pe, self);
  if (i < members.length && comparePE(members[i]!, pe) === 0) return;
  insertAt(members, i, pe);
}

/** arr.splice(i, 0, x) without the array of removed items splice allocates. */
function insertAt<T>(arr: T[], i: number, x: T): void {
  let j = arr.length;
  arr.push(x);
  for (; j > i; j--) arr[j] = arr[j - 1]!;
  arr[i] = x;
}

function hasMember(members: PathElement[], pe: PathElement): boolean {
  const i = lowerBound(members, pe, self);
  return i < members.length && comparePE(members[i]!, pe) === 0;
}

/** The child set under pe, created if absent. */
export function descend(s: FieldSet, pe: PathElement): FieldSet {
  const i = lowerBound(s.children, pe, nodePE);
  if (i < s.children.length && comparePE(s.children[i]!.pe, pe) === 0) return s.children[i]!.set;
  const set = emptySet();
  insertAt(s.children, i, { pe, set });
  return set;
}

export function childSet(s: FieldSet, pe: PathElement): FieldSet | undefined {
  const i = lowerBound(s.children, pe, nodePE);
  return i < s.children.length && comparePE(s.children[i]!.pe, pe) === 0 ? s.children[i]!.set : undefined;
}

export function insert(s: FieldSet, p: Path): void {
  if (p.length === 0) return;
  let cur = s;
  for (let i = 0; i < p.length - 1; i++) cur = descend(cur, p[i]!);
  insertMember(cur.members, p[p.length - 1]!);
}

export function has(s: FieldSet, p: Path): boolean {
  if (p.length === 0) return false;
  let cur: FieldSet | undefined = s;
  for (let i = 0; i < p.length - 1; i++) {
    cur = childSet(cur, p[i]!);
    if (!cur) return false;
  }
  return hasMember(cur.members, p[p.length - 1]!);
}

export function isEmpty(s: FieldSet): boolean {
  return s.members.length === 0 && s.children.every((c) => isEmpty(c.set));
}

/** The subset below pe (empty if none). */
export function withPrefix(s: FieldSet, pe: PathElement): FieldSet {
  return childSet(s, pe) ?? emptySet();
}

function mergeSorted<T>(a: T[], b: T[], get: (t: T) => PathElement, both: (x: T, y: T) => T | undefined, onlyA: boolean, onlyB: boolean): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = comparePE(get(a[i]!), get(b[j]!));
    if (c < 0) {
      if (onlyA) out.push(a[i]!);
      i++;
    } else if (c > 0) {
      if (onlyB) out.push(b[j]!);
      j++;
    } else {
      const r = both(a[i]!, b[j]!);
      if (r !== undefined) out.push(r);
      i++;
      j++;
    }
  }
  if (onlyA) while (i < a.length) out.push(a[i++]!);
  if (onlyB) while (j < b.length) out.push(b[j++]!);
  return out;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  // Sets are never changed once built, so an operand can be the answer.
  if (b.members.length === 0 && b.children.length === 0) return a;
  if (a.members.length === 0 && a.children.length === 0) return b;
  return {
    members: mergeSorted(a.members, b.members, self, (x) => x, true, true),
    children: mergeSorted(a.children, b.children, nodePE, (x, y) => ({ pe: x.pe, set: union(x.set, y.set) }), true, true),
  };
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return {
    members: mergeSorted(a.members, b.members, self, (x) => x, false, false),
    children: mergeSorted(a.children, b.children, nodePE, (x, y) => {
      const r = intersection(x.set, y.set);
      return isEmpty(r) ? undefined : { pe: x.pe, set: r };
    }, false, false),
  };
}

/**
 * Paths of a not in b (a child of a is kept even when its element is a member of b); `a`
 * itself when nothing is taken away, so that unchanged sets keep their identity (and their
 * encoded FieldsV1, see managedfields.ts).
 */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  if (b.members.length === 0 && b.children.length === 0) return a;
  const members = mergeSorted(a.members, b.members, self, () => undefined, true, false);
  const children = mergeSorted(a.children, b.children, nodePE, (x, y) => {
    const r = difference(x.set, y.set);
    if (r === x.set) return x;
    return isEmpty(r) ? undefined : { pe: x.pe, set: r };
  }, true, false);
  return sameParts(a, members, children) ? a : { members, children };
}

function sameParts(a: FieldSet, members: PathElement[], children: SetNode[]): boolean {
  if (members.length !== a.members.length || children.length !== a.children.length) return false;
  for (let i = 0; i < children.length; i++) if (children[i] !== a.children[i]) return false;
  return true;
}

/** Like difference, and also drops everything below a member of b. */
export function recursiveDifference(a: FieldSet, b: FieldSet): FieldSet {
  const children: SetNode[] = [];
  for (const n of a.children) {
    if (hasMember(b.members, n.pe)) continue;
    const other = childSet(b, n.pe);
    if (!other) {
      children.push(n);
      continue;
    }
    const r = recursiveDifference(n.set, other);
    if (!isEmpty(r)) children.push({ pe: n.pe, set: r });
  }
  return { members: mergeSorted(a.members, b.members, self, () => undefined, true, false), children };
}

export function setsEqual(a: FieldSet, b: FieldSet): boolean {
  if (a.members.length !== b.members.length || a.children.length !== b.children.length) return false;
  for (let i = 0; i < a.members.length; i++) if (comparePE(a.members[i]!, b.members[i]!) !== 0) return false;
  for (let i = 0; i < a.children.length; i++) {
    if (comparePE(a.children[i]!.pe, b.children[i]!.pe) !== 0 || !setsEqual(a.children[i]!.set, b.children[i]!.set)) return false;
  }
  return true;
}

/** Every path, members of a node before its children (SMD's iteration order). */
export function iterate(s: FieldSet, f: (p: Path) => void, prefix: Path = []): void {
  for (const pe of s.members) f([...prefix, pe]);
  for (const n of s.children) iterate(n.set, f, [...prefix, n.pe]);
}

export function paths(s: FieldSet): Path[] {
  const out: Path[] = [];
  iterate(s, (p) => out.push(p));
  return out;
}

// ---------------------------------------------------------------------------------------------
// FieldsV1

export type FieldsV1 = { [key: string]: FieldsV1 };

/** The FieldsV1 trie of a set, keys in SMD's order, "." first where a node is also a member. */
export function toFieldsV1(s: FieldSet): FieldsV1 {
  return emit(s, false);
}

function emit(s: FieldSet, includeSelf: boolean): FieldsV1 {
  const out: FieldsV1 = {};
  if (includeSelf && (s.members.length || s.children.length)) out["."] = {};
  let mi = 0;
  let ci = 0;
  while (mi < s.members.length || ci < s.children.length) {
    const m = s.members[mi];
    const c = s.children[ci];
    const order = m && c ? comparePE(m, c.pe) : m ? -1 : 1;
    if (order < 0) {
      out[serializePE(m!)] = {};
      mi++;
    } else if (order > 0) {
      if (!isEmpty(c!.set)) out[serializePE(c!.pe)] = emit(c!.set, false); // an empty node would read back as a member
      ci++;
    } else {
      out[serializePE(c!.pe)] = emit(c!.set, true);
      mi++;
      ci++;
    }
  }
  return out;
}

/** Parses FieldsV1 (throws on a malformed element, as SMD's decoder reports). */
export function fromFieldsV1(f: unknown): FieldSet {
  if (!isMap(f)) throw new Error("FieldsV1 must be an object");
  return readNode(f).children ?? emptySet();
}

function readNode(obj: Record<string, unknown>): { children?: FieldSet; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, val] of Object.entries(obj)) {
    if (key === ".") {
      isMember = true;
      continue;
    }
    const pe = deserializePE(key);
    if (!pe) continue;
    if (!isMap(val)) throw new Error(`parsing key as path element: expected an object under ${JSON.stringify(key)}`);
    const sub = readNode(val);
    if (sub.isMember) {
      children ??= emptySet();
      insertMember(children.members, pe);
    }
    if (sub.children) {
      children ??= emptySet();
      const target = descend(children, pe);
      const merged = union(target, sub.children);
      target.members = merged.members;
      target.children = merged.children;
    }
  }
  if (!children) isMember = true;
  return { children, isMember };
}
