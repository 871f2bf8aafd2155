import { isUtf8 } from "node:buffer";
import type { KObject } from "../api/types.js";
import { decodeObject, fromBytes } from "./codec.js";

/*
 * "Item JSON": an object as it appears in a list's items: without apiVersion and kind, with
 * metadata.resourceVersion (placed where withResourceVersion puts it). The watch cache keeps
 * every object in this form and serves lists by joining the bytes.
 *
 * A stored value (the object's JSON without resourceVersion, any key order, any whitespace) is
 * turned into item JSON by one validating pass over its bytes and a few copies: the members
 * apiVersion and kind are cut out (kept aside as `head`), and `"resourceVersion":"N"` is spliced
 * into metadata. Anything unusual (escaped or duplicate keys at the top or in metadata, metadata
 * that is not an object, a stored resourceVersion out of place, invalid UTF-8, very deep
 * nesting, invalid JSON) takes the slow path: parse, then build the item from the object, which
 * also gives JSON.parse's error for values that are not JSON.
 */

/** An object version as item JSON. */
export interface Item {
  /** The item JSON (UTF-8). Shared: never mutate. */
  item: Buffer;
  /** Byte offset in `item` of the resourceVersion's first digit (the digits are `rev` in decimal). */
  rvAt: number;
  /** The members cut out (apiVersion, kind) as JSON text without braces, e.g. `"apiVersion":"v1","kind":"Pod"`; "" when none. */
  head: string;
}

export type Alloc = (size: number) => Buffer;

const allocPooled: Alloc = (n) => Buffer.allocUnsafe(n);

/** Classes of top-level members. */
const OTHER = 0;
const API_VERSION = 1;
const KIND = 2;
const METADATA = 3;

/** Metadata fields kube prints before resourceVersion (ObjectMeta's field order), as in codec.ts. */
const BEFORE_RV = ["name", "generateName", "namespace", "selfLink", "uid"].map((k) => `"${k}"`);
const RV_KEY = '"resourceVersion"';
/** The length of `"resourceVersion":"`. */
const RV_OPEN_LENGTH = 19;
const MAX_DEPTH = 256;
const MAX_MEMBERS = 128;

/** Compares the bytes of a JSON key (quotes included) at [s, e) with `lit` (quotes included). */
function keyIs(b: Uint8Array, s: number, e: number, lit: string): boolean {
  if (e - s !== lit.length) return false;
  for (let k = 1; k < lit.length - 1; k++) if (b[s + k] !== lit.charCodeAt(k)) return false;
  return true;
}

class NotFast extends Error {}
const notFast = new NotFast();

// What scan() found, for encodeItem (one scan at a time: it never yields).
/** Top-level members: [keyStart, valueEnd, class] triples. */
const members = new Int32Array(MAX_MEMBERS * 3);
let memberCount = 0;
let metaClose = -1;
let metaEmpty = true;
/** Where resourceVersion goes in metadata: the first member kube prints after it, or metaClose. */
let insertAt = -1;
/** A stored resourceVersion member at insertAt: its value's span. */
let rvValStart = -1;
let rvValEnd = -1;
/** Open containers while skipping a value: 1 object, 2 array. */
const stack = new Uint8Array(MAX_DEPTH);

const isWs = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66));

/** The end of the string whose opening quote is at i; -1 - end when it has escapes. Throws notFast if invalid. */
function skipString(b: Uint8Array, i: number, end: number): number {
  let esc = false;
  i++;
  for (;;) {
    if (i >= end) throw notFast;
    const c = b[i++]!;
    if (c === 0x22) return esc ? -1 - i : i;
    if (c === 0x5c) {
      esc = true;
      const x = b[i++];
      if (x === 0x75) {
        if (!isHex(b[i]) || !isHex(b[i + 1]) || !isHex(b[i + 2]) || !isHex(b[i + 3])) throw notFast;
        i += 4;
      } else if (x !== 0x22 && x !== 0x5c && x !== 0x2f && x !== 0x62 && x !== 0x66 && x !== 0x6e && x !== 0x72 && x !== 0x74) throw notFast;
    } else if (c < 0x20) throw notFast;
  }
}

/** The end of a number at i. */
function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else throw notFast;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) throw notFast;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) throw notFast;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function skipLiteral(b: Uint8Array, i: number, text: string): number {
  for (let k = 0; k < text.length; k++) if (b[i + k] !== text.charCodeAt(k)) throw notFast;
  return i + text.length;
}

/** The end of the JSON value at i (no leading whitespace), checking its grammar; iterative. */
function skipValue(b: Uint8Array, i: number, end: number): number {
  let depth = 0;
  value: for (;;) {
    const c = b[i];
    if (c === 0x22) {
      i = skipString(b, i, end);
      if (i < 0) i = -1 - i;
    } else if (c === 0x7b || c === 0x5b) {
      i++;
      while (isWs(b[i])) i++;
      if (b[i] === c + 2) i++; // "}" or "]": empty
      else {
        if (depth === MAX_DEPTH) throw notFast;
        stack[depth++] = c === 0x7b ? 1 : 2;
        if (c === 0x7b) {
          if (b[i] !== 0x22) throw notFast;
          i = skipString(b, i, end);
          if (i < 0) i = -1 - i;
          while (isWs(b[i])) i++;
          if (b[i++] !== 0x3a) throw notFast;
          while (isWs(b[i])) i++;
        }
        continue value;
      }
    } else if (c === 0x74) i = skipLiteral(b, i, "true");
    else if (c === 0x66) i = skipLiteral(b, i, "false");
    else if (c === 0x6e) i = skipLiteral(b, i, "null");
    else i = skipNumber(b, i);
    // After a value: close containers until one continues.
    for (;;) {
      if (depth === 0) {
        if (i > end) throw notFast;
        return i;
      }
      while (isWs(b[i])) i++;
      const d = b[i++];
      if (stack[depth - 1] === 1) {
        if (d === 0x2c) {
          while (isWs(b[i])) i++;
          if (b[i] !== 0x22) throw notFast;
          i = skipString(b, i, end);
          if (i < 0) i = -1 - i;
          while (isWs(b[i])) i++;
          if (b[i++] !== 0x3a) throw notFast;
          while (isWs(b[i])) i++;
          continue value;
        }
        if (d !== 0x7d) throw notFast;
      } else {
        if (d === 0x2c) {
          while (isWs(b[i])) i++;
          continue value;
        }
        if (d !== 0x5d) throw notFast;
      }
      depth--;
    }
  }
}

/** metadata's object at i: finds where resourceVersion goes; returns the end of the object. */
function scanMeta(b: Uint8Array, i: number, end: number): number {
  metaEmpty = true;
  insertAt = -1;
  rvValStart = rvValEnd = -1;
  let seen = 0;
  i++;
  while (isWs(b[i])) i++;
  if (b[i] === 0x7d) {
    metaClose = insertAt = i;
    return i + 1;
  }
  for (;;) {
    const ks = i;
    if (b[i] !== 0x22) throw notFast;
    const ke = skipString(b, i, end);
    if (ke < 0) throw notFast; // an escaped key: not worth comparing
    i = ke;
    metaEmpty = false;
    let which = -1;
    for (let k = 0; k < BEFORE_RV.length; k++) if (keyIs(b, ks, ke, BEFORE_RV[k]!)) which = k;
    const isRV = which < 0 && keyIs(b, ks, ke, RV_KEY);
    if (isRV) which = BEFORE_RV.length;
    if (which >= 0) {
      // A repeated key: JSON.parse keeps the first place and the last value; not worth copying.
      if (seen & (1 << which)) throw notFast;
      seen |= 1 << which;
    }
    // The first member kube prints after resourceVersion; a stored resourceVersion elsewhere is odd.
    if (insertAt < 0 && (which < 0 || isRV)) insertAt = ks;
    else if (isRV) throw notFast;
    while (isWs(b[i])) i++;
    if (b[i++] !== 0x3a) throw notFast;
    while (isWs(b[i])) i++;
    const vs = i;
    i = skipValue(b, i, end);
    if (isRV) {
      rvValStart = vs;
      rvValEnd = i;
    }
    while (isWs(b[i])) i++;
    const c = b[i];
    if (c === 0x7d) {
      metaClose = i;
      if (insertAt < 0) insertAt = i;
      return i + 1;
    }
    if (c !== 0x2c) throw notFast;
    i++;
    while (isWs(b[i])) i++;
  }
}

/** Scans a whole stored value; fills the state above or throws notFast. */
function scan(b: Uint8Array): void {
  const end = b.length;
  let i = 0;
  let seen = 0;
  memberCount = 0;
  while (isWs(b[i])) i++;
  if (b[i++] !== 0x7b) throw notFast;
  while (isWs(b[i])) i++;
  if (b[i] === 0x7d) throw notFast; // no metadata
  for (;;) {
    if (memberCount === MAX_MEMBERS) throw notFast;
    const ks = i;
    if (b[i] !== 0x22) throw notFast;
    const ke = skipString(b, i, end);
    if (ke < 0) throw notFast;
    i = ke;
    const cls = keyIs(b, ks, ke, '"apiVersion"') ? API_VERSION : keyIs(b, ks, ke, '"kind"') ? KIND : keyIs(b, ks, ke, '"metadata"') ? METADATA : OTHER;
    if (cls !== OTHER) {
      if (seen & (1 << cls)) throw notFast;
      seen |= 1 << cls;
    }
    while (isWs(b[i])) i++;
    if (b[i++] !== 0x3a) throw notFast;
    while (isWs(b[i])) i++;
    if (cls === METADATA) {
      if (b[i] !== 0x7b) throw notFast;
      i = scanMeta(b, i, end);
    } else i = skipValue(b, i, end);
    members[memberCount * 3] = ks;
    members[memberCount * 3 + 1] = i;
    members[memberCount * 3 + 2] = cls;
    memberCount++;
    while (isWs(b[i])) i++;
    const c = b[i++];
    if (c === 0x7d) break;
    if (c !== 0x2c) throw notFast;
    while (isWs(b[i])) i++;
  }
  while (isWs(b[i])) i++;
  if (i !== end || !(seen & (1 << METADATA))) throw notFast;
  // Checked last: most values are ASCII, and the scan has already rejected most garbage.
  if (!isUtf8(b)) throw notFast;
}

/**
 * Where the top-level `metadata` object lies in item JSON ([start, end) of its value), or
 * undefined when the bytes are not plain enough to say (the caller then encodes the object).
 */
export function metadataSpan(b: Uint8Array): [number, number] | undefined {
  const end = b.length;
  try {
    let i = 0;
    while (isWs(b[i])) i++;
    if (b[i++] !== 0x7b) return undefined;
    for (;;) {
      while (isWs(b[i])) i++;
      if (b[i] !== 0x22) return undefined;
      const ks = i;
      const ke = skipString(b, i, end);
      if (ke < 0) return undefined;
      const isMeta = keyIs(b, ks, ke, '"metadata"');
      i = ke;
      while (isWs(b[i])) i++;
      if (b[i++] !== 0x3a) return undefined;
      while (isWs(b[i])) i++;
      const vs = i;
      i = skipValue(b, i, end);
      if (isMeta) return b[vs] === 0x7b ? [vs, i] : undefined;
      while (isWs(b[i])) i++;
      if (b[i++] !== 0x2c) return undefined;
    }
  } catch (e) {
    if (e === notFast) return undefined;
    throw e;
  }
}

/**
 * The item JSON of a stored value at revision `rev`. Throws `unable to decode <key>: ...` for
 * values that are not JSON objects (as decodeObject).
 */
export function encodeItem(key: string, value: Uint8Array, rev: bigint, alloc: Alloc = allocPooled): Item {
  try {
    scan(value);
  } catch (e) {
    if (e !== notFast) throw e;
    return itemOf(decodeObject(key, value, rev), alloc);
  }
  const b = value;
  const digits = rev.toString();
  // What goes into metadata at insertAt, and what of the source it replaces.
  let ins: string;
  let skipTo = insertAt;
  let rvOffsetInIns: number;
  if (rvValStart >= 0) {
    ins = `"${digits}"`;
    skipTo = rvValEnd;
    rvOffsetInIns = 1;
    // Replace only the value: copy the key and colon as they are.
  } else if (insertAt === metaClose) {
    ins = metaEmpty ? `"resourceVersion":"${digits}"` : `,"resourceVersion":"${digits}"`;
    rvOffsetInIns = ins.length - digits.length - 1;
  } else {
    ins = `"resourceVersion":"${digits}",`;
    rvOffsetInIns = RV_OPEN_LENGTH;
  }
  const at = rvValStart >= 0 ? rvValStart : insertAt;
  // Runs of kept members that are adjacent in the source are copied in one piece.
  let size = 2 + ins.length - (skipTo - at);
  let runs = 0;
  let head = "";
  for (let m = 0; m < memberCount; m++) {
    const cls = members[m * 3 + 2]!;
    if (cls === API_VERSION || cls === KIND) {
      head += (head ? "," : "") + fromBytes(b.subarray(members[m * 3]!, members[m * 3 + 1]!));
      continue;
    }
    const startsRun = m === 0 || members[m * 3 - 1] === API_VERSION || members[m * 3 - 1] === KIND;
    if (startsRun) {
      if (runs > 0) size++; // the comma between runs
      runs++;
      size += members[m * 3 + 1]! - members[m * 3]!;
    } else size += members[m * 3 + 1]! - members[m * 3 - 2]!; // from the previous member's end
  }
  const out = alloc(size);
  let o = 0;
  out[o++] = 0x7b;
  let rvAt = -1;
  const copy = (s: number, e: number) => {
    if (s <= at && at <= e && rvAt < 0) {
      out.set(b.subarray(s, at), o);
      o += at - s;
      rvAt = o + rvOffsetInIns;
      o += out.write(ins, o, "latin1");
      out.set(b.subarray(skipTo, e), o);
      o += e - skipTo;
    } else {
      out.set(b.subarray(s, e), o);
      o += e - s;
    }
  };
  let runStart = -1;
  let runEnd = -1;
  for (let m = 0; m < memberCount; m++) {
    const cls = members[m * 3 + 2]!;
    if (cls === API_VERSION || cls === KIND) continue;
    const ks = members[m * 3]!;
    if (runStart >= 0 && members[m * 3 - 1] !== API_VERSION && members[m * 3 - 1] !== KIND) {
      runEnd = members[m * 3 + 1]!;
      continue;
    }
    if (runStart >= 0) {
      copy(runStart, runEnd);
      out[o++] = 0x2c;
    }
    runStart = ks;
    runEnd = members[m * 3 + 1]!;
  }
  copy(runStart, runEnd);
  out[o++] = 0x7d;
  if (o !== size) throw new Error(`item JSON of ${key}: size ${o} != ${size}`);
  return { item: out, rvAt, head };
}

/** The item JSON of a decoded object (its metadata.resourceVersion already set). */
export function itemOf(obj: KObject, alloc: Alloc = allocPooled): Item {
  let head = "";
  let text = "{";
  let rvAt = -1;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    const member = JSON.stringify(k) + ":";
    if (k === "apiVersion" || k === "kind") {
      head += (head ? "," : "") + member + JSON.stringify(v);
      continue;
    }
    if (text.length > 1) text += ",";
    if (k !== "metadata") {
      text += member + JSON.stringify(v);
      continue;
    }
    text += member + "{";
    let first = true;
    for (const mk of Object.keys(obj.metadata)) {
      const mv = obj.metadata[mk];
      if (mv === undefined) continue;
      if (!first) text += ",";
      first = false;
      text += JSON.stringify(mk) + ":";
      if (mk === "resourceVersion") {
        rvAt = Buffer.byteLength(text) + 1;
        text += JSON.stringify(String(mv));
      } else text += JSON.stringify(mv);
    }
    text += "}";
  }
  text += "}";
  if (rvAt < 0) throw new Error("itemOf: the object has no metadata.resourceVersion");
  const size = Buffer.byteLength(text);
  const out = alloc(size);
  out.write(text, 0, "utf8");
  return { item: out, rvAt, head };
}

/** The same item at another revision (a DELETED event's last state): the digits replaced. */
export function atRevision(it: Item, oldRev: bigint, rev: bigint, alloc: Alloc = allocPooled): Item {
  const oldLen = oldRev.toString().length;
  const digits = rev.toString();
  const b = it.item;
  const out = alloc(b.length - oldLen + digits.length);
  b.copy(out, 0, 0, it.rvAt);
  out.write(digits, it.rvAt, "latin1");
  b.copy(out, it.rvAt + digits.length, it.rvAt + oldLen);
  return { item: out, rvAt: it.rvAt, head: it.head };
}

/** The object an item stands for (apiVersion and kind first, then the item's members). */
export function decodeItem(key: string, it: Item, text: string = fromBytes(it.item)): KObject {
  let o: unknown;
  try {
    o = JSON.parse(it.head ? "{" + it.head + "," + text.slice(1) : text);
  } catch (e) {
    throw new Error(`unable to decode ${key}: ${(e as Error).message}`);
  }
  return o as KObject;
}
