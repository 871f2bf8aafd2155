/**
 * Protobuf bytes -> the JSON kube-apiserver would hold after decoding them into its Go types and
 * encoding those as JSON: absent non-pointer fields come back as Go zero values (dropped when
 * omitempty), absent pointers, slices and maps as null (dropped when omitempty), structs always
 * (omitempty never drops a struct), and the value types in their own JSON forms.
 */

import { kindKey, messageDesc, type FieldDesc, type MessageDesc } from "./descriptors.js";
import { checkQuantity, formatDuration, formatTime, ZERO_TIME_SECONDS } from "./values.js";
import { ProtobufError, Reader, utf8, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from "./wire.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const EMPTY = new Uint8Array(0);

function wireError(wire: number, f: FieldDesc): ProtobufError {
  return new ProtobufError(`proto: wrong wireType = ${wire} for field ${f.name || "inline"}`);
}

/** A non-repeated message field seen more than once: protobuf merges, which concatenation does. */
function concat(parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("base64");
}

function readScalar(r: Reader, f: FieldDesc, wire: number): Json {
  switch (f.scalar) {
    case "string":
      if (wire !== WIRE_BYTES) throw wireError(wire, f);
      return r.string();
    case "bytes":
      if (wire !== WIRE_BYTES) throw wireError(wire, f);
      return base64(r.bytes());
    case "int32":
      if (wire !== WIRE_VARINT) throw wireError(wire, f);
      return r.int32();
    case "int64":
      if (wire !== WIRE_VARINT) throw wireError(wire, f);
      return r.int64();
    case "bool":
      if (wire !== WIRE_VARINT) throw wireError(wire, f);
      return r.bool();
    case "double":
      if (wire !== WIRE_FIXED64) throw wireError(wire, f);
      return r.double();
  }
  throw new ProtobufError(`proto: field ${f.name} has no type`);
}

function zeroScalar(f: FieldDesc): Json {
  switch (f.scalar) {
    case "string":
      return "";
    case "bool":
      return false;
    case "bytes":
      return null; // a nil []byte
    default:
      return 0;
  }
}

/** Reads one map entry (key = 1, value = 2) into `into`. */
function readMapEntry(r: Reader, f: FieldDesc, into: JsonObject): void {
  const end = r.delimited();
  const entry = new Reader(r.buf, r.pos, end);
  let key = "";
  let value: Json | undefined;
  let valueBytes: Uint8Array | undefined;
  while (entry.pos < end) {
    const tag = entry.uint();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 1) {
      if (wire !== WIRE_BYTES) throw wireError(wire, f);
      key = entry.string();
    } else if (num === 2) {
      if (f.message) {
        if (wire !== WIRE_BYTES) throw wireError(wire, f);
        valueBytes = entry.bytes();
      } else value = readScalar(entry, f, wire);
    } else entry.skip(wire);
  }
  r.pos = end;
  if (f.message) value = decodeMessage(f.message, valueBytes ?? EMPTY, true);
  else if (value === undefined) value = f.scalar === "bytes" ? "" : zeroScalar(f); // Go fills in []byte{}
  into[key] = value;
}

/** Field values as read, before JSON shaping: scalars, arrays, maps, or message byte ranges. */
type Slot = Json | Uint8Array | Uint8Array[] | undefined;

function readFields(desc: MessageDesc, buf: Uint8Array, start: number, end: number): Slot[] {
  const slots: Slot[] = new Array(desc.fields.length);
  const r = new Reader(buf, start, end);
  while (r.pos < end) {
    const tag = r.uint();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new ProtobufError(`proto: ${desc.key.slice(desc.key.lastIndexOf(".") + 1)}: illegal tag 0 (wire type ${wire})`);
    const f = desc.byNum[num];
    if (!f) {
      r.skip(wire);
      continue;
    }
    if (f.card === "one") {
      if (f.message) {
        if (wire !== WIRE_BYTES) throw wireError(wire, f);
        const bytes = r.bytes();
        const prev = slots[f.index];
        if (prev === undefined) slots[f.index] = bytes;
        else if (Array.isArray(prev)) (prev as Uint8Array[]).push(bytes);
        else slots[f.index] = [prev as Uint8Array, bytes];
      } else slots[f.index] = readScalar(r, f, wire);
    } else if (f.card === "repeated") {
      let list = slots[f.index] as Json[] | undefined;
      if (!list) slots[f.index] = list = [];
      if (f.message) {
        if (wire !== WIRE_BYTES) throw wireError(wire, f);
        const e = r.delimited();
        list.push(decodeMessage(f.message, buf.subarray(r.pos, e), true));
        r.pos = e;
      } else if (wire === WIRE_BYTES && f.scalar !== "string" && f.scalar !== "bytes") {
        // Packed numbers: Go writes them unpacked but accepts both.
        const e = r.delimited();
        const packed = new Reader(buf, r.pos, e);
        while (packed.pos < e) list.push(readScalar(packed, f, f.scalar === "double" ? WIRE_FIXED64 : WIRE_VARINT));
        r.pos = e;
      } else list.push(readScalar(r, f, wire));
    } else {
      if (wire !== WIRE_BYTES) throw wireError(wire, f);
      let map = slots[f.index] as JsonObject | undefined;
      if (!map) slots[f.index] = map = {};
      readMapEntry(r, f, map);
    }
  }
  return slots;
}

function isZero(v: Json): boolean {
  return v === "" || v === 0 || v === false || v === null;
}

/**
 * The JSON of one message. `present` says whether the message was on the wire (a non-nil pointer
 * or any struct value); only special types care, the rest decode empty bytes to their zero JSON.
 */
export function decodeMessage(desc: MessageDesc, bytes: Uint8Array, present: boolean): Json {
  if (desc.special) return decodeSpecial(desc, bytes, present);
  const slots = readFields(desc, bytes, 0, bytes.length);
  const out: JsonObject = {};
  for (const f of desc.fields) {
    const v = slots[f.index];
    if (f.card !== "one") {
      // Go slices and maps: nil unless something was on the wire; omitempty drops empty ones.
      if (v === undefined) {
        if (!f.omitempty) out[f.name] = null;
      } else if (!f.omitempty || (Array.isArray(v) ? v.length : Object.keys(v as JsonObject).length)) out[f.name] = v as Json;
      continue;
    }
    if (f.message) {
      const sliceLike = f.message.special === "slice";
      if (v === undefined && (f.pointer || sliceLike)) {
        if (!f.omitempty) out[f.name] = null;
        continue;
      }
      const bytes = v === undefined ? EMPTY : Array.isArray(v) ? concat(v as Uint8Array[]) : (v as Uint8Array);
      const value = decodeMessage(f.message, bytes, v !== undefined);
      if (f.inline) Object.assign(out, value as JsonObject);
      else if (sliceLike && f.omitempty && (value as Json[]).length === 0) continue;
      else out[f.name] = value;
      continue;
    }
    if (v === undefined) {
      if (!f.omitempty) out[f.name] = f.pointer ? null : zeroScalar(f);
      continue;
    }
    if (f.omitempty && !f.pointer && isZero(v as Json)) continue;
    out[f.name] = v as Json;
  }
  return out;
}

const ok = (b: Uint8Array) => b.length > 0;

/** The value types whose Go types marshal their own JSON. */
function decodeSpecial(desc: MessageDesc, bytes: Uint8Array, present: boolean): Json {
  switch (desc.special) {
    case "quantity": {
      let s = "0";
      const r = new Reader(bytes, 0, bytes.length);
      while (r.pos < bytes.length) {
        const tag = r.uint();
        if (tag === 0x0a) s = checkQuantity(r.string());
        else r.skip(tag & 7);
      }
      return s;
    }
    case "intorstring": {
      let type = 0;
      let intVal = 0;
      let strVal = "";
      scan(bytes, (num, r, wire) => {
        if (num === 1 && wire === WIRE_VARINT) type = r.int64();
        else if (num === 2 && wire === WIRE_VARINT) intVal = r.int32();
        else if (num === 3 && wire === WIRE_BYTES) strVal = r.string();
        else r.skip(wire);
      });
      if (type === 0) return intVal;
      if (type === 1) return strVal;
      throw new ProtobufError("impossible IntOrString.Type");
    }
    case "time":
    case "microtime": {
      if (!ok(bytes)) return null; // Time.Unmarshal: no bytes is the zero time
      let seconds = 0;
      let nanos = 0;
      const r = new Reader(bytes, 0, bytes.length);
      while (r.pos < bytes.length) {
        const tag = r.uint();
        if (tag === 0x08) seconds = r.int64();
        else if (tag === 0x10) nanos = r.int32();
        else r.skip(tag & 7);
      }
      if (desc.special === "time") return seconds === ZERO_TIME_SECONDS ? null : formatTime(seconds);
      let micros = Math.trunc(nanos / 1000);
      seconds += Math.floor(micros / 1_000_000);
      micros = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
      return seconds === ZERO_TIME_SECONDS && micros === 0 ? null : formatTime(seconds, micros);
    }
    case "duration": {
      let ns = 0n;
      scan(bytes, (num, r, wire) => {
        if (num === 1 && wire === WIRE_VARINT) ns = r.bigint64();
        else r.skip(wire);
      });
      return formatDuration(ns);
    }
    case "fieldsv1":
    case "json":
    case "rawextension": {
      let raw: Uint8Array | undefined;
      scan(bytes, (num, r, wire) => {
        if (num === 1 && wire === WIRE_BYTES) raw = r.bytes();
        else r.skip(wire);
      });
      if (raw === undefined || raw.length === 0) return null;
      if (desc.special === "rawextension" && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0) {
        return decodeEmbedded(raw); // a protobuf object inside (watch events, lists)
      }
      try {
        return JSON.parse(utf8(raw, 0, raw.length)) as Json;
      } catch {
        throw new ProtobufError(
          desc.special === "rawextension"
            ? "cannot convert RawExtension with unrecognized content type to unstructured"
            : `invalid JSON in ${desc.key.slice(desc.key.lastIndexOf(".") + 1)}`,
        );
      }
    }
    case "propsorarray":
    case "propsorbool":
    case "propsorstringarray": {
      const props = messageDesc(JSON_SCHEMA_PROPS);
      let schema: Uint8Array | undefined;
      let allows = false;
      const list: Json[] = [];
      scan(bytes, (num, r, wire) => {
        if (desc.special === "propsorbool") {
          if (num === 1 && wire === WIRE_VARINT) allows = r.bool();
          else if (num === 2 && wire === WIRE_BYTES) schema = r.bytes();
          else r.skip(wire);
          return;
        }
        if (num === 1 && wire === WIRE_BYTES) schema = r.bytes();
        else if (num === 2 && wire === WIRE_BYTES) {
          if (desc.special === "propsorarray") list.push(decodeMessage(props, r.bytes(), true));
          else list.push(r.string());
        } else r.skip(wire);
      });
      const schemaJson = schema === undefined ? null : decodeMessage(props, schema, true);
      if (desc.special === "propsorbool") return schema !== undefined ? schemaJson : allows;
      if (list.length) return list;
      return schemaJson;
    }
    case "slice": {
      if (!present) return null;
      const item = desc.item!;
      const list: Json[] = [];
      scan(bytes, (num, r, wire) => {
        if (num !== 1) return r.skip(wire);
        if (item.message) list.push(decodeMessage(item.message, r.bytes(), true));
        else if (wire === WIRE_BYTES) list.push(item.scalar === "bytes" ? base64(r.bytes()) : r.string());
        else list.push(item.scalar === "bool" ? r.bool() : r.int64());
      });
      return list;
    }
    case "unknown":
      throw new ProtobufError("runtime.Unknown cannot be a field");
  }
  throw new ProtobufError(`no decoder for ${desc.key}`);
}

function scan(bytes: Uint8Array, visit: (num: number, r: Reader, wire: number) => void): void {
  const r = new Reader(bytes, 0, bytes.length);
  while (r.pos < bytes.length) {
    const tag = r.uint();
    visit(tag >>> 3, r, tag & 7);
  }
}

const JSON_SCHEMA_PROPS = "apiextensions/v1.JSONSchemaProps";

/** The `k8s\0` magic in front of every protobuf object kube serves or accepts. */
export const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: JsonObject;
}

/** Go's %q, close enough for API group/version/kind strings. */
const goQuote = (s: string) => JSON.stringify(s);

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Decodes `k8s\0` + runtime.Unknown{typeMeta, raw} into the object it carries. `defaults` fill in
 * an empty kind or group/version, as the endpoint's type does in kube (copyKindDefaults).
 */
export function decodeObject(body: Uint8Array, defaults?: { apiVersion?: string; kind?: string }): DecodedObject {
  if (body.length === 0) throw new ProtobufError("empty data");
  if (body.length < 4 || body[0] !== 0x6b || body[1] !== 0x38 || body[2] !== 0x73 || body[3] !== 0) {
    throw new ProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  }
  if (body.length === 4) throw new ProtobufError("empty body");
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array = EMPTY;
  const r = new Reader(body, 4, body.length);
  while (r.pos < body.length) {
    const tag = r.uint();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new ProtobufError(`proto: Unknown: illegal tag 0 (wire type ${wire})`);
    if (num === 1) {
      if (wire !== WIRE_BYTES) throw new ProtobufError(`proto: wrong wireType = ${wire} for field TypeMeta`);
      const end = r.delimited();
      const tm = new Reader(body, r.pos, end);
      while (tm.pos < end) {
        const t = tm.uint();
        const w = t & 7;
        if (t >>> 3 === 1 && w === WIRE_BYTES) apiVersion = tm.string();
        else if (t >>> 3 === 2 && w === WIRE_BYTES) kind = tm.string();
        else if (t >>> 3 === 1 || t >>> 3 === 2) throw new ProtobufError(`proto: wrong wireType = ${w} for field ${t >>> 3 === 1 ? "APIVersion" : "Kind"}`);
        else tm.skip(w);
      }
      r.pos = end;
    } else if (num === 2) {
      if (wire !== WIRE_BYTES) throw new ProtobufError(`proto: wrong wireType = ${wire} for field Raw`);
      raw = r.bytes();
    } else r.skip(wire); // contentEncoding, contentType: kube ignores both
  }
  const typeMeta = `runtime.TypeMeta{APIVersion:${goQuote(apiVersion)}, Kind:${goQuote(kind)}}`;
  let { group, version } = splitApiVersion(apiVersion);
  if (defaults) {
    if (!kind && defaults.kind) kind = defaults.kind;
    const d = splitApiVersion(defaults.apiVersion ?? "");
    if (!version && d.version) {
      group = d.group;
      version = d.version;
    }
  }
  apiVersion = group ? `${group}/${version}` : version;
  const gvk = { apiVersion, kind };
  if (!kind) throw new ProtobufError(`Object 'Kind' is missing in '${typeMeta}'`, gvk);
  if (!version) throw new ProtobufError(`Object 'apiVersion' is missing in '${typeMeta}'`, gvk);
  const key = kindKey(apiVersion, kind);
  if (!key) {
    throw new ProtobufError(`no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme "pkg/api/legacyscheme/scheme.go:30"`, gvk);
  }
  let fields: Json;
  try {
    fields = decodeMessage(messageDesc(key), raw, true);
  } catch (e) {
    if (e instanceof ProtobufError && e.kind === undefined) throw new ProtobufError(e.message, gvk);
    throw e;
  }
  return { apiVersion, kind, object: { kind, apiVersion, ...(fields as JsonObject) } };
}

function decodeEmbedded(raw: Uint8Array): JsonObject {
  return decodeObject(raw).object;
}
